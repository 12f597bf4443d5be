"""The certification checks (SPEC 9): one small function per check, evidence in, verdict out.

Every function reads measured evidence (run summaries, journal tables, probes of the engine, the
studies, the swarm's report), never just a configuration, and returns what it measured, whether
that meets the profile's threshold, and the files it read. Checks that count something also
require that the thing happened at all (spikes decided, busy-slot decisions seen, trades made),
so that a check cannot pass because its situation never arose.
"""
from __future__ import annotations

from collections import Counter
from typing import Any, Callable

import numpy as np
import pyarrow.compute as pc

from exchange_mock import to_venue_symbol
from sim.certify.evidence import Evidence, Unavailable
from sim.certify.boundary import esof_failures, replay_failures, vel_div_failures
from sim.certify.engine_probes import sizer_curve, spike_probe
from sim.certify.execution_checks import (breach_counts, exchange_leverage, margin_3x, recovery_duties,
                                          slot_gating, v4_single_asset)
from sim.certify.measured import CheckResult, Measured, probed, run_files
from sim.certify.profile import (CountSpec, CoverageSpec, FaultSpec, GoldenSpec, HaircutSpec,
                                 ParitySpec, Profile, SignalSpec, SpikeSpec, SpecReplaySpec, StablecoinSpec)
from sim.certify.spec_replay.replay import replay_run
from sim.certify.venue_audit import audit_run
from sim.certify.tables import haircut, schema_problems


# -- decision layer -------------------------------------------------------------------------------
def sizing_parity(ev: Evidence, spec: ParitySpec) -> Measured:
    """Each engine's base sizer against the recorded median conviction, bin by bin."""
    rec = ev.recorded
    bins = rec.studies["parity"]["bins"]
    x = np.array([b["vel_div_median"] for b in bins])
    recorded = np.array([b["recorded_median"] for b in bins])
    pearsons, errors = [], []
    engines = ev.engines()
    for engine in engines:
        curve = sizer_curve(engine, x)
        with np.errstate(invalid="ignore", divide="ignore"):  # a flat curve has no correlation: NaN
            pearsons.append(float(np.corrcoef(curve, recorded)[0, 1]) if len(bins) > 1 else float("nan"))
        errors.append(float(np.max(np.abs(curve - recorded))) if len(bins) else float("nan"))
    pearson, error = float(np.min(pearsons)), float(np.max(errors))  # the worst engine; NaN fails
    passed = pearson >= spec.min_pearson and error <= spec.max_abs_error
    return Measured({"pearson": round(pearson, 6), "max_abs_error": round(error, 6), "bins": len(bins),
                     "clean_trades": rec.trades.clean.num_rows, "recorded": rec.origin,
                     "engine_configs": len(engines)},
                    passed, [ev.rel(rec.study_files["parity"])])


def haircut_only(ev: Evidence, spec: HaircutSpec) -> Measured:
    """EsoF multipliers within [min, max] and no decision sized above sizer x steepener."""
    cuts = [haircut(r.table("decisions"), r.scenario.engine.base_fraction) for r in ev.runs]
    lows = [c.min_esof_mult for c in cuts if c.min_esof_mult is not None]
    highs = [c.max_esof_mult for c in cuts if c.max_esof_mult is not None]
    decisions = sum(c.decisions for c in cuts)
    boosted = sum(c.boosted for c in cuts)
    low, high = (min(lows), max(highs)) if lows else (None, None)
    probes = probed(ev, lambda engine: esof_failures(engine, spec.probes))
    passed = (decisions > 0 and boosted == 0 and low is not None and not probes
              and low >= spec.min_esof_mult and high <= spec.max_esof_mult)
    return Measured({"decisions": decisions, "min_esof_mult": low, "max_esof_mult": high, "boosted": boosted,
                     "probes": len(spec.probes), "probe_failures": probes[:5]},
                    passed, run_files(ev, ev.runs, "decisions.parquet"))


def no_stablecoins(ev: Evidence, spec: StablecoinSpec) -> Measured:
    symbols = set(spec.symbols)
    venue = {to_venue_symbol(s) for s in spec.symbols}
    decisions = sum(sum(a in symbols for a in r.table("decisions").column("asset").to_pylist()) for r in ev.runs)
    orders = sum(sum(s in venue for s in r.table("orders").column("symbol").to_pylist()) for r in ev.runs)
    listed = sorted({s for r in ev.runs for s in r.stablecoins_listed})
    missing = sorted(symbols - set(listed))
    passed = decisions <= spec.max_decisions and orders <= spec.max_orders and not missing
    return Measured({"stablecoin_decisions": decisions, "stablecoin_orders": orders,
                     "listed_in_data": len(listed), "never_listed": missing},
                    passed, run_files(ev, ev.runs, "decisions.parquet", "orders.parquet"))


def short_below_threshold(ev: Evidence, spec: SignalSpec) -> Measured:
    decisions = not_below = buy_entries = not_short = 0
    for r in ev.runs:
        d, o, t = r.table("decisions"), r.table("orders"), r.table("trades")
        decisions += d.num_rows
        in_table = int(np.sum(~(d.column("vel_div").to_numpy() < spec.threshold)))
        not_below += max(in_table, r.facts.decisions_not_short_below_threshold)
        entries = pc.equal(o.column("purpose"), "ENTRY")
        buy_entries += int(pc.sum(pc.and_(entries, pc.equal(o.column("side"), "BUY"))).as_py() or 0)
        not_short += int(pc.sum(pc.not_equal(t.column("side"), "SHORT")).as_py() or 0)
    probes = probed(ev, lambda engine: vel_div_failures(engine, spec.probes))
    passed = decisions > 0 and not_below == 0 and buy_entries == 0 and not_short == 0 and not probes
    return Measured({"decisions": decisions, "not_below_threshold": not_below, "buy_entry_orders": buy_entries,
                     "non_short_trades": not_short, "probes": len(spec.probes), "probe_failures": probes[:5]},
                    passed, run_files(ev, ev.runs, "decisions.parquet", "orders.parquet", "trades.parquet"))


def spike_saturation(ev: Evidence, spec: SpikeSpec) -> Measured:
    """Every run decision at or below ``extreme`` sized exactly at saturation, and the same for the
    probed values (``-605`` among them) fed straight into each engine."""
    spikes = unsaturated = 0
    deepest = None
    for r in ev.runs:
        d = r.table("decisions")
        vd = d.column("vel_div").to_numpy()
        spike = vd <= spec.extreme
        spikes += int(spike.sum())
        unsaturated += int(np.sum(spike & ((d.column("conviction_base").to_numpy() != spec.conviction)
                                           | (d.column("notional_fraction").to_numpy() != spec.notional_fraction))))
        if spike.any():
            deepest = float(vd.min()) if deepest is None else min(deepest, float(vd.min()))
    probe_failures = []
    for engine in ev.engines():
        for a in spike_probe(engine, spec.probe_vel_div):
            if (a.conviction_base, a.notional_fraction) != (spec.conviction, spec.notional_fraction):
                probe_failures.append(f"vel_div {a.vel_div:g}: {a.outcome} conviction {a.conviction_base} "
                                      f"fraction {a.notional_fraction}")
    probe_failures += probed(ev, lambda engine: vel_div_failures(engine, spec.probes))
    passed = unsaturated == 0 and not probe_failures and spikes >= spec.min_spike_decisions
    return Measured({"spike_decisions": spikes, "deepest_vel_div": deepest, "unsaturated": unsaturated,
                     "probed": list(spec.probe_vel_div), "probe_failures": probe_failures[:5]},
                    passed, run_files(ev, ev.runs, "decisions.parquet"))


# -- execution ------------------------------------------------------------------------------------


def spec_replay(ev: Evidence, spec: SpecReplaySpec) -> Measured:
    """Every run's scans replayed through SPEC 4-5 written out again (``spec_replay``); every
    journaled reject, decision, gate, V4 halt and exit must agree, field for field."""
    replays = [replay_run(r.name, r.scenario, {t: r.table(t).to_pylist() for t in ("decisions", "rejects", "trades", "fills")},
                          r.facts.to_dict(), spec) for r in ev.runs]
    skipped = [f"{x.run}: {x.not_replayed}" for x in replays if x.not_replayed]
    disagreements = sum(x.disagreements for x in replays)
    first = next((x.first.text() for x in replays if x.first is not None), None)
    gates: Counter[str] = Counter()
    exits: Counter[str] = Counter()
    for x in replays:
        gates.update(x.gates)
        exits.update(x.exits)
    decisions = sum(x.decisions for x in replays)
    probes = probed(ev, lambda engine: replay_failures(engine, spec.probes, spec.exits))
    passed = (bool(replays) and not skipped and decisions > 0 and disagreements <= spec.max_disagreements
              and not probes)
    return Measured({"runs": len(replays), "scans": sum(x.scans for x in replays), "decisions": decisions,
                     "rejects": sum(x.rejects for x in replays), "trades": sum(x.trades for x in replays),
                     "gates": dict(sorted(gates.items())), "exits": dict(sorted(exits.items())),
                     "disagreements": disagreements, "first_disagreement": first, "not_replayed": skipped,
                     "probe_failures": probes[:5]},
                    passed, run_files(ev, ev.runs, "decisions.parquet", "rejects.parquet", "trades.parquet"))


# -- journal, invariants, outcomes ------------------------------------------------------------------
def schema_valid(ev: Evidence, spec: CountSpec) -> Measured:
    problems = [f"{r.name}: {p}" for r in ev.runs for p in schema_problems(r.tables(), r.summary.scans_in, r.facts.to_dict())]
    rows = sum(t.num_rows for r in ev.runs for t in r.tables().values())
    scans = sum(r.summary.scans_in for r in ev.runs)
    return Measured({"rows_checked": rows, "scans_accounted": scans, "problems": len(problems),
                     "first_problems": problems[:5]},
                    len(problems) <= spec.max, run_files(ev, ev.runs, "summary.json"))


def invariants(ev: Evidence, spec: CountSpec) -> Measured:
    by_kind = breach_counts(ev.runs)
    unreconciled = [r.name for r in ev.runs if not r.facts.ledger_reconciled]
    total = sum(by_kind.values()) + len(unreconciled)
    return Measured({"breaches": dict(sorted(by_kind.items())), "ledger_not_reconciled": unreconciled},
                    total <= spec.max, run_files(ev, ev.runs))


def expectations(ev: Evidence, spec: CountSpec) -> Measured:
    """Each certification scenario's own ``expect:`` block, as its run evaluated it."""
    failed = [f"{r.name}: {c.name} expected {c.expected}, measured {c.measured}"
              for r in ev.runs for c in r.summary.failed_expectations]
    stated = sum(len(r.summary.expectations) for r in ev.runs)
    return Measured({"expectations": stated, "failed": len(failed), "first_failed": failed[:5]},
                    len(failed) <= spec.max, run_files(ev, ev.runs))


def venue_audit(ev: Evidence, spec: CountSpec) -> Measured:
    """Every fee, margin, realised PnL, trade PnL, funding payment, liquidation trigger and the final
    wallet recomputed from the journal and the run's scans."""
    audits = [audit_run(r.name, r.scenario, {t: r.table(t).to_pylist() for t in ("fills", "trades")},
                        r.summary.final_wallet, r.facts.open_at_end, r.facts.funding, r.facts.contracts_templated)
              for r in ev.runs]
    problems = [p for a in audits for p in a.problems]
    trades = sum(a.trades for a in audits)
    return Measured({"fills": sum(a.fills for a in audits), "trades": trades,
                     "funding_payments": sum(a.funding_payments for a in audits),
                     "liquidation_triggers": sum(a.liquidation_checks for a in audits),
                     "trigger_not_audited": sum(a.not_audited for a in audits),
                     "problems": len(problems), "first_problems": problems[:5]},
                    trades > 0 and len(problems) <= spec.max, run_files(ev, ev.runs, "fills.parquet", "trades.parquet"))


def no_liquidation(ev: Evidence, spec: CountSpec) -> Measured:
    runs = ev.runs_in("baseline")
    liquidations = {r.name: r.facts.liquidations for r in runs if r.facts.liquidations}
    return Measured({"baseline_runs": len(runs), "liquidations": sum(liquidations.values()),
                     "liquidated_in": sorted(liquidations)},
                    bool(runs) and sum(liquidations.values()) <= spec.max, run_files(ev, runs))


def determinism(ev: Evidence, spec: CountSpec) -> Measured:
    differ = [r.file for r in ev.reruns if r.first_sha256 != r.second_sha256]
    swarm = list(ev.swarm.rerun_mismatches) if not isinstance(ev.swarm, Unavailable) else []
    return Measured({"reruns": len(ev.reruns), "hash_mismatches": differ, "swarm_rerun_mismatches": swarm},
                    bool(ev.reruns) and len(differ) + len(swarm) <= spec.max,
                    [ev.rel(r.dir / "summary.json") for r in ev.reruns])


def golden(ev: Evidence, spec: GoldenSpec) -> Measured:
    gold = ev.golden
    assert not isinstance(gold, Unavailable)
    changed = [g.scenario for g in gold.results if not g.ok]
    first = next((f"{g.scenario}: {g.lines[0]}" for g in gold.results if not g.ok and g.lines), None)
    return Measured({"goldens": len(gold.results), "changed": changed, "first_difference": first},
                    len(gold.results) >= spec.min_goldens and not changed, [ev.rel(gold.report)])


def fault_suite(ev: Evidence, spec: FaultSpec) -> Measured:
    s = ev.swarm
    assert not isinstance(s, Unavailable)
    return Measured({"runs": s.runs, "seeds": len(s.seeds), "failed_runs": len(s.failed_runs),
                     "runs_with_breach": s.breached_runs, "runs_with_lost_order": s.lost_order_runs,
                     "first_failed": list(s.failed_runs[:3])},
                    s.runs > 0 and not s.failed_runs and s.breached_runs <= spec.max_breaches
                    and s.lost_order_runs <= spec.max_lost_orders, [ev.rel(s.report)])


def fault_coverage(ev: Evidence, spec: CoverageSpec) -> Measured:
    s = ev.swarm
    assert not isinstance(s, Unavailable)
    probes = sum(c.probes for c in s.classes)
    reached = sum(c.reached for c in s.classes)
    share = reached / probes if probes else 0.0
    values: dict[str, Any] = {"probes": probes, "reached": reached, "share": round(share, 4),
                              "unreached": list(s.unreached_probes[:5])}
    if share < spec.min_reached_share and s.seeds_per_scenario < s.profile_seeds:
        values["why"] = (f"a quick run: {s.seeds_per_scenario} seeds per fault scenario reach "
                         f"{reached} of {probes} probes; coverage is sized on the profile's {s.profile_seeds} "
                         f"seeds (run with --seeds {s.profile_seeds} or without --seeds)")
    return Measured(values,
                    probes > 0 and share >= spec.min_reached_share, [ev.rel(s.report)])


#: id -> (title, function). Order is the profile's field order.
CHECKS: dict[str, tuple[str, Callable[[Evidence, Any], Measured]]] = {
    "sizing_parity": ("Sizing parity: base sizer vs recorded median conviction", sizing_parity),
    "haircut_only": ("Modulation is haircut-only (EsoF never raises size)", haircut_only),
    "no_stablecoins": ("Zero stablecoin decisions or orders", no_stablecoins),
    "short_below_threshold": ("Every decision SHORT and strictly below the threshold", short_below_threshold),
    "spike_saturation": ("Spike saturation: vel_div <= extreme gives exactly 9.0 and 1.80", spike_saturation),
    "slot_gating": ("Slot gating: never two positions, every busy-slot decision gated", slot_gating),
    "exchange_leverage": ("Exchange leverage exactly the policy's, confirmed, never above cap", exchange_leverage),
    "margin_3x": ("Margin never binding at 3x", margin_3x),
    "v4_single_asset": ("V4 single asset and caps respected", v4_single_asset),
    "schema_valid": ("Journal schema valid, every scan accounted for", schema_valid),
    "invariants": ("Zero invariant breaches, ledger reconciled", invariants),
    "expectations": ("Every certification scenario's own expect: block met", expectations),
    "venue_audit": ("Venue audited: fees, margins, PnL and the ledger recomputed to the last digit", venue_audit),
    "no_liquidation": ("No liquidation in the baseline scenarios", no_liquidation),
    "determinism": ("Determinism: two runs, one hash", determinism),
    "spec_replay": ("SPEC 4-5 replayed independently agrees with every journaled outcome", spec_replay),
    "golden": ("Golden scenarios unchanged", golden),
    "fault_suite": ("Fault suite: zero invariant breaches, zero lost orders", fault_suite),
    "fault_coverage": ("Fault coverage probes all reached", fault_coverage),
    "recovery_duties": ("Recovery duties met: lost answers looked up, cancels settled, restarts clean", recovery_duties),
}


#: Checks whose evidence may be ``Unavailable``: id -> the ``Evidence`` field they need.
NEEDS = {"golden": "golden", "fault_suite": "swarm", "fault_coverage": "swarm", "recovery_duties": "drills"}


def evaluate(profile: Profile, ev: Evidence) -> list[CheckResult]:
    """Every check the profile selects, in profile order."""
    results = []
    for check_id, spec in profile.checks.selected():
        title, fn = CHECKS[check_id]
        if check_id == "golden" and ev.golden is None:
            continue  # not asked for (--no-golden): the certificate says so apart from the checks
        missing = getattr(ev, NEEDS[check_id]) if check_id in NEEDS else None
        if isinstance(missing, Unavailable):
            results.append(CheckResult(check_id, title, spec.mandatory, spec.thresholds(),
                                       {"not_available": missing.reason}, False, [], available=False))
            continue
        m = fn(ev, spec)
        results.append(CheckResult(check_id, title, spec.mandatory, spec.thresholds(), m.values, bool(m.passed),
                                   m.evidence))
    return results


def failed_first(results: list[CheckResult]) -> list[CheckResult]:
    """Report order: failed mandatory checks (measured failures before missing evidence), then
    failed optional ones, then passes; profile order within each group."""
    def rank(r: CheckResult) -> int:
        if r.passed:
            return 3
        if not r.mandatory or r.regression:
            return 2
        return 0 if r.available else 1
    return sorted(results, key=rank)


def verdicts(results: list[CheckResult]) -> list[CheckResult]:
    """The checks the verdict hinges on: mandatory ones that guard a meaning, not a regression."""
    return [r for r in results if r.mandatory and not r.regression]


def verdict(results: list[CheckResult]) -> str:
    counted = verdicts(results)
    return "GO" if counted and all(r.passed for r in counted) else "NO-GO"
