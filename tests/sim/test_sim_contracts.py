"""A traded symbol the venue has no contract for is never a silent gate.

Half of a 2025 universe is missing from the bundled (2023) table. Without a contract a symbol
cannot be sized, and execution used to gate every decision on it ``below_min``. Now the run stops
at start naming the symbols, or gives them template contracts and lists them; and a table
imported from BingX's own contracts answer makes them known.
"""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from sim.cli import main
from sim.harness.simulate import simulate
from sim.scans.archive import write_archive
from sim.scans.synthetic import SyntheticConfig, SyntheticScanSource
from sim.scenario import ScenarioError, load_scenario

NEW = {"SYN01USDT": "WIFUSDT", "SYN02USDT": "JUPUSDT"}   # listed after 2023: not in the bundled table


def _archive(tmp_path: Path) -> Path:
    source = SyntheticScanSource(SyntheticConfig(n_scans=6000, n_assets=8), seed=5, batch_size=2000)
    rename = lambda b: dataclasses.replace(b, assets=tuple(NEW.get(a, a) for a in b.assets))  # noqa: E731
    path = tmp_path / "scans.parquet"
    write_archive(path, (rename(b) for b in source.batches()))
    return path


def _scenario(tmp_path: Path, venue: dict) -> Path:
    doc = {"name": "new_listings", "seed": 5, "data": {"kind": "parquet", "path": str(_archive(tmp_path))},
           "venue": venue}
    path = tmp_path / "new_listings.yaml"
    path.write_text(json.dumps(doc))
    return path


def test_unknown_symbols_stop_the_run_with_one_line_naming_them(tmp_path: Path):
    path = _scenario(tmp_path, {})
    with pytest.raises(ScenarioError) as err:
        simulate(load_scenario(path))
    assert "JUP-USDT, WIF-USDT" in str(err.value) and "venue.unknown_symbols: template" in str(err.value)
    res = CliRunner().invoke(main, ["run", str(path), "--out", str(tmp_path / "run")])
    assert res.exit_code == 2 and res.output.count("\n") == 1 and "WIF-USDT" in res.output


def test_template_contracts_trade_and_are_listed(tmp_path: Path):
    result = simulate(load_scenario(_scenario(tmp_path, {"unknown_symbols": "template"})), out_dir=tmp_path / "run")
    assert result.facts.contracts_templated == ["JUP-USDT", "WIF-USDT"]
    orders = pq.read_table(tmp_path / "run" / "orders.parquet").column("symbol").to_pylist()
    assert "WIF-USDT" in orders or "JUP-USDT" in orders


def test_an_imported_bingx_table_makes_them_known(tmp_path: Path):
    rows = [{"symbol": s, "quantityPrecision": 0, "pricePrecision": 4, "tradeMinQuantity": "1", "tradeMinUSDT": "2",
             "maxLongLeverage": 50, "maxShortLeverage": 50, "makerFeeRate": "0.0002", "takerFeeRate": "0.0005",
             "status": 1} for s in ("WIF-USDT", "JUP-USDT")]
    answer = tmp_path / "contracts.json"
    answer.write_text(json.dumps({"code": 0, "msg": "", "data": rows}))
    res = CliRunner().invoke(main, ["contracts", "import", str(answer), "--out", str(tmp_path / "table")])
    assert res.exit_code == 0 and "2 contracts written" in res.output
    # The imported table lists only these two; the synthetic rest needs the bundled rows too.
    bundled = (Path(__file__).resolve().parents[2] / "exchange_mock" / "data" / "contracts.csv").read_text()
    table = tmp_path / "table" / "contracts.csv"
    table.write_text(table.read_text() + "".join(bundled.splitlines(keepends=True)[1:]))
    result = simulate(load_scenario(_scenario(tmp_path, {"contracts_dir": "table"})))
    assert result.passed and result.facts.contracts_templated == []


def test_a_bad_contracts_dir_names_the_key_and_the_folder(tmp_path: Path):
    with pytest.raises(ScenarioError) as err:
        load_scenario(_scenario(tmp_path, {"contracts_dir": "nowhere"}))
    assert "venue.contracts_dir: no contracts.csv in" in str(err.value) and str(tmp_path / "nowhere") in str(err.value)


def test_a_bad_contracts_answer_names_the_row_and_field(tmp_path: Path):
    bad = tmp_path / "c.json"
    bad.write_text(json.dumps({"data": [{"symbol": "WIF-USDT", "pricePrecision": "x", "status": 1}]}))
    res = CliRunner().invoke(main, ["contracts", "import", str(bad), "--out", str(tmp_path / "t")])
    assert res.exit_code == 2 and "data[0].pricePrecision" in res.output and "'x'" in res.output
