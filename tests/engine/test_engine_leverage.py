"""Exchange leverage mappers: flat 3x by default; linear and cubic maps end to end, half to even."""
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from violet_engine import EngineConfig
from violet_engine.constants import DEFAULT_EXCHANGE_LEVERAGE, MAX_LEVERAGE, MIN_LEVERAGE
from violet_engine.leverage import LeverageConfig, exchange_leverage


def test_flat_is_the_default_and_ignores_conviction():
    config = EngineConfig().leverage
    assert config.policy == "flat"
    assert {exchange_leverage(c, config) for c in (MIN_LEVERAGE, 1.3, MAX_LEVERAGE)} == {DEFAULT_EXCHANGE_LEVERAGE} == {3}


@pytest.mark.parametrize("policy", ["linear", "cubic"])
@pytest.mark.parametrize("cap", [1, 3, 10, 125])
def test_endpoints(policy, cap):
    config = LeverageConfig(policy=policy, cap=cap)
    assert exchange_leverage(MIN_LEVERAGE, config) == 1
    assert exchange_leverage(MAX_LEVERAGE, config) == cap
    assert exchange_leverage(MIN_LEVERAGE - 1, config) == 1
    assert exchange_leverage(MAX_LEVERAGE * 10, config) == cap


@pytest.mark.parametrize(
    "conviction, cap, expected",
    [
        (4.75, 2, 2),  # 1.5 -> 2 (even)
        (4.75, 4, 2),  # 2.5 -> 2 (even)
        (2.625, 3, 2),  # 1.5 -> 2 (even)
        (6.875, 3, 2),  # 2.5 -> 2 (even)
        (6.875, 5, 4),  # 3.5 -> 4 (even)
        (3.0, 3, 2),  # 1.588...
    ],
)
def test_linear_rounds_half_to_even(conviction, cap, expected):
    assert exchange_leverage(conviction, LeverageConfig(policy="linear", cap=cap)) == expected


def test_cubic_is_the_max_3x_translator():
    config = LeverageConfig(policy="cubic", cap=3)
    # cube root of (c - 0.5) / 8.5 reaches 0.25 (-> 1.5 -> 2) at 8.5 / 64 above the minimum
    assert exchange_leverage(MIN_LEVERAGE + 8.5 / 64 - 1e-9, config) == 1
    assert exchange_leverage(MIN_LEVERAGE + 8.5 / 64 + 1e-9, config) == 2
    assert exchange_leverage(1.3095000185185186, config) == 2
    assert exchange_leverage(5.0, config) == 3


@given(st.floats(min_value=-100, max_value=100), st.integers(min_value=1, max_value=150), st.sampled_from(["linear", "cubic"]))
def test_always_an_int_within_one_and_cap(conviction, cap, policy):
    lev = exchange_leverage(conviction, LeverageConfig(policy=policy, cap=cap))
    assert type(lev) is int and 1 <= lev <= cap


def test_flat_above_cap_is_refused():
    with pytest.raises(ValidationError):
        LeverageConfig(flat=5, cap=3)


def test_non_finite_conviction_is_refused():
    with pytest.raises(ValueError):
        exchange_leverage(float("nan"), LeverageConfig(policy="linear"))
