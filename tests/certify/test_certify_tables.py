"""Journal-derived facts: busy-slot decisions, haircut-only sizing, row validity and accounting."""
from __future__ import annotations

from decimal import Decimal

import pyarrow as pa

from sim.certify.tables import haircut, schema_problems, slot_use
from sim.journal.schema import TABLES

ZERO = Decimal(0)


def _table(name: str, rows: list[dict]) -> pa.Table:
    schema = TABLES[name]
    return pa.Table.from_pylist(rows, schema=schema) if rows else schema.empty_table()


def _decision(ts: int, action: str = "GATED", reason: str = "slot_busy", conviction: float = 1.0,
              mult: float = 1.0, fraction: float = 0.2) -> dict:
    return {"ts_ms": ts, "scan_number": ts, "asset": "AUSDT", "vel_div": -0.03, "conviction_base": 1.0,
            "esof_mult": mult, "conviction": conviction, "notional_fraction": fraction, "capital": 100.0,
            "notional": 20.0, "action": action, "gate_reason": reason if action == "GATED" else ""}


def _trade(entry: int, exit_: int) -> dict:
    return {"entry_ts_ms": entry, "exit_ts_ms": exit_, "symbol": "A-USDT", "side": "SHORT", "quantity": Decimal(1),
            "entry_price": Decimal(1), "exit_price": Decimal(1), "conviction": 1.0, "exchange_leverage": 3,
            "margin": ZERO, "fees": ZERO, "funding": ZERO, "pnl": ZERO, "exit_reason": "MAX_HOLD", "bars_held": 1}


def test_busy_decisions_are_those_strictly_inside_a_position() -> None:
    decisions = _table("decisions", [
        _decision(10, "ENTER"),              # opens the position (entry at 10): not busy
        _decision(15),                        # busy, gated slot_busy
        _decision(18, reason="halted"),       # busy, gated by a rule checked before the slot
        _decision(20, "ENTER"),               # same scan as the exit: the slot is free again
        _decision(25, "ENTER"),               # busy and let through: the breach
        _decision(40, reason="asset_not_allowed"),  # busy but gated by a later rule: also a breach
    ])
    use = slot_use(decisions, _table("trades", [_trade(10, 20), _trade(20, 50)]))
    assert (use.busy, use.not_gated, use.first_not_gated_ts) == (4, 2, 25)


def test_no_trades_means_nothing_busy() -> None:
    assert slot_use(_table("decisions", [_decision(1, "ENTER")]), _table("trades", [])).busy == 0


def test_haircut_may_only_cut() -> None:
    ok = haircut(_table("decisions", [_decision(1, conviction=0.8, mult=0.8), _decision(2, conviction=1.0)]), 0.2)
    assert (ok.boosted, ok.min_esof_mult, ok.max_esof_mult) == (0, 0.8, 1.0)
    raised = haircut(_table("decisions", [_decision(1, conviction=1.2, mult=0.8)]), 0.2)
    assert raised.boosted == 1


def _counted(scans_in: int = 2, **counts: int) -> tuple[int, dict]:
    base = {"decided": 2, "no_signal": 0, "no_pick": 0, "rejected": 0, "fills": 0, "trades": 0}
    return scans_in, base | counts


def _tables(**override: pa.Table) -> dict[str, pa.Table]:
    tables = {name: _table(name, []) for name in TABLES}
    tables["decisions"] = _table("decisions", [_decision(1, "ENTER"), _decision(2)])
    return tables | override


def test_a_valid_journal_has_no_problems() -> None:
    assert schema_problems(_tables(), *_counted()) == []


def test_row_rules_counts_and_accounting() -> None:
    bad = _table("decisions", [_decision(2, "ENTER"), _decision(1, reason=""), _decision(3, action="HOLD")])
    problems = schema_problems(_tables(decisions=bad), *_counted(scans_in=5))
    assert "decisions: 1 rows with action not in ['ENTER', 'GATED']" in problems
    assert "decisions: 1 rows with gate_reason does not match action" in problems
    assert "decisions: 1 rows with ts_ms goes back in time" in problems
    assert "decisions: 3 rows but the run counted decided = 2" in problems
    assert "scans in 5 != decided + no_signal + no_pick + rejected 2" in problems


def test_a_table_with_another_schema_is_reported() -> None:
    other = pa.table({"ts_ms": pa.array([1], pa.int64())})
    assert schema_problems(_tables(equity=other), *_counted()) == ["equity: schema differs from sim/journal/schema.py"]
