"""Replays stream: memory does not grow with the length of the replay, and every scan - rejected
ones included - is accounted for (scans in = decided + no signal + no pick + rejected)."""
from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from sim.scans.archive import write_archive
from sim.scans.synthetic import SyntheticConfig, SyntheticScanSource
from sim.scenario import parse_scenario
from sim.harness.simulate import simulate
from sim.journal.writer import RunJournal
from violet_engine import ScanBatch


def _peak_bytes(data: dict, journal: RunJournal | None = None) -> int:
    scenario = parse_scenario({"name": "mem", "seed": 2, "data": data}, "mem")
    tracemalloc.start()
    try:
        simulate(scenario, journal=journal)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_peak_memory_does_not_grow_with_replay_length():
    short, long = (_peak_bytes({"kind": "synthetic", "config": {"n_scans": n}, "batch_size": 2048})
                   for n in (10_000, 60_000))
    assert long < 1.5 * short, (short, long)


def test_peak_memory_from_an_archive_does_not_grow_with_its_length(tmp_path: Path):
    """Read from Parquet, in batches: six times the scans, not six times the memory. The journal
    flushes every 256 rows here, so that both lengths fill its buffers (a real run's 4,096-row
    buffers fill only after a few days of scans: the memory benchmark measures 7 vs 90 days)."""
    peaks = []
    for n in (10_000, 60_000):
        archive = tmp_path / f"scans{n}.parquet"
        write_archive(archive, SyntheticScanSource(SyntheticConfig(n_scans=n, n_assets=12), seed=2, batch_size=2048).batches())
        peaks.append(_peak_bytes({"kind": "parquet", "path": str(archive), "batch_size": 2048},
                                 RunJournal(None, flush_rows=256)))
    short, long = peaks
    assert long < 1.5 * short, (short, long)


def _corrupt(batch: ScanBatch, rows: dict[int, str]) -> ScanBatch:
    """A copy of ``batch`` with one fault per listed row."""
    prices, vel, ts = batch.prices.copy(), batch.vel_div.copy(), batch.ts_ms.copy()
    for i, kind in rows.items():
        if kind == "nan_vel_div":
            vel[i] = np.nan
        elif kind == "negative_price":
            prices[i, 3] = -1.0
        elif kind == "zero_price":
            prices[i, 4] = 0.0
        elif kind == "inf_price":
            prices[i, 5] = np.inf
        elif kind == "time_backwards":
            ts[i] = ts[i - 1] - 1
    return ScanBatch(batch.assets, ts, batch.scan_number, vel, prices, batch.present, batch.esof_score,
                     batch.esof_ts_ms, batch.marks)


def test_rejected_scans_are_counted_and_journaled(tmp_path: Path):
    src = SyntheticScanSource(SyntheticConfig(n_scans=4000), seed=4, batch_size=1000)
    faults = {100: "nan_vel_div", 1200: "negative_price", 1900: "zero_price", 2500: "inf_price", 3300: "time_backwards"}
    batches = [_corrupt(b, {i - k * 1000: f for i, f in faults.items() if k * 1000 <= i < (k + 1) * 1000})
               for k, b in enumerate(src.batches())]
    archive = tmp_path / "corrupt.parquet"
    write_archive(archive, batches)
    scenario = parse_scenario({"name": "corrupt", "data": {"kind": "parquet", "path": str(archive)}}, "t")
    out = tmp_path / "run"
    out.mkdir()
    s = simulate(scenario, out_dir=out).summary
    assert s.scans_in == 4000
    assert s.rejected == 5
    assert s.decided + s.no_signal + s.no_pick + s.rejected == 4000
    rejects = pq.read_table(out / "rejects.parquet").to_pylist()
    assert [r["reason"] for r in rejects] == ["vel_div_not_finite", "price_negative", "price_zero",
                                             "price_not_finite", "ts_not_increasing"]
    assert rejects[1]["field"].startswith("prices.") and rejects[1]["value"] == "-1.0"
    assert s.facts.rejects_by_reason["price_zero"] == 1
    assert s.passed
