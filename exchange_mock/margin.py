"""Margin arithmetic over an account's positions and working orders, as pure functions.

All in USDT:

- an order needs the initial margin of the part that opens or grows a position, plus its opening
  fee (``order_margin``), so that paying the fee can never make the available margin negative;
- working orders freeze that margin for their opening part (``frozen_margin``); in one-way mode an
  order first uses up the opposite position it would close, orders taken in the open-list's order;
  a conditional order waiting for its trigger freezes nothing (its margin is checked at trigger);
- ``margin_balance`` = wallet - isolated margins - frozen + cross unrealized PnL: what backs the
  cross positions (BingX's cross-risk denominator);
- ``available`` = margin_balance - cross initial margin: what a new order may use.

``mark_of`` gives a position's current mark (the account keeps the last one seen when a scan has
none), so these functions never read prices themselves.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Callable, Iterable, Mapping

from exchange_mock.contracts import Contract
from exchange_mock.enums import PositionSide, TimeInForce
from exchange_mock.matching import Matcher
from exchange_mock.money import ZERO
from exchange_mock.orders import Order
from exchange_mock.positions import Position, initial_margin
from exchange_mock.settings import AccountSettings

Positions = Mapping[tuple[str, str], Position]
MarkOf = Callable[[Position], Decimal]


def closable(positions: Positions, symbol: str, position_side: str, direction: int) -> Decimal:
    """What an order of ``direction`` could close of the position on ``(symbol, position_side)``."""
    pos = positions.get((symbol, position_side))
    return pos.size if pos is not None and pos.direction == -direction else ZERO


def closable_after_orders(positions: Positions, open_orders: Iterable[Order], symbol: str, direction: int) -> Decimal:
    """One-way: what a new order could still close after the working orders ahead of it."""
    left = closable(positions, symbol, PositionSide.BOTH, direction)
    for order in open_orders:
        if left and order.symbol == symbol and order.direction == direction and not order.reduce_only \
                and not order.is_pending:
            left -= min(left, order.remaining)
    return left


def order_margin(matcher: Matcher, contract: Contract, qty: Decimal, price: Decimal, leverage: int,
                 post_only: bool) -> Decimal:
    """Initial margin plus opening fee (maker rate for post-only) of ``qty`` at ``price``."""
    notional = qty * price
    return initial_margin(notional, leverage) + notional * matcher.fee_rate(contract, maker=post_only)


def frozen_margin(open_orders: Iterable[Order], positions: Positions, settings: AccountSettings,
                  contracts: Mapping[str, Contract], matcher: Matcher, exclude: Order | None = None) -> Decimal:
    """Margin held by working orders for the part of them that would open or grow a position."""
    total = ZERO
    closable_left: dict[tuple[str, int], Decimal] = {}
    for order in open_orders:
        if order is exclude or order.reduce_only or order.is_pending:
            continue
        d = order.direction
        if settings.dual_side:
            if settings.hedge_closes(order.position_side, d):
                continue
            opening = order.remaining
        else:
            key = (order.symbol, d)
            left = closable_left.get(key)
            if left is None:
                left = closable(positions, order.symbol, PositionSide.BOTH, d)
            used = min(left, order.remaining)
            closable_left[key] = left - used
            opening = order.remaining - used
        if opening:
            contract = contracts[order.symbol]
            total += order_margin(matcher, contract, opening, order.price, settings.leverage(contract, d),
                                  order.time_in_force == TimeInForce.POST_ONLY)
    return total


def cross_totals(positions: Iterable[Position], mark_of: MarkOf) -> tuple[Decimal, Decimal]:
    """(initial margin, unrealized PnL) of the cross positions."""
    im = upnl = ZERO
    for pos in positions:
        if not pos.isolated:
            im += pos.margin
            upnl += pos.unrealized(mark_of(pos))
    return im, upnl


def isolated_margin(positions: Iterable[Position]) -> Decimal:
    return sum((p.margin for p in positions if p.isolated), ZERO)


def releverage(positions: Iterable[Position], symbol: str, directions: tuple[int, ...],
               leverage: int) -> tuple[Decimal, list[tuple[Position, Decimal]]]:
    """For a leverage change on ``symbol``: the extra margin the positions need, and each one's new
    margin. A cross position ties up exactly its new initial margin; an isolated one keeps any
    excess it holds."""
    needed = ZERO
    targets: list[tuple[Position, Decimal]] = []
    for pos in positions:
        if pos.symbol == symbol and pos.direction in directions:
            required = initial_margin(pos.cost, leverage)
            target = max(required, pos.margin) if pos.isolated else required
            needed += target - pos.margin
            targets.append((pos, target))
    return needed, targets
