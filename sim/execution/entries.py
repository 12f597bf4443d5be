"""Entry orders: the decision's order (market, or post-only at the ask), its timeout and the
market fallback, and cancelling a resting entry. A part of ``Execution`` (it inherits these), kept
in its own module so that the order lifecycle and the slot rules read apart."""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Generator

import simpy

from exchange_mock.errors import Code
from sim.execution.client_ids import ClientIdPrefix, OrderPurpose, entry_id
from sim.execution.config import ExecutionConfig
from sim.execution.intent import EntryIntent, TradeContext, WorkingEntry
from sim.execution.position import Position
from sim.execution.replies import executed, is_working
from sim.execution.session import VenueSession
from sim.kernel.clock import Priority, wake_after
from sim.kernel.feed import ScanTick
from sim.kernel.messages import EntryTimeout


class EntryOrders:
    """The entry side of ``Execution``: what it uses of the engine is declared here, and
    ``Execution`` provides it."""

    env: simpy.Environment
    config: ExecutionConfig
    venue: VenueSession
    working: WorkingEntry | None
    position: Position | None
    halted: bool

    def deliver(self, message: Any) -> None: ...

    def sync(self, context: TradeContext, order: dict[str, Any] | None) -> Generator[simpy.Event, Any, None]: ...

    @staticmethod
    def _price(tick: ScanTick, asset: str) -> float | None: ...

    def _enter(self, intent: EntryIntent, tick: ScanTick) -> Generator[simpy.Event, Any, None]:
        maker = self.config.maker
        params: dict[str, Any] = dict(symbol=intent.context.symbol, side="SELL", positionSide="BOTH",
                                      quantity=str(intent.quantity),
                                      clientOrderID=entry_id(ClientIdPrefix.ENTRY, intent.scan_number))
        if maker.mode == "post_only":
            price = self._price(tick, intent.context.asset)
            params.update(type="LIMIT", price=repr(price), timeInForce="PostOnly")
        else:
            params.update(type="MARKET")
        resp, order = yield from self.venue.place(params, OrderPurpose.ENTRY)
        if resp.get("code") == Code.POST_ONLY_WOULD_TAKE and maker.fallback == "market":
            yield from self._market_entry(intent, intent.quantity, ClientIdPrefix.MAKER_FALLBACK)
            return
        if order is None:
            return
        if is_working(order) and maker.mode == "post_only":
            self.working = WorkingEntry(intent, int(order["orderId"]))
            self.env.process(self._expire_after(int(order["orderId"]), maker.timeout_ms))
        yield from self.sync(intent.context, order)

    def _expire_after(self, order_id: int, timeout_ms: int) -> Generator[simpy.Event, Any, None]:
        yield wake_after(self.env, timeout_ms, Priority.ENGINE)
        self.deliver(EntryTimeout(order_id))

    def _on_entry_timeout(self, order_id: int) -> Generator[simpy.Event, Any, None]:
        w = self.working
        if w is None or w.order_id != order_id:
            return
        order = yield from self.cancel_working()
        rest = w.intent.quantity - executed(order)
        if self.config.maker.fallback == "market" and rest > 0 and self.position is None and not self.halted:
            yield from self._market_entry(w.intent, rest, ClientIdPrefix.TIMEOUT_FALLBACK)

    def _market_entry(self, intent: EntryIntent, qty: Decimal,
                      prefix: ClientIdPrefix) -> Generator[simpy.Event, Any, None]:
        """The maker policy's fallback: take the rest at market, under the same intent."""
        params = dict(symbol=intent.context.symbol, side="SELL", positionSide="BOTH", type="MARKET",
                      quantity=str(qty), clientOrderID=entry_id(prefix, intent.scan_number))
        resp, order = yield from self.venue.place(params, OrderPurpose.ENTRY)
        if order is not None:
            yield from self.sync(intent.context, order)

    def cancel_working(self) -> Generator[simpy.Event, Any, dict[str, Any] | None]:
        """Cancel the resting entry; whatever part of it filled becomes the position."""
        w = self.working
        assert w is not None
        resp = yield from self.venue.cancel(w.symbol, w.order_id)
        order = self.venue.report(resp, {"symbol": w.symbol, "orderId": w.order_id}, OrderPurpose.ENTRY)
        self.working = None
        yield from self.sync(w.intent.context, order)
        return order
