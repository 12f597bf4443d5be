"""End-to-end replay benchmark: the anchor workload through violet-sim and two references, in one process.

Generates a seeded archive (default 30 days of 5-second scans x 50 assets incl. the 10
stablecoins: 518,400 scans), then times, side by side:

- violet-sim end to end (``simulate``: load, batch decisions, execution, the exact-money venue,
  the invariant monitor, the journal written), on the jump path and on the per-scan path;
- a plain Python loop with the same strategy: the archive loaded, the engine's batch decisions,
  then one loop over the scans (lists) with its own single slot, float wallet, 0.05% taker fee,
  and the same exit rule scan by scan; no venue, no ledger, no journal;
- the numpy lower bound: the archive loaded, the batch decisions, and a loop that jumps from
  trade to trade (``ExitEngine.first_exit`` over the held asset's prices).

Prints wall time, scans/s and the ratios to the plain loop, trades, and peak RSS of each part (a
fresh process per part with ``--isolate``; otherwise peak RSS is the process's so far). Not a test.

    python benchmarks/bench_replay.py [--days 30] [--scans N] [--assets 40] [--repeat 1] [--skip per-scan]
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
from typing import Callable

import numpy as np

from sim.harness.simulate import simulate
from sim.scans.archive import ParquetScanSource, write_archive
from sim.scans.synthetic import SyntheticConfig, SyntheticScanSource
from sim.scenario import parse_scenario
from violet_engine import DecisionEngine
from violet_engine.decision_batch import OUTCOME_CODE
from violet_engine.exits import ExitConfig, ExitEngine
from violet_engine.modulation import notional_for
from violet_engine.types import Outcome

SCANS_PER_DAY = 86_400 // 5
TAKER = 0.0005
CAPITAL = 10_000.0
_DECISION = OUTCOME_CODE[Outcome.DECISION]
_REJECT = OUTCOME_CODE[Outcome.REJECT]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def violet(archive: Path, out: Path, path: str) -> dict:
    scenario = parse_scenario({"name": "bench", "seed": 1, "data": {"kind": "parquet", "path": str(archive)},
                               "execution": {"engine_path": path}}, "bench")
    s = simulate(scenario, out_dir=out).summary
    return {"trades": s.trades, "decided": s.decided, "gated": s.gated, "violations": s.violations,
            "journal": s.journal_sha256[:16], "final_equity": s.final_equity}


def _decided(archive: Path):
    """Batches and their decisions, as the simulator's feed sees them."""
    engine = DecisionEngine()
    for batch in ParquetScanSource(archive).batches():
        yield batch, engine.decide_batch(batch, CAPITAL)


def plain_loop(archive: Path) -> dict:
    """One Python loop over every scan: the slot, the exit check, entry at the scan price."""
    exits = ExitEngine(ExitConfig())
    wallet, trades = CAPITAL, 0
    held = None  # [column, entry price, quantity, scans held, entry ts_ms]
    for batch, d in _decided(archive):
        prices, stamps = batch.prices.tolist(), batch.ts_ms.tolist()
        outcome, asset = d.outcome.tolist(), d.asset.tolist()
        fraction, esof = d.notional_fraction.tolist(), d.esof_mult.tolist()
        for i, code in enumerate(outcome):
            if code == _REJECT:
                continue
            row = prices[i]
            if held is not None:
                held[3] += 1
                price = row[held[0]]
                if price == price and price > 0 and exits.check(held[1], price, held[3], stamps[i] - held[4]) is not None:
                    wallet += (held[1] - price) * held[2] - price * held[2] * TAKER
                    held, trades = None, trades + 1
            if code == _DECISION and held is None:
                price = row[asset[i]]
                qty = notional_for(wallet, fraction[i], esof[i]) / price
                wallet -= price * qty * TAKER
                held = [asset[i], price, qty, 0, stamps[i]]
    return {"trades": trades, "final_equity": round(wallet, 2)}


def _first_exit(exits: ExitEngine, batch, rows: np.ndarray, col: int, entry: float, entry_ms: int) -> int | None:
    """Offset into ``rows`` of the scan that closes a position entered at ``entry`` (None: the
    batch ends first); windows grow so that a short hold reads few prices."""
    start, size = 0, 64
    while start < len(rows):
        window_rows = rows[start:start + size]
        window = batch.prices[window_rows, col]
        ok = np.flatnonzero((window == window) & (window > 0))
        hit = exits.first_exit(entry, window[ok], ok + start + 1, batch.ts_ms[window_rows[ok]] - entry_ms)
        if hit is not None:
            return start + int(ok[hit[0]])
        start, size = start + size, size * 4
    return None


def numpy_bound(archive: Path) -> dict:
    """Decisions as arrays, then from trade to trade: the first exit found by array search."""
    exits = ExitEngine(ExitConfig())
    wallet, trades = CAPITAL, 0
    for batch, d in _decided(archive):
        accepted = np.flatnonzero(d.outcome != _REJECT)
        signal = np.searchsorted(accepted, d.signal_rows())
        k = 0
        while True:
            s = int(np.searchsorted(signal, k))
            if s == len(signal):
                break
            k = int(signal[s])
            row = int(accepted[k])
            col = int(d.asset[row])
            entry = float(batch.prices[row, col])
            qty = notional_for(wallet, float(d.notional_fraction[row]), float(d.esof_mult[row])) / entry
            offset = _first_exit(exits, batch, accepted[k + 1:], col, entry, int(batch.ts_ms[row]))
            if offset is None:
                break
            exit_px = float(batch.prices[accepted[k + 1 + offset], col])
            wallet += (entry - exit_px) * qty - (entry + exit_px) * qty * TAKER
            trades += 1
            k += offset + 1
    return {"trades": trades, "final_equity": round(wallet, 2)}


def _timed(fn: Callable[[], dict]) -> dict:
    t0, c0 = time.perf_counter(), time.process_time()
    result = fn()
    return {"wall": time.perf_counter() - t0, "cpu": time.process_time() - c0, **result, "peak_mb": peak_mb()}


def _part(name: str, archive: Path, work: Path) -> dict:
    if name.startswith("violet"):
        path = name.split(":", 1)[1]
        out = work / f"run-{path}"
        out.mkdir(exist_ok=True)
        return _timed(lambda: violet(archive, out, path))
    return _timed(lambda: {"plain": plain_loop, "numpy": numpy_bound}[name](archive))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=float, default=30.0, help="archive length in days of 5-s scans")
    ap.add_argument("--scans", type=int, default=None, help="archive length in scans (overrides --days)")
    ap.add_argument("--assets", type=int, default=40, help="trading assets (10 stablecoins are added)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=1, help="time each part this many times, keep the best")
    ap.add_argument("--skip", action="append", default=[], choices=["jump", "per-scan", "plain", "numpy"])
    ap.add_argument("--isolate", action="store_true", help="each part in a fresh process (its own peak RSS)")
    ap.add_argument("--keep", type=Path, default=None, help="keep the archive and run outputs here")
    ap.add_argument("--part", default=None, help=argparse.SUPPRESS)  # internal: one part, JSON out
    args = ap.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="violet-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    n_scans = args.scans or int(args.days * SCANS_PER_DAY)
    archive = work / f"bench-{n_scans}x{args.assets}-{args.seed}.parquet"
    if args.part is not None:
        print(json.dumps(_part(args.part, archive, work)))
        return
    if not archive.exists():
        t0 = time.perf_counter()
        src = SyntheticScanSource(SyntheticConfig(n_scans=n_scans, n_assets=args.assets), seed=args.seed)
        write_archive(archive, src.batches(), provenance=src.provenance)
        print(f"archive: {n_scans:,} scans x {args.assets + 10} assets, generated in {time.perf_counter() - t0:.1f} s")
    parts = [p for p in ("violet:jump", "violet:per-scan", "plain", "numpy") if p.split(":")[-1] not in args.skip]
    best: dict[str, dict] = {}
    for _ in range(args.repeat):
        for name in parts:
            if args.isolate:
                cmd = [sys.executable, __file__, "--part", name, "--scans", str(n_scans), "--assets", str(args.assets),
                       "--seed", str(args.seed), "--keep", str(work)]
                r = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
            else:
                r = _part(name, archive, work)
            if name not in best or r["wall"] < best[name]["wall"]:
                best[name] = r
    plain = best.get("plain")
    print(f"{n_scans:,} scans x {args.assets + 10} assets, best of {args.repeat} (cpu: this process's CPU time, "
          "what counts on a shared machine):")
    for name, r in best.items():
        ratio = f"{r['wall'] / plain['wall']:5.2f}x plain (cpu {r['cpu'] / plain['cpu']:4.2f}x)" if plain else ""
        extra = {k: v for k, v in r.items() if k not in ("wall", "cpu", "peak_mb")}
        print(f"  {name:16s} {r['wall']:7.2f} s wall {r['cpu']:7.2f} s cpu  {n_scans / r['wall']:>10,.0f} scans/s  "
              f"{ratio}  peak RSS {r['peak_mb']:,.0f} MB  {extra}")


if __name__ == "__main__":
    main()
