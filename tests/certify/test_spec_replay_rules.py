"""The reference replay's formulas against the SPEC's own numbers (SPEC 4.5 table, 4.6 bands and
haircut, 4.4 tie-break, 5 exits and caps), hand-computed, with the built-in profile's values."""
from __future__ import annotations

import ast
import math
from decimal import Decimal
from pathlib import Path

import pytest

from sim.certify.profile import load_profile
from sim.certify.spec_replay import rules
from sim.certify.spec_replay.irp import IrpWindow

SPEC = load_profile("v4").checks.spec_replay


@pytest.mark.parametrize("vel_div, conviction, fraction", [
    (-0.025, 0.5393518518518519, 0.10787037037), (-0.03, 0.8148148148148147, 0.162962962963),
    (-0.0337, 1.3095000185185186, 0.261900003704), (-0.04, 3.0185185185185177, 0.603703703704),
    (-0.05, 9.0, 1.8), (-605.0, 9.0, 1.8)])
def test_sizer_reproduces_the_spec_table(vel_div: float, conviction: float, fraction: float) -> None:
    assert rules.is_signal(vel_div, SPEC.sizing)
    assert rules.conviction(vel_div, SPEC.sizing) == conviction
    assert round(SPEC.sizing.base_fraction * rules.conviction(vel_div, SPEC.sizing), 12) == fraction


def test_recorded_generator_sizes_with_the_spec_not_the_engine() -> None:
    from sim.recorded import base_curve
    from violet_engine import constants as k
    assert base_curve.SPEC_SIZER == (k.THRESHOLD, k.EXTREME, k.MIN_LEVERAGE, k.MAX_LEVERAGE, k.CONVEXITY)
    imported = [n for n in ast.walk(ast.parse(Path(base_curve.__file__).read_text()))
                if isinstance(n, (ast.Import, ast.ImportFrom))]
    assert not [n for n in imported if "violet_engine" in ast.dump(n)]
    assert list(base_curve.base_conviction([-0.025, -0.04, -605.0])) == [0.5393518518518519, 3.0185185185185177, 9.0]


def test_signal_is_strictly_below_the_threshold() -> None:
    assert not rules.is_signal(-0.02, SPEC.sizing)
    assert rules.is_signal(math.nextafter(-0.02, -1), SPEC.sizing)
    assert not rules.is_signal(math.nextafter(-0.02, 0), SPEC.sizing)


def test_esof_bands_and_stale_window() -> None:
    e, now = SPEC.esof, 10_000_000
    assert rules.esof_mult(0.02, now, now, e) == 0.8 and rules.esof_mult(-0.02, now, now, e) == 0.8
    assert rules.esof_mult(math.nextafter(0.02, 1), now, now, e) == 1.0
    assert rules.esof_mult(math.nextafter(-0.02, -1), now, now, e) == 0.3
    assert rules.esof_mult(0.5, now - 900_000, now, e) == 1.0          # exactly at the window: fresh
    assert rules.esof_mult(0.5, now - 900_001, now, e) == 0.4          # older: stale
    assert rules.esof_mult(None, None, now, e) == 0.4


def test_haircut_rounds_six_and_twelve_places_and_never_boosts() -> None:
    assert rules.haircut(0.5393518518518519, 1078.7037037037038, 0.3, SPEC.esof) == (0.161806, 323.611111111111)
    assert rules.haircut(2.0, 400.0, 1.0 - 1e-10, SPEC.esof) == (2.0, 400.0)  # within 1e-9 of 1: untouched
    assert rules.haircut(2.0, 400.0, 1.7, SPEC.esof) == (2.0, 400.0)          # clamped to 1: no boost


def test_validation_reasons_in_field_order() -> None:
    def scan(**over):
        return {"ts_ms": 10, "scan_number": 2, "vel_div": -0.03, "prices": {"AUSDT": 1.0, "BUSDT": 2.0}} | over
    assert rules.validate(scan(vel_div=math.nan), None, None) == rules.Rejection("vel_div_not_finite", "vel_div", "nan")
    assert rules.validate(scan(prices={}), None, None) == rules.Rejection("prices_missing", "prices", "{}")
    assert rules.validate(scan(prices={"BUSDT": -1.0, "AUSDT": 0.0}), None, None) == \
        rules.Rejection("price_zero", "prices.AUSDT", "0.0")
    assert rules.validate(scan(prices={"AUSDT": -2.5}), None, None) == \
        rules.Rejection("price_negative", "prices.AUSDT", "-2.5")
    assert rules.validate(scan(prices={"AUSDT": math.inf}), None, None).reason == "price_not_finite"
    assert rules.validate(scan(), 10, 1) == rules.Rejection("ts_not_increasing", "ts_ms", "10")
    assert rules.validate(scan(), 9, 2) == rules.Rejection("scan_number_not_increasing", "scan_number", "2")
    assert rules.validate(scan(vel_div=-605.0), 9, 1) is None


def test_irp_picks_the_weakest_and_breaks_ties_by_name() -> None:
    window = IrpWindow(lookback=2, min_alignment=0.0)
    for a, b, c in ((100.0, 100.0, 100.0), (100.0, 100.0, 100.0), (90.0, 90.0, 110.0)):
        window.add({"CUSDT": c, "BUSDT": b, "AUSDT": a})
    assert window.pick() == "AUSDT"  # A and B fell alike: the tie goes to the smaller name
    window.add({"BUSDT": 80.0, "CUSDT": 110.0})  # A missing: no full window any more
    assert window.pick() == "BUSDT"


def test_exits_fire_exactly_at_their_moves_and_at_max_hold() -> None:
    x = SPEC.exits
    entry = 100.0
    assert rules.exit_reason(entry, entry * (1 - 0.006), 1, 5_000, x) == "TAKE_PROFIT"
    assert rules.exit_reason(entry, entry * (1 + 0.012), 1, 5_000, x) == "STOP_LOSS"
    assert rules.exit_reason(entry, math.nextafter(entry * (1 - 0.006), 1e9), 1, 5_000, x) is None
    assert [rules.exit_reason(entry, entry, n, n * 5_000, x) for n in (119, 120, 121)] == [None, "MAX_HOLD", "MAX_HOLD"]


def test_a_duration_max_hold_counts_scan_time() -> None:
    """exits.max_hold_ms = 600,000 at 1 h scans: the first scan after the entry is past it."""
    x = SPEC.exits.model_copy(update={"max_hold_ms": 600_000})
    assert rules.exit_reason(100.0, 100.0, 1, 3_600_000, x) == "MAX_HOLD"
    assert rules.exit_reason(100.0, 100.0, 500, 599_999, x) is None  # scans do not count then


def test_caps_shrink_the_notional_with_the_conviction() -> None:
    assert rules.v4_caps(9.0, 1800.0, 5.0, 2000.0) == (5.0, 1000.0)
    assert rules.v4_caps(9.0, 18000.0, 5.0, 2000.0) == (5.0, 2000.0)
    assert rules.entry_quantity(1000.0, 3.0, Decimal("0.01"), Decimal("0.01"), Decimal("2")) == Decimal("333.33")
    assert rules.entry_quantity(1.0, 3.0, Decimal("0.01"), Decimal("0.01"), Decimal("2")) is None
