"""AlphaBetSizer: the SPEC vectors bit for bit, the curve's shape, spike saturation."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from violet_engine import Decision, DecisionEngine, EngineConfig, NoSignal
from violet_engine.constants import (
    BASE_FRACTION,
    CONVEXITY,
    EXTREME,
    MAX_LEVERAGE,
    MIN_LEVERAGE,
    THRESHOLD,
)
from violet_engine.selector import SelectorConfig
from violet_engine.sizer import AlphaBetSizer, SizerConfig

# SPEC 4, test vectors for step 5: vel_div -> (conviction, notional_fraction as printed).
SPEC_VECTORS = [
    (-0.025, 0.5393518518518519, 0.10787037037),
    (-0.03, 0.8148148148148147, 0.162962962963),
    (-0.0337, 1.3095000185185186, 0.261900003704),
    (-0.04, 3.0185185185185177, 0.603703703704),
    (-0.05, 9.0, 1.8),
    (-605.0, 9.0, 1.8),
]

SIZER = AlphaBetSizer(EngineConfig().sizer)


def conviction_of(vel_div: float) -> float:
    return float(SIZER.size(np.array([vel_div]))[1][0])


def engine_decision(vel_div: float) -> Decision:
    """A full engine run (lookback 1, fresh favourable EsoF so no haircut) ending on ``vel_div``."""
    engine = DecisionEngine(EngineConfig(selector=SelectorConfig(lookback=1)))
    engine.decide({"ts_ms": 1, "scan_number": 1, "vel_div": 0.0, "prices": {"BTCUSDT": 100.0}}, 1000.0)
    scan = {"ts_ms": 2, "scan_number": 2, "vel_div": vel_div, "prices": {"BTCUSDT": 99.0},
            "esof_score": 0.5, "esof_ts_ms": 2}
    return engine.decide(scan, 1000.0)


def test_default_config_pins_the_spec_parameters():
    assert EngineConfig().sizer == SizerConfig(
        threshold=THRESHOLD, extreme=EXTREME, min_leverage=MIN_LEVERAGE, max_leverage=MAX_LEVERAGE, convexity=CONVEXITY
    )


def test_sizer_config_has_no_silent_defaults():
    with pytest.raises(ValidationError):
        SizerConfig()
    with pytest.raises(ValidationError):
        SizerConfig(threshold=THRESHOLD, extreme=EXTREME, min_leverage=MIN_LEVERAGE, convexity=CONVEXITY)


@pytest.mark.parametrize("vel_div, conviction, notional_fraction", SPEC_VECTORS)
def test_spec_vectors_exactly(vel_div, conviction, notional_fraction):
    assert conviction_of(vel_div) == conviction
    decision = engine_decision(vel_div)
    assert isinstance(decision, Decision)
    assert decision.conviction_base == conviction
    assert decision.conviction == conviction  # favourable EsoF: no haircut
    assert round(decision.notional_fraction, 12) == notional_fraction
    assert decision.notional == 1000.0 * decision.notional_fraction


def test_threshold_itself_is_no_signal():
    assert isinstance(engine_decision(THRESHOLD), NoSignal)
    assert not SIZER.is_signal(np.array([THRESHOLD]))[0]
    assert SIZER.is_signal(np.array([math.nextafter(THRESHOLD, -1.0)]))[0]


@settings(max_examples=200)
@given(st.floats(min_value=-1e6, max_value=THRESHOLD, exclude_max=True))
def test_conviction_within_leverage_bounds(vel_div):
    assert MIN_LEVERAGE <= conviction_of(vel_div) <= MAX_LEVERAGE


@settings(max_examples=200)
@given(
    st.floats(min_value=-1.0, max_value=THRESHOLD, exclude_max=True),
    st.floats(min_value=-1.0, max_value=THRESHOLD, exclude_max=True),
)
def test_conviction_non_increasing_in_vel_div(a, b):
    lo, hi = min(a, b), max(a, b)
    assert conviction_of(lo) >= conviction_of(hi)


@settings(max_examples=100, deadline=None)
@given(st.one_of(st.floats(min_value=-1e9, max_value=EXTREME), st.just(-605.0), st.just(EXTREME)))
def test_spikes_saturate_exactly(vel_div):
    decision = engine_decision(vel_div)
    assert decision.conviction_base == MAX_LEVERAGE == 9.0
    assert decision.notional_fraction == BASE_FRACTION * MAX_LEVERAGE == 1.8


def test_sizer_rejects_inconsistent_parameters():
    with pytest.raises(ValidationError):
        SizerConfig(threshold=EXTREME, extreme=THRESHOLD, min_leverage=MIN_LEVERAGE, max_leverage=MAX_LEVERAGE,
                    convexity=CONVEXITY)
