"""Swarm benchmark: the same swarm on the jump path and on the per-scan path, side by side.

Runs ``violet-sim swarm`` over the given scenario files (default: every file in
``scenarios/faults/``) as a whole process per engine path, and prints each one's wall time, CPU
time (its own and its workers'), runs per hour and the ratio. The per-scan path is the reference
replay (``execution.engine_path: per-scan``): each scenario is copied with that one setting into a
temporary folder (so its data must not be named by a path relative to the file; the bundled fault
scenarios use synthetic data). Both swarms must report the same journal hash for every
(scenario, seed), or the benchmark says so and exits 1. Not a test.

    python benchmarks/bench_swarm.py [--seeds 200] [--workers 2] [FILES...]
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def per_scan_copies(files: list[Path], folder: Path) -> list[Path]:
    """Each scenario with ``execution.engine_path: per-scan``, under its own file name."""
    out = []
    for f in files:
        doc = yaml.safe_load(f.read_text())
        doc.setdefault("execution", {})["engine_path"] = "per-scan"
        target = folder / f.name
        target.write_text(yaml.safe_dump(doc, sort_keys=False))
        out.append(target)
    return out


def timed_swarm(files: list[Path], seeds: int, workers: int, out: Path) -> dict:
    """One ``violet-sim swarm`` process: wall, CPU of it and its workers, and its results."""
    cmd = [sys.executable, "-m", "sim", "swarm", *map(str, files), "--seeds", str(seeds), "--workers", str(workers),
           "--quiet", "--table", "failures", "--out", str(out)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    report = json.loads((out / "swarm.json").read_text())
    hashes = {(r["name"], r["seed"]): r["journal_sha256"] for r in report["results"]}
    return {"wall": wall, "cpu": cpu, "exit": done.returncode, "runs": len(report["results"]),
            "reruns": len(report["reruns"]), "hashes": hashes, "last": done.stdout.strip().splitlines()[-1:]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--seeds", type=int, default=200)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    files = [f.resolve() for f in args.files] or sorted((ROOT / "scenarios" / "faults").glob("*.yaml"))
    work = Path(tempfile.mkdtemp(prefix="violet-bench-swarm-"))
    (work / "per-scan").mkdir()
    parts = {"jump": files, "per-scan": per_scan_copies(files, work / "per-scan")}
    results = {}
    for name, group in parts.items():
        results[name] = r = timed_swarm(group, args.seeds, args.workers, work / f"out-{name}")
        print(f"  {name:9s} {r['wall']:8.1f} s wall {r['cpu']:8.1f} s cpu  {r['runs']:,} runs + {r['reruns']} reruns  "
              f"{r['runs'] * 3600 / r['wall']:>9,.0f} runs/hour  exit {r['exit']}  {' '.join(r['last'])}")
    jump, ref = results["jump"], results["per-scan"]
    same = jump["hashes"] == ref["hashes"]
    print(f"{len(files)} scenarios x {args.seeds} seeds on {args.workers} workers: jump path {ref['wall'] / jump['wall']:.2f}x "
          f"faster in wall time, {ref['cpu'] / jump['cpu']:.2f}x in CPU; journal hashes "
          f"{'identical for every run' if same else 'DIFFER'}")
    sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()
