"""Clean study: recovers the generator's planted duplicates, artifacts and PnL exactly."""
from __future__ import annotations

from decimal import Decimal

from sim.studies import clean
from sim.studies.trades import clean_trades


def test_recovers_what_was_planted(trades, recorded):
    p = recorded.planted
    r = clean.compute(trades)
    assert r["raw"] == {"rows": p.rows, "trade_ids": p.trade_ids, "pnl": float(p.raw_pnl)}
    assert r["dedup"]["duplicate_rows"] == p.rows - p.trade_ids
    assert r["dedup"]["multi_row_trade_ids"] == p.multi_row_trade_ids
    assert r["dedup"]["max_rows_per_trade"] == p.max_rows_per_trade
    assert r["dedup"]["identical_pnl_share"] == round(1 - p.partial_emission_trade_ids / p.multi_row_trade_ids, 4)
    assert r["artifacts"]["hibernate_halt"] == p.hibernate_halts
    assert r["artifacts"]["bars_held_zero"] == p.zero_bar_trades
    assert (r["clean"]["trades"], r["clean"]["wins"]) == (p.clean_trades, p.clean_wins)
    assert Decimal(str(r["clean"]["pnl"])) == p.clean_pnl
    assert r["artifacts"]["worst"] == {"trade_id": r["artifacts"]["worst"]["trade_id"], "asset": "ZECUSDT",
                                       "exit_reason": "HIBERNATE_HALT", "bars_held": 0, "pnl": -39164.0}


def test_keeps_the_last_emission_and_drops_artifacts(make_events):
    events = make_events([
        {"trade_id": "a", "pnl": Decimal("5"), "exit_time": 1_781_308_810_000},   # partial emission
        {"trade_id": "a", "pnl": Decimal("12"), "exit_time": 1_781_308_820_000},  # final
        {"trade_id": "b", "pnl": Decimal("-3")},
        {"trade_id": "b", "pnl": Decimal("-3")},
        {"trade_id": "c", "pnl": Decimal("-900"), "exit_reason": "HIBERNATE_HALT", "bars_held": 0},
        {"trade_id": "d", "pnl": Decimal("7"), "bars_held": 0},
    ])
    t = clean_trades(events)
    assert t.clean.column("trade_id").to_pylist() == ["a", "b"]
    r = clean.compute(t)
    assert (r["raw"]["pnl"], r["dedup"]["pnl"], r["clean"]["pnl"]) == (-882.0, -884.0, 9.0)
    assert r["dedup"]["identical_pnl_share"] == 0.5
    assert r["artifacts"]["dropped_trades"] == 2 and r["clean"]["win_rate"] == 0.5
