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
    assert ENGINE.check(ENTRY, price, held, held * 5_000) == expected


def test_stop_loss_wins_when_both_apply():
    crossed = ExitEngine(ExitConfig(take_profit=0.5, stop_loss=0.01))
    assert crossed.check(100.0, 101.0, 10**6, 5 * 10**9) is ExitReason.STOP_LOSS


def test_configurable():
    tight = ExitEngine(ExitConfig(take_profit=0.001, stop_loss=0.002, max_hold_scans=3))
    assert tight.check(100.0, 99.9, 0, 0) is ExitReason.TAKE_PROFIT
    assert tight.check(100.0, 100.2, 0, 0) is ExitReason.STOP_LOSS
    assert tight.check(100.0, 100.0, 3, 15_000) is ExitReason.MAX_HOLD


def test_max_hold_as_a_duration_counts_scan_time_not_scans():
    timed = ExitEngine(ExitConfig(max_hold_ms=600_000))  # ten minutes: 120 scans of 5 s
    assert timed.check(100.0, 100.0, 1, 599_999) is None
    assert timed.check(100.0, 100.0, 1, 3_600_000) is ExitReason.MAX_HOLD   # one 1 h scan later
    assert timed.check(100.0, 100.0, 10**6, 0) is None                       # scans do not count


def test_max_hold_is_scans_or_ms_not_both():
    with pytest.raises(ValueError, match="max_hold_scans or max_hold_ms"):
        ExitConfig(max_hold_scans=120, max_hold_ms=600_000)


# -- first_exit: the vectorised search, with check as its reference ------------------------------

def _first_by_check(rule: ExitEngine, entry: float, prices: list[float], held: list[int], held_ms: list[int]):
    for i, (p, h, ms) in enumerate(zip(prices, held, held_ms)):
        reason = rule.check(entry, p, h, ms)
        if reason is not None:
            return i, reason
    return None


@st.composite
def _paths(draw):
    tp = draw(st.floats(0.0005, 0.05))
    sl = draw(st.floats(0.0005, 0.05))
    hold = (st.fixed_dictionaries({"max_hold_scans": st.integers(1, 400)})
            | st.fixed_dictionaries({"max_hold_ms": st.integers(1, 2_000_000)}))
    rule = ExitEngine(ExitConfig(take_profit=tp, stop_loss=sl, **draw(hold)))
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
    held_ms = [h * draw(st.sampled_from([5_000, 60_000])) for h in held]  # the scans' time since the entry
    return rule, entry, prices, held, held_ms


@settings(max_examples=400, deadline=None)
@given(_paths())
def test_first_exit_equals_check_scan_by_scan(case):
    rule, entry, prices, held, held_ms = case
    got = rule.first_exit(entry, np.array(prices, dtype=float), np.array(held, dtype=np.int64),
                          np.array(held_ms, dtype=np.int64))
    assert got == _first_by_check(rule, entry, prices, held, held_ms)


def test_first_exit_hand_computed():
    rule = ExitEngine(ExitConfig(take_profit=0.01, stop_loss=0.02, max_hold_scans=5))
    prices = np.array([100.0, 101.0, 99.5, 99.0, 103.0])
    held = np.array([1, 2, 3, 4, 5])
    ms = held * 5_000
    assert rule.first_exit(100.0, prices, held, ms) == (3, ExitReason.TAKE_PROFIT)
    assert rule.first_exit(100.0, prices[:3], held[:3], ms[:3]) is None
    assert rule.first_exit(100.0, np.array([100.0, 102.0]), held[3:], ms[3:]) == (1, ExitReason.STOP_LOSS)
    assert rule.first_exit(100.0, np.array([100.0, 100.5]), held[3:], ms[3:]) == (1, ExitReason.MAX_HOLD)
    empty = np.array([], dtype=np.int64)
    assert rule.first_exit(100.0, np.array([]), empty, empty) is None


def test_first_exit_with_a_duration_hold_counts_time():
    rule = ExitEngine(ExitConfig(max_hold_ms=600_000))
    prices = np.full(3, 100.0)
    assert rule.first_exit(100.0, prices, np.array([1, 2, 3]), np.array([3_600_000, 7_200_000, 10_800_000])) \
        == (0, ExitReason.MAX_HOLD)                                          # one 1 h scan is past ten minutes
    assert rule.first_exit(100.0, prices, np.array([500, 501, 502]), np.array([5_000, 10_000, 15_000])) is None
