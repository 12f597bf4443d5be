"""Resting limit orders meeting the quote: which fill, in what order, and how much.

Kept apart from ``account`` so the account stays a dispatcher; the fills themselves are booked
by ``Account.apply_fill``, the one place an execution changes positions and money.
"""
from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from exchange_mock import margin
from exchange_mock.contracts import Contract
from exchange_mock.enums import Liquidity, OrderStatus, PositionSide, TimeInForce
from exchange_mock.money import ZERO
from exchange_mock.orders import Order

if TYPE_CHECKING:
    from exchange_mock.account import Account


def match_resting(acct: Account) -> None:
    """Give every resting order the current quote crosses one fill, as a maker at its price.

    Orders fill in price-time priority: symbol by symbol (sorted), buys then sells, each side
    best price first and, at one price, oldest first; only the crossed prefix of each side is
    visited. The order matters: each fill moves the margin the next one is checked against."""
    market = acct.market
    matcher = market.matcher
    for symbol in acct.resting.symbols():
        contract = market.contracts[symbol]
        last = market.last_price(contract)
        if last is None:
            continue
        bid, ask = matcher.quote(contract, last)
        crosses = partial(matcher.resting_crossed, bid=bid, ask=ask)
        for d in (1, -1):
            for order in acct.resting.crossed(symbol, d, crosses):
                _fill_resting(acct, order, contract)


def _fill_resting(acct: Account, order: Order, contract: Contract) -> None:
    """One maker fill, unless nothing is left to reduce or the margin is gone (then it expires)."""
    qty = acct.market.matcher.fill_quantity(contract, order.remaining, taker=False)
    d = order.direction
    if order.reduce_only or acct.settings.hedge_closes(order.position_side, d):
        qty = min(qty, margin.closable(acct.positions, order.symbol, order.position_side, d))
        if not qty:
            acct.end_order(order, OrderStatus.EXPIRED, "nothing left to reduce")
            return
    else:
        opening = qty
        if not acct.dual_side:
            opening = max(ZERO, qty - margin.closable(acct.positions, order.symbol, PositionSide.BOTH, d))
        if opening and margin.order_margin(acct.market.matcher, contract, opening, order.price,
                                           acct.leverage(contract, d), order.time_in_force == TimeInForce.POST_ONLY
                                           ) > acct.available(exclude=order):
            acct.end_order(order, OrderStatus.EXPIRED, "insufficient margin at fill")
            return
    acct.apply_fill(order, contract, qty, order.price, Liquidity.MAKER)
    if not order.is_working:
        acct.unrest(order)
    acct.refresh_active(order.symbol)
