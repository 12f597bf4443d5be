"""An account's resting limit orders, per symbol and side, in price-time priority.

Buys are kept by (-price, order id) and sells by (price, order id), so the first order of a side
is the best price and, among equal prices, the oldest. That makes the best price per side O(1)
(the account's watch thresholds need only it) and lets matching visit just the crossed prefix of
a side. The keys never change while an order rests: its price and id are fixed, and a partial
fill leaves it where it is.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Callable, Mapping

from sortedcontainers import SortedKeyList

from exchange_mock.orders import Order


def _buy_key(order: Order) -> tuple[Decimal, int]:
    return -order.price, order.order_id  # type: ignore[operator]


def _sell_key(order: Order) -> tuple[Decimal, int]:
    return order.price, order.order_id  # type: ignore[return-value]


class RestingBook:
    def __init__(self) -> None:
        self._sides: dict[tuple[str, int], SortedKeyList] = {}

    def add(self, order: Order) -> None:
        key = (order.symbol, order.direction)
        side = self._sides.get(key)
        if side is None:
            side = self._sides[key] = SortedKeyList(key=_buy_key if order.direction > 0 else _sell_key)
        side.add(order)

    def remove(self, order: Order) -> None:
        self._sides[(order.symbol, order.direction)].remove(order)

    def best(self, symbol: str, direction: int) -> Decimal | None:
        """The best resting price of a side (highest buy, lowest sell), or None if it is empty."""
        side = self._sides.get((symbol, direction))
        return side[0].price if side else None

    def holds(self, symbol: str) -> bool:
        return bool(self._sides.get((symbol, 1)) or self._sides.get((symbol, -1)))

    def symbols(self) -> list[str]:
        """Symbols with resting orders, sorted: the fixed order in which matching visits them."""
        return sorted({symbol for (symbol, _), side in self._sides.items() if side})

    def crossed(self, symbol: str, direction: int, crosses: Callable[[int, Decimal], bool]) -> list[Order]:
        """The orders of a side that ``crosses(direction, price)`` accepts, best first, stopping at the
        first it refuses. A quote that crosses a resting price crosses every better one, so this is
        exactly the crossed orders, found without looking at the rest of the side."""
        found: list[Order] = []
        for order in self._sides.get((symbol, direction), ()):
            if not crosses(direction, order.price):
                break
            found.append(order)
        return found

    def mismatches(self, index: Mapping[int, Order]) -> list[str]:
        """Differences from ``index`` (order id -> working order): each order booked once, under its
        own symbol and side, and exactly the orders of the index."""
        problems: list[str] = []
        seen: set[int] = set()
        for (symbol, direction), side in self._sides.items():
            for order in side:
                oid = order.order_id
                if (order.symbol, order.direction) != (symbol, direction):
                    problems.append(f"order {oid} booked under {symbol} {direction:+d}")
                if oid in seen:
                    problems.append(f"order {oid} booked twice")
                seen.add(oid)
                if index.get(oid) is not order:
                    problems.append(f"order {oid} is in the book but not in the open-list")
        for oid in sorted(index.keys() - seen):
            problems.append(f"order {oid} is in the open-list but not in the book")
        return problems
