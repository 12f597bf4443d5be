"""Conditional orders at work: triggering them, the stop-loss / take-profit an entry carries, and
their float triggers for ``advance``'s quick check.

A pending conditional order is in the account's open-list (so every listing, cancel, cancel-all,
dead man's switch and liquidation sees it) and in ``acct.conditional``, never in the resting
book, and it freezes no margin. When its watched price reaches its level it triggers: it is
checked again as the market or limit order it executes as (``order_checks.validate``, with a
reduce-only or closing order clipped to what the position still holds) and then executed by the
account's own placement path (``Account.execute``), so fees, PnL, margin and resting work exactly
as for an order placed then. An order that fails those checks at trigger expires with the reason.
It keeps its id and type; its ``origQty`` becomes what it executed for (the whole position for
``closePosition``). Closing conditional orders expire when their position is closed or flips.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Iterable, Mapping, Protocol

from exchange_mock.contracts import Contract
from exchange_mock.enums import OrderStatus, Side, TimeInForce
from exchange_mock.errors import Code, VenueError
from exchange_mock.margin import closable
from exchange_mock.matching import mark_threshold
from exchange_mock.order_checks import OrderContext, OrderPlan, OrderRequest, validate
from exchange_mock.orders import Order
from exchange_mock.stop_checks import attached_quantity, watched_price
from exchange_mock.triggers import Attached, Stop
from exchange_mock.watch import Trigger


class StopAccount(OrderContext, Protocol):
    conditional: dict[int, Order]
    dual_side: bool

    def queue(self, order: Order) -> None: ...

    def unrest(self, order: Order) -> None: ...

    def execute(self, order: Order, contract: Contract, plan: OrderPlan) -> None: ...

    def end_order(self, order: Order, status: OrderStatus, reason: str, *, notify: bool = True) -> None: ...


def fire_due(acct: StopAccount) -> bool:
    """Trigger every pending order whose watched price reached its level, oldest first (an
    earlier trigger's fill may end a later one, which is then skipped); whether any did."""
    market = acct.market
    fired = False
    for order in list(acct.conditional.values()):
        if not order.is_pending:
            continue
        contract = market.contracts[order.symbol]
        price = watched_price(market, contract, order.stop.working_type)  # type: ignore[union-attr]
        if price is not None and order.stop.observe(price):  # type: ignore[union-attr]
            _trigger(acct, order, contract)
            fired = True
    return fired


def _trigger(acct: StopAccount, order: Order, contract: Contract) -> None:
    try:
        plan = validate(_execution_request(acct, order, contract), acct)
    except VenueError as exc:
        acct.end_order(order, OrderStatus.EXPIRED, f"triggered, then refused: {exc.msg}")
        return
    acct.unrest(order)  # out of the open-list and the conditional book until it executes
    order.stop.triggered = True  # type: ignore[union-attr]
    order.quantity, order.price, order.leverage = plan.quantity, plan.price, plan.leverage
    acct.execute(order, contract, plan)


def _closes_only(acct: OrderContext, order: Order) -> bool:
    return order.reduce_only or order.close_position or acct.settings.hedge_closes(order.position_side,
                                                                                    order.direction)


def _execution_request(acct: StopAccount, order: Order, contract: Contract) -> OrderRequest:
    """The market or limit order a triggered ``order`` executes as; a reduce-only or hedge-closing
    one clipped to the position it closes (refused when nothing is left)."""
    qty: Decimal | None = None if order.close_position else order.remaining
    if qty is not None and _closes_only(acct, order):
        qty = min(qty, closable(acct.positions, order.symbol, order.position_side, order.direction))
        if not qty:
            raise VenueError(Code.NO_POSITION_TO_CLOSE)
    return OrderRequest(contract, order.side, order.position_side, order.executes_as, order.time_in_force, qty,
                        order.price, order.reduce_only, order.close_position, "")


def protect(acct: StopAccount, entry: Order) -> None:
    """After a fill of ``entry``: place its attached stop-loss / take-profit on the first fill, and
    on later fills grow the ones still pending to the executed quantity (a partly filled entry is
    protected for what it holds)."""
    contract = acct.market.contracts[entry.symbol]
    if not entry.children:
        entry.children = [_child(acct, entry, spec, contract) for spec in entry.attached]
        for child in entry.children:
            acct.queue(child)
        return
    for spec, child in zip(entry.attached, entry.children):
        if child.is_pending:
            child.quantity = _child_quantity(entry, spec, contract)


def _child_quantity(entry: Order, spec: Attached, contract: Contract) -> Decimal:
    own = attached_quantity(contract, spec)
    return entry.executed_qty if own is None else min(own, entry.executed_qty)


def _child(acct: StopAccount, entry: Order, spec: Attached, contract: Contract) -> Order:
    ts = acct.market.ts_ms
    d = -entry.direction
    stop = Stop(spec.stop_price, spec.working_type, rising=(spec.type.startswith("STOP")) == (d > 0))
    return Order(acct.market.ids.next("order"), "", entry.symbol, Side.of(d), entry.position_side, spec.type,
                 TimeInForce.GTC if spec.price is not None else "", spec.price,
                 _child_quantity(entry, spec, contract), not acct.dual_side, False, entry.leverage, ts, ts, stop=stop)


def expire_closing(acct: StopAccount, symbol: str, position_side: str) -> None:
    """The position on (symbol, position_side) closed or flipped: its pending closing orders (a
    stop-loss left after the take-profit filled, say) expire rather than wait for a later one."""
    for order in list(acct.conditional.values()):
        if order.is_pending and (order.symbol, order.position_side) == (symbol, position_side) \
                and _closes_only(acct, order):
            acct.end_order(order, OrderStatus.EXPIRED, "position closed")


def stop_watch(watch: list[Trigger], pending: Iterable[Order],
               contracts: Mapping[str, Contract]) -> tuple[list[Trigger], bool]:
    """``watch`` with each pending order's level folded into its symbol's bounds (the last price's
    for CONTRACT_PRICE, the mark's otherwise), and whether a trailing stop is working: its level
    moves with every price, so every step must be checked."""
    bounds = {t[0]: list(t[1:]) for t in watch}
    trailing = False
    for order in pending:
        stop: Stop = order.stop  # type: ignore[assignment]
        if stop.trailing:
            trailing = True
            continue
        # slots: last <= buy bound, last >= sell bound, mark <= long bound, mark >= short bound
        slot = (2 if stop.on_mark else 0) + (1 if stop.rising else 0)
        threshold = mark_threshold(contracts[order.symbol], -1 if stop.rising else 1, stop.level)
        b = bounds[order.symbol]
        b[slot] = min(b[slot], threshold) if stop.rising else max(b[slot], threshold)
    return [(s, *b) for s, b in bounds.items()], trailing
