"""The exchange-side protective stop (``execution.protective_stop``, off by default).

With it on, every position the engine holds also has a STOP_MARKET BUY ``closePosition`` order
at the venue, on the mark price, at the exit rule's stop-loss level (a short's entry price times
1 + stop_loss, rounded up to the tick so it never fires before the rule would). It closes the
position at that level when the engine cannot: while it is down after a crash, or before its
own exit arrives. The engine cancels it before it exits by itself; the venue ends it anyway once
the position is gone. A restarted engine cancels every working order and places a new one for
the position it adopts. A refused stop (the price already past it) leaves the exit to the rule.
"""
from __future__ import annotations

from decimal import ROUND_CEILING, Decimal
from typing import Any, Generator, Protocol

import simpy

from exchange_mock.errors import Code
from sim.execution.client_ids import OrderPurpose, stop_id
from sim.execution.intent import TradeContext
from sim.execution.memory import EngineMemory
from sim.execution.position import Position
from sim.execution.replies import is_working
from sim.execution.session import VenueSession


class Protected(Protocol):
    """What the protective stop needs of the engine (``Execution`` is one)."""

    position: Position | None
    venue: VenueSession
    memory: EngineMemory
    contracts: dict[str, dict[str, Any]]
    stop_loss: float | None
    stop_order_id: int | None

    def sync(self, context: TradeContext, order: dict[str, Any] | None) -> Generator[simpy.Event, Any, None]: ...


def stop_price(entry_price: Decimal, stop_loss: float, price_precision: int) -> str:
    """The stop-loss level of a short entered at ``entry_price``, up to the next tick."""
    level = Decimal(repr(float(entry_price) * (1 + stop_loss)))
    return str(level.quantize(Decimal(1).scaleb(-price_precision), rounding=ROUND_CEILING))


def place_stop(ex: Protected) -> Generator[simpy.Event, Any, None]:
    """Give the held position its venue stop, unless it has one or the setting is off."""
    pos = ex.position
    if ex.stop_loss is None or pos is None or ex.stop_order_id is not None:
        return
    precision = int(ex.contracts[pos.symbol]["pricePrecision"])
    params = dict(symbol=pos.symbol, side="BUY", positionSide="BOTH", type="STOP_MARKET",
                  stopPrice=stop_price(pos.entry_price, ex.stop_loss, precision), workingType="MARK_PRICE",
                  closePosition="true", clientOrderID=stop_id(ex.memory.next_exit_sequence()))
    _, order = yield from ex.venue.place(params, OrderPurpose.EXIT)
    if order is not None and is_working(order):
        ex.stop_order_id = int(order["orderId"])


def drop_stop(ex: Protected) -> Generator[simpy.Event, Any, None]:
    """Cancel the venue stop before the engine exits by itself. If it has filled already, the
    position is gone: learn that from the venue (``sync``) instead of sending an exit."""
    pos, order_id = ex.position, ex.stop_order_id
    if pos is None or order_id is None:
        return
    ex.stop_order_id = None
    resp = yield from ex.venue.cancel(pos.symbol, order_id)
    ex.venue.report(resp, {"symbol": pos.symbol, "orderId": order_id}, OrderPurpose.EXIT)
    if resp.get("code") == Code.ORDER_ALREADY_FILLED:
        yield from ex.sync(pos.context, None)
