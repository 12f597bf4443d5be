"""Bar exits: the exit rule asked at a bar's high, then its low, then its close.

A short entered at 100 with the reference rule: stop-loss at 101.2 (1.2%), take-profit at 99.4
(0.6%), max hold 120 scans. Inside a bar only a price touch counts; the hold is counted at the
close. ``first_exit_row`` over a run of bars must find the first bar where ``exit_verdict`` fires.
"""
from __future__ import annotations

from decimal import Decimal

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.execution.hold import exit_verdict, first_exit_row
from sim.execution.position import Position
from violet_engine import ScanBatch
from violet_engine.exits import ExitConfig, ExitEngine
from violet_engine.types import ExitReason

RULE = ExitEngine(ExitConfig())
ASSETS = ("AAAUSDT", "BBBUSDT")


def _pos(scans_held: int = 0) -> Position:
    return Position("AAA-USDT", "AAAUSDT", Decimal("-1"), Decimal("100"), 0, 1.0, 1, Decimal("33"), scans_held)


def _batch(closes, highs, lows) -> ScanBatch:
    n = len(closes)
    col = lambda v: np.column_stack([np.asarray(v, dtype=float), np.full(n, 50.0)])  # noqa: E731
    return ScanBatch(assets=ASSETS, ts_ms=np.arange(1, n + 1, dtype=np.int64) * 60_000,
                     scan_number=np.arange(n, dtype=np.int64), vel_div=np.zeros(n), prices=col(closes),
                     present=np.ones((n, 2), dtype=bool), esof_score=np.zeros(n), esof_ts_ms=np.zeros(n, dtype=np.int64),
                     highs=None if highs is None else col(highs), lows=None if lows is None else col(lows))


def _verdict(close, high, low, scans_held=1, walk_bar=True):
    return exit_verdict(RULE, _pos(scans_held), _batch([close], [high], [low]), 0, close, walk_bar)


def test_a_wick_through_the_stop_that_closes_inside_is_a_stop_loss():
    assert _verdict(100.0, 101.2, 99.9) == ExitReason.STOP_LOSS
    assert _verdict(100.0, 101.19, 99.9) is None
    assert _verdict(100.0, 101.2, 99.9, walk_bar=False) is None  # closes only: held


def test_a_bar_that_touches_both_is_the_stop_first():
    assert _verdict(100.0, 101.5, 99.0) == ExitReason.STOP_LOSS
    assert _verdict(100.0, 100.5, 99.4) == ExitReason.TAKE_PROFIT


def test_the_hold_is_counted_at_the_close_so_a_touch_inside_the_last_bar_wins():
    assert _verdict(100.0, 100.5, 99.4, scans_held=120) == ExitReason.TAKE_PROFIT
    assert _verdict(100.0, 100.5, 99.5, scans_held=120) == ExitReason.MAX_HOLD
    assert _verdict(100.0, 100.5, 99.5, scans_held=119) is None


def test_without_extremes_in_the_scans_the_close_decides():
    batch = _batch([101.2], None, None)
    assert exit_verdict(RULE, _pos(1), batch, 0, 101.2, True) == ExitReason.STOP_LOSS
    assert first_exit_row(RULE, _pos(), _batch([100.0, 99.0], None, None), np.arange(2), True) == 1


_move = st.floats(0, 2.0)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.floats(98.8, 101.4), _move, _move), min_size=1, max_size=40),
       st.integers(0, 130), st.booleans())
def test_first_exit_row_is_exit_verdict_scan_by_scan(bars, held, walk_bar):
    closes = [c for c, _, _ in bars]
    batch = _batch(closes, [c + up for c, up, _ in bars], [c - down for c, _, down in bars])
    rows = np.arange(len(bars))
    pos = _pos(held)
    found = first_exit_row(RULE, pos, batch, rows, walk_bar)
    expected = len(rows)
    for k in rows.tolist():
        pos.scans_held = held + 1 + k
        if exit_verdict(RULE, pos, batch, k, closes[k], walk_bar) is not None:
            expected = k
            break
    assert found == expected
