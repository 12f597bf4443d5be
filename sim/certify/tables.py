"""Facts certification measures from a run's journal tables, where the run summary has no counter.

The recorder counts what it can see as it happens; some certification questions need two tables
side by side (was a position open when this decision arrived?) or every row (is each one valid?),
so they are answered here, after the run, from the Parquet files every run writes.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sim.journal.schema import TABLES
from violet_engine.constants import CONVICTION_DIGITS
from violet_engine.execution_policy import GateReason
from violet_engine.types import ExitReason, RejectReason

#: Gates the execution policy applies before the slot: a busy-slot decision may carry these instead.
GATES_BEFORE_SLOT = frozenset({GateReason.HALTED.value, GateReason.CADENCE.value, GateReason.SLOT_BUSY.value})
#: A haircut rounds conviction to CONVICTION_DIGITS; it may land this far above the exact product.
ROUNDING_SLACK = 0.5 * 10.0 ** -CONVICTION_DIGITS


@dataclass(frozen=True)
class SlotUse:
    """Decisions that arrived strictly inside a position's lifetime, and those of them that were
    let through (ENTER) or stopped by a rule that comes after the slot in the policy."""

    busy: int
    not_gated: int
    first_not_gated_ts: int | None


def slot_use(decisions: pa.Table, trades: pa.Table) -> SlotUse:
    """A decision is busy when some trade's entry time < its time < that trade's exit time. With zero
    latency (the certification scenarios) the times are exact; with latency an exit's own scan can
    look busy, which can only make this check stricter, never let a breach through."""
    ts = decisions.column("ts_ms").to_numpy()
    if trades.num_rows == 0 or ts.size == 0:
        return SlotUse(0, 0, None)
    order = np.argsort(trades.column("entry_ts_ms").to_numpy(), kind="stable")
    entry = trades.column("entry_ts_ms").to_numpy()[order]
    latest_exit = np.maximum.accumulate(trades.column("exit_ts_ms").to_numpy()[order])
    idx = np.searchsorted(entry, ts, side="left") - 1
    busy = (idx >= 0) & (latest_exit[np.maximum(idx, 0)] > ts)
    reasons = decisions.column("gate_reason").to_numpy(zero_copy_only=False)
    allowed = np.array([r in GATES_BEFORE_SLOT for r in reasons], dtype=bool)
    bad = busy & ~allowed
    return SlotUse(int(busy.sum()), int(bad.sum()), int(ts[bad][0]) if bad.any() else None)


@dataclass(frozen=True)
class Haircut:
    decisions: int
    min_esof_mult: float | None
    max_esof_mult: float | None
    boosted: int  # decisions whose conviction exceeds sizer x steepener (the haircut raised it)


def haircut(decisions: pa.Table, base_fraction: float) -> Haircut:
    """EsoF may only cut size: the journaled conviction (after haircut and V4 caps) never exceeds
    the sizer-and-steepener conviction, recovered as ``notional_fraction / base_fraction``."""
    if decisions.num_rows == 0:
        return Haircut(0, None, None, 0)
    mult = decisions.column("esof_mult").to_numpy()
    steepened = decisions.column("notional_fraction").to_numpy() / base_fraction
    boosted = decisions.column("conviction").to_numpy() > steepened + ROUNDING_SLACK
    return Haircut(decisions.num_rows, float(mult.min()), float(mult.max()), int(boosted.sum()))


# -- schema ---------------------------------------------------------------------------------------
_ENUMS: dict[tuple[str, str], frozenset[str]] = {
    ("decisions", "action"): frozenset({"ENTER", "GATED"}),
    ("rejects", "reason"): frozenset(r.value for r in RejectReason),
    ("fills", "side"): frozenset({"BUY", "SELL"}),
    ("fills", "liquidity"): frozenset({"MAKER", "TAKER", "LIQUIDATION"}),
    ("trades", "exit_reason"): frozenset(r.value for r in ExitReason),
}
#: Tables whose rows are journaled in time order, by their time column.
_TIME_ORDERED = {"decisions": "ts_ms", "rejects": "ts_ms", "orders": "ts_ms", "fills": "ts_ms",
                 "trades": "exit_ts_ms", "equity": "ts_ms"}
#: Summary count each table's row count must equal (orders also journals queries and cancels).
_ROW_COUNTS = {"decisions": "decided", "rejects": "rejected", "fills": "fills", "trades": "trades"}


def _bad_rows(name: str, table: pa.Table) -> dict[str, int]:
    """Rule -> number of rows of ``table`` breaking it."""
    bad: dict[str, int] = {}
    for col in table.column_names:
        if table.column(col).null_count:
            bad[f"{col} is null"] = table.column(col).null_count
        if pa.types.is_floating(table.schema.field(col).type):
            values = table.column(col).to_numpy()
            if not np.isfinite(values).all():
                bad[f"{col} not finite"] = int((~np.isfinite(values)).sum())
    for (tname, col), allowed in _ENUMS.items():
        if tname == name:
            values = table.column(col).to_pylist()
            n = sum(v not in allowed for v in values)
            if n:
                bad[f"{col} not in {sorted(allowed)}"] = n
    if name == "decisions":
        gated = pc.equal(table.column("action"), "GATED").to_numpy(zero_copy_only=False)
        reasons = table.column("gate_reason").to_pylist()
        valid = {g.value for g in GateReason}
        n = sum((r not in valid) if g else (r != "") for g, r in zip(gated, reasons))
        if n:
            bad["gate_reason does not match action"] = n
    if name == "trades" and table.num_rows:
        n = int(pc.sum(pc.less(table.column("exit_ts_ms"), table.column("entry_ts_ms"))).as_py())
        if n:
            bad["exit before entry"] = n
    time_col = _TIME_ORDERED[name]
    ts = table.column(time_col).to_numpy()
    if ts.size > 1 and (np.diff(ts) < 0).any():
        bad[f"{time_col} goes back in time"] = int((np.diff(ts) < 0).sum())
    return bad


def schema_problems(tables: dict[str, pa.Table], scans_in: int, counted: Mapping[str, Any]) -> list[str]:
    """Every way a run's journal breaks its schema, its row rules or the accounting identity."""
    problems: list[str] = []
    for name, expected in TABLES.items():
        table = tables[name]
        if not table.schema.equals(expected, check_metadata=False):
            problems.append(f"{name}: schema differs from sim/journal/schema.py")
            continue
        problems += [f"{name}: {n} rows with {rule}" for rule, n in _bad_rows(name, table).items()]
        key = _ROW_COUNTS.get(name)
        if key is not None and table.num_rows != counted[key]:
            problems.append(f"{name}: {table.num_rows} rows but the run counted {key} = {counted[key]}")
    accounted = sum(counted[k] for k in ("decided", "no_signal", "no_pick", "rejected"))
    if accounted != scans_in:
        problems.append(f"scans in {scans_in} != decided + no_signal + no_pick + rejected {accounted}")
    return problems
