"""An account's history: ended and all orders, its fills, closed positions, forced closes.

Every time window is in the venue's market time (the replayed clock orders and fills carry), so
a client that derives a default window from its own wall clock must pass ``since`` when the
replay is not at the present. Lists are oldest first; with a start time the first ``limit``
rows from it, otherwise the latest ``limit``.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable, Iterable

from exchange_mock import params
from exchange_mock.endpoints.base import EndpointGroup
from exchange_mock.enums import PositionSide
from exchange_mock.envelope import endpoint
from exchange_mock.errors import bad_request
from exchange_mock.events import Fill, FundingSettlement
from exchange_mock.money import ROUND_HALF_EVEN, SHARE_QUANTUM, ZERO, divide, fmt, fmt_money
from exchange_mock.orders import Order

QUOTE = "USDT"
MAX_ORDERS = 1000
MAX_FORCE_ORDERS = 100
MAX_POSITIONS = 100


def _count(value: Any, default: int, most: int, name: str = "limit") -> int:
    count = params.integer(name, value)
    if count is None:
        return default
    if not 1 <= count <= most:
        raise bad_request(f"{name} must be 1-{most}, got {count}")
    return count


def _span(start: Any, end: Any, names: tuple[str, str]) -> tuple[int | None, int | None]:
    low, high = params.integer(names[0], start), params.integer(names[1], end)
    if low is not None and high is not None and low > high:
        raise bad_request(f"{names[0]} {low} is after {names[1]} {high}")
    return low, high


def _within(ts: int, low: int | None, high: int | None) -> bool:
    return (low is None or ts >= low) and (high is None or ts <= high)


def _page(rows: list[Any], start: int | None, count: int) -> list[Any]:
    return rows[:count] if start is not None else rows[-count:]


@dataclass(slots=True)
class ClosedPosition:
    """One position from its first fill to the fill that brought it back to zero."""

    symbol: str
    position_side: str
    open_ms: int
    position_id: int
    leverage: int
    shown_side: str  # LONG or SHORT for a one-way (BOTH) position, as the open positions show it
    opened_qty: Decimal = ZERO
    open_cost: Decimal = ZERO
    closed_qty: Decimal = ZERO
    close_cost: Decimal = ZERO
    realised: Decimal = ZERO
    fees: Decimal = ZERO
    close_ms: int = 0

    def to_api(self, funding: Decimal, isolated: bool) -> dict[str, Any]:
        return {"positionId": str(self.position_id), "symbol": self.symbol, "isolated": isolated,
                "positionSide": self.shown_side, "openTime": self.open_ms, "updateTime": self.close_ms,
                "avgPrice": fmt_money(divide(self.open_cost, self.opened_qty, SHARE_QUANTUM, ROUND_HALF_EVEN)),
                "avgClosePrice": fmt_money(divide(self.close_cost, self.closed_qty, SHARE_QUANTUM, ROUND_HALF_EVEN)),
                "realisedProfit": fmt_money(self.realised),
                "netProfit": fmt_money(self.realised - self.fees + funding),
                "positionAmt": fmt(self.opened_qty), "closePositionAmt": fmt(self.closed_qty),
                "leverage": self.leverage, "closeAllPositions": True,
                "positionCommission": fmt_money(-self.fees), "totalFunding": fmt_money(funding)}


def _opened(symbol: str, side: str, fill: Fill, order: Order) -> ClosedPosition:
    shown = side if side != PositionSide.BOTH else (PositionSide.LONG if fill.position_qty > 0 else PositionSide.SHORT)
    return ClosedPosition(symbol, side, fill.ts_ms, order.position_id, order.leverage, shown)


def closed_positions(fills: Iterable[Fill], symbol: str, order_of: Callable[[int], Order]) -> list[ClosedPosition]:
    """The symbol's positions that went back to zero, rebuilt from the fills (the venue keeps only
    open positions). A fill that flips a one-way position closes the old one with its whole fee
    and PnL (the PnL is all the closing part's) and opens the next with the rest of its quantity."""
    done: list[ClosedPosition] = []
    current: dict[str, ClosedPosition] = {}
    held: dict[str, Decimal] = {}
    for fill in fills:
        if fill.symbol != symbol:
            continue
        side, before, after = fill.position_side, held.get(fill.position_side, ZERO), fill.position_qty
        held[side] = after
        flips = before != 0 and after != 0 and (before > 0) != (after > 0)
        closing = abs(before) if flips else (fill.quantity if abs(after) < abs(before) else ZERO)
        pos = current.get(side)
        if pos is None:
            pos = current[side] = _opened(symbol, side, fill, order_of(fill.order_id))
        pos.closed_qty += closing
        pos.close_cost += closing * fill.price
        pos.opened_qty += fill.quantity - closing
        pos.open_cost += (fill.quantity - closing) * fill.price
        pos.realised += fill.realized_pnl
        pos.fees += fill.fee
        pos.close_ms = fill.ts_ms
        if after == 0 or flips:
            done.append(current.pop(side))
        if flips:
            current[side] = _opened(symbol, side, fill, order_of(fill.order_id))
            current[side].opened_qty, current[side].open_cost = abs(after), abs(after) * fill.price
    return done


class History(EndpointGroup):
    """Private history endpoints of one account."""

    def _orders(self, working: bool, symbol: Any, orderId: Any, startTime: Any, endTime: Any, limit: Any,
                extra: dict[str, Any]) -> dict[str, Any]:
        params.check_extra(extra)
        contract = params.symbol(symbol, self._market.contracts, needed=False)
        after = params.integer("orderId", orderId)
        low, high = _span(startTime, endTime, ("startTime", "endTime"))
        count = _count(limit, 500, MAX_ORDERS)
        rows = [o for o in self._account.orders.values()
                if (working or not o.is_working) and (contract is None or o.symbol == contract.symbol)
                and (after is None or o.order_id >= after) and _within(o.time, low, high)]
        return {"orders": [o.to_api() for o in _page(rows, low, count)]}

    @endpoint
    def all_orders(self, symbol: Any = None, orderId: Any = None, startTime: Any = None, endTime: Any = None,
                   limit: Any = None, **extra: Any) -> dict[str, Any]:
        """Ended orders (filled, cancelled, expired), in placing order."""
        return self._orders(False, symbol, orderId, startTime, endTime, limit, extra)

    @endpoint
    def full_orders(self, symbol: Any = None, orderId: Any = None, startTime: Any = None, endTime: Any = None,
                    limit: Any = None, **extra: Any) -> dict[str, Any]:
        """Every order, working or ended, in placing order."""
        return self._orders(True, symbol, orderId, startTime, endTime, limit, extra)

    @endpoint
    def fill_orders(self, symbol: Any = None, orderId: Any = None, startTs: Any = None, endTs: Any = None,
                    tradingUnit: Any = None, **extra: Any) -> dict[str, Any]:
        params.check_extra(extra)
        contract = params.symbol(symbol, self._market.contracts, needed=False)
        params.choice("tradingUnit", tradingUnit, ("CONT", "COIN"), default="CONT")  # both count coins here
        order = params.integer("orderId", orderId)
        low, high = _span(startTs, endTs, ("startTs", "endTs"))
        return {"fill_orders": [
            fill_order_row(f) for f in self._account.fills
            if (contract is None or f.symbol == contract.symbol) and (order is None or f.order_id == order)
            and _within(f.ts_ms, low, high)]}

    @endpoint
    def force_orders(self, symbol: Any = None, autoCloseType: Any = None, startTime: Any = None,
                     endTime: Any = None, limit: Any = None, **extra: Any) -> dict[str, Any]:
        """Forced closes: the venue's liquidation orders (it does no auto-deleveraging, so an ADL
        query lists none)."""
        params.check_extra(extra)
        contract = params.symbol(symbol, self._market.contracts, needed=False)
        kind = params.choice("autoCloseType", autoCloseType, ("LIQUIDATION", "ADL"), default="LIQUIDATION")
        low, high = _span(startTime, endTime, ("startTime", "endTime"))
        count = _count(limit, 50, MAX_FORCE_ORDERS)
        rows: list[Order] = [o for o in self._account.orders.values()
                             if kind == "LIQUIDATION" and o.liquidation and _within(o.time, low, high)
                             and (contract is None or o.symbol == contract.symbol)]
        return {"orders": [o.to_api() for o in _page(rows, low, count)]}

    @endpoint
    def position_history(self, symbol: Any = None, startTs: Any = None, endTs: Any = None, pageSize: Any = None,
                         pageIndex: Any = None, **extra: Any) -> dict[str, Any]:
        """Closed positions, rebuilt from the fills; funding is the settlements booked on the
        position side while it was open; ``isolated`` is the symbol's margin type now, which the
        venue lets change only with no position open."""
        params.check_extra(extra)
        contract = params.symbol(symbol, self._market.contracts)
        low, high = _span(startTs, endTs, ("startTs", "endTs"))
        count = _count(pageSize, 50, MAX_POSITIONS, "pageSize")
        page = _count(pageIndex, 1, 2**31, "pageIndex")
        orders = self._account.orders
        rows = [p for p in closed_positions(self._account.fills, contract.symbol, orders.__getitem__)
                if _within(p.close_ms, low, high)]
        isolated = self._account.settings.isolated(contract.symbol)
        return {"positionHistory": [p.to_api(self._funding(p), isolated)
                                    for p in rows[(page - 1) * count:page * count]]}

    def _funding(self, pos: ClosedPosition) -> Decimal:
        return sum((e.amount for e in self._account.events if isinstance(e, FundingSettlement)
                    and e.symbol == pos.symbol and e.position_side == pos.position_side
                    and pos.open_ms <= e.ts_ms <= pos.close_ms), ZERO)


def fill_order_row(f: Fill) -> dict[str, Any]:
    """BingX's allFillOrders row; the time goes as ``time`` (ms), with ``tradeId`` and ``isMaker``,
    the fields ccxt's bingx parser reads for the time, id and role."""
    return {"symbol": f.symbol, "orderId": str(f.order_id), "tradeId": str(f.trade_id), "side": f.side,
            "positionSide": f.position_side, "volume": fmt(f.quantity), "price": fmt(f.price),
            "amount": fmt_money(f.quantity * f.price), "commission": fmt_money(-f.fee), "currency": QUOTE,
            "realisedPNL": fmt_money(f.realized_pnl), "isMaker": f.liquidity == "MAKER",
            "liquidatedPrice": fmt(f.price) if f.liquidity == "LIQUIDATION" else "0",
            "time": f.ts_ms}
