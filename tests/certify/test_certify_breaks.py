"""Each check guards one thing: break that thing on the bench and certification says NO-GO, exits
1, and names that check first. A break is either a setting in a scenario (the configuration under
certification) or a patch of the code that implements the rule (an engine regression)."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

import sim.execution.recovery
import sim.harness.simulate
import violet_engine.engine
from decimal import Decimal

from exchange_mock import Venue
from exchange_mock.models.fee import ContractFees
from exchange_mock.models.funding import ConstantFunding
import sim.execution.trader as trader_module
from sim.execution.session import VenueSession
from sim.kernel.requests import RequestKind
from sim.observe.recorder import Recorder
from violet_engine.constants import CONVICTION_DIGITS, STABLECOIN_SYMBOLS
from violet_engine.execution_policy import DayCounters, ExecutionPolicy
from violet_engine.exits import ExitEngine
from violet_engine.leverage import LeverageConfig
from violet_engine.modulation import EsofModulator
from violet_engine.selector import NO_ASSET
from violet_engine.sizer import AlphaBetSizer
from violet_engine.types import ExitReason

PROJECT = Path(__file__).resolve().parents[2]


def _no_go(bench, expect_failed: list[str], **profile) -> dict:
    """Golden excluded: the meaning checks alone must see the defect."""
    code, cert, output = bench.certify(bench.profile(**profile), "--no-golden")
    assert code == 1, output
    assert cert["verdict"] == "NO-GO"
    assert cert["failed"] == expect_failed
    assert output.startswith("NO-GO") and output.splitlines()[1].startswith(f"  FAIL {expect_failed[0]}:")
    return {c["id"]: c["measured"] for c in cert["checks"]}


def test_sizer_max_leverage_8_breaks_parity_and_saturation(bench) -> None:
    sizer = {"threshold": -0.02, "extreme": -0.05, "min_leverage": 0.5, "max_leverage": 8.0, "convexity": 3}
    engine = {"engine": {"sizer": sizer, "steepener": {"cap": 8.0}}}
    m = _no_go(bench, ["sizing_parity", "spike_saturation", "spec_replay"], v4=engine, baseline=engine)
    assert m["sizing_parity"]["max_abs_error"] == pytest.approx(1.0)
    assert m["spike_saturation"]["unsaturated"] > 0


def test_haircut_that_raises_conviction(bench, monkeypatch) -> None:
    original = violet_engine.engine.haircut_array

    def boosting(values, mult, digits):
        return original(values * 1.25 if digits == CONVICTION_DIGITS else values, mult, digits)

    monkeypatch.setattr(violet_engine.engine, "haircut_array", boosting)
    m = _no_go(bench, ["haircut_only", "spec_replay"])
    assert m["haircut_only"]["boosted"] > 0


def test_stablecoin_list_missing_one_symbol(bench) -> None:
    m = _no_go(bench, ["no_stablecoins", "spec_replay"], v4={"engine": {"stablecoins": {"symbols": list(STABLECOIN_SYMBOLS[1:])}}})
    assert m["no_stablecoins"]["stablecoin_decisions"] > 0


def test_signal_at_or_above_the_threshold(bench, monkeypatch) -> None:
    monkeypatch.setattr(AlphaBetSizer, "is_signal", lambda self, vel_div: vel_div < self.config.threshold + 0.01)
    m = _no_go(bench, ["short_below_threshold", "spec_replay"])
    assert m["short_below_threshold"]["not_below_threshold"] > 0


def test_spikes_cleaned_away(bench, monkeypatch) -> None:
    original = AlphaBetSizer.size

    def cleaning(self, vel_div):
        return original(self, np.where(vel_div < -1.0, self.config.threshold, vel_div))

    monkeypatch.setattr(AlphaBetSizer, "size", cleaning)
    m = _no_go(bench, ["spike_saturation", "spec_replay"])
    assert m["spike_saturation"]["unsaturated"] > 0 and m["spike_saturation"]["probe_failures"]


def test_slot_gating_off(bench) -> None:
    off = {"execution": {"v4": {"single_slot": False}}}
    # Extra positions also post extra margin, exceed the V4 notional cap, breach the monitor and add
    # to a held position (its trades no longer match one round trip of fills each).
    m = _no_go(bench, ["slot_gating", "margin_3x", "v4_single_asset", "invariants", "venue_audit", "spec_replay"],
               v4=off, baseline=off)
    assert m["slot_gating"]["busy_not_gated"] > 0 and m["slot_gating"]["max_open_positions"] > 1


def test_leverage_5x(bench) -> None:
    five = {"engine": {"leverage": {"policy": "flat", "flat": 5, "cap": 5}}}
    m = _no_go(bench, ["exchange_leverage"], v4=five, baseline=five)
    assert m["exchange_leverage"]["leverages_used"] == [5]


def test_margin_binds_when_sized_on_capital_the_wallet_lacks(bench, monkeypatch) -> None:
    original = trader_module.equity_of

    def inflated(resp, fallback):
        return 2.5 * original(resp, fallback)

    monkeypatch.setattr(trader_module, "equity_of", inflated)
    m = _no_go(bench, ["margin_3x", "spec_replay"])
    assert m["margin_3x"]["insufficient_margin_rejects"] > 0


def test_second_allowed_asset(bench) -> None:
    m = _no_go(bench, ["v4_single_asset"], v4={"execution": {"v4": {"allow_list": ["SYN02USDT", "SYN03USDT"]}}})
    assert ["SYN02USDT", "SYN03USDT"] in m["v4_single_asset"]["allow_lists"]


def test_journal_drops_decisions(bench, monkeypatch) -> None:
    original = Recorder.decision

    def forgetful(self, d, conviction, notional, reason):
        if d.scan_number % 7:
            original(self, d, conviction, notional, reason)

    monkeypatch.setattr(Recorder, "decision", forgetful)
    m = _no_go(bench, ["schema_valid", "spec_replay"])
    assert "decisions" in m["schema_valid"]["first_problems"][0]


def test_ledger_that_does_not_reconcile(bench, monkeypatch) -> None:
    original = Venue.reconcile

    def off_by_a_cent(self, **kwargs):
        return dataclasses.replace(original(self, **kwargs), ok=False, problems=["wallet off by 0.01"])

    monkeypatch.setattr(Venue, "reconcile", off_by_a_cent)
    m = _no_go(bench, ["invariants", "fault_suite"])  # the fault runs' ledgers do not reconcile either
    assert m["invariants"]["ledger_not_reconciled"]


def test_scenario_expectation_not_met(bench) -> None:
    m = _no_go(bench, ["expectations"], v4={"expect": {"min_trades": 100_000}})
    assert m["expectations"]["first_failed"][0].startswith("tiny_v4: min_trades expected 100000")


def test_liquidation_in_a_baseline_scenario(bench) -> None:
    squeeze = {"name": "squeeze", "seed": 41,
               "data": {"kind": "parquet", "path": str(PROJECT / "scenarios/data/squeeze_2023-07-13.parquet")},
               "engine": {"exits": {"take_profit": 0.5, "stop_loss": 0.9, "max_hold_scans": 100000}},
               "execution": {"v4": {"allow_list": ["XLMUSDT"]}}}
    m = _no_go(bench, ["no_liquidation"], extra_baseline=(squeeze,))
    assert m["no_liquidation"]["liquidated_in"] == ["squeeze"]


def test_rerun_that_differs(bench, monkeypatch) -> None:
    original = sim.harness.simulate.venue_config
    calls = iter(range(1, 1000))

    def drifting_ids(*args, **kwargs):
        return original(*args, **kwargs).model_copy(update={"seed": next(calls)})

    monkeypatch.setattr(sim.harness.simulate, "venue_config", drifting_ids)
    m = _no_go(bench, ["determinism"])
    assert m["determinism"]["hash_mismatches"] == ["scenarios/tiny_v4.yaml"]


def test_golden_scenario_changed_is_reported_apart_from_the_verdict(bench) -> None:
    """A golden diff says outputs changed since they were last reviewed: shown, never the verdict."""
    changed = {"name": "tiny_golden", "seed": 8, "engine": {"exits": {"take_profit": 0.01}},
               "data": {"kind": "synthetic", "config": {"n_scans": 3000, "n_assets": 6}}}
    bench.write("golden_ref", changed)
    code, cert, output = bench.certify()
    assert code == 0 and cert["verdict"] == "GO" and cert["failed"] == []
    assert cert["golden"]["changed"] == ["tiny_golden"]
    assert "golden: 1 of 1 golden outputs changed since they were last reviewed: tiny_golden" in output
    golden = next(c for c in cert["checks"] if c["id"] == "golden")
    assert not golden["passed"] and golden["regression"]


def test_orders_whose_answer_was_lost_are_forgotten(bench, monkeypatch) -> None:
    def forgetful_place(self, params, purpose):
        resp = yield from self.link.call(RequestKind.PLACE_ORDER, **params)
        return resp, self.report(resp, params, purpose)

    monkeypatch.setattr(VenueSession, "place", forgetful_place)
    # An entry whose answer was lost is taken as not placed: the next one doubles the exposure. And
    # without the lookup, the recovery paths it leads to are never reached.
    m = _no_go(bench, ["fault_suite", "fault_coverage", "recovery_duties"])
    assert m["fault_suite"]["runs_with_breach"] > 0
    assert "recovery.unknown_order_found" in m["fault_coverage"]["unreached"]
    # the drills' traces show each unanswered placement that was never looked up
    assert m["recovery_duties"]["owed"]["lost_answer"] > 0
    assert m["recovery_duties"]["first_missed"][0].startswith("lost_answer: ")
    assert "never looked up" in m["recovery_duties"]["first_missed"][0]


def test_restarted_engine_that_does_not_cancel_a_working_entry(bench, monkeypatch) -> None:
    def looks_but_keeps(ex):
        yield from ex.venue.ask(RequestKind.OPEN_ORDERS)  # it asks, and then leaves them working

    monkeypatch.setattr(sim.execution.recovery, "_cancel_working_orders", looks_but_keeps)
    m = _no_go(bench, ["recovery_duties"])
    missed = m["recovery_duties"]["first_missed"]
    assert m["recovery_duties"]["missed"] >= 1
    assert missed[0].startswith("restart_working_order: ") and "recovery_drill.yaml seed 2211" in missed[0]
    assert "left working order" in missed[0]


def test_fault_that_never_fires(bench) -> None:
    faults = [{"kind": "reject", "code": 429, "rate": 0.1, "requests": ["place_order", "positions", "balance"]},
              {"kind": "lost_response", "rate": 0.1},
              {"kind": "reject", "code": 80012, "rate": 0.5, "requests": ["get_position_mode"]}]  # never sent
    m = _no_go(bench, ["fault_coverage"], faults={"faults": faults})
    assert "fault.reject.80012" in m["fault_coverage"]["unreached"]
    assert "why" not in m["fault_coverage"]  # the profile's seeds ran: a real gap, not a quick run


def test_quick_run_says_why_coverage_failed(bench) -> None:
    faults = [{"kind": "reject", "code": 429, "rate": 0.1, "requests": ["place_order", "positions", "balance"]},
              {"kind": "lost_response", "rate": 0.1},
              {"kind": "reject", "code": 80012, "rate": 0.5, "requests": ["get_position_mode"]}]
    code, cert, output = bench.certify(bench.profile(faults={"faults": faults}), "--no-golden", "--seeds", "2")
    assert code == 1 and cert["failed"] == ["fault_coverage"]
    why = next(c for c in cert["checks"] if c["id"] == "fault_coverage")["measured"]["why"]
    assert why.startswith("a quick run: 2 seeds per fault scenario reach ")
    assert why.endswith("coverage is sized on the profile's 6 seeds (run with --seeds 6 or without --seeds)")


# -- drifted constants: caught by the reference replay, not by a changed byte -----------------------

def _drift(monkeypatch, organ: type, **changes) -> None:
    """Build ``organ`` with some of its settings drifted, whatever the scenario configures: the
    defect a changed constant in ``violet_engine.constants`` plants."""
    original = organ.__init__

    def drifted(self, config):
        original(self, config.model_copy(update=changes))

    monkeypatch.setattr(organ, "__init__", drifted)


def test_signal_threshold_drifted(bench, monkeypatch) -> None:
    _drift(monkeypatch, AlphaBetSizer, threshold=-0.021)
    m = _no_go(bench, ["short_below_threshold", "spec_replay"])
    assert m["spec_replay"]["first_disagreement"].startswith("tiny_v4 scan ")


def test_convexity_drifted(bench, monkeypatch) -> None:
    _drift(monkeypatch, AlphaBetSizer, convexity=2)
    m = _no_go(bench, ["sizing_parity", "spike_saturation", "spec_replay"])
    assert "decision.conviction_base" in m["spec_replay"]["first_disagreement"]


def test_esof_unfavourable_multiplier_drifted(bench, monkeypatch) -> None:
    _drift(monkeypatch, EsofModulator, unfavourable=0.35)
    m = _no_go(bench, ["haircut_only", "spec_replay"])
    assert "decision.esof_mult: expected 0.3, got 0.35" in m["spec_replay"]["first_disagreement"]


def test_esof_stale_window_drifted(bench, monkeypatch) -> None:
    _drift(monkeypatch, EsofModulator, stale_after_ms=1_800_000)
    m = _no_go(bench, ["haircut_only", "spec_replay"])
    assert "decision.esof_mult: expected 0.4, got" in m["spec_replay"]["first_disagreement"]


def test_haircut_rounded_to_five_places(bench, monkeypatch) -> None:
    monkeypatch.setattr(violet_engine.engine, "CONVICTION_DIGITS", 5)
    m = _no_go(bench, ["spec_replay"])
    assert "decision.conviction" in m["spec_replay"]["first_disagreement"]


def test_max_hold_off_by_one(bench, monkeypatch) -> None:
    _drift(monkeypatch, ExitEngine, max_hold_scans=121)
    m = _no_go(bench, ["spec_replay", "fault_coverage"])
    assert ": exit_ts_ms: expected" in m["spec_replay"]["first_disagreement"]


# -- boundary probes: defects no generated run lands on -------------------------------------------
def test_signal_at_exactly_the_threshold(bench, monkeypatch) -> None:
    monkeypatch.setattr(AlphaBetSizer, "is_signal", lambda self, vel_div: vel_div <= self.config.threshold)
    m = _no_go(bench, ["short_below_threshold"])
    assert m["short_below_threshold"]["probe_failures"] == ["vel_div -0.02: expected NO_SIGNAL None, got DECISION 0.5"]


def test_saturation_one_ulp_early(bench, monkeypatch) -> None:
    original = AlphaBetSizer.size

    def early(self, vel_div):
        return original(self, np.where(vel_div <= -0.049999999999999996, self.config.extreme, vel_div))

    monkeypatch.setattr(AlphaBetSizer, "size", early)
    m = _no_go(bench, ["spike_saturation"])
    assert m["spike_saturation"]["probe_failures"][0].startswith("vel_div -0.049999999999999996: expected DECISION")


def test_esof_band_edge_inclusive(bench, monkeypatch) -> None:
    def inclusive(self, score, score_ts_ms, now_ms):
        c = self.config
        fresh = np.isfinite(score) & (score_ts_ms >= 0) & (now_ms - score_ts_ms <= c.stale_after_ms)
        banded = np.where(score >= c.edge, 1.0, np.where(score <= -c.edge, c.unfavourable, c.neutral))
        return np.where(fresh, banded, c.stale_fallback)

    monkeypatch.setattr(EsofModulator, "multipliers", inclusive)
    m = _no_go(bench, ["haircut_only"])
    assert "EsoF score 0.02 aged 0 ms: expected 0.8, got 1.0" in m["haircut_only"]["probe_failures"]


def test_irp_ties_to_the_largest_symbol(bench, monkeypatch) -> None:
    original = violet_engine.engine.pick

    def largest(scores):
        col, best = original(scores[:, ::-1])
        return np.where(col == NO_ASSET, NO_ASSET, scores.shape[1] - 1 - col), best

    monkeypatch.setattr(violet_engine.engine, "pick", largest)
    m = _no_go(bench, ["spec_replay"])
    assert m["spec_replay"]["probe_failures"] == [
        "IRP tie ['PROBEAUSDT', 'PROBEBUSDT', 'PROBECUSDT']: expected PROBEBUSDT, got PROBECUSDT"]


def test_negative_price_accepted(bench, monkeypatch) -> None:
    original = violet_engine.engine.validate_batch

    def lenient(batch, last_ts, last_sn):
        return original(dataclasses.replace(batch, prices=np.abs(batch.prices)), last_ts, last_sn)

    monkeypatch.setattr(violet_engine.engine, "validate_batch", lenient)
    m = _no_go(bench, ["spec_replay"])
    assert m["spec_replay"]["probe_failures"] == ["price -1.0: expected reject price_negative, got DECISION None"]


def test_take_profit_not_at_exactly_its_move(bench, monkeypatch) -> None:
    def strict(self, entry_price, price, scans_held, held_ms):
        c = self.config
        if price > entry_price * (1 + c.stop_loss):
            return ExitReason.STOP_LOSS
        if price < entry_price * (1 - c.take_profit):
            return ExitReason.TAKE_PROFIT
        return ExitReason.MAX_HOLD if scans_held >= c.max_hold_scans else None

    monkeypatch.setattr(ExitEngine, "check", strict)
    m = _no_go(bench, ["spec_replay"])
    assert m["spec_replay"]["probe_failures"][:2] == ["exit at take_profit after 1 scans: expected TAKE_PROFIT, got None",
                                                      "exit at stop_loss after 1 scans: expected STOP_LOSS, got None"]


def test_daily_loss_limit_with_its_sign_flipped(bench, monkeypatch) -> None:
    original = ExecutionPolicy.gate

    def flipped(self, asset, *, halted, slot_busy, day):
        profit = DayCounters()
        profit.day, profit.trades, profit.pnl = day.day, day.trades, -day.pnl
        return original(self, asset, halted=halted, slot_busy=slot_busy, day=profit)

    monkeypatch.setattr(ExecutionPolicy, "gate", flipped)
    m = _no_go(bench, ["spec_replay"])
    assert "day loss 300.0 at limit 300.0: expected daily_loss_halt, got None" in m["spec_replay"]["probe_failures"]


def test_flat_leverage_above_cap_accepted(bench, monkeypatch) -> None:
    validators = LeverageConfig.__pydantic_decorators__.model_validators
    monkeypatch.delitem(validators, "_consistent")
    LeverageConfig.model_rebuild(force=True)
    try:
        m = _no_go(bench, ["exchange_leverage"])
    finally:
        monkeypatch.undo()
        LeverageConfig.model_rebuild(force=True)
    assert m["exchange_leverage"]["flat_above_cap_accepted"] is True


def test_venue_charging_a_fee_above_its_published_rate(bench, monkeypatch) -> None:
    original = ContractFees.rates

    def dearer(self, contract):
        maker, taker = original(self, contract)
        return maker, taker * Decimal("1.01")

    monkeypatch.setattr(ContractFees, "rates", dearer)
    m = _no_go(bench, ["venue_audit"])
    assert " fee " in m["venue_audit"]["first_problems"][0]


def test_venue_paying_funding_the_wrong_way_round(bench, monkeypatch) -> None:
    # hourly funding at +0.01%: a short receives it; the broken venue makes every short pay it
    funded = {"venue": {"funding": {"kind": "constant", "rate": "0.0001", "interval_hours": 1}}}
    code, cert, output = bench.certify(bench.profile(baseline=funded), "--no-golden")
    assert code == 0 and cert["verdict"] == "GO", output
    audit = next(c["measured"] for c in cert["checks"] if c["id"] == "venue_audit")
    assert audit["funding_payments"] > 0 and audit["problems"] == 0
    original = ConstantFunding.rate_at
    monkeypatch.setattr(ConstantFunding, "rate_at", lambda self, symbol, ts: -original(self, symbol, ts))
    m = _no_go(bench, ["venue_audit"], baseline=funded)
    assert m["venue_audit"]["funding_payments"] > 0
    assert " funding " in m["venue_audit"]["first_problems"][0]
