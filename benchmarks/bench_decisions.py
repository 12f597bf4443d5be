"""Decisions per second of the L1 core, per-scan and batch, on generated 50- and 400-asset streams.

Usage: python benchmarks/bench_decisions.py [--scans 200000] [--chunk 10000] [--repeat 3] [--seed 7]

Streams are seeded random walks (10 of the assets are stablecoins) with heavy-tailed vel_div and
rare spikes; about 8% of scans end in a DECISION. Each figure is the best of ``--repeat`` runs on
a fresh engine. Only the timing depends on the machine.
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from violet_engine import DecisionEngine, Outcome, ScanBatch
from violet_engine.constants import STABLECOIN_SYMBOLS
from violet_engine.scan_batch import NO_TS

START_MS = 1_767_225_600_000
SCAN_MS = 5_000


def generate(n_scans: int, n_assets: int, seed: int) -> ScanBatch:
    rng = np.random.default_rng(seed)
    names = [f"C{j:03d}USDT" for j in range(n_assets - len(STABLECOIN_SYMBOLS))]
    assets = tuple(sorted(names + list(STABLECOIN_SYMBOLS)))
    steps = rng.normal(0.0, 0.001, (n_scans, n_assets))
    prices = 100.0 * np.exp(np.cumsum(steps, axis=0))
    vel_div = 0.012 * rng.standard_t(4, n_scans)
    spikes = rng.random(n_scans) < 1e-4
    vel_div[spikes] = -rng.uniform(1.0, 605.0, spikes.sum())
    ts = START_MS + SCAN_MS * np.arange(n_scans, dtype=np.int64)
    esof_score = rng.normal(0.0, 0.03, n_scans)
    esof_ts = np.where(rng.random(n_scans) < 0.9, ts - 60_000, NO_TS)
    return ScanBatch(assets, ts, np.arange(n_scans, dtype=np.int64), vel_div, prices,
                     np.ones((n_scans, n_assets), dtype=bool), esof_score, esof_ts)


def best_of(repeat: int, run) -> tuple[float, int]:
    return min(run() for _ in range(repeat))


def time_batch(stream: ScanBatch, chunk: int) -> tuple[float, int]:
    engine, decisions = DecisionEngine(), 0
    start = time.perf_counter()
    for lo in range(0, len(stream), chunk):
        decisions += engine.decide_batch(stream.slice(lo, lo + chunk), 10_000.0).counts()[Outcome.DECISION]
    return time.perf_counter() - start, decisions


def time_per_scan(stream: ScanBatch, n_scans: int) -> tuple[float, int]:
    rows = [stream.row(i) for i in range(n_scans)]  # scan dicts as a live feed delivers them
    engine = DecisionEngine()
    start = time.perf_counter()
    decisions = sum(engine.decide(row, 10_000.0).outcome is Outcome.DECISION for row in rows)
    return time.perf_counter() - start, decisions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scans", type=int, default=200_000, help="scans per 50-asset stream (400 assets: a quarter)")
    parser.add_argument("--chunk", type=int, default=10_000, help="scans per batch on the batch path")
    parser.add_argument("--per-scan", type=int, default=5_000, help="scans timed on the per-scan path")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure; the fastest is shown")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    print(f"{'assets':>6}  {'path':<22} {'scans':>9} {'seconds':>8} {'scans/s':>12} {'decisions':>9}")
    for n_assets, n_scans in ((50, args.scans), (400, args.scans // 4)):
        stream = generate(n_scans, n_assets, args.seed)
        runs = (
            (f"batch ({args.chunk:,}/batch)", n_scans, *best_of(args.repeat, lambda: time_batch(stream, args.chunk))),
            ("per-scan", args.per_scan, *best_of(args.repeat, lambda: time_per_scan(stream, args.per_scan))),
        )
        for path, scans, seconds, decisions in runs:
            print(f"{n_assets:>6}  {path:<22} {scans:>9,} {seconds:>8.3f} {scans / seconds:>12,.0f} {decisions:>9,}")


if __name__ == "__main__":
    main()
