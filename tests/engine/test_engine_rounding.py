"""Array rounding that matches Python's round() bit for bit (the haircut's batch path needs it)."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from violet_engine.constants import CONVICTION_DIGITS, NOTIONAL_DIGITS
from violet_engine.rounding import round_like_python


def same_bits(a, b):
    return np.array_equal(np.asarray(a).view(np.int64), np.asarray(b).view(np.int64))


@settings(max_examples=300)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=30),
       st.sampled_from([0, 2, CONVICTION_DIGITS, NOTIONAL_DIGITS]))
def test_matches_round_on_any_finite_float(values, ndigits):
    assert same_bits(round_like_python(np.array(values), ndigits), [round(v, ndigits) for v in values])


def test_matches_round_on_half_way_and_large_cases():
    values = [2.5e-6, 0.5e-6, 1.2345675, -2.5e-6, -1e-9, 1.0000005, 0.0, -0.0, 9.0, 18000.123456789012345,
              4095.9999999999995, 2.0**60, 1e300, float("inf"), float("-inf")]
    for ndigits in (CONVICTION_DIGITS, NOTIONAL_DIGITS):
        assert same_bits(round_like_python(np.array(values), ndigits), [round(v, ndigits) for v in values])


def test_refuses_digits_beyond_exact_powers_of_ten():
    with pytest.raises(ValueError):
        round_like_python(np.array([1.0]), 23)
