"""How execution talks to the venue: the duties of a careful client, in one place.

It never acts on a guess of the venue's state. A query the venue cannot answer is asked again
after a growing pause; an order whose answer was lost (or that the venue calls a duplicate
clientOrderID) is looked up by its clientOrderID, never re-sent; a cancel without an answer is
settled by querying the order; a margin type or leverage is used only once the venue confirmed
it. Every order answer is told to the observers, with the fills it brought. Income is read in
full: every type, page after page past BingX's 1000-row limit.
"""
from __future__ import annotations

from typing import Any, Callable, Generator

import simpy

from exchange_mock.errors import Code
from sim.execution.book import TradeBook
from sim.execution.client_ids import OrderPurpose
from sim.execution.observer import ExecutionObserver
from sim.execution.recovery_paths import RecoveryPath
from sim.execution.replies import WORKING_STATES, Envelope, income_rows, order_of
from sim.kernel.clock import Priority, wake_after
from sim.kernel.link import TIMEOUT, TRANSIENT_CODES, VenueLink
from sim.kernel.requests import RequestKind

RETRY_FIRST_MS = 500       # pause before asking again; doubles up to RETRY_MAX_MS
RETRY_MAX_MS = 8_000
INCOME_PAGE = 1000         # BingX's most rows per income answer
Order = dict[str, Any]
Ask = Callable[..., Generator[simpy.Event, Any, Envelope]]


class IncomePagingError(RuntimeError):
    """A full income page all at one millisecond: paging by time cannot get past it."""


def income_since(ask: Ask, symbol: str, start_ms: int) -> Generator[simpy.Event, Any, list[dict[str, Any]]]:
    """Every income row of ``symbol`` from ``start_ms`` on, all types, oldest first. BingX pages
    only by time: a full page is followed by the next from its last row's time, and the rows of
    that millisecond already read are skipped by their (increasing) tranId."""
    rows: list[dict[str, Any]] = []
    start, last_tran = start_ms, -1
    while True:
        page = income_rows((yield from ask(RequestKind.INCOME, symbol=symbol, startTime=start, limit=INCOME_PAGE)))
        new = [r for r in page if int(r["tranId"]) > last_tran]
        rows += new
        if len(page) < INCOME_PAGE:
            return rows
        if not new:
            raise IncomePagingError(f"{INCOME_PAGE} income rows of {symbol} at {start} ms: cannot page past them")
        start, last_tran = int(page[-1]["time"]), int(page[-1]["tranId"])


class VenueSession:
    """One engine process's conversation with the venue (its setting caches die with it)."""

    def __init__(self, env: simpy.Environment, link: VenueLink, book: TradeBook, observer: ExecutionObserver,
                 probe: Callable[[str], None]) -> None:
        self.env = env
        self.link = link
        self.book = book
        self.observer = observer
        self.probe = probe
        self._leverage: dict[str, int] = {}
        self._margin_type: dict[str, str] = {}

    def ask(self, kind: RequestKind, **params: Any) -> Generator[simpy.Event, Any, Envelope]:
        """An idempotent request, asked again (after a growing pause) while the venue cannot
        answer it: a lost answer or a busy venue says nothing about its state."""
        pause = RETRY_FIRST_MS
        while True:
            resp = yield from self.link.call(kind, **params)
            if resp.get("code") not in TRANSIENT_CODES:
                return resp
            self.probe(RecoveryPath.READ_RETRIED)
            yield wake_after(self.env, pause, Priority.ENGINE)
            pause = min(2 * pause, RETRY_MAX_MS)

    def income_since(self, symbol: str, start_ms: int) -> Generator[simpy.Event, Any, list[dict[str, Any]]]:
        return (yield from income_since(self.ask, symbol, start_ms))

    def place(self, params: dict[str, Any], purpose: OrderPurpose
              ) -> Generator[simpy.Event, Any, tuple[Envelope, Order | None]]:
        """Send an order and report what became of it. Without an answer (TIMEOUT), or with
        101481 (the clientOrderID exists: an earlier copy of this request got through), the order
        may exist: look it up by clientOrderID before acting again. Never re-send it: a second
        order could double the exposure."""
        resp = yield from self.link.call(RequestKind.PLACE_ORDER, **params)
        code = resp.get("code")
        if code in (TIMEOUT, Code.DUPLICATE_CLIENT_ORDER_ID):
            resp = yield from self.ask(RequestKind.QUERY_ORDER, symbol=params["symbol"],
                                       clientOrderID=params["clientOrderID"])
            if code == Code.DUPLICATE_CLIENT_ORDER_ID:
                self.probe(RecoveryPath.DUPLICATE_CLIENT_ID_RESOLVED)
            else:
                self.probe(RecoveryPath.UNKNOWN_ORDER_FOUND if resp.get("code") == 0
                           else RecoveryPath.UNKNOWN_ORDER_ABSENT)
        return resp, self.report(resp, params, purpose)

    def report(self, resp: Envelope, params: dict[str, Any], purpose: OrderPurpose) -> Order | None:
        """Tell the observers an order answer and the fills that came with it; the order object
        (None: refused, or no answer)."""
        self.observer.order_reply(resp, params, purpose)
        self.observer.fills(self.book.take_fills())
        return order_of(resp)

    def query(self, symbol: str, order_id: int, purpose: OrderPurpose) -> Generator[simpy.Event, Any, Order | None]:
        resp = yield from self.ask(RequestKind.QUERY_ORDER, symbol=symbol, orderId=order_id)
        return self.report(resp, {"symbol": symbol, "orderId": order_id}, purpose)

    def cancel(self, symbol: str, order_id: int) -> Generator[simpy.Event, Any, Envelope]:
        """Cancel an order. Without a usable answer the cancel may or may not have happened: ask
        for the order until its state is known, and cancel again while it is still working."""
        resp = yield from self.link.call(RequestKind.CANCEL_ORDER, symbol=symbol, orderId=order_id)
        pause = RETRY_FIRST_MS
        while resp.get("code") in TRANSIENT_CODES:
            self.probe(RecoveryPath.CANCEL_SETTLED)
            resp = yield from self.ask(RequestKind.QUERY_ORDER, symbol=symbol, orderId=order_id)
            order = order_of(resp)
            if order is None or order["status"] not in WORKING_STATES:
                break
            yield wake_after(self.env, pause, Priority.ENGINE)
            pause = min(2 * pause, RETRY_MAX_MS)
            resp = yield from self.link.call(RequestKind.CANCEL_ORDER, symbol=symbol, orderId=order_id)
        return resp

    def prepare_symbol(self, symbol: str, margin_type: str, leverage: int) -> Generator[simpy.Event, Any, bool]:
        """Margin type and leverage set on the venue and confirmed before the first order. Any
        answer but a confirmation (a refusal, no answer) leaves the setting unknown: no entry."""
        if self._margin_type.get(symbol) != margin_type:
            resp = yield from self.link.call(RequestKind.SET_MARGIN_TYPE, symbol=symbol, marginType=margin_type)
            if resp["code"] != 0:
                return False
            self._margin_type[symbol] = margin_type
        if self._leverage.get(symbol) != leverage:
            resp = yield from self.link.call(RequestKind.SET_LEVERAGE, symbol=symbol, side="BOTH", leverage=leverage)
            if resp["code"] != 0 or int(resp["data"]["leverage"]) != leverage:
                return False
            self._leverage[symbol] = leverage
            self.observer.leverage_confirmed(symbol, leverage)
        return True
