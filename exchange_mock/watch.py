"""Float triggers that let ``advance`` skip exact work on most calls.

Per active symbol: the last prices beyond which no resting buy or sell can fill, and the marks
beyond which no long or short can be liquidated. A side's threshold grows with its limit, so the
best price of the side alone gives it. With more than one cross position every mark move can
liquidate (they share one balance), so the watch then always fires. Pending conditional orders
fold their trigger levels into the same bounds (``conditional.stop_watch``).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Callable, Iterable, Mapping

from exchange_mock.book import RestingBook
from exchange_mock.contracts import Contract
from exchange_mock.matching import Matcher, mark_threshold
from exchange_mock.positions import Position

_INF = float("inf")

# (symbol, buy fills at or below, sell fills at or above, long liquidates at or below, short at or above)
Trigger = tuple[str, float, float, float, float]


@dataclass(frozen=True, slots=True)
class QuietWatch:
    """What can make the next ``advance`` do anything: a trigger crossed (``triggers`` of every
    active account), a step at or after ``next_timed_ms`` (a funding tick or a dead man's switch
    expiring), or, with ``always``, any mark move (several cross positions share one balance)."""

    triggers: tuple[Trigger, ...]
    always: bool
    next_timed_ms: int | None


def build_watch(active: Iterable[str], resting: RestingBook, positions: Iterable[Position],
                contracts: Mapping[str, Contract], matcher: Matcher,
                liquidation_price: Callable[[Position], Decimal | None]) -> tuple[list[Trigger], bool]:
    """(triggers per active symbol, whether every mark move must be checked)."""
    bounds: dict[str, list[float]] = {}
    for s in active:
        buy, sell = resting.best(s, 1), resting.best(s, -1)
        bounds[s] = [-_INF if buy is None else matcher.watch_threshold(contracts[s], 1, buy),
                     _INF if sell is None else matcher.watch_threshold(contracts[s], -1, sell),
                     -_INF, _INF]
    held = list(positions)
    all_cross = sum(1 for p in held if not p.isolated) > 1
    for pos in held:
        if not pos.isolated and all_cross:
            continue
        b = bounds[pos.symbol]
        threshold = mark_threshold(contracts[pos.symbol], pos.direction, liquidation_price(pos))
        if pos.direction > 0:
            b[2] = max(b[2], threshold)
        else:
            b[3] = min(b[3], threshold)
    return [(s, *b) for s, b in bounds.items()], all_cross


def watch_hits(watch: Iterable[Trigger], prices: Mapping[str, float],
               marks: Mapping[str, float]) -> tuple[bool, bool]:
    """(a resting order may fill, a position may be liquidated) at these prices."""
    fill_hit = liq_hit = False
    for symbol, buy_at, sell_at, long_at, short_at in watch:
        p = prices.get(symbol)
        if p is not None and (p <= buy_at or p >= sell_at):
            fill_hit = True
        m = marks.get(symbol, p)
        if m is not None and (m <= long_at or m >= short_at):
            liq_hit = True
    return fill_hit, liq_hit
