"""End-to-end replay benchmark: a 30-day, 5-second, 50-asset archive through the whole harness.

Generates the archive once (518,400 scans x 50 assets incl. the 10 stablecoins, seeded), then
times ``simulate`` on it: batch decisions, execution, the exact-money venue, the invariant
monitor and the journal. Prints wall time, scans/s, trades and peak memory. Not a test.

    .venv/bin/python benchmarks/bench_replay.py [--scans 518400] [--assets 40] [--keep DIR]
"""
from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from sim.scans.archive import write_archive
from sim.scans.synthetic import SyntheticConfig, SyntheticScanSource
from sim.scenario import parse_scenario
from sim.harness.simulate import simulate


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scans", type=int, default=518_400)
    ap.add_argument("--assets", type=int, default=40, help="trading assets (10 stablecoins are added)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", type=Path, default=None, help="keep the archive and run outputs here")
    args = ap.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="violet-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    archive = work / "bench.parquet"
    t0 = time.perf_counter()
    src = SyntheticScanSource(SyntheticConfig(n_scans=args.scans, n_assets=args.assets), seed=args.seed)
    write_archive(archive, src.batches(), provenance=src.provenance)
    t_gen = time.perf_counter() - t0
    scenario = parse_scenario({"name": "bench", "seed": args.seed,
                               "data": {"kind": "parquet", "path": str(archive)}}, "bench")
    out = work / "run"
    out.mkdir(exist_ok=True)
    t0 = time.perf_counter()
    result = simulate(scenario, out_dir=out)
    t_run = time.perf_counter() - t0
    s = result.summary
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"archive: {args.scans:,} scans x {len(src.assets)} assets, generated in {t_gen:.1f} s")
    print(f"replay:  {t_run:.2f} s wall, {args.scans / t_run:,.0f} scans/s end to end")
    print(f"         decided {s.decided:,}, gated {s.gated:,}, trades {s.trades:,}, "
          f"orders {s.orders:,}, fills {s.fills:,}, violations {s.violations}")
    print(f"         final equity {s.final_equity}, peak RSS {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main()
