"""The exit engine stand-in: take-profit, stop-loss and max-hold for a SHORT."""
import pytest

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
