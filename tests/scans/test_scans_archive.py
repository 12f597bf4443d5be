"""Parquet archives: exact round trip, funding metadata, and the bundled archives."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from sim.scans import bundle
from sim.scans.archive import ArchiveError, ParquetScanSource, write_archive
from sim.scans.source import ScanSource
from violet_engine.scan_batch import NO_TS, ScanBatch

BUNDLED = Path(bundle.__file__).resolve().parents[2] / "scenarios" / "data"
ARCHIVES = (bundle.SYNTHETIC_FILE, bundle.SQUEEZE_FILE, bundle.CRASH_FILE)


def _batch(first: int, n: int) -> ScanBatch:
    """A batch with the awkward cases: absent assets, a present NaN price, missing EsoF, marks."""
    rng = np.random.default_rng(first)
    prices = rng.uniform(0.5, 2.0, (n, 3))
    present = np.ones((n, 3), dtype=bool)
    present[::4, 1] = False
    prices[~present] = np.nan
    prices[2, 2] = np.nan
    score = rng.uniform(-0.1, 0.1, n)
    score[::3] = np.nan
    score_ts = np.where(np.isnan(score), NO_TS, 1_000 * np.arange(first, first + n))
    return ScanBatch(assets=("AAAUSDT", "BBBUSDT", "USDCUSDT"), ts_ms=5_000 * np.arange(first, first + n),
                     scan_number=np.arange(first + 1, first + n + 1), vel_div=rng.normal(0, 0.01, n),
                     prices=prices, present=present, esof_score=score, esof_ts_ms=score_ts.astype(np.int64),
                     marks=prices * 1.001)


@pytest.mark.parametrize("with_marks", [True, False])
def test_round_trip_is_exact(tmp_path: Path, concat, with_marks: bool) -> None:
    batches = [_batch(0, 10), _batch(10, 7)]
    funding = {"BBBUSDT": [(1_000, -0.00040596)], "AAAUSDT": [(8, 0.0001), (28_800_008, 1.272e-05)]}
    path = tmp_path / "a.parquet"
    assert write_archive(path, batches, with_marks=with_marks, provenance="unit test", funding=funding) == 17
    source = ParquetScanSource(path, batch_size=5)
    assert isinstance(source, ScanSource)
    assert (source.assets, source.num_scans, source.provenance) == (batches[0].assets, 17, "unit test")
    assert source.funding == funding and source.time_span() == (0, 80_000)
    read = list(source.batches())
    assert max(len(b) for b in read) == 5
    got, want = concat(read), concat(batches)
    for field in want:
        assert got[field].dtype == want[field].dtype, field
        assert np.array_equal(got[field], want[field], equal_nan=True), field
    marks = [b.marks for b in read]
    if with_marks:
        assert np.array_equal(np.concatenate(marks), np.concatenate([b.marks for b in batches]), equal_nan=True)
    else:
        assert all(m is None for m in marks)


def test_no_funding_reads_empty(tmp_path: Path) -> None:
    write_archive(tmp_path / "a.parquet", [_batch(0, 3)])
    assert ParquetScanSource(tmp_path / "a.parquet").funding == {}


def test_unreadable_archive_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.parquet"
    bad.write_text("not parquet")
    with pytest.raises(ArchiveError, match="bad.parquet"):
        ParquetScanSource(bad)


def test_bundled_archives_are_small_and_carry_provenance() -> None:
    sizes = {name: (BUNDLED / name).stat().st_size for name in ARCHIVES}
    assert sum(sizes.values()) < 3_000_000
    synthetic = ParquetScanSource(BUNDLED / bundle.SYNTHETIC_FILE)
    meta = json.loads(synthetic.provenance)
    assert (meta["source"], meta["seed"], synthetic.num_scans, len(synthetic.assets)) == ("synthetic", 7, 20_000, 50)
    squeeze = ParquetScanSource(BUNDLED / bundle.SQUEEZE_FILE)
    meta = json.loads(squeeze.provenance)
    assert meta["dataset"] == "B_binance_usdm_perp_1m_2023-07-13" and "GPL-3.0" in meta["licence"]
    assert (squeeze.num_scans, len(squeeze.assets), sorted(squeeze.funding)) == (4_320, 10, sorted(squeeze.assets))
    crash = ParquetScanSource(BUNDLED / bundle.CRASH_FILE)
    assert (crash.num_scans, crash.assets) == (1_152, tuple(sorted(bundle.CRASH_ASSETS)))
    with (BUNDLED / "PROVENANCE.csv").open(newline="") as fh:
        listed = {row["file"]: row for row in csv.DictReader(fh)}
    for archive in (squeeze, crash):
        rows = json.loads(archive.provenance)["files"]
        assert rows and all(listed[r["file"]] == r for r in rows)
        assert all(len(r["commit"]) == 40 for r in rows)
    assert len(listed) == 10 + 10 + 20  # B candles, their funding files, C candles


def test_bundle_rebuild_is_byte_identical_and_matches_the_bundled_data(tmp_path: Path, market_root: Path,
                                                                        concat) -> None:
    first = bundle.build(tmp_path / "one", market_root)
    second = bundle.build(tmp_path / "two", market_root)
    for a, b in zip(first, second):
        assert a.read_bytes() == b.read_bytes(), a.name
    assert (tmp_path / "one" / "PROVENANCE.csv").read_bytes() == (BUNDLED / "PROVENANCE.csv").read_bytes()
    for name in ARCHIVES:
        rebuilt, shipped = ParquetScanSource(tmp_path / "one" / name), ParquetScanSource(BUNDLED / name)
        assert (rebuilt.provenance, rebuilt.funding) == (shipped.provenance, shipped.funding)
        got, want = concat(rebuilt.batches()), concat(shipped.batches())
        assert all(np.array_equal(got[f], want[f], equal_nan=True) for f in want), name


def test_an_interrupted_write_leaves_the_previous_archive_whole(tmp_path: Path) -> None:
    """Ctrl-C (or any error) half-way through used to leave a valid, shorter archive."""
    from sim.scans.synthetic import SyntheticConfig, SyntheticScanSource

    path = tmp_path / "scans.parquet"
    source = SyntheticScanSource(SyntheticConfig(n_scans=3000, n_assets=4), seed=1, batch_size=1000)
    assert write_archive(path, source.batches()) == 3000
    before = path.read_bytes()

    def interrupted():
        for i, batch in enumerate(SyntheticScanSource(SyntheticConfig(n_scans=3000, n_assets=4), seed=2,
                                                      batch_size=1000).batches()):
            if i == 2:
                raise KeyboardInterrupt
            yield batch

    with pytest.raises(KeyboardInterrupt):
        write_archive(path, interrupted())
    assert path.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["scans.parquet"]
