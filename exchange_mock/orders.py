"""The order model and its state machine.

States are BingX's: NEW and PARTIALLY_FILLED are working; FILLED, CANCELLED and EXPIRED are
final. CANCELLED means the account or a liquidation cancelled it; EXPIRED means the venue ended
it by its terms (IOC/FOK/market remainder, reduce-only with nothing left to reduce, margin gone
before a resting fill). A transition outside the table, or a fill beyond the order's quantity,
is a venue bug and raises.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from exchange_mock.enums import (
    EXECUTES_AS,
    LIQUIDATION_MARK,
    STATES,
    WORKING,
    WORKING_TYPE,
    OrderStatus,
    OrderType,
    PositionSide,
    Side,
    TimeInForce,
)
from exchange_mock.money import ROUND_DOWN, ROUND_HALF_EVEN, SHARE_QUANTUM, ZERO, divide, fmt, fmt_money, quantize
from exchange_mock.triggers import Attached, Stop

__all__ = ["STATES", "WORKING", "Order", "OrderStateError"]  # the state tuples: imported from here by tests

_ENDINGS = frozenset({OrderStatus.CANCELLED, OrderStatus.EXPIRED})


class OrderStateError(RuntimeError):
    """A transition the state machine forbids: a bug in the venue, never a client error."""


@dataclass(slots=True, eq=False)
class Order:
    order_id: int
    client_order_id: str
    symbol: str
    side: Side
    position_side: PositionSide
    type: OrderType
    time_in_force: TimeInForce | str  # "" for a market order
    price: Decimal | None
    quantity: Decimal
    reduce_only: bool
    close_position: bool
    leverage: int
    time: int
    update_time: int
    status: OrderStatus = OrderStatus.NEW
    executed_qty: Decimal = ZERO
    cum_quote: Decimal = ZERO
    commission: Decimal = ZERO
    profit: Decimal = ZERO
    position_id: int = 0
    end_reason: str = ""
    liquidation: bool = False
    stop: Stop | None = None  # a conditional order's trigger
    attached: tuple[Attached, ...] = ()  # stop-loss / take-profit to place as the order fills
    children: list[Order] = field(default_factory=list)  # the conditional orders ``attached`` became

    @property
    def direction(self) -> int:
        return 1 if self.side == Side.BUY else -1

    @property
    def remaining(self) -> Decimal:
        return self.quantity - self.executed_qty

    @property
    def is_working(self) -> bool:
        return self.status in WORKING

    @property
    def is_pending(self) -> bool:
        """A conditional order waiting for its trigger: listed as working, but neither resting
        nor holding margin."""
        return self.stop is not None and not self.stop.triggered and self.is_working

    @property
    def executes_as(self) -> OrderType:
        """MARKET or LIMIT: how the order trades (a conditional order, once triggered)."""
        return EXECUTES_AS[self.type]

    def record_fill(self, qty: Decimal, price: Decimal, fee: Decimal, pnl: Decimal, ts_ms: int) -> None:
        if not self.is_working:
            raise OrderStateError(f"order {self.order_id} is {self.status}: cannot fill")
        if qty <= 0 or qty > self.remaining:
            raise OrderStateError(f"order {self.order_id}: fill {qty} exceeds remaining {self.remaining}")
        self.executed_qty += qty
        self.cum_quote += qty * price
        self.commission -= fee
        self.profit += pnl
        self.update_time = ts_ms
        self.status = OrderStatus.FILLED if self.executed_qty == self.quantity else OrderStatus.PARTIALLY_FILLED

    def end(self, status: OrderStatus, ts_ms: int, reason: str) -> None:
        if status not in _ENDINGS or not self.is_working:
            raise OrderStateError(f"order {self.order_id}: {self.status} -> {status} not allowed")
        self.status = status
        self.end_reason = reason
        self.update_time = ts_ms

    def avg_price(self) -> Decimal:
        if not self.executed_qty:
            return ZERO
        return divide(self.cum_quote, self.executed_qty, SHARE_QUANTUM, ROUND_HALF_EVEN)

    def to_api(self) -> dict[str, Any]:
        return {
            "symbol": self.symbol,
            "orderId": self.order_id,
            "side": self.side,
            "positionSide": self.position_side,
            "type": self.type,
            "origQty": fmt(self.quantity),
            "quantity": fmt(self.quantity),
            "price": fmt(self.price) if self.price is not None else "0",
            "executedQty": fmt(quantize(self.executed_qty, self.quantity, ROUND_DOWN)),
            "avgPrice": fmt_money(self.avg_price()),
            "cumQuote": fmt_money(self.cum_quote),
            "stopPrice": self._stop_price(),
            "profit": fmt_money(self.profit),
            "commission": fmt_money(self.commission),
            "status": self.status,
            "time": self.time,
            "updateTime": self.update_time,
            "clientOrderId": self.client_order_id,
            "leverage": f"{self.leverage}X",
            "timeInForce": self.time_in_force,
            "reduceOnly": self.reduce_only,
            "postOnly": self.time_in_force == TimeInForce.POST_ONLY,
            "closePosition": self.close_position,
            "workingType": self.stop.working_type if self.stop else WORKING_TYPE,
            "positionID": self.position_id,
            "orderType": LIQUIDATION_MARK if self.liquidation else "",
            **self._trailing_fields(),
        }

    def _stop_price(self) -> str:
        level = self.stop.level if self.stop is not None else None
        return "" if level is None else fmt(level)

    def _trailing_fields(self) -> dict[str, str]:
        """BingX's trailing fields, on trailing stops only (other orders' replies keep their shape)."""
        stop = self.stop
        if stop is None or not stop.trailing:
            return {}
        return {"priceRate": fmt(stop.price_rate) if stop.price_rate is not None else "",
                "trailingStopDistance": fmt(stop.distance) if stop.distance is not None else "",
                "actPrice": fmt(stop.activation_price) if stop.activation_price is not None else ""}
