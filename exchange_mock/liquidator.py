"""Liquidation runs: the venue taking over the positions whose trigger holds at the mark.

Isolated positions are checked one by one and closed at the bankruptcy price; the cross book is
checked as a whole: its working orders are cancelled first, then the position with the largest
loss is closed at the mark, until the trigger no longer holds. The numbers come from ``risk``;
this module only performs the steps on the account, through ``Liquidated``.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Mapping, Protocol

from exchange_mock import risk
from exchange_mock.contracts import Contract
from exchange_mock.core import VenueCore
from exchange_mock.enums import LIQUIDATION_MARK, IncomeType, Liquidity, OrderStatus, OrderType, Side
from exchange_mock.events import Fill, Liquidation, VenueEvent
from exchange_mock.ledger import Ledger
from exchange_mock.money import ZERO
from exchange_mock.orders import Order
from exchange_mock.positions import Position


class Liquidated(Protocol):
    """The account as a liquidation run uses it."""

    market: VenueCore
    key: str
    ledger: Ledger
    orders: dict[int, Order]
    open_orders: dict[int, Order]
    positions: dict[tuple[str, str], Position]
    events: list[VenueEvent]

    def mark(self, pos: Position, contract: Contract) -> Decimal: ...
    def mark_of(self, pos: Position) -> Decimal: ...
    def isolated_margin(self) -> Decimal: ...
    def frozen_margin(self, exclude: Order | None = None) -> Decimal: ...
    def end_order(self, order: Order, status: OrderStatus, reason: str, *, notify: bool = True) -> None: ...
    def book(self, income_type: IncomeType, symbol: str, amount: Decimal, trade_id: int = 0,
             info: str = "", ts_ms: int | None = None) -> int: ...
    def record_fill(self, fill: Fill) -> None: ...
    def refresh_active(self, symbol: str) -> None: ...


def liquidate_due(acct: Liquidated) -> None:
    """Liquidate the isolated positions whose trigger holds at the mark, then the cross book."""
    market = acct.market
    for pos in list(acct.positions.values()):
        if not pos.isolated:
            continue
        contract = market.contracts[pos.symbol]
        mark = acct.mark(pos, contract)
        exposure = risk.exposure(pos, contract, mark, market.matcher)
        equity = pos.margin + pos.unrealized(mark)
        if market.liquidation.triggered(exposure.maintenance, exposure.closing_fee, equity):
            _liquidate_isolated(acct, pos, contract, mark, exposure.closing_fee, equity)
    if any(not p.isolated for p in acct.positions.values()):
        _liquidate_cross(acct)


def _cancel_orders(acct: Liquidated, symbols: set[str]) -> None:
    for order in list(acct.open_orders.values()):
        if order.symbol in symbols:
            acct.end_order(order, OrderStatus.CANCELLED, "liquidation")


def _forced_close(acct: Liquidated, pos: Position, price: Decimal, fee: Decimal,
                  realized: Decimal) -> tuple[Order, int]:
    """Close ``pos`` entirely by a venue order: book fee and PnL, record order and fill."""
    ts = acct.market.ts_ms
    order = Order(acct.market.ids.next("order"), "", pos.symbol, Side.of(-pos.direction), pos.position_side,
                  OrderType.MARKET, "", None, pos.size, False, True, pos.leverage, ts, ts,
                  position_id=pos.position_id, liquidation=True)
    acct.orders[order.order_id] = order
    trade_id = acct.market.ids.next("trade")
    if fee:
        acct.book(IncomeType.TRADING_FEE, pos.symbol, -fee, trade_id, LIQUIDATION_MARK)
    if realized:
        acct.book(IncomeType.REALIZED_PNL, pos.symbol, realized, trade_id, LIQUIDATION_MARK)
    order.record_fill(pos.size, price, fee, realized, ts)
    del acct.positions[(pos.symbol, pos.position_side)]
    acct.record_fill(Fill(acct.key, ts, pos.symbol, order.order_id, "", trade_id, order.side, pos.position_side,
                          pos.size, price, fee, realized, Liquidity.LIQUIDATION, order.status, ZERO))
    acct.refresh_active(pos.symbol)
    return order, trade_id


def _liquidate_isolated(acct: Liquidated, pos: Position, contract: Contract, mark: Decimal, fee: Decimal,
                        equity: Decimal) -> None:
    _cancel_orders(acct, {pos.symbol})
    close = risk.isolated_close(pos, fee, equity)
    closed_qty, lost_margin = pos.qty, pos.margin
    order, trade_id = _forced_close(acct, pos, close.bankruptcy, close.fee, close.realized)
    ts = acct.market.ts_ms
    acct.market.insurance.record(ts, acct.key, pos.symbol, close.surplus)
    acct.events.append(Liquidation(acct.key, ts, pos.symbol, pos.position_side, closed_qty, mark,
                                   close.bankruptcy, lost_margin, close.fee, close.realized, close.surplus,
                                   order.order_id, trade_id))


def _liquidate_cross(acct: Liquidated) -> None:
    """While the cross book's trigger holds: first cancel its orders, then close the worst loser."""
    market = acct.market
    cancelled = False
    while True:
        cross = [p for p in acct.positions.values() if not p.isolated]
        if not cross:
            return
        marks = {id(p): acct.mark_of(p) for p in cross}
        exposure, upnl = risk.cross_exposure(cross, marks, market.contracts, market.matcher)
        balance = acct.ledger.balance - acct.isolated_margin() - acct.frozen_margin() + upnl
        if not market.liquidation.triggered(exposure.maintenance, exposure.closing_fee, balance):
            return
        if not cancelled:
            cancelled = True
            _cancel_orders(acct, {p.symbol for p in cross})
            continue
        _close_cross_victim(acct, risk.cross_victim(cross, marks), marks, balance, last=len(cross) == 1)


def _close_cross_victim(acct: Liquidated, victim: Position, marks: Mapping[int, Decimal], balance: Decimal,
                        *, last: bool) -> None:
    """Close ``victim`` at the mark; after the last cross position the fund covers a deficit."""
    market = acct.market
    mark = marks[id(victim)]
    exposure = risk.exposure(victim, market.contracts[victim.symbol], mark, market.matcher)
    fee = min(exposure.closing_fee, max(ZERO, balance))
    realized = victim.unrealized(mark)
    closed_qty = victim.qty
    order, trade_id = _forced_close(acct, victim, mark, fee, realized)
    insurance = ZERO
    after = balance - fee
    if last and after < 0:
        acct.book(IncomeType.INSURANCE_CLEAR, victim.symbol, -after, trade_id, LIQUIDATION_MARK)
        market.insurance.record(market.ts_ms, acct.key, victim.symbol, after)
        insurance = after
    acct.events.append(Liquidation(acct.key, market.ts_ms, victim.symbol, victim.position_side, closed_qty,
                                   mark, mark, balance, fee, realized, insurance, order.order_id, trade_id))
