"""The exit engine stand-in: take-profit, stop-loss and max-hold for a SHORT."""
import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from violet_engine import EngineConfig, ExitReason
from violet_engine.constants import MAX_HOLD_SCANS, STOP_LOSS, TAKE_PROFIT
from violet_engine.exits import ExitConfig, ExitEngine

ENTRY = 200.0
ENGINE = ExitEngine(EngineConfig().exits)


@pytest.mark.parametrize(
    "price, held, expected",
    [
        (ENTRY, 0, None),
        (ENTRY * (1 - TAKE_PROFIT), 1, ExitReason.TAKE_PROFIT),
        (ENTRY * (1 - TAKE_PROFIT) + 0.01, 1, None),
        (ENTRY * (1 + STOP_LOSS), 1, ExitReason.STOP_LOSS),
        (ENTRY * (1 + STOP_LOSS) - 0.01, 1, None),
        (ENTRY, MAX_HOLD_SCANS - 1, None),
        (ENTRY, MAX_HOLD_SCANS, ExitReason.MAX_HOLD),
        (ENTRY * (1 + STOP_LOSS), MAX_HOLD_SCANS, ExitReason.STOP_LOSS),
        (ENTRY * (1 - TAKE_PROFIT), MAX_HOLD_SCANS + 5, ExitReason.TAKE_PROFIT),
    ],
)
def test_short_exits(price, held, expected):
    assert ENGINE.check(ENTRY, price, held) == expected


def test_stop_loss_wins_when_both_apply():
    crossed = ExitEngine(ExitConfig(take_profit=0.5, stop_loss=0.01))
    assert crossed.check(100.0, 101.0, 10**6) is ExitReason.STOP_LOSS


def test_configurable():
    tight = ExitEngine(ExitConfig(take_profit=0.001, stop_loss=0.002, max_hold_scans=3))
    assert tight.check(100.0, 99.9, 0) is ExitReason.TAKE_PROFIT
    assert tight.check(100.0, 100.2, 0) is ExitReason.STOP_LOSS
    assert tight.check(100.0, 100.0, 3) is ExitReason.MAX_HOLD


# -- first_exit: the vectorised search, with check as its reference ------------------------------

def _first_by_check(rule: ExitEngine, entry: float, prices: list[float], held: list[int]):
    for i, (p, h) in enumerate(zip(prices, held)):
        reason = rule.check(entry, p, h)
        if reason is not None:
            return i, reason
    return None


@st.composite
def _paths(draw):
    tp = draw(st.floats(0.0005, 0.05))
    sl = draw(st.floats(0.0005, 0.05))
    rule = ExitEngine(ExitConfig(take_profit=tp, stop_loss=sl, max_hold_scans=draw(st.integers(1, 400))))
    entry = draw(st.floats(1e-6, 1e6))
    # prices on, just off and away from both thresholds, so that ties are exercised
    edges = [entry * (1 + sl), entry * (1 - tp), entry]
    price = st.one_of(st.sampled_from(edges), st.floats(entry * (1 - 2 * tp), entry * (1 + 2 * sl)),
                      st.sampled_from(edges).map(lambda x: math.nextafter(x, math.inf)),
                      st.sampled_from(edges).map(lambda x: math.nextafter(x, -math.inf)))
    prices = draw(st.lists(price, max_size=60))
    start = draw(st.integers(0, 450))
    gaps = draw(st.lists(st.integers(1, 3), min_size=len(prices), max_size=len(prices)))
    held = list(itertools.accumulate(gaps, initial=start))[1:]
    return rule, entry, prices, held


@settings(max_examples=400, deadline=None)
@given(_paths())
def test_first_exit_equals_check_scan_by_scan(case):
    rule, entry, prices, held = case
    got = rule.first_exit(entry, np.array(prices, dtype=float), np.array(held, dtype=np.int64))
    assert got == _first_by_check(rule, entry, prices, held)


def test_first_exit_hand_computed():
    rule = ExitEngine(ExitConfig(take_profit=0.01, stop_loss=0.02, max_hold_scans=5))
    prices = np.array([100.0, 101.0, 99.5, 99.0, 103.0])
    assert rule.first_exit(100.0, prices, np.array([1, 2, 3, 4, 5])) == (3, ExitReason.TAKE_PROFIT)
    assert rule.first_exit(100.0, prices[:3], np.array([1, 2, 3])) is None
    assert rule.first_exit(100.0, np.array([100.0, 102.0]), np.array([4, 5])) == (1, ExitReason.STOP_LOSS)
    assert rule.first_exit(100.0, np.array([100.0, 100.5]), np.array([4, 5])) == (1, ExitReason.MAX_HOLD)
    assert rule.first_exit(100.0, np.array([]), np.array([], dtype=np.int64)) is None
