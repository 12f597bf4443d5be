"""The execution checks (SPEC 5): the slot, exchange leverage, margin and the V4 caps, measured
from the run summaries and journal tables."""
from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pyarrow.compute as pc
import pyarrow.parquet as pq

from sim.certify.boundary import flat_above_cap_accepted
from sim.certify.evidence import Evidence, Run, Unavailable
from sim.certify.measured import Measured, run_files
from sim.certify.profile import LeverageSpec, MarginSpec, RecoveryDutySpec, SlotSpec, V4Spec
from sim.certify.recovery_duties import Duties, Duty, trace_duties
from sim.observe.request_trace import TRACE_FILE
from sim.certify.tables import slot_use
from violet_engine.execution_policy import DAY_MS


def breach_counts(runs: list[Run], *kinds: str) -> Counter[str]:
    return Counter(str(b.invariant) for r in runs for b in r.summary.breaches if not kinds or b.invariant in kinds)


def slot_gating(ev: Evidence, spec: SlotSpec) -> Measured:
    uses = [slot_use(r.table("decisions"), r.table("trades")) for r in ev.runs]
    busy, not_gated = sum(u.busy for u in uses), sum(u.not_gated for u in uses)
    first = next((f"{r.name} at ts {u.first_not_gated_ts}" for r, u in zip(ev.runs, uses) if u.not_gated), None)
    most = max(r.facts.max_open_positions for r in ev.runs)
    breaches = sum(breach_counts(ev.runs, "single_slot", "venue_violation").values())
    passed = most <= spec.max_open_positions and not_gated == 0 and breaches == 0 and busy >= spec.min_busy_decisions
    return Measured({"max_open_positions": most, "busy_slot_decisions": busy, "busy_not_gated": not_gated,
                     "first_not_gated": first, "slot_breaches": breaches},
                    passed, run_files(ev, ev.runs, "decisions.parquet", "trades.parquet"))


def exchange_leverage(ev: Evidence, spec: LeverageSpec) -> Measured:
    """Positions at exactly the policy's leverage, confirmed on every symbol that got an entry."""
    used: set[int] = set()
    unconfirmed: list[str] = []
    trades = 0
    for r in ev.runs:
        t = r.table("trades")
        trades += t.num_rows
        used |= set(r.facts.exchange_leverages) | set(t.column("exchange_leverage").to_pylist())
        confirmed = r.facts.leverage_confirmed
        o = r.table("orders")
        entered = set(o.filter(pc.equal(o.column("purpose"), "ENTRY")).column("symbol").to_pylist())
        unconfirmed += [f"{r.name}:{s}" for s in sorted(entered) if confirmed.get(s) != spec.leverage]
    breaches = sum(breach_counts(ev.runs, "leverage_cap").values())
    above_cap = spec.refuse_flat_above_cap and flat_above_cap_accepted(spec.cap)
    passed = (trades > 0 and used == {spec.leverage} and max(used) <= spec.cap and not unconfirmed and breaches == 0
              and not above_cap)
    return Measured({"leverages_used": sorted(used), "trades": trades, "unconfirmed_symbols": unconfirmed[:5],
                     "cap_breaches": breaches, "flat_above_cap_accepted": above_cap},
                    passed, run_files(ev, ev.runs, "summary.json", "trades.parquet"))


def _margin_headroom(r: Run) -> float | None:
    """The least share of the available margin left after an entry posted its margin and paid its
    opening fee (the venue's true limit; None without trades). The k-th ENTER opened the k-th trade."""
    d, t, f = r.table("decisions"), r.table("trades"), r.table("fills")
    capital = [row["capital"] for row in d.to_pylist() if row["action"] == "ENTER"]
    opening = {(x["symbol"], x["ts_ms"]): x["fee"] for x in f.to_pylist() if x["side"] == "SELL"}
    trades = sorted(t.to_pylist(), key=lambda x: x["entry_ts_ms"])
    room = [1 - float(x["margin"] + opening.get((x["symbol"], x["entry_ts_ms"]), Decimal(0))) / c
            for x, c in zip(trades, capital) if c > 0]
    return min(room) if room else None


def margin_3x(ev: Evidence, spec: MarginSpec) -> Measured:
    rejects = sum(r.facts.insufficient_margin_rejects for r in ev.runs)
    utilization = max(r.facts.max_margin_utilization for r in ev.runs)
    rooms = [h for h in (_margin_headroom(r) for r in ev.runs) if h is not None]
    headroom = min(rooms) if rooms else None
    fit = ev.recorded.studies["margin"]["by_leverage"].get(f"{spec.leverage}x", {}).get("fit")
    passed = (rejects <= spec.max_insufficient_margin_rejects and utilization <= spec.max_margin_utilization
              and headroom is not None and headroom > 0 and fit is not None and fit >= spec.min_recorded_fit)
    return Measured({"insufficient_margin_rejects": rejects, "max_margin_utilization": utilization,
                     "sizing_bound_headroom": round(spec.max_margin_utilization - utilization, 6),
                     "min_available_margin_headroom": None if headroom is None else round(headroom, 6),
                     "recorded_fit": fit},
                    passed, run_files(ev, ev.runs) + [ev.rel(ev.recorded.study_files["margin"])])


def _v4_capbreaches(r: Run, overshoot: float) -> list[str]:
    """Trades that broke a configured V4 cap: notional at the fill price (beyond ``overshoot``),
    conviction, trades per UTC day, or an entry after the day's realised loss reached the limit."""
    v4, t = r.scenario.execution.v4, r.table("trades")
    rows = t.to_pylist()
    out: list[str] = []
    for row in rows:
        notional = row["quantity"] * row["entry_price"]
        if v4.max_notional_usdt is not None and notional > Decimal(repr(v4.max_notional_usdt * (1 + overshoot))):
            out.append(f"notional {notional:.2f} > {v4.max_notional_usdt} at {row['entry_ts_ms']}")
        if v4.max_conviction is not None and row["conviction"] > v4.max_conviction:
            out.append(f"conviction {row['conviction']} > {v4.max_conviction} at {row['entry_ts_ms']}")
        day = row["entry_ts_ms"] // DAY_MS
        if v4.daily_loss_limit_usdt is not None:
            lost = -sum((o["pnl"] for o in rows if o["exit_ts_ms"] // DAY_MS == day
                         and o["exit_ts_ms"] <= row["entry_ts_ms"]), Decimal(0))
            if lost >= Decimal(repr(v4.daily_loss_limit_usdt)):
                out.append(f"entry at {row['entry_ts_ms']} after a day's loss of {lost:.2f}")
    if v4.max_trades_per_day is not None:
        per_day = Counter(row["entry_ts_ms"] // DAY_MS for row in rows)
        out += [f"{n} trades on day {d}" for d, n in sorted(per_day.items()) if n > v4.max_trades_per_day]
    return out


def _notional_overshoot(r: Run) -> float:
    """The largest share by which a trade's notional at its fill price exceeded the notional cap."""
    cap = r.scenario.execution.v4.max_notional_usdt
    t = r.table("trades")
    if cap is None or t.num_rows == 0:
        return 0.0
    notional = t.column("quantity").cast("float64").to_numpy() * t.column("entry_price").cast("float64").to_numpy()
    return max(0.0, float(notional.max()) / cap - 1)


def v4_single_asset(ev: Evidence, spec: V4Spec) -> Measured:
    runs = ev.runs_in("v4")
    lists = sorted({tuple(r.scenario.execution.v4.allow_list or ("<any>",)) for r in runs})
    outside = sorted({f"{r.name}:{a}" for r in runs for a in r.facts.traded_assets
                      if a not in (r.scenario.execution.v4.allow_list or ())})
    unset = sorted({f"{r.name}:{c}" for r in runs for c in spec.required_caps
                    if getattr(r.scenario.execution.v4, c) is None})
    breaches = [f"{r.name}: {b}" for r in runs for b in _v4_capbreaches(r, spec.max_notional_overshoot)]
    overshoot = max((_notional_overshoot(r) for r in runs), default=0.0)
    trades = sum(r.facts.trades for r in runs)
    single = all(len(r.scenario.execution.v4.allow_list or ()) == spec.allowed_assets for r in runs)
    passed = bool(runs) and single and not outside and not unset and not breaches and trades > 0
    return Measured({"v4_runs": len(runs), "allow_lists": [list(a) for a in lists], "trades": trades,
                     "max_notional_overshoot": round(overshoot, 6),
                     "traded_outside_allow_list": outside, "caps_not_set": unset, "cap_breaches": breaches[:5]},
                    passed, run_files(ev, runs, "summary.json", "trades.parquet"))


def recovery_duties(ev: Evidence, spec: RecoveryDutySpec) -> Measured:
    """Every recovery duty the traced drills owed (``recovery_duties``), met; each duty the profile
    names owed at least its minimum, so that the check cannot pass because nothing went wrong. A
    drill run that broke its own ``expect:`` is listed (``drills_failed``), not failed here: what
    it broke (an invariant, the ledger) is owned by the check of that meaning."""
    drills = ev.drills
    assert not isinstance(drills, Unavailable)
    duties = Duties()
    for d in drills:
        duties.merge(trace_duties(pq.read_table(d.dir / TRACE_FILE), pq.read_table(d.dir / "orders.parquet")),
                     f"{d.file} seed {d.seed}")
    missed = [f"{duty}: {where}" for duty in Duty for where in duties.missed.get(duty, [])]
    short = sorted(f"{duty}: owed {duties.owed[duty]} < {n}" for duty, n in spec.min_owed.items()
                   if duties.owed[duty] < n)
    failed = [f"{d.file} seed {d.seed}" for d in drills if not d.passed]
    passed = bool(drills) and len(missed) <= spec.max_missed and not short
    return Measured({"drill_runs": len(drills), "owed": {str(d): duties.owed[d] for d in Duty},
                     "missed": len(missed), "first_missed": missed[:5], "below_minimum": short,
                     "drills_failed": failed},
                    passed, [ev.rel(d.dir / f) for d in drills for f in (TRACE_FILE, "orders.parquet")])
