"""A position still open when the data ends is visible: reported and marked, or closed on request.

Before, such a run said PASSED, its trades table had no row for the position, and its final
equity quietly included the unrealized PnL.
"""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
from click.testing import CliRunner

from sim.cli import main
from sim.harness.simulate import simulate
from sim.scenario import parse_scenario

HELD = {"name": "held_at_end", "seed": 4, "data": {"kind": "synthetic", "config": {"n_scans": 3000, "n_assets": 8}},
        "engine": {"exits": {"take_profit": 0.9, "stop_loss": 0.9, "max_hold_scans": 10**6}}}


def test_kept_position_is_reported_marked_to_market(tmp_path: Path):
    result = simulate(parse_scenario(HELD, "held.yaml"), out_dir=tmp_path)
    s = result.summary
    o = s.facts.open_at_end
    assert o is not None and o["side"] == "SHORT" and o["scans_held"] > 0
    assert Decimal(s.final_equity) == Decimal(s.final_wallet) + Decimal(o["unrealized_pnl"])
    assert pq.read_table(tmp_path / "trades.parquet").num_rows == s.trades
    assert json.loads((tmp_path / "summary.json").read_text())["facts"]["open_at_end"] == o


def test_flat_at_end_expectation_fails_a_run_left_open(tmp_path: Path):
    sc = parse_scenario({**HELD, "expect": {"flat_at_end": True}}, "held.yaml")
    result = simulate(sc)
    assert not result.passed and [c.name for c in result.summary.failed_expectations] == ["flat_at_end"]


def test_close_at_end_books_an_end_of_data_trade(tmp_path: Path):
    sc = parse_scenario({**HELD, "end_of_data": "close", "expect": {"flat_at_end": True}}, "held.yaml")
    result = simulate(sc, out_dir=tmp_path)
    trades = pq.read_table(tmp_path / "trades.parquet").to_pylist()
    assert result.passed and result.summary.facts.open_at_end is None
    assert trades[-1]["exit_reason"] == "END_OF_DATA" and result.summary.final_equity == result.summary.final_wallet


def test_the_printout_says_so(tmp_path: Path):
    path = tmp_path / "held.yaml"
    path.write_text(json.dumps(HELD))
    res = CliRunner().invoke(main, ["run", str(path), "--out", str(tmp_path / "run")])
    assert res.exit_code == 0 and "OPEN AT END: SHORT" in res.output
