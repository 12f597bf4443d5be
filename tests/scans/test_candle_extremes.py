"""Candle highs and lows reach the scan batches: every layout's extremes land on the scan stamped at
their candle's close, gaps and missing columns are filled with the close, bad or impossible bars
are refused in one line naming file, place and value, and Parquet archives keep the extremes
while an archive written without them keeps exactly the old layout and bytes."""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from sim.cli import main
from sim.faults.config import parse_faults
from sim.faults.data_faults import DataFaults
from sim.faults.probes import Probes
from sim.rng import RngStreams
from sim.scans.archive import ArchiveError, ParquetScanSource, write_archive
from sim.scans.candle_files import CandleFileError, load_kind
from sim.scans.candles import CandleScanSource
from sim.scans.synthetic import SyntheticConfig, SyntheticScanSource

T0 = 1_689_120_000_000          # 2023-07-12T00:00:00Z, the first candle's open time
MIN = 60_000
HEADER = ["ts_utc_ms", "open", "high", "low", "close", "volume"]
BASE = ["ts_ms", "scan_number", "vel_div", "esof_score", "esof_ts_ms"]

#: (open, high, low, close) of four one-minute candles per symbol, one layout each
BARS = {
    "BTCUSDT": [(30000.0, 30100.0, 29900.0, 30050.0), (30050.0, 30200.0, 30000.0, 30150.0),
                (30150.0, 30160.0, 29800.0, 29850.0), (29850.0, 29990.0, 29700.0, 29900.0)],
    "ETHUSDT": [(1900.0, 1910.0, 1895.0, 1905.0), (1905.0, 1920.0, 1904.0, 1918.0),
                (1918.0, 1919.0, 1890.0, 1891.0), (1891.0, 1900.0, 1880.0, 1899.0)],
    "XLMUSDT": [(0.098, 0.0990, 0.0975, 0.0984), (0.0984, 0.1010, 0.0980, 0.1005),
                (0.1005, 0.1100, 0.1000, 0.1090), (0.1090, 0.1120, 0.1050, 0.1060)],
    "XRPUSDT": [(0.70, 0.71, 0.69, 0.705), (0.705, 0.72, 0.70, 0.715),
                (0.715, 0.716, 0.68, 0.69), (0.69, 0.695, 0.685, 0.692)],
}


def _write_csv(path: Path, header: list[str] | None, rows: list[list[object]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ([header] if header is not None else []) + rows
    path.write_text("".join(",".join(str(cell) for cell in line) + "\n" for line in lines))
    return path


def _binance(path: Path, bars: list[tuple[float, ...]], first: int = 0) -> Path:
    """data.binance.vision klines without the header line."""
    rows = [[T0 + (first + i) * MIN, o, h, lo, c, 10, T0 + (first + i + 1) * MIN - 1, 0, 0, 0, 0, 0]
            for i, (o, h, lo, c) in enumerate(bars)]
    return _write_csv(path, None, rows)


def _repo(path: Path, bars: list[tuple[float, ...]], skip: tuple[int, ...] = ()) -> Path:
    rows = [[T0 + i * MIN, o, h, lo, c, 10] for i, (o, h, lo, c) in enumerate(bars) if i not in skip]
    return _write_csv(path, HEADER, rows)


def _feather(path: Path, bars: list[tuple[float, ...]]) -> Path:
    """freqtrade's layout: ``date`` (timestamp, open time), open, high, low, close, volume."""
    o, h, lo, c = (list(col) for col in zip(*bars))
    table = pa.table({"date": pa.array([T0 + i * MIN for i in range(len(bars))], pa.timestamp("ms", tz="UTC")),
                      "open": o, "high": h, "low": lo, "close": c, "volume": [10.0] * len(bars)})
    path.parent.mkdir(parents=True, exist_ok=True)
    feather.write_feather(table, str(path))
    return path


def _json(path: Path, bars: list[tuple[float, ...]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([[T0 + i * MIN, o, h, lo, c, 10] for i, (o, h, lo, c) in enumerate(bars)]))
    return path


@pytest.fixture()
def layouts(tmp_path: Path) -> Path:
    """One symbol per layout, four candles each, all on the same minutes."""
    folder = tmp_path / "mixed"
    _binance(folder / "BTCUSDT-1m-2023-07.csv", BARS["BTCUSDT"])
    _repo(folder / "ETHUSDT.csv", BARS["ETHUSDT"])
    _feather(folder / "XRP_USDT_USDT-1m-futures.feather", BARS["XRPUSDT"])
    _json(folder / "XLM_USDT-1m.json", BARS["XLMUSDT"])
    return folder


def _source(path: Path, **kw) -> CandleScanSource:
    return CandleScanSource(candles=path, vel_div="synthetic", **kw)


def _cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["scans", "from-candles", *args])
    return result.exit_code, result.stdout, result.stderr


def test_every_layout_puts_its_extremes_on_the_scan_closing_its_candle(layouts: Path) -> None:
    source = _source(layouts)
    assert source.assets == ("BTCUSDT", "ETHUSDT", "XLMUSDT", "XRPUSDT") and source.has_extremes
    assert source.ts_ms.tolist() == [T0 + MIN, T0 + 2 * MIN, T0 + 3 * MIN, T0 + 4 * MIN]  # stamped at the close
    batch = next(source.batches())
    for j, a in enumerate(source.assets):
        assert batch.prices[:, j].tolist() == [c for _, _, _, c in BARS[a]], a
        assert batch.highs[:, j].tolist() == [h for _, h, _, _ in BARS[a]], a
        assert batch.lows[:, j].tolist() == [lo for _, _, lo, _ in BARS[a]], a
    # the scan at 00:03 is the candle that opened 00:02: BTC high 30160, low 29800, close 29850
    assert (batch.highs[2, 0], batch.lows[2, 0], batch.prices[2, 0]) == (30160.0, 29800.0, 29850.0)
    fields = json.loads(source.provenance)
    assert fields["extremes"] == "candle high and low" and fields["symbols_without_extremes"] == []
    assert [(b.highs.shape, b.lows.shape) for b in _source(layouts, batch_size=3).batches()] == \
        [((3, 4), (3, 4)), ((1, 4), (1, 4))]


def test_a_late_symbol_has_nan_extremes_where_it_is_absent(tmp_path: Path) -> None:
    _repo(tmp_path / "ETHUSDT.csv", BARS["ETHUSDT"])
    _binance(tmp_path / "BTCUSDT-1m-2023-07.csv", BARS["BTCUSDT"][2:], first=2)   # opens 00:02
    source = _source(tmp_path)
    btc = source.assets.index("BTCUSDT")
    assert source.present[:, btc].tolist() == [False, False, True, True]
    assert np.isnan(source.highs[:2, btc]).all() and np.isnan(source.lows[:2, btc]).all()
    assert source.highs[2:, btc].tolist() == [30160.0, 29990.0]


def test_a_forward_filled_gap_is_a_bar_of_the_filled_close(tmp_path: Path) -> None:
    _repo(tmp_path / "ETHUSDT.csv", BARS["ETHUSDT"], skip=(2,))          # the 00:02 candle is missing
    _repo(tmp_path / "XRPUSDT.csv", BARS["XRPUSDT"])
    source = _source(tmp_path)
    eth = source.assets.index("ETHUSDT")
    assert source.present.all() and source.prices[2, eth] == 1918.0     # the 00:01 candle's close
    assert (source.highs[2, eth], source.lows[2, eth]) == (1918.0, 1918.0)
    assert (source.highs[3, eth], source.lows[3, eth]) == (1900.0, 1880.0)
    assert source.highs[:, 1 - eth].tolist() == [0.71, 0.72, 0.716, 0.695]
    assert json.loads(source.provenance)["gaps"]["filled"] == "price = high = low = last close, asset listed"
    dropped = _source(tmp_path, gaps="drop_scan")
    assert dropped.ts_ms.tolist() == [T0 + MIN, T0 + 2 * MIN, T0 + 4 * MIN]
    assert dropped.highs[:, eth].tolist() == [1910.0, 1920.0, 1900.0]
    assert dropped.lows[:, 1 - eth].tolist() == [0.69, 0.70, 0.685]


def test_symbols_without_high_and_low_sit_at_their_close(tmp_path: Path) -> None:
    _repo(tmp_path / "ETHUSDT.csv", BARS["ETHUSDT"])
    _write_csv(tmp_path / "SOLUSDT.csv", ["ts_utc_ms", "close"], [[T0 + i * MIN, 20 + i] for i in range(4)])
    source = _source(tmp_path)
    sol = source.assets.index("SOLUSDT")
    assert source.has_extremes
    assert source.highs[:, sol].tolist() == source.lows[:, sol].tolist() == [20.0, 21.0, 22.0, 23.0]
    fields = json.loads(source.provenance)
    assert (fields["extremes"], fields["symbols_without_extremes"]) == ("candle high and low", ["SOLUSDT"])
    code, stdout, _ = _cli("--candles", str(tmp_path), "--vel-div", "synthetic", "--extremes",
                           "--out", str(tmp_path / "x.parquet"))
    assert code == 0 and "extremes: candle high and low; high = low = close for SOLUSDT" in stdout


def test_no_file_with_high_and_low_gives_no_extremes(tmp_path: Path) -> None:
    _write_csv(tmp_path / "SOLUSDT.csv", ["ts_utc_ms", "close"], [[T0 + i * MIN, 20 + i] for i in range(4)])
    source = _source(tmp_path)
    assert not source.has_extremes and source.highs is None and source.lows is None
    batch = next(source.batches())
    assert batch.highs is None and batch.lows is None
    fields = json.loads(source.provenance)
    assert (fields["extremes"], fields["symbols_without_extremes"]) == ("none in the files", ["SOLUSDT"])


def test_a_series_has_extremes_only_when_every_file_has_them(tmp_path: Path) -> None:
    _repo(tmp_path / "ETHUSDT-1m-2023-07-12.csv", BARS["ETHUSDT"][:2])
    _write_csv(tmp_path / "ETHUSDT-1m-2023-07-13.csv", ["open_time", "close"], [[T0 + 2 * MIN, 1891.0]])
    series, _ = load_kind([tmp_path], "candles")
    assert series["ETHUSDT"].values.tolist() == [1905.0, 1918.0, 1891.0]
    assert series["ETHUSDT"].highs is None and series["ETHUSDT"].lows is None
    alone = load_kind([tmp_path / "ETHUSDT-1m-2023-07-12.csv"], "candles")[0]["ETHUSDT"]
    assert alone.highs.tolist() == [1910.0, 1920.0] and alone.lows.tolist() == [1895.0, 1904.0]


def test_merged_files_keep_extremes_aligned_and_a_high_clash_is_refused(tmp_path: Path) -> None:
    bars = BARS["BTCUSDT"]
    _binance(tmp_path / "BTCUSDT-1m-2023-07-12.csv", bars[:3])
    _binance(tmp_path / "BTCUSDT-1m-2023-07-13.csv", bars[2:], first=2)      # the 00:02 candle again
    s = load_kind([tmp_path], "candles")[0]["BTCUSDT"]
    assert s.ts_ms.tolist() == [T0 + i * MIN for i in range(4)]
    assert s.highs.tolist() == [h for _, h, _, _ in bars] and s.lows.tolist() == [lo for _, _, lo, _ in bars]
    wick = [(o, h + 5, lo, c) for o, h, lo, c in bars[:3]]                  # same closes, another 00:02 high
    _binance(tmp_path / "BTCUSDT-1m-2023-07-12.csv", wick)
    with pytest.raises(CandleFileError, match=rf"BTCUSDT-1m-2023-07-13\.csv: open_time {T0 + 2 * MIN}: "
                                              r"two rows with high 30165\.0 and 30160\.0"):
        load_kind([tmp_path], "candles")


@pytest.mark.parametrize(("name", "write", "match"), [
    ("ETHUSDT.csv", lambda p: _write_csv(p, HEADER, [[T0, 1, 2, 1, 1.5, 1], [T0 + MIN, 1, "abc", 1, 1.5, 1]]),
     r"ETHUSDT\.csv: line 3: high = 'abc': not a number"),
    ("ETHUSDT.csv", lambda p: _write_csv(p, HEADER, [[T0, 1, 2, 1, 1.5, 1], [T0 + MIN, 1, 2, 0, 1.5, 1]]),
     r"ETHUSDT\.csv: line 3: low = 0\.0: not a positive price"),
    ("ETHUSDT.csv", lambda p: _write_csv(p, HEADER, [[T0, 1, "inf", 1, 1.5, 1], [T0 + MIN, 1, 2, 1, 1.5, 1]]),
     r"ETHUSDT\.csv: line 2: high = inf: not a positive price"),
    ("ETHUSDT-1m-2023-07.csv", lambda p: _write_csv(p, None, [[T0, 1, 2, 1, 1.5, 1], [T0 + MIN, 1, "", 1, 1.5, 1]]),
     r"ETHUSDT-1m-2023-07\.csv: line 2: high = '': not a number"),
    ("ETH_USDT-1m.json", lambda p: p.write_text(json.dumps([[T0, 1, 2, 1, 1.5, 1], [T0 + MIN, 1, 2, None, 1.5, 1]])),
     r"ETH_USDT-1m\.json: row 2: low = None: not a number"),
    ("ETH_USDT-1m.json", lambda p: p.write_text(f"[[{T0}, 1, 2, 1, 1.5, 1], [{T0 + MIN}, 1, -2, 1, 1.5, 1]]"),
     r"ETH_USDT-1m\.json: row 2: high = -2\.0: not a positive price"),
    ("ETH_USDT-1m.feather", lambda p: feather.write_feather(pa.table({
        "date": pa.array([T0, T0 + MIN], pa.timestamp("ms", tz="UTC")), "open": [1.0, 1.0],
        "high": pa.array([2.0, None], pa.float64()), "low": [1.0, 1.0], "close": [1.5, 1.5]}), str(p)),
     r"ETH_USDT-1m\.feather: row 2: high = null"),
    ("ETH_USDT-1m.parquet", lambda p: pq.write_table(pa.table({
        "date": pa.array([T0, T0 + MIN], pa.timestamp("ms", tz="UTC")), "open": [1.0, 1.0],
        "high": [2.0, float("nan")], "low": [1.0, 1.0], "close": [1.5, 1.5]}), str(p)),
     r"ETH_USDT-1m\.parquet: row 2: high = nan: not a positive price"),
])
def test_a_bad_high_or_low_names_file_place_and_value(tmp_path: Path, name: str, write, match: str) -> None:
    write(tmp_path / name)
    with pytest.raises(CandleFileError, match=match):
        _source(tmp_path)
    code, stdout, stderr = _cli("--candles", str(tmp_path), "--extremes", "--out", str(tmp_path / "x.parquet"))
    assert code == 2 and stdout == "" and len(stderr.strip().splitlines()) == 1 and name in stderr


@pytest.mark.parametrize(("bar", "what"), [
    ((1.0, 1.0, 0.9, 1.1), r"high = 1\.0, low = 0\.9, close = 1\.1: the close is outside \[low, high\]"),
    ((1.0, 1.2, 1.15, 1.1), r"high = 1\.2, low = 1\.15, close = 1\.1: the close is outside \[low, high\]"),
    ((1.0, 1.0, 1.2, 1.1), r"high = 1\.0, low = 1\.2, close = 1\.1: the high is below the low"),
])
def test_a_bar_whose_close_is_outside_it_is_refused(tmp_path: Path, bar: tuple[float, ...], what: str) -> None:
    _repo(tmp_path / "ETHUSDT.csv", [(1.0, 1.2, 0.9, 1.0), bar])
    with pytest.raises(CandleFileError, match=rf"ETHUSDT\.csv: ts_utc_ms {T0 + MIN} \(2023-07-12T00:01:00Z\): {what}"):
        _source(tmp_path)
    code, stdout, stderr = _cli("--candles", str(tmp_path), "--extremes", "--out", str(tmp_path / "x.parquet"))
    assert code == 2 and stdout == "" and len(stderr.strip().splitlines()) == 1 and "ETHUSDT.csv" in stderr


def test_without_extremes_the_high_and_low_columns_are_not_read(tmp_path: Path) -> None:
    _repo(tmp_path / "ETHUSDT.csv", [(1.0, 1.2, 0.9, 1.0), (1.0, 1.0, 0.9, 1.1)])   # high < close
    source = _source(tmp_path, extremes=False)
    assert not source.has_extremes and source.highs is None
    assert "extremes" not in json.loads(source.provenance)
    code, _, stderr = _cli("--candles", str(tmp_path), "--vel-div", "synthetic", "--out", str(tmp_path / "x.parquet"))
    assert code == 0, stderr


def test_an_archive_round_trip_keeps_the_extremes(tmp_path: Path) -> None:
    _repo(tmp_path / "c" / "ETHUSDT.csv", BARS["ETHUSDT"])
    _binance(tmp_path / "c" / "BTCUSDT-1m-2023-07.csv", BARS["BTCUSDT"][1:], first=1)   # absent at the first scan
    source = _source(tmp_path / "c", batch_size=3)
    path = tmp_path / "x.parquet"
    assert write_archive(path, source.batches(), provenance=source.provenance, with_extremes=True) == 4
    assert [n for n in pq.read_schema(path).names if n[:2] in ("h.", "l.")] == \
        ["h.BTCUSDT", "h.ETHUSDT", "l.BTCUSDT", "l.ETHUSDT"]
    for batch_size in (1, 65_536):
        archive = ParquetScanSource(path, batch_size=batch_size)
        assert archive.has_extremes
        batches = list(archive.batches())
        highs, lows = (np.concatenate([getattr(b, f) for b in batches]) for f in ("highs", "lows"))
        assert np.array_equal(highs, source.highs, equal_nan=True) and np.array_equal(lows, source.lows, equal_nan=True)
    assert np.isnan(highs[0, 0]) and highs[1:, 0].tolist() == [30200.0, 30160.0, 29990.0]
    closes_only = list(ParquetScanSource(path, extremes=False).batches())  # a run not looking inside bars
    assert [b.highs for b in closes_only] == [None] and [b.lows for b in closes_only] == [None]
    assert np.array_equal(closes_only[0].prices, np.concatenate([b.prices for b in batches]), equal_nan=True)
    code, _, stderr = _cli("--candles", str(tmp_path / "c"), "--vel-div", "synthetic", "--extremes",
                           "--out", str(tmp_path / "cli.parquet"))
    assert code == 0, stderr
    back = next(ParquetScanSource(tmp_path / "cli.parquet").batches())
    assert np.array_equal(back.lows, source.lows, equal_nan=True)


def test_an_archive_without_extremes_has_exactly_the_old_layout_and_bytes(tmp_path: Path) -> None:
    folder = tmp_path / "c"
    _repo(folder / "ETHUSDT.csv", BARS["ETHUSDT"])
    _repo(folder / "XRPUSDT.csv", BARS["XRPUSDT"])
    source = _source(folder)
    write_archive(tmp_path / "plain.parquet", source.batches(), provenance="p")
    stripped = [dataclasses.replace(b, highs=None, lows=None) for b in source.batches()]
    write_archive(tmp_path / "stripped.parquet", stripped, provenance="p")
    assert pq.read_schema(tmp_path / "plain.parquet").names == BASE + ["p.ETHUSDT", "p.XRPUSDT"]
    assert (tmp_path / "plain.parquet").read_bytes() == (tmp_path / "stripped.parquet").read_bytes()
    archive = ParquetScanSource(tmp_path / "plain.parquet")
    assert not archive.has_extremes and next(archive.batches()).highs is None
    code, _, _ = _cli("--candles", str(folder), "--vel-div", "synthetic", "--out", str(tmp_path / "cli.parquet"))
    assert code == 0 and pq.read_schema(tmp_path / "cli.parquet").names == BASE + ["p.ETHUSDT", "p.XRPUSDT"]
    # marks and extremes together: marks first, then highs, then lows
    write_archive(tmp_path / "both.parquet", source.batches(), with_marks=True, with_extremes=True)
    assert pq.read_schema(tmp_path / "both.parquet").names[len(BASE):] == [
        f"{p}.{a}" for p in ("p", "m", "h", "l") for a in ("ETHUSDT", "XRPUSDT")]


def test_an_archive_missing_some_extreme_columns_is_refused(tmp_path: Path) -> None:
    _repo(tmp_path / "c" / "ETHUSDT.csv", BARS["ETHUSDT"])
    _repo(tmp_path / "c" / "XRPUSDT.csv", BARS["XRPUSDT"])
    write_archive(tmp_path / "x.parquet", _source(tmp_path / "c").batches(), with_extremes=True)
    table = pq.read_table(tmp_path / "x.parquet")
    pq.write_table(table.drop_columns(["l.XRPUSDT"]), tmp_path / "y.parquet")
    with pytest.raises(ArchiveError, match=r"y\.parquet: missing columns \['l\.XRPUSDT'\]"):
        ParquetScanSource(tmp_path / "y.parquet")


FAULTS = [{"kind": "duplicate_scan", "rate": 0.02}, {"kind": "out_of_order_scan", "rate": 0.02},
          {"kind": "corrupt_field", "rate": 0.05}, {"kind": "price_gap", "through": "stop", "rate": 0.01},
          {"kind": "scan_gap", "rate": 0.01, "duration_ms": 60000},
          {"kind": "mark_divergence", "rate": 0.01, "duration_ms": 300000}]
FIELDS = ("ts_ms", "scan_number", "vel_div", "prices", "present", "esof_score", "esof_ts_ms", "marks")


def _faulty(batch_size: int, bars: bool) -> list:
    source = SyntheticScanSource(SyntheticConfig(n_scans=2000, n_assets=6), seed=5, batch_size=batch_size)
    batches = source.batches()
    if bars:
        batches = (dataclasses.replace(b, highs=b.prices * 1.01, lows=b.prices * 0.99) for b in batches)
    return list(DataFaults(parse_faults(FAULTS), RngStreams(5), Probes()).apply(batches))


def test_data_faults_keep_every_bar_whole_and_change_nothing_else() -> None:
    plain = _faulty(500, bars=False)
    assert all(b.highs is None and b.lows is None for b in plain)
    seen_highs = []
    for size in (1, 500):
        barred = _faulty(size, bars=True)
        for f in FIELDS:
            got = np.concatenate([getattr(b, f) if getattr(b, f) is not None else b.prices for b in barred])
            want = np.concatenate([getattr(b, f) if getattr(b, f) is not None else b.prices for b in plain])
            assert np.array_equal(got, want, equal_nan=True), (size, f)
        prices, highs, lows = (np.concatenate([getattr(b, f) for b in barred]) for f in ("prices", "highs", "lows"))
        seen = ~np.isnan(prices)
        assert (lows[seen] <= prices[seen]).all() and (prices[seen] <= highs[seen]).all()
        assert np.isnan(highs[~seen]).all() and np.isnan(lows[~seen]).all()
        assert (prices[seen] < 0).any() and np.isinf(highs).any()        # corruptions widened some bars
        seen_highs.append(highs)
    assert np.array_equal(*seen_highs, equal_nan=True)                      # whatever the batch size


def test_a_held_scan_with_a_bar_meets_a_batch_without_one() -> None:
    """A scan held back across batches: the next batch, without bars, gets bars of one price."""
    first, second = SyntheticScanSource(SyntheticConfig(n_scans=20, n_assets=2), seed=1, batch_size=10).batches()
    first = dataclasses.replace(first, highs=first.prices * 1.01, lows=first.prices * 0.99)
    held = {"kind": "out_of_order_scan", "schedule": [{"at_ts_ms": int(first.ts_ms[-1])}]}
    out = list(DataFaults(parse_faults([held]), RngStreams(1), Probes()).apply(iter([first, second])))
    assert [len(b) for b in out] == [9, 11]
    mixed = out[1]
    assert mixed.scan_number.tolist()[:2] == [11, 10]                       # the held scan after the next one
    assert np.array_equal(mixed.highs[1], first.highs[-1]) and np.array_equal(mixed.lows[1], first.lows[-1])
    assert np.array_equal(mixed.highs[[0, *range(2, 11)]], second.prices)
    assert np.array_equal(mixed.lows[[0, *range(2, 11)]], second.prices)
