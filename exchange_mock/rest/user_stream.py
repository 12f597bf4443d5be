"""The user-data stream of one connection: what changed in an account since the last look, as
BingX's ORDER_TRADE_UPDATE and ACCOUNT_UPDATE events.

The venue keeps no change log for a transport to replay, so each look compares the account's
REST views with what this connection last saw: orders placed since (``full_orders`` from the
next order id), the account's fills since (append-only, read by index; each as its
``allFillOrders`` row), working orders that ended without a fill (``open_orders``, then
``query_order``), and the balance and positions rows. A look runs under the host's lock right
after each REST call of the account and each venue step, so no change is missed or reordered.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from exchange_mock.endpoints.history import MAX_ORDERS, fill_order_row
from exchange_mock.enums import OrderStatus
from exchange_mock.rest.stream_payloads import (ExecType, Payload, UpdateReason, account_update, order_update,
                                                position_entry)
from exchange_mock.venue import AccountApi

#: What an order that stopped working without a fill is told as (BingX's ``x`` spells CANCELED).
_ENDED = {OrderStatus.CANCELLED: ExecType.CANCELED, OrderStatus.EXPIRED: ExecType.EXPIRED}
PositionKey = tuple[str, str]


def _money_state(positions: list[Payload]) -> dict[PositionKey, tuple[Any, ...]]:
    """What makes a position worth an ACCOUNT_UPDATE: size, entry and margin (not the mark: a
    push per price step would be noise BingX does not send either)."""
    return {(p["symbol"], p["positionSide"]): (p["positionAmt"], p["avgPrice"], p["margin"], p["isolated"])
            for p in positions}


@dataclass(slots=True)
class AccountWatcher:
    """What one user-stream connection has been told about ``account``."""

    account: AccountApi
    next_order_id: int = 0
    fills_seen: int = 0
    working: dict[int, str] = field(default_factory=dict)  # order id -> symbol
    wallet: str = "0"
    positions: dict[PositionKey, Payload] = field(default_factory=dict)

    @classmethod
    def start(cls, account: AccountApi) -> AccountWatcher:
        """A watcher that has seen everything so far: the stream pushes changes from now on."""
        watcher = cls(account, fills_seen=len(account.fills))
        orders = _rows(account.full_orders(limit=str(MAX_ORDERS)), "orders")
        watcher.next_order_id = max((int(o["orderId"]) for o in orders), default=0) + 1
        watcher.working = {int(o["orderId"]): o["symbol"] for o in _rows(account.open_orders(), "orders")}
        watcher.wallet = account.balance()["data"][0]["balance"]
        watcher.positions = {(p["symbol"], p["positionSide"]): p for p in account.positions()["data"]}
        return watcher

    def changes(self, ts_ms: int, stepped: bool) -> list[Payload]:
        """The events since the last look, oldest first; ``stepped``: the look follows a venue
        step (a balance change without a fill is then funding, else a margin adjustment)."""
        fills = self.account.fills[self.fills_seen:]
        self.fills_seen += len(fills)
        events = self._new_orders(ts_ms)
        events += [self._trade(ts_ms, fill_order_row(f), f.order_status) for f in fills]
        events += self._ended(ts_ms, {f.order_id for f in fills})
        reason = UpdateReason.ORDER if fills else UpdateReason.FUNDING_FEE if stepped else UpdateReason.ADJUSTMENT
        update = self._account_update(ts_ms, reason)
        return events + ([update] if update is not None else [])

    def _new_orders(self, ts_ms: int) -> list[Payload]:
        placed = _rows(self.account.full_orders(orderId=str(self.next_order_id), limit=str(MAX_ORDERS)), "orders")
        for order in placed:
            self.next_order_id = max(self.next_order_id, int(order["orderId"]) + 1)
            self.working[int(order["orderId"])] = order["symbol"]
        return [order_update(ts_ms, o, ExecType.NEW) for o in placed]

    def _trade(self, ts_ms: int, fill: Payload, status: str) -> Payload:
        order = self._order(fill["symbol"], int(fill["orderId"]))
        return order_update(ts_ms, order, ExecType.TRADE, fill, status)

    def _order(self, symbol: str, order_id: int) -> Payload:
        reply = self.account.query_order(symbol=symbol, orderId=str(order_id))
        if reply["code"] != 0:
            raise LookupError(f"order {order_id} of {self.account.key} has a fill but no order: {reply['msg']}")
        return reply["data"]["order"]

    def _ended(self, ts_ms: int, filled: set[int]) -> list[Payload]:
        """Orders that stopped working: the ones without a fill in this look get a CANCELED or
        EXPIRED event (a filled one was told by its TRADE event)."""
        still = {int(o["orderId"]) for o in _rows(self.account.open_orders(), "orders")}
        events: list[Payload] = []
        for order_id, symbol in sorted(self.working.items()):
            if order_id in still:
                continue
            del self.working[order_id]
            order = self._order(symbol, order_id)
            exec_type = _ENDED.get(OrderStatus(order["status"]))
            if order_id not in filled and exec_type is not None:
                events.append(order_update(ts_ms, order, exec_type))
        return events

    def _account_update(self, ts_ms: int, reason: UpdateReason) -> Payload | None:
        balance = self.account.balance()["data"][0]
        rows = self.account.positions()["data"]
        now = {(p["symbol"], p["positionSide"]): p for p in rows}
        if balance["balance"] == self.wallet and _money_state(rows) == _money_state(list(self.positions.values())):
            return None
        entries = [position_entry(p) for p in rows]
        entries += [position_entry(p, closed=True) for key, p in self.positions.items() if key not in now]
        update = account_update(ts_ms, reason, balance, self.wallet, entries)
        self.wallet, self.positions = balance["balance"], now
        return update


def _rows(reply: Payload, name: str) -> list[Payload]:
    if reply["code"] != 0:
        raise LookupError(f"{name}: {reply['msg']}")
    rows: list[Payload] = reply["data"][name]
    return rows
