"""EsoF modulation: the score map, the SC haircut step for step, and haircut-only behaviour."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from violet_engine import Decision, DecisionEngine, EngineConfig
from violet_engine.constants import (
    CONVICTION_DIGITS,
    ESOF_EDGE,
    ESOF_NEUTRAL,
    ESOF_STALE_AFTER_MS,
    ESOF_STALE_FB,
    ESOF_UNFAV,
    NOTIONAL_DIGITS,
)
from violet_engine.modulation import apply_haircut, esof_size_mult_from_score, haircut_array
from violet_engine.selector import SelectorConfig

NOW = 1_767_225_600_000


@pytest.mark.parametrize(
    "score, score_ts, expected",
    [
        (None, NOW, ESOF_STALE_FB),
        (float("nan"), NOW, ESOF_STALE_FB),
        (0.5, None, ESOF_STALE_FB),
        (0.5, NOW - ESOF_STALE_AFTER_MS - 1, ESOF_STALE_FB),
        (0.5, NOW - ESOF_STALE_AFTER_MS, 1.0),
        (ESOF_EDGE * 1.5, NOW, 1.0),
        (ESOF_EDGE, NOW, ESOF_NEUTRAL),
        (0.0, NOW, ESOF_NEUTRAL),
        (-ESOF_EDGE, NOW, ESOF_NEUTRAL),
        (-ESOF_EDGE * 1.5, NOW, ESOF_UNFAV),
        (-0.9, NOW - 1000, ESOF_UNFAV),
    ],
)
def test_score_to_multiplier(score, score_ts, expected):
    assert esof_size_mult_from_score(score, score_ts, NOW) == expected


def test_staleness_horizon_is_configurable():
    assert esof_size_mult_from_score(0.5, NOW - 10_000, NOW, stale_after_ms=5_000) == ESOF_STALE_FB


def test_haircut_step_for_step():
    conviction, notional = 3.0185185185185177, 6037.037037037036
    assert apply_haircut(conviction, notional, ESOF_NEUTRAL) == (
        round(conviction * ESOF_NEUTRAL, CONVICTION_DIGITS),
        round(notional * ESOF_NEUTRAL, NOTIONAL_DIGITS),
    )
    assert apply_haircut(conviction, notional, ESOF_NEUTRAL) == (2.414815, 4829.629629629629)


@pytest.mark.parametrize("mult", [1.0, 1.0 - 5e-10, 1.0 + 5e-10, 1.5, 100.0, float("inf")])
def test_haircut_never_boosts_and_near_one_is_a_no_op(mult):
    assert apply_haircut(1.3095000185185186, 2619.0000370370376, mult) == (1.3095000185185186, 2619.0000370370376)


def test_haircut_clamps_negative_multipliers_to_zero():
    assert apply_haircut(9.0, 18000.0, -0.5) == (0.0, 0.0)


@settings(max_examples=200)
@given(
    st.lists(st.floats(min_value=0.5, max_value=9.0), min_size=1, max_size=20),
    st.floats(min_value=-2.0, max_value=3.0),
)
def test_array_haircut_matches_python_round(values, mult):
    values = np.array(values)
    mults = np.full(len(values), mult)
    got = haircut_array(values, mults, CONVICTION_DIGITS)
    want = [apply_haircut(v, 0.0, mult)[0] for v in values.tolist()]
    assert got.tolist() == want


def _run(score, score_age_ms, vel_div, capital):
    engine = DecisionEngine(EngineConfig(selector=SelectorConfig(lookback=1)))
    engine.decide({"ts_ms": NOW - 5000, "scan_number": 1, "vel_div": 0.0, "prices": {"ETHUSDT": 10.0}}, capital)
    scan = {"ts_ms": NOW, "scan_number": 2, "vel_div": vel_div, "prices": {"ETHUSDT": 9.0},
            "esof_score": score, "esof_ts_ms": None if score_age_ms is None else NOW - score_age_ms}
    return engine.decide(scan, capital)


@settings(max_examples=100, deadline=None)
@given(
    st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True)),
    st.one_of(st.none(), st.integers(min_value=-10**6, max_value=10**7)),
    st.floats(min_value=-1.0, max_value=-0.0201),
    st.floats(min_value=0.0, max_value=1e7),
)
def test_modulation_never_raises_size(score, age, vel_div, capital):
    decision = _run(score, age, vel_div, capital)
    assert isinstance(decision, Decision)
    assert 0.0 <= decision.esof_mult <= 1.0
    assert decision.conviction <= decision.conviction_base * decision.steepener_mult
    assert decision.notional <= capital * decision.notional_fraction
