"""``first_trigger`` over a batch's arrays is the venue's own ``watch_hits`` scan by scan.

The jump path skips the venue's ``advance`` on scans where no trigger is crossed; that is only
exact if the array search and the venue agree on every scan: absent or NaN prices are no price,
an absent or NaN mark falls back to the price, and a symbol the scans do not list is never hit.
With a bar walk the venue also tests each bar's high, then its low (``BarPoint``), before the close.
"""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from exchange_mock.market import BarPoint
from exchange_mock.watch import watch_hits
from sim.kernel.feed import scan_market
from sim.kernel.horizon import first_at_or_after, first_trigger, first_true
from violet_engine import ScanBatch

ASSETS = ("AAAUSDT", "BBBUSDT", "CCCUSDT")
COLS = {"AAA-USDT": 0, "BBB-USDT": 1, "CCC-USDT": 2}
INF = float("inf")


def _batch(prices: np.ndarray, present: np.ndarray, marks: np.ndarray | None,
           highs: np.ndarray | None = None, lows: np.ndarray | None = None) -> ScanBatch:
    n = len(prices)
    return ScanBatch(assets=ASSETS, ts_ms=np.arange(n, dtype=np.int64) * 5000, scan_number=np.arange(n, dtype=np.int64),
                     vel_div=np.zeros(n), prices=prices, present=present, esof_score=np.zeros(n),
                     esof_ts_ms=np.zeros(n, dtype=np.int64), marks=marks, highs=highs, lows=lows)


def _by_venue(batch: ScanBatch, rows: np.ndarray, triggers, walk_bar: bool = False) -> int:
    """The first row whose bar points (high, low: as ``Market._walk_bar`` makes them) or close hit."""
    for k, row in enumerate(rows.tolist()):
        prices, marks, extremes = scan_market(batch, row, COLS, walk_bar)
        points = [(BarPoint(e, prices), marks) for e in extremes or ()] + [(prices, marks)]
        if any(any(watch_hits(triggers, p, p if m is None else m)) for p, m in points):
            return k
    return len(rows)


_price = st.one_of(st.floats(90, 110), st.just(float("nan")), st.sampled_from([95.0, 105.0]))
_bound = st.one_of(st.sampled_from([95.0, 105.0, INF, -INF]), st.floats(90, 110))


@st.composite
def _cases(draw):
    n = draw(st.integers(1, 30))
    prices = np.array(draw(st.lists(st.lists(_price, min_size=3, max_size=3), min_size=n, max_size=n)))
    present = np.array(draw(st.lists(st.lists(st.booleans(), min_size=3, max_size=3), min_size=n, max_size=n)))
    marks = None
    if draw(st.booleans()):
        marks = np.array(draw(st.lists(st.lists(_price, min_size=3, max_size=3), min_size=n, max_size=n)))
    symbols = st.sampled_from(["AAA-USDT", "BBB-USDT", "CCC-USDT", "ZZZ-USDT"])
    triggers = draw(st.lists(st.tuples(symbols, _bound, _bound, _bound, _bound), max_size=3))
    rows = np.array(sorted(draw(st.sets(st.integers(0, n - 1), min_size=1))), dtype=np.int64)
    highs = lows = None
    if draw(st.booleans()):  # a bar around each price: high >= price >= low where the price is one
        up = np.array(draw(st.lists(st.lists(st.floats(0, 8), min_size=3, max_size=3), min_size=n, max_size=n)))
        down = np.array(draw(st.lists(st.lists(st.floats(0, 8), min_size=3, max_size=3), min_size=n, max_size=n)))
        highs, lows = prices + up, prices - down
    return _batch(prices, present, marks, highs, lows), rows, triggers


@settings(max_examples=400, deadline=None)
@given(_cases(), st.booleans())
def test_first_trigger_is_the_venue_scan_by_scan(case, walk_bar):
    batch, rows, triggers = case
    assert first_trigger(batch, rows, COLS, triggers, walk_bar) == _by_venue(batch, rows, triggers, walk_bar)


def test_a_wick_is_a_trigger_only_when_the_bar_is_walked():
    prices = np.full((3, 3), 100.0)
    highs, lows = prices.copy(), prices.copy()
    highs[1, 1] = 106.0  # BBB wicks to 106 in scan 1 and closes at 100
    lows[2, 0] = 94.0    # AAA wicks down to 94 in scan 2
    batch = _batch(prices, np.ones_like(prices, dtype=bool), None, highs, lows)
    rows = np.arange(3)
    short_liq_at_105 = [("BBB-USDT", -INF, INF, -INF, 105.0)]
    buy_fills_at_95 = [("AAA-USDT", 95.0, INF, -INF, INF)]
    assert first_trigger(batch, rows, COLS, short_liq_at_105) == 3
    assert first_trigger(batch, rows, COLS, short_liq_at_105, walk_bar=True) == 1
    assert first_trigger(batch, rows, COLS, buy_fills_at_95, walk_bar=True) == 2
    recorded_marks = np.full((3, 3), 100.0)  # a recorded mark does not wick with the last price
    marked = _batch(prices, np.ones_like(prices, dtype=bool), recorded_marks, highs, lows)
    assert first_trigger(marked, rows, COLS, short_liq_at_105, walk_bar=True) == 3


def test_hand_computed():
    nan = float("nan")
    prices = np.array([[100.0, 100.0, 100.0], [nan, 100.0, 100.0], [100.0, 106.0, 100.0], [94.0, 100.0, 100.0]])
    present = np.ones_like(prices, dtype=bool)
    marks = np.array([[100.0, 100.0, 100.0], [100.0, nan, 100.0], [100.0, 100.0, 100.0], [100.0, 100.0, 100.0]])
    batch = _batch(prices, present, marks)
    rows = np.arange(4)
    short_liq_at_105 = [("BBB-USDT", -INF, INF, -INF, 105.0)]   # a short on BBB: its mark, not its price
    assert first_trigger(batch, rows, COLS, short_liq_at_105) == 4
    assert first_trigger(_batch(prices, present, None), rows, COLS, short_liq_at_105) == 2  # no marks: the price
    buy_fills_at_95 = [("AAA-USDT", 95.0, INF, -INF, INF)]
    assert first_trigger(batch, rows, COLS, buy_fills_at_95) == 3
    assert first_trigger(batch, rows, COLS, [("ZZZ-USDT", INF, -INF, INF, -INF)]) == 4  # not in the scans
    assert first_true(np.array([False, True, True])) == 1 and first_true(np.array([], dtype=bool)) == 0
    assert first_at_or_after(np.array([1, 5, 9]), 5) == 1 and first_at_or_after(np.array([1, 5]), INF) == 2
