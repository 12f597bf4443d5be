"""Scans from the real candles: exact closes, funding as recorded, the calibrated vel_div proxy."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from sim.scans.candles import DATASETS, FUNDING_DIR, CandleScanSource, market_data_root
from sim.instants import parse_instant
from sim.scans.source import ScanSource

B_START, B_END = parse_instant("2023-07-12"), parse_instant("2023-07-15")


def _csv_rows(path: Path) -> list[list[str]]:
    with path.open(newline="") as fh:
        return list(csv.reader(fh))[1:]


def test_parse_instant() -> None:
    assert parse_instant("2023-07-13") == 1_689_206_400_000
    assert parse_instant("2023-07-13T01:00:00Z") == parse_instant("2023-07-13T01:00") == 1_689_210_000_000
    assert parse_instant(5) == 5
    with pytest.raises(ValueError, match="not a time"):
        parse_instant("13/07/2023")


def test_data_root_resolution(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("VIOLET_MARKET_DATA", raising=False)
    assert market_data_root().parts[-3:] == ("shared", "data", "market")
    monkeypatch.setenv("VIOLET_MARKET_DATA", str(tmp_path))
    assert market_data_root() == tmp_path
    assert market_data_root(tmp_path / "x") == tmp_path / "x"
    with pytest.raises(FileNotFoundError, match="VIOLET_MARKET_DATA"):
        CandleScanSource("B")


@pytest.mark.parametrize(("dataset", "asset", "rows"), [("B", "XLMUSDT", [0, 1_337, 4_319]),
                                                        ("C", "BTCUSDT", [0, 700, 1_151])])
def test_scans_carry_the_csv_closes_exactly(market_root: Path, concat, dataset: str, asset: str,
                                            rows: list[int]) -> None:
    source = CandleScanSource(dataset, data_root=market_root, batch_size=1_000)
    data = concat(source.batches())
    j = source.assets.index(asset)
    csv_rows = _csv_rows(market_root / DATASETS[dataset] / f"{asset}.csv")
    assert len(data["ts_ms"]) == len(csv_rows)
    interval = int(csv_rows[1][0]) - int(csv_rows[0][0])
    for i in rows:
        assert data["ts_ms"][i] == int(csv_rows[i][0]) + interval  # stamped at the candle's close
        assert data["prices"][i, j] == float(csv_rows[i][4])
    assert np.array_equal(data["scan_number"], np.arange(1, len(csv_rows) + 1))
    assert data["present"].all() and np.isnan(data["esof_score"]).all() and (data["esof_ts_ms"] == -1).all()


def test_default_universe_is_every_symbol_late_listings_absent_until_they_start(market_root: Path) -> None:
    full = CandleScanSource("A", data_root=market_root)
    assert (len(full.assets), full.num_scans) == (60, 8_482)  # the 5 late listings are kept
    j = full.assets.index("BNBUSDT")
    first = parse_instant("2023-07-18T11:15") + 300_000
    assert not full.present[full.ts_ms < first, j].any() and full.present[full.ts_ms >= first, j].all()
    spans = json.loads(full.provenance)["spans"]
    assert sorted(spans) == ["BNBUSDT", "MATICUSDT", "SOLUSDT", "USDCUSDT", "XRPUSDT"]
    assert spans["BNBUSDT"]["first_scan_ms"] == first
    late = CandleScanSource("A", start="2023-07-18T12:00", data_root=market_root)
    assert len(late.assets) == 60 and "USDCUSDT" in late.assets and late.present.all()
    assert late.ts_ms[0] == parse_instant("2023-07-18T12:05")


def test_window_is_half_open_and_assets_selectable(market_root: Path) -> None:
    source = CandleScanSource("B", ["XLMUSDT", "ETHUSDT"], "2023-07-13T00:00", "2023-07-13T12:00",
                              data_root=market_root)
    assert isinstance(source, ScanSource)
    assert source.assets == ("ETHUSDT", "XLMUSDT") and source.num_scans == 720
    assert source.ts_ms[0] == parse_instant("2023-07-13T00:01") and source.ts_ms[-1] == parse_instant("2023-07-13T12:00")
    with pytest.raises(ValueError, match="FOOUSDT"):
        CandleScanSource("B", ["FOOUSDT"], data_root=market_root)
    with pytest.raises(ValueError, match="no candle in the window"):
        CandleScanSource("B", None, "2030-01-01", data_root=market_root)


def test_funding_is_read_as_recorded(market_root: Path) -> None:
    source = CandleScanSource("B", data_root=market_root)
    assert sorted(source.funding) == sorted(source.assets)
    recorded = [(int(t), float(r)) for t, r in _csv_rows(market_root / FUNDING_DIR / "XLMUSDT_funding.csv")]
    assert source.funding["XLMUSDT"] == recorded  # every recorded settlement, stamps as recorded
    inside = [row for row in recorded if B_START <= row[0] <= source.ts_ms[-1]]
    assert inside[0] == (1_689_120_000_000, 0.0001) and len(inside) == 10
    assert inside[5] == (1_689_264_000_000, -0.00040596)
    # A keeps the recorded millisecond jitter of its settlement times
    aave = dict(CandleScanSource("A", ["AAVEUSDT"], data_root=market_root).funding["AAVEUSDT"])
    assert aave[1_689_465_600_001] == 0.0001 and 1_689_465_600_000 not in aave
    assert CandleScanSource("C", ["BTCUSDT"], data_root=market_root, vel_div="synthetic").funding == {}


@pytest.mark.parametrize("dataset", ["A", "B", "C"])
def test_proxy_signals_are_calibrated(market_root: Path, dataset: str) -> None:
    vel_div = CandleScanSource(dataset, data_root=market_root).vel_div
    signals = vel_div[vel_div < -0.02]
    assert np.isfinite(vel_div).all() and (vel_div[:30] == 0).all()
    assert 0.025 < len(signals) / len(vel_div) < 0.035
    assert abs(float(np.median(signals)) + 0.034) <= 0.003


def test_synthetic_vel_div_and_esof_are_seeded(market_root: Path) -> None:
    def make(seed: int) -> CandleScanSource:
        return CandleScanSource("B", vel_div="synthetic", seed=seed, esof=True, data_root=market_root)

    a, b, c = make(1), make(1), make(2)
    assert np.array_equal(a.vel_div, b.vel_div) and not np.array_equal(a.vel_div, c.vel_div)
    assert np.array_equal(a.esof_score, b.esof_score, equal_nan=True)
    seen = a.esof_ts_ms != -1
    assert seen.mean() > 0.95 and (a.esof_ts_ms[seen] <= a.ts_ms[seen]).all()
