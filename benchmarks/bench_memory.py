"""Memory against replay length: peak RSS of whole `violet-sim run` processes over 7 and 90 days
of 5-second scans, from a Parquet archive and from ClickHouse (embedded chDB), side by side.

A replay streams its scans in batches and its journal in row groups, so a 90-day run should need
no more memory than a 7-day one (the promise: within 10%). Each run is a fresh process, measured
with ``wait4`` (the child's own peak RSS); the last lines give, per source, the longest run's peak
over the shortest's and whether it is within 10% (``--json`` writes the same for other tools).
``--dsn`` names the ClickHouse target (default: an embedded chDB directory under the work
folder); on a server the peak is the client's alone. ``tests/sim/test_sim_memory.py`` checks
each reader on its own the same way, at sizes a test can afford.

    .venv/bin/python benchmarks/bench_memory.py [--days 7,90] [--assets 20] [--sources parquet,clickhouse]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SCAN_MS = 5_000
DAY_MS = 86_400_000
WITHIN = 1.10  # the promise: the longest replay's peak at most 10% over the shortest's


def violet(*args: str) -> tuple[float, float]:
    """Run ``violet-sim ARGS`` in a fresh process; (wall seconds, peak RSS in MB) of that process."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "sim", *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"violet-sim {' '.join(args)} exited {code}: {proc.stderr.read().decode()[-400:]}")
    return wall, usage.ru_maxrss / 1024


def scenario(work: Path, name: str, data: dict) -> Path:
    path = work / f"{name}.yaml"
    path.write_text(json.dumps({"name": name, "seed": 1, "data": data}))
    return path


def measure(work: Path, days: list[int], assets: int, sources: list[str], dsn: str,
            batch: dict[str, int]) -> list[dict]:
    """One row per source and length: ``{source, days, scans, wall_s, rss_mb}``."""
    if "clickhouse" in sources:
        violet("db", "init", "--dsn", dsn)
    rows: list[dict] = []
    for n_days in days:
        scans = n_days * DAY_MS // SCAN_MS
        archive = work / f"days{n_days}.parquet"
        violet("scans", "generate", "--out", str(archive), "--scans", str(scans), "--assets", str(assets))
        data = {"parquet": {"kind": "parquet", "path": str(archive), **batch},
                "clickhouse": {"kind": "clickhouse", "dsn": dsn, "dataset": f"days{n_days}", **batch}}
        for source in sources:
            if source == "clickhouse":
                violet("db", "import-scans", str(archive), "--dsn", dsn, "--dataset", f"days{n_days}", "--replace")
            run = scenario(work, f"{source}{n_days}", data[source])
            wall, rss = violet("run", str(run), "--out", str(work / f"run-{source}{n_days}"))
            rows.append({"source": source, "days": n_days, "scans": scans, "wall_s": wall, "rss_mb": rss})
    return rows


def ratios(rows: list[dict]) -> dict[str, float]:
    """Per source, the longest run's peak RSS over the shortest run's."""
    out = {}
    for source in dict.fromkeys(r["source"] for r in rows):
        runs = sorted((r for r in rows if r["source"] == source), key=lambda r: r["days"])
        out[source] = runs[-1]["rss_mb"] / runs[0]["rss_mb"]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", default="7,90", help="comma-separated replay lengths in days")
    ap.add_argument("--assets", type=int, default=20, help="trading assets (10 stablecoins are added)")
    ap.add_argument("--sources", default="parquet,clickhouse")
    ap.add_argument("--dsn", default=None, help="ClickHouse target (default: chDB under the work folder)")
    ap.add_argument("--batch-size", type=int, default=None, help="scans per batch (default: the scenario default)")
    ap.add_argument("--keep", type=Path, default=None, help="keep archives, store and runs here")
    ap.add_argument("--json", type=Path, default=None, help="also write the rows and ratios here")
    args = ap.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="violet-mem-"))
    work.mkdir(parents=True, exist_ok=True)
    days = sorted(int(d) for d in args.days.split(","))
    rows = measure(work, days, args.assets, args.sources.split(","), args.dsn or f"chdb://{work / 'store'}",
                   {} if args.batch_size is None else {"batch_size": args.batch_size})
    print(f"{'source':<11}{'days':>5}{'scans':>12}{'wall s':>9}{'peak RSS MB':>13}{'vs shortest':>13}")
    ratio = ratios(rows)
    shortest = {r["source"]: r["rss_mb"] for r in reversed(rows)}
    for r in rows:
        print(f"{r['source']:<11}{r['days']:>5}{r['scans']:>12,}{r['wall_s']:>9.1f}{r['rss_mb']:>13,.0f}"
              f"{r['rss_mb'] / shortest[r['source']]:>12.2f}x")
    for source, x in ratio.items():
        verdict = "within" if x <= WITHIN else "NOT within"
        print(f"{source}: {days[-1]} days / {days[0]} days = {x:.3f}x, {verdict} {WITHIN - 1:.0%}")
    if args.json is not None:
        args.json.write_text(json.dumps({"rows": rows, "ratios": ratio, "within": WITHIN}, indent=1))


if __name__ == "__main__":
    main()
