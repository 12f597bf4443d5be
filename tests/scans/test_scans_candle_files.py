"""Candles from anywhere: real-layout fixtures (slices of the real files) in every layout read,
close-time stamping, a full universe whatever the spans, gaps reported and handled per policy."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from sim.cli import main
from sim.scans.archive import ParquetScanSource
from sim.scans.candle_files import CandleFileError, parse_file_name
from sim.scans.candles import DATASETS, FUNDING_DIR, CandleGapError, CandleScanSource
from sim.scenario.load import parse_scenario
from sim.scenario.sources import open_source

XRP = "E_freqtrade_testdata/xrp_usdt_perp_2021-11/freqtrade_layout"
BINANCE_HEADER = ["open_time", "open", "high", "low", "close", "volume", "close_time", "quote_volume", "count",
                  "taker_buy_volume", "taker_buy_quote_volume", "ignore"]


def _rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="") as fh:
        header, *rows = list(csv.reader(fh))
    return header, rows


def _write(path: Path, header: list[str] | None, rows: list[list[str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        if header is not None:
            w.writerow(header)
        w.writerows(rows)
    return path


def _slice(market_root: Path, dataset: str, symbols: list[str], out: Path, n: int) -> dict[str, list[list[str]]]:
    """The first ``n`` candles of each symbol copied into ``out`` in the repo schema."""
    taken = {}
    for s in symbols:
        header, rows = _rows(market_root / DATASETS[dataset] / f"{s}.csv")
        taken[s] = rows[:n]
        _write(out / f"{s}.csv", header, rows[:n])
    return taken


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["scans", *args])
    return result.exit_code, result.stdout, result.stderr


A13 = ["AAVEUSDT", "ADAUSDT", "ALGOUSDT", "ATOMUSDT", "AVAXUSDT", "BCHUSDT", "BTCUSDT", "DOGEUSDT", "DOTUSDT",
       "EOSUSDT", "ETCUSDT", "ETHUSDT", "LTCUSDT"]


def test_a_trailing_extra_candle_keeps_the_whole_universe(market_root: Path, tmp_path: Path) -> None:
    folder = tmp_path / "a"
    _slice(market_root, "A", A13, folder, 200)
    header, rows = _rows(market_root / DATASETS["A"] / "BTCUSDT.csv")
    _write(folder / "BTCUSDT.csv", header, rows[:201])                 # one candle more than the others
    source = CandleScanSource(candles=folder, vel_div="synthetic")
    assert source.assets == tuple(sorted(A13)) and source.num_scans == 201
    btc = source.assets.index("BTCUSDT")
    assert source.present[:200].all()
    assert source.present[200].tolist() == [j == btc for j in range(13)]   # the others end one scan early
    spans = json.loads(source.provenance)["spans"]
    assert sorted(spans) == sorted(set(A13) - {"BTCUSDT"})
    assert spans["ETHUSDT"]["last_scan_ms"] == int(rows[199][0]) + 300_000
    code, stdout, _ = _run("from-candles", "--candles", str(folder), "--vel-div", "synthetic",
                           "--out", str(tmp_path / "a.parquet"))
    assert code == 0 and "201 scans x 13 assets" in stdout and "universe: 13 symbols" in stdout
    assert "span: ETHUSDT listed" in stdout
    assert ParquetScanSource(tmp_path / "a.parquet").assets == tuple(sorted(A13))


@pytest.fixture()
def missing_minute(market_root: Path, tmp_path: Path) -> tuple[Path, dict[str, list[list[str]]], int]:
    """Three 1-minute perps of B, 100 candles each, XLM's 51st candle missing."""
    folder = tmp_path / "b"
    taken = _slice(market_root, "B", ["ETHUSDT", "TRXUSDT", "XLMUSDT"], folder, 100)
    header, _ = _rows(folder / "XLMUSDT.csv")
    _write(folder / "XLMUSDT.csv", header, taken["XLMUSDT"][:50] + taken["XLMUSDT"][51:])
    return folder, taken, int(taken["XLMUSDT"][50][0])


def test_a_missing_minute_is_forward_filled_by_default_and_reported(missing_minute, tmp_path: Path) -> None:
    folder, taken, gap_open = missing_minute
    source = CandleScanSource(candles=folder, vel_div="synthetic")
    assert source.gap_policy == "forward_fill" and source.num_scans == 100 and len(source.assets) == 3
    x = source.assets.index("XLMUSDT")
    assert source.present.all()                               # the asset stays listed at its last close
    assert source.ts_ms[50] == gap_open + 60_000
    assert source.prices[50, x] == float(taken["XLMUSDT"][49][4])
    assert source.prices[51, x] == float(taken["XLMUSDT"][51][4])
    gaps = json.loads(source.provenance)["gaps"]
    assert gaps["policy"] == "forward_fill"
    assert gaps["symbols"] == {"XLMUSDT": {"count": 1, "first_open_ms": [gap_open], "file": "XLMUSDT.csv"}}
    code, stdout, _ = _run("from-candles", "--candles", str(folder), "--vel-div", "synthetic",
                           "--out", str(tmp_path / "b.parquet"))
    assert code == 0 and "100 scans x 3 assets" in stdout
    assert "gaps: XLMUSDT 1 missing candles (open 2023-07-12T00:50:00Z) in XLMUSDT.csv: forward_fill" in stdout


def test_a_missing_minute_drops_that_scan_for_every_asset(missing_minute) -> None:
    folder, taken, gap_open = missing_minute
    source = CandleScanSource(candles=folder, gaps="drop_scan", vel_div="synthetic")
    assert source.num_scans == 99 and source.present.all() and len(source.assets) == 3
    assert gap_open + 60_000 not in source.ts_ms.tolist()
    assert source.ts_ms[50] == gap_open + 120_000
    assert json.loads(source.provenance)["gaps"]["scans_dropped"] == 1


def test_a_missing_minute_fails_naming_file_symbol_and_time(missing_minute, tmp_path: Path) -> None:
    folder, _, gap_open = missing_minute
    with pytest.raises(CandleGapError, match=rf"XLMUSDT\.csv: XLMUSDT: no candle opening at {gap_open} "
                                             r"\(2023-07-12T00:50:00Z\)"):
        CandleScanSource(candles=folder, gaps="fail", vel_div="synthetic")
    code, stdout, stderr = _run("from-candles", "--candles", str(folder), "--gaps", "fail",
                                "--out", str(tmp_path / "x.parquet"))
    assert code == 2 and stdout == "" and len(stderr.strip().splitlines()) == 1 and "XLMUSDT" in stderr


def test_a_minute_missing_for_every_asset_is_a_gap_for_each(market_root: Path, tmp_path: Path) -> None:
    folder = tmp_path / "b"
    taken = _slice(market_root, "B", ["ETHUSDT", "XLMUSDT"], folder, 100)
    for s, rows in taken.items():
        _write(folder / f"{s}.csv", ["ts_utc_ms", "open", "high", "low", "close", "volume"], rows[:40] + rows[41:])
    source = CandleScanSource(candles=folder, vel_div="synthetic")
    assert source.num_scans == 100 and source.present.all()
    assert sorted(json.loads(source.provenance)["gaps"]["symbols"]) == ["ETHUSDT", "XLMUSDT"]
    assert CandleScanSource(candles=folder, gaps="drop_scan", vel_div="synthetic").num_scans == 99


def test_scans_are_stamped_at_the_candle_close(market_root: Path, tmp_path: Path) -> None:
    _slice(market_root, "B", ["XLMUSDT"], tmp_path / "b", 60)
    source = CandleScanSource(candles=tmp_path / "b" / "XLMUSDT.csv", vel_div="synthetic")
    # B's first XLM candle: open 2023-07-12T00:00Z (1689120000000), close 0.09842
    assert source.ts_ms[0] == 1_689_120_000_000 + 60_000 and source.prices[0, 0] == 0.09842
    assert source.ts_ms[1] == 1_689_120_120_000 and source.prices[1, 0] == 0.09818
    assert json.loads(source.provenance)["stamps"] == "candle close time (open time + interval)"


@pytest.mark.parametrize("layout", ["header", "no_header", "microseconds", "daily_files"])
def test_binance_csv_layouts_read_like_the_repo_schema(market_root: Path, tmp_path: Path, layout: str) -> None:
    repo = tmp_path / "repo"
    taken = _slice(market_root, "B", ["XLMUSDT"], repo, 80)["XLMUSDT"]
    scale = 1000 if layout == "microseconds" else 1
    rows = [[str(int(r[0]) * scale), *r[1:6], str((int(r[0]) + 59_999) * scale), "0", "0", "0", "0", "0"]
            for r in taken]
    folder = tmp_path / "binance"
    if layout == "daily_files":                                  # Binance's daily files concatenate
        _write(folder / "XLMUSDT-1m-2023-07-12.csv", BINANCE_HEADER, rows[:50])
        _write(folder / "XLMUSDT-1m-2023-07-13.csv", BINANCE_HEADER, rows[50:])
    else:
        _write(folder / "XLMUSDT-1m-2023-07.csv", None if layout == "no_header" else BINANCE_HEADER, rows)
    got = CandleScanSource(candles=folder, vel_div="synthetic")
    want = CandleScanSource(candles=repo, vel_div="synthetic")
    assert got.assets == ("XLMUSDT",) and got.interval_ms == 60_000
    assert np.array_equal(got.ts_ms, want.ts_ms) and np.array_equal(got.prices, want.prices)


def test_binance_funding_csv_passes_through_as_recorded(market_root: Path, tmp_path: Path) -> None:
    _slice(market_root, "B", ["XLMUSDT"], tmp_path / "c", 60)
    _, recorded = _rows(market_root / FUNDING_DIR / "XLMUSDT_funding.csv")
    _write(tmp_path / "f" / "XLMUSDT-fundingRate-2023-07.csv", ["calc_time", "funding_interval_hours", "last_funding_rate"],
           [[t, "8", r] for t, r in recorded])
    source = CandleScanSource(candles=tmp_path / "c", funding=tmp_path / "f", vel_div="synthetic")
    assert source.funding == {"XLMUSDT": [(int(t), float(r)) for t, r in recorded]}


def test_freqtrade_feather_set_imports_with_one_command(market_root: Path, tmp_path: Path) -> None:
    folder = market_root / XRP
    if not folder.is_dir():
        pytest.skip(f"{folder} not available")
    out = tmp_path / "xrp.parquet"
    code, stdout, stderr = _run("from-candles", "--candles", str(folder), "--marks", str(folder), "--funding",
                                str(folder), "--interval", "5m", "--out", str(out))
    assert code == 0, stderr
    assert "1999 scans x 1 assets, 2021-11-15T00:05:00Z" in stdout and "funding for 1 assets" in stdout
    assert "marks: 1h mark candle closes" in stdout
    archive = ParquetScanSource(out)
    table = feather.read_table(str(folder / "XRP_USDT_USDT-8h-funding_rate.feather"))
    stamps = table.column("date").cast(pa.timestamp("ms", tz="UTC")).cast(pa.int64()).to_pylist()
    assert archive.funding == {"XRPUSDT": list(zip(stamps, table.column("open").to_pylist()))}
    assert archive.funding["XRPUSDT"][0] == (1_637_193_600_017, 0.0001) and len(stamps) == 91
    batch = next(archive.batches())
    assert batch.marks is not None
    candles = feather.read_table(str(folder / "XRP_USDT_USDT-5m-futures.feather"))
    assert batch.prices[:, 0].tolist() == candles.column("close").to_pylist()
    ts = batch.ts_ms.tolist()
    # the first 1 h mark candle opens 06:00 and closes 07:00 at 1.21431; the next closes 08:00 at 1.20895
    at = {t: ts.index(t) for t in (1_636_959_600_000, 1_636_962_900_000, 1_636_963_200_000)}
    assert [batch.marks[at[t], 0] for t in sorted(at)] == [1.21431, 1.21431, 1.20895]
    assert batch.marks[0, 0] == batch.prices[0, 0]             # before the first mark close: the candle close
    marks = json.loads(archive.provenance)["marks"]
    assert marks["interval"] == "1h" and marks["scans_on_candle_close"]["XRPUSDT"] > 0


def test_freqtrade_json_and_parquet_read_like_feather(market_root: Path, tmp_path: Path) -> None:
    src = market_root / XRP / "XRP_USDT_USDT-5m-futures.feather"
    if not src.is_file():
        pytest.skip(f"{src} not available")
    table = feather.read_table(str(src)).slice(0, 120)
    feather.write_feather(table, str(tmp_path / "XRP_USDT_USDT-5m-futures.feather"))
    (tmp_path / "pq").mkdir()
    pq.write_table(table, str(tmp_path / "pq" / "XRP_USDT_USDT-5m-futures.parquet"))
    ts = table.column("date").cast(pa.timestamp("ms", tz="UTC")).cast(pa.int64()).to_pylist()
    cols = [table.column(c).to_pylist() for c in ("open", "high", "low", "close", "volume")]
    (tmp_path / "js").mkdir()
    (tmp_path / "js" / "XRP_USDT_USDT-5m-futures.json").write_text(json.dumps([[t, *v] for t, *v in zip(ts, *cols)]))
    want = CandleScanSource(candles=tmp_path / "XRP_USDT_USDT-5m-futures.feather", vel_div="synthetic")
    assert want.assets == ("XRPUSDT",) and want.ts_ms[0] == ts[0] + 300_000 and want.prices[0, 0] == cols[3][0]
    for folder in ("pq", "js"):
        got = CandleScanSource(candles=tmp_path / folder, vel_div="synthetic")
        assert np.array_equal(got.ts_ms, want.ts_ms) and np.array_equal(got.prices, want.prices), folder


@pytest.mark.parametrize(("name", "symbol", "kind"), [
    ("XRP_USDT_USDT-5m-futures.feather", "XRPUSDT", "candles"),
    ("XRP_USDT_USDT-1h-mark.feather", "XRPUSDT", "mark"),
    ("XRP_USDT_USDT-8h-funding_rate.feather", "XRPUSDT", "funding"),
    ("BTC_USDT-5m.json", "BTCUSDT", "candles"),
    ("BTCUSDT-1m-2025-01.csv", "BTCUSDT", None),
    ("BTCUSDT-fundingRate-2025-01.csv", "BTCUSDT", "funding"),
    ("XLMUSDT.csv", "XLMUSDT", None),
    ("XLMUSDT_mark.csv", "XLMUSDT", "mark"),
    ("XLMUSDT_funding.csv", "XLMUSDT", "funding"),
    ("XRPUSDT_mark_1h.csv", "XRPUSDT", "mark"),
])
def test_symbol_and_kind_from_the_file_name(name: str, symbol: str, kind: str | None) -> None:
    parsed = parse_file_name(Path(name))
    assert (parsed.symbol, parsed.kind) == (symbol, kind)


@pytest.mark.parametrize(("body", "match"), [
    ("ts_utc_ms,open,high,low,close,volume\n1689120000000,1,1,1,abc,1\n",
     r"XLMUSDT\.csv: line 2: close = 'abc': not a number"),
    ("ts_utc_ms,open,high,low,close,volume\n" + "".join(f"{1689120000000 + 60_000 * i},1,1,1,1,1\n" for i in range(5))
     + "1689120270000,1,1,1,1,1\n",
     r"XLMUSDT\.csv: ts_utc_ms = 1689120270000: off the 1m grid"),
    ("ts_utc_ms,open,high,low,close,volume\n1689120000000,1,1,1,0,1\n1689120060000,1,1,1,1,1\n",
     r"XLMUSDT\.csv: ts_utc_ms 1689120000000: close = 0\.0: not a positive price"),
    ("when,price\n1,2\n", r"XLMUSDT\.csv: header when,price: no time column"),
])
def test_bad_files_name_file_field_and_value(tmp_path: Path, body: str, match: str) -> None:
    (tmp_path / "XLMUSDT.csv").write_text(body)
    with pytest.raises(CandleFileError, match=match):
        CandleScanSource(candles=tmp_path, vel_div="synthetic")
    code, stdout, stderr = _run("from-candles", "--candles", str(tmp_path), "--out", str(tmp_path / "x.parquet"))
    assert code == 2 and stdout == "" and len(stderr.strip().splitlines()) == 1 and "XLMUSDT.csv" in stderr


def test_unnamed_symbol_and_no_source_are_user_errors(tmp_path: Path) -> None:
    (tmp_path / "prices.csv").write_text("ts_utc_ms,close\n1,1\n")
    code, _, stderr = _run("from-candles", "--candles", str(tmp_path), "--out", str(tmp_path / "x.parquet"))
    assert code == 2 and "cannot tell the symbol" in stderr
    code, _, stderr = _run("from-candles", "--out", str(tmp_path / "x.parquet"))
    assert code == 2 and "--candles" in stderr


def test_scenario_candles_kind_resolves_paths_against_the_scenario(missing_minute, tmp_path: Path) -> None:
    folder, _, _ = missing_minute
    raw = {"name": "byo", "data": {"kind": "candles", "path": folder.name, "gaps": "drop_scan", "vel_div": "synthetic"}}
    scenario = parse_scenario(raw, "byo.yaml", folder.parent)
    assert scenario.data.path == str(folder.resolve())  # type: ignore[union-attr]
    source = open_source(scenario.data, seed=3)
    assert isinstance(source, CandleScanSource) and source.num_scans == 99
    with pytest.raises(Exception, match="exactly one of path"):
        parse_scenario({"name": "x", "data": {"kind": "candles"}}, "x.yaml", tmp_path)
