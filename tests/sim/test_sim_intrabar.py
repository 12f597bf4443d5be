"""Intrabar replays on the real 2023-07-13 1-minute candles (folder B of the market data).

A ZEC-USDT short is entered at 29.36 at the scan stamped 2023-07-12 13:27 (1689168420000); its
take-profit is 29.36 x (1 - 0.006) = 29.18384. Read from ZECUSDT.csv: the candles opening from
1689168420000 to 1689168720000 have lows 29.27, 29.25, 29.26, 29.26, 29.28 and 29.22, all above it.
The candle opening 1689168780000 has low 29.18 and close 29.20: it touches the take-profit inside
the bar and closes above it. The first candle closing at or below it opens 1689169020000 (close
29.16). So a closes-only replay exits at the scan 1689169080000, and with bar exits the engine
exits at the scan 1689168840000. It fills there at the venue's price of that scan, 29.20.
"""
from __future__ import annotations

import csv
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest

from sim.cli.run import intrabar_line
from sim.errors import UserError
from sim.harness.simulate import config_hash, simulate
from sim.scans.candles import market_data_root
from sim.scenario.schema import Scenario

FOLDER = market_data_root() / "B_binance_usdm_perp_1m_2023-07-13"
pytestmark = pytest.mark.skipif(not FOLDER.is_dir(), reason=f"market data folder {FOLDER} not found")

ENTRY_MS, TOUCH_MS, CLOSE_MS = 1689168420000, 1689168840000, 1689169080000
TP = 29.36 * (1 - 0.006)


def _scenario(intrabar: dict, **execution: object) -> Scenario:
    return Scenario.model_validate({"name": "bars", "seed": 41, "data": {"kind": "candles", "dataset": "B"},
                                    "intrabar": intrabar, "execution": execution})


def _zec_trade(intrabar: dict) -> dict:
    result = simulate(_scenario(intrabar), out_dir=Path(tempfile.mkdtemp()))
    (trade,) = [t for t in result.trades.to_pylist() if t["symbol"] == "ZEC-USDT" and t["entry_ts_ms"] == ENTRY_MS]
    return trade


def test_the_file_says_what_the_docstring_says():
    with open(FOLDER / "ZECUSDT.csv", newline="") as fh:
        bars = {int(r["ts_utc_ms"]): r for r in csv.DictReader(fh)}
    held = [bars[t] for t in range(ENTRY_MS, TOUCH_MS - 60_000, 60_000)]
    assert all(float(b["low"]) > TP for b in held)
    touch = bars[TOUCH_MS - 60_000]
    assert float(touch["low"]) <= TP < float(touch["close"]) == 29.20
    assert all(float(bars[t]["close"]) > TP for t in range(ENTRY_MS - 60_000, CLOSE_MS - 60_000, 60_000))
    assert float(bars[CLOSE_MS - 60_000]["close"]) <= TP


def test_a_take_profit_touched_inside_the_bar_exits_at_that_scan():
    closes_only, bar_exits = _zec_trade({}), _zec_trade({"exits": True})
    assert (closes_only["exit_ts_ms"], closes_only["exit_reason"]) == (CLOSE_MS, "TAKE_PROFIT")
    assert (bar_exits["exit_ts_ms"], bar_exits["exit_reason"]) == (TOUCH_MS, "TAKE_PROFIT")
    assert bar_exits["entry_price"] == closes_only["entry_price"] == Decimal("29.36")
    assert bar_exits["exit_price"] == Decimal("29.20")  # the scan's close: placed after the touch
    assert closes_only["exit_price"] == Decimal("29.16")


def test_jump_and_per_scan_agree_with_the_bar_walked():
    hashes = {path: simulate(_scenario({"venue": True, "exits": True}, engine_path=path)).summary.journal_sha256
              for path in ("jump", "per-scan")}
    assert hashes["jump"] == hashes["per-scan"]
    assert hashes["jump"] != simulate(_scenario({})).summary.journal_sha256


def test_the_summary_says_what_looked_inside():
    facts = simulate(_scenario({"venue": True, "exits": True})).facts
    assert facts.intrabar == {"venue": True, "exits": True, "marks": "walk with the price (no recorded marks)"}
    assert intrabar_line(facts.intrabar) == (
        "  intrabar: the venue walks each bar (high, then low, then close); marks walk with the price (no recorded "
        "marks); exits are asked at the bar's high and low (stop-loss, take-profit touches)")
    assert "intrabar" not in simulate(_scenario({})).facts.to_dict()


def test_off_keeps_the_run_identity_and_on_changes_it():
    off = _scenario({})
    plain = Scenario.model_validate({"name": "bars", "seed": 41, "data": {"kind": "candles", "dataset": "B"}})
    assert config_hash(off, 41) == config_hash(plain, 41)
    assert config_hash(_scenario({"venue": True}), 41) != config_hash(off, 41)


def test_asking_for_bars_over_scans_without_them_is_refused():
    synthetic = Scenario.model_validate({"name": "syn", "data": {"kind": "synthetic", "config": {"n_scans": 50}},
                                         "intrabar": {"exits": True}})
    with pytest.raises(UserError, match=r"intrabar\.exits: true, but the scans of data \(synthetic\) carry no bar "
                                        r"highs and lows"):
        simulate(synthetic)
