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
from violet_engine import ScanBatch


def _peak_bytes(n_scans: int) -> int:
    scenario = parse_scenario({"name": "mem", "seed": 2, "data": {
        "kind": "synthetic", "config": {"n_scans": n_scans}, "batch_size": 2048}}, "mem")
    tracemalloc.start()
    try:
        simulate(scenario)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_peak_memory_does_not_grow_with_replay_length():
    short, long = _peak_bytes(10_000), _peak_bytes(60_000)
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
