"""A conditional order's trigger: its level, the price it watches, and when it fires.

A stop fires when the watched price reaches its level from the side it was placed on: ``rising``
triggers fire at ``price >= level``, the others at ``price <= level``. A trailing stop has no
fixed level: once active it follows the best price since activation (the highest for a sell, the
lowest for a buy) at a fixed distance or rate, and fires when the price comes back to it. The
checks are exact (Decimal prices on the tick grid); ``Stop`` is mutable only through ``observe``
(a trailing stop's best price) and ``triggered``.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from exchange_mock.enums import OrderType, WorkingType


@dataclass(frozen=True, slots=True)
class TriggerParams:
    """The trigger fields of a request as parsed (not yet checked against the market)."""

    stop_price: Decimal | None = None
    working_type: WorkingType = WorkingType.MARK_PRICE
    price_rate: Decimal | None = None
    distance: Decimal | None = None
    activation_price: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Attached:
    """A stop-loss or take-profit attached to an entry (BingX's ``stopLoss`` / ``takeProfit``):
    it becomes a conditional order on the closing side once the entry fills."""

    type: OrderType
    stop_price: Decimal
    price: Decimal | None
    working_type: WorkingType
    quantity: Decimal | None


@dataclass(slots=True)
class Stop:
    """The trigger state of one conditional order. ``level`` is None only for a trailing stop
    not yet active; ``best`` is the trailing stop's best price since activation."""

    level: Decimal | None
    working_type: WorkingType
    rising: bool
    price_rate: Decimal | None = None
    distance: Decimal | None = None
    activation_price: Decimal | None = None
    best: Decimal | None = None
    triggered: bool = False

    @property
    def trailing(self) -> bool:
        return self.price_rate is not None or self.distance is not None

    @property
    def on_mark(self) -> bool:
        return self.working_type != WorkingType.CONTRACT_PRICE

    def observe(self, price: Decimal) -> bool:
        """Whether the trigger fires at ``price`` (a trailing stop first moves with it)."""
        if self.trailing:
            self._trail(price)
            if self.level is None:
                return False
        return price >= self.level if self.rising else price <= self.level  # type: ignore[operator]

    def _trail(self, price: Decimal) -> None:
        """Activate at the activation price (at once without one), then keep the best price: the
        highest for a sell stop (``rising`` False), the lowest for a buy stop."""
        if self.best is None:
            act = self.activation_price
            if act is not None and (price > act if self.rising else price < act):
                return
            self.best = price
        self.best = min(self.best, price) if self.rising else max(self.best, price)
        if self.distance is not None:
            self.level = self.best + self.distance if self.rising else self.best - self.distance
        else:
            rate = self.price_rate  # type: ignore[assignment]
            self.level = self.best * (1 + rate) if self.rising else self.best * (1 - rate)
