"""Scans through embedded ClickHouse: exact ScanBatch round trips, time ranges, Parquet in and out."""
from __future__ import annotations

from typing import Iterable

import numpy as np
import pytest

from sim.rng import RngStreams
from sim.scans.archive import ParquetScanSource, write_archive
from sim.store.client import StoreError
from sim.store.scan_store import ClickHouseScanSource, export_scans, import_scans, store_scans
from violet_engine.scan_batch import NO_TS, ScanBatch

T0 = 1_781_308_800_000
FIELDS = ("ts_ms", "scan_number", "vel_div", "prices", "present", "esof_score", "esof_ts_ms")


def awkward_scans(with_marks: bool = False) -> ScanBatch:
    """Scans with every shape the layout must keep: unlisted assets, a listed NaN price, an asset
    no scan lists, missing EsoF fields, a spike, and timestamps that repeat and go backwards."""
    rng = RngStreams(11).stream("scan-store-test")
    n = 1000
    assets = ("BTCUSDT", "ETHUSDT", "NEVERUSDT", "ZECUSDT")
    present = rng.random((n, 4)) > 0.15
    present[:, 2] = False
    prices = np.where(present, rng.uniform(1, 1e5, (n, 4)), np.nan)
    prices[7, 0], present[7, 0] = np.nan, True
    ts = T0 + 5_000 * np.arange(n)
    ts[500], ts[501] = ts[499], ts[499] - 1
    esof = np.where(rng.random(n) < 0.3, np.nan, rng.normal(0, 0.05, n))
    vel_div = rng.normal(-0.02, 0.02, n)
    vel_div[3] = -605.0
    return ScanBatch(
        assets=assets, ts_ms=ts, scan_number=np.arange(n, dtype=np.int64), vel_div=vel_div,
        prices=prices, present=present, esof_score=esof,
        esof_ts_ms=np.where(np.isnan(esof), NO_TS, ts - 60_000),
        marks=np.where(present, prices * 1.001, np.nan) if with_marks else None)


def joined(batches: Iterable[ScanBatch]) -> dict[str, np.ndarray]:
    batches = list(batches)
    return {f: np.concatenate([getattr(b, f) for b in batches]) for f in FIELDS}


def assert_same(expected: ScanBatch, got: list[ScanBatch]) -> None:
    assert all(b.assets == expected.assets for b in got)
    want, have = joined([expected]), joined(got)
    for f in FIELDS:
        assert have[f].dtype == want[f].dtype, f
        np.testing.assert_array_equal(have[f], want[f], err_msg=f)
    if expected.marks is None:
        assert all(b.marks is None for b in got)
    else:
        np.testing.assert_array_equal(np.concatenate([b.marks for b in got]), expected.marks)


@pytest.mark.parametrize("with_marks", [False, True])
def test_round_trip_is_exact_in_bounded_batches(dsn, with_marks):
    scans = awkward_scans(with_marks=with_marks)
    assert store_scans([scans.slice(0, 300), scans.slice(300, 1000)], dsn, "awkward", provenance="test") == 1000
    source = ClickHouseScanSource(dsn, dataset="awkward", batch_size=128)
    batches = list(source.batches())
    assert [len(b) for b in batches] == [128] * 7 + [104]
    assert (source.num_scans, source.provenance, source.with_marks) == (1000, "test", with_marks)
    assert_same(scans, batches)


def test_an_imported_dataset_is_one_merged_part(dsn):
    """Five inserts make five parts; the import merges its dataset's partition into one, so a
    first replay does not race the engine's background merges (and reads one part)."""
    from sim.store.client import session
    scans = awkward_scans()
    store_scans([scans.slice(i, i + 200) for i in range(0, 1000, 200)], dsn, "parts")
    with session(dsn) as client:
        parts = client.command("SELECT count() FROM system.parts WHERE database = currentDatabase() "
                               "AND table = 'scans' AND partition = 'parts' AND active")
    assert int(parts) == 1
    assert_same(scans, list(ClickHouseScanSource(dsn, dataset="parts").batches()))


def test_time_range_keeps_archive_order(dsn):
    scans = awkward_scans()
    store_scans([scans], dsn, "ranged")
    start, end = int(scans.ts_ms[490]), int(scans.ts_ms[520])
    batches = list(ClickHouseScanSource(dsn, start, end, dataset="ranged", batch_size=8).batches())
    keep = np.flatnonzero((scans.ts_ms >= start) & (scans.ts_ms < end))
    assert keep.tolist() == list(range(490, 520))  # the backwards step at 501 stays in place
    assert_same(scans.slice(490, 520), batches)


def test_parquet_import_export_round_trip(dsn, tmp_path):
    scans = awkward_scans(with_marks=True)
    funding = {"BTCUSDT": [(T0 + 8 * 3_600_000 * k, 0.0001 * k) for k in range(3)], "ZECUSDT": [(T0, -0.0002)]}
    write_archive(tmp_path / "in.parquet", [scans.slice(0, 600), scans.slice(600, 1000)], with_marks=True,
                  provenance='{"source": "unit test"}', funding=funding)
    assert import_scans(tmp_path / "in.parquet", dsn) == 1000
    assert export_scans(tmp_path / "out.parquet", dsn) == 1000
    back = ParquetScanSource(tmp_path / "out.parquet")
    assert (back.provenance, back.funding) == ('{"source": "unit test"}', funding)
    assert_same(scans, list(back.batches()))
    later = ClickHouseScanSource(dsn, "2026-06-13T00:00:01Z")  # the scenario's form: DSN and a range
    assert later.funding == {"BTCUSDT": funding["BTCUSDT"][1:]}
    assert later.time_span() == (int(scans.ts_ms[1]), int(scans.ts_ms[-1]))


def test_dataset_is_not_imported_twice_unless_replaced(dsn):
    scans = awkward_scans().slice(0, 200)
    store_scans([scans], dsn, "once")
    with pytest.raises(StoreError, match="already exists"):
        store_scans([scans], dsn, "once")
    assert store_scans([scans.slice(0, 50)], dsn, "once", replace=True) == 50
    assert ClickHouseScanSource(dsn, dataset="once").num_scans == 50


def test_missing_dataset_and_empty_range_are_clear_errors(dsn, tmp_path):
    with pytest.raises(StoreError, match="dataset 'nope' not found"):
        ClickHouseScanSource(dsn, dataset="nope")
    store_scans([awkward_scans().slice(0, 10)], dsn, "tiny")
    with pytest.raises(StoreError, match="no scans in the given time range"):
        export_scans(tmp_path / "x.parquet", dsn, "tiny", start=0, end=1)
