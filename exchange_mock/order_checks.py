"""Order validation: the rules a new order must pass, each a small check, in BingX's order.

The order of the checks is part of the venue's behaviour (the first failing one names the error
code), so ``validate`` is a fixed sequence: position mode, client order id, quantity (step,
minimum, what a closing order may close), limit price, tradability, minimum notional, post-only,
then margin, then a conditional order's trigger (``stop_checks``). A conditional order passes the
checks of the order it executes as (market or limit) at placement and again when it triggers. Closing orders (reduce-only, close-position, hedge closes) skip the notional and
margin checks, as on BingX. The checks read the account through ``OrderContext`` and change
nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Callable, Mapping, Protocol

from exchange_mock.contracts import Contract
from exchange_mock.core import VenueCore
from exchange_mock.enums import EXECUTES_AS, OrderType, PositionSide, Side, TimeInForce
from exchange_mock.errors import Code, VenueError, bad_request
from exchange_mock.margin import closable, closable_after_orders, order_margin
from exchange_mock.money import ROUND_DOWN, ZERO, quantize
from exchange_mock.orders import Order
from exchange_mock.positions import Position
from exchange_mock.settings import AccountSettings
from exchange_mock.stop_checks import plan_stop
from exchange_mock.triggers import Attached, Stop, TriggerParams


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """A syntactically valid order, before the account's rules are applied."""

    contract: Contract
    side: str
    position_side: str
    type: str
    time_in_force: str
    quantity: Decimal | None
    price: Decimal | None
    reduce_only: bool
    close_position: bool
    client_order_id: str
    trigger: TriggerParams | None = None
    attached: tuple[Attached, ...] = ()

    @property
    def direction(self) -> int:
        return 1 if self.side == Side.BUY else -1


@dataclass(frozen=True, slots=True)
class OrderPlan:
    """A validated order: quantity and price on the grid, leverage, and the quote it met."""

    quantity: Decimal
    price: Decimal | None
    leverage: int
    last: Decimal | None
    bid: Decimal | None
    ask: Decimal | None
    stop: Stop | None = None


class OrderContext(Protocol):
    market: VenueCore
    settings: AccountSettings
    positions: Mapping[tuple[str, str], Position]
    open_orders: Mapping[int, Order]
    client_ids: Mapping[str, int]

    def available(self, exclude: Order | None = None) -> Decimal: ...


# (refused when, message): hedge mode names the side and has no reduce-only; one-way mode is BOTH.
_MODE_RULES: tuple[tuple[Callable[[OrderRequest, bool], bool], str], ...] = (
    (lambda req, dual: dual and req.position_side == PositionSide.BOTH,
     "positionSide must be LONG or SHORT in Hedge mode"),
    (lambda req, dual: dual and req.reduce_only,
     "In the Hedge mode, the 'ReduceOnly' field can not be filled."),
    (lambda req, dual: not dual and req.position_side != PositionSide.BOTH,
     "positionSide must be BOTH in one-way mode"),
)


def validate(req: OrderRequest, acct: OrderContext) -> OrderPlan:
    """The plan for ``req``, or the ``VenueError`` of the first rule it breaks."""
    contract, d, market = req.contract, req.direction, acct.market
    _check_position_mode(req, acct.settings.dual_side)
    if req.client_order_id and req.client_order_id in acct.client_ids:
        raise VenueError(Code.DUPLICATE_CLIENT_ORDER_ID)
    closing = req.reduce_only or req.close_position or acct.settings.hedge_closes(req.position_side, d)
    qty = _quantity(req, closable(acct.positions, contract.symbol, req.position_side, d), closing)
    price = _limit_price(req)
    last = market.last_price(contract)
    bid, ask = market.matcher.quote(contract, last) if last is not None else (None, None)
    reference = _reference_price(req, qty, price, last, bid, ask, market)
    post_only = req.type == OrderType.LIMIT and req.time_in_force == TimeInForce.POST_ONLY
    if not closing:
        _check_notional(contract, qty, reference)
    if post_only and last is not None and market.matcher.marketable(d, price, bid, ask):
        raise VenueError(Code.POST_ONLY_WOULD_TAKE)
    leverage = acct.settings.leverage(contract, d)
    if not closing:
        _check_margin(req, acct, qty, reference, leverage, post_only)
    return OrderPlan(qty, price, leverage, last, bid, ask, plan_stop(req, market))


def _check_position_mode(req: OrderRequest, dual: bool) -> None:
    for refused, message in _MODE_RULES:
        if refused(req, dual):
            raise bad_request(message)


def _quantity(req: OrderRequest, closable_qty: Decimal, closing: bool) -> Decimal:
    """The order's quantity on the step grid: the whole position for close-position."""
    contract = req.contract
    if req.close_position:
        if req.quantity is not None or req.reduce_only:
            raise VenueError(Code.PARAMETER_REQUIREMENT,
                             detail="closePosition cannot be combined with quantity or reduceOnly")
        if not closable_qty:
            raise VenueError(Code.NO_POSITION_TO_CLOSE)
        return closable_qty
    if req.quantity is None:
        raise VenueError(Code.INVALID_PARAMETER, detail="parameter quantity is must")
    qty = quantize(req.quantity, contract.step, ROUND_DOWN)
    if qty < contract.min_qty:
        raise VenueError(Code.BELOW_MINIMUM, detail=f"The minimum order amount is {contract.min_qty} {contract.asset}")
    if closing and qty > closable_qty:
        raise VenueError(Code.REDUCE_ONLY_INCREASES if req.reduce_only else Code.NO_POSITION_TO_CLOSE)
    return qty


def _limit_price(req: OrderRequest) -> Decimal | None:
    """A limit order's price truncated to the tick (None for a market order)."""
    if EXECUTES_AS[req.type] != OrderType.LIMIT:
        return None
    if req.price is None:
        raise VenueError(Code.INVALID_PARAMETER, detail="parameter price is must")
    price = quantize(req.price, req.contract.tick, ROUND_DOWN)
    if price <= 0:
        raise VenueError(Code.INVALID_PARAMETER, detail=f"price: invalid value {req.price}")
    return price


def _reference_price(req: OrderRequest, qty: Decimal, price: Decimal | None, last: Decimal | None,
                     bid: Decimal | None, ask: Decimal | None, market: VenueCore) -> Decimal:
    """The price notional and margin are checked at: the expected taker fill, or the limit."""
    if EXECUTES_AS[req.type] != OrderType.MARKET:
        return price  # type: ignore[return-value]
    if last is None:
        raise VenueError(Code.BELOW_MINIMUM, detail=f"{req.contract.symbol} has no price: pair not tradable")
    return market.matcher.taker_price(req.contract, req.direction, qty, bid, ask)


def _check_notional(contract: Contract, qty: Decimal, reference: Decimal) -> None:
    if qty * reference < contract.min_notional:
        raise VenueError(Code.BELOW_MINIMUM, detail=(
            f"The minimum nominal value of the order should be greater than {contract.min_notional}u"))


def _check_margin(req: OrderRequest, acct: OrderContext, qty: Decimal, reference: Decimal, leverage: int,
                  post_only: bool) -> None:
    """The opening part of the order (one-way: beyond what the working orders leave to close) must
    fit the available margin with its fee."""
    symbol, d = req.contract.symbol, req.direction
    opening = qty
    if not acct.settings.dual_side:
        opening = max(ZERO, qty - closable_after_orders(acct.positions, acct.open_orders.values(), symbol, d))
    if opening and order_margin(acct.market.matcher, req.contract, opening, reference, leverage,
                                post_only) > acct.available():
        raise VenueError(Code.INSUFFICIENT_MARGIN)
