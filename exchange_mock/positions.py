"""Positions: signed quantity, cost basis and margin, and what a fill does to them.

The cost basis is the exact sum of entry notionals of the open quantity; the average price is only
displayed. Reducing a position releases cost and margin pro rata (rounded to ``SHARE_QUANTUM``);
closing it releases exactly what is left, so the PnL of a round trip is exact. Opening adds
initial margin = notional / leverage, rounded up to ``MARGIN_QUANTUM``: for an isolated position
that is the margin it holds, for a cross position the initial margin it ties up.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from exchange_mock.money import (
    MARGIN_QUANTUM,
    ROUND_HALF_EVEN,
    ROUND_UP,
    SHARE_QUANTUM,
    ZERO,
    divide,
)


def initial_margin(notional: Decimal, leverage: int) -> Decimal:
    return divide(notional, Decimal(leverage), MARGIN_QUANTUM, ROUND_UP)


@dataclass(frozen=True, slots=True)
class FillEffect:
    closed: Decimal
    opened: Decimal
    realized: Decimal
    flipped: bool


@dataclass(slots=True, eq=False)
class Position:
    symbol: str
    position_side: str
    position_id: int
    isolated: bool
    leverage: int
    open_ts: int
    qty: Decimal = ZERO
    cost: Decimal = ZERO
    margin: Decimal = ZERO
    realised: Decimal = ZERO
    mark: Decimal = ZERO
    update_ts: int = 0

    @property
    def direction(self) -> int:
        return (self.qty > 0) - (self.qty < 0)

    @property
    def size(self) -> Decimal:
        return abs(self.qty)

    def unrealized(self, mark: Decimal) -> Decimal:
        return self.qty * mark - self.direction * self.cost

    def avg_price(self) -> Decimal:
        return divide(self.cost, self.size, SHARE_QUANTUM, ROUND_HALF_EVEN) if self.qty else ZERO

    def apply(self, direction: int, qty: Decimal, price: Decimal, leverage: int, ts_ms: int) -> FillEffect:
        """Apply a fill of ``qty`` at ``price``; ``direction`` +1 buys, -1 sells."""
        closed = ZERO
        realized = ZERO
        flipped = False
        if self.qty and self.direction != direction:
            size = self.size
            closed = min(qty, size)
            if closed == size:
                cost_out, margin_out = self.cost, self.margin
            else:
                cost_out = divide(self.cost * closed, size, SHARE_QUANTUM, ROUND_HALF_EVEN)
                margin_out = divide(self.margin * closed, size, SHARE_QUANTUM, ROUND_HALF_EVEN)
            realized = self.direction * (closed * price - cost_out)
            self.cost -= cost_out
            self.margin -= margin_out
            self.qty += direction * closed
            self.realised += realized
        opened = qty - closed
        if opened:
            flipped = closed > 0
            if flipped:
                self.realised = ZERO
            self.qty += direction * opened
            self.cost += opened * price
            self.margin += initial_margin(opened * price, leverage)
            self.leverage = leverage
        self.mark = price
        self.update_ts = ts_ms
        return FillEffect(closed, opened, realized, flipped)
