"""The placement rules of conditional orders and of attached stop-loss / take-profit orders.

Trigger direction follows BingX: a stop (STOP, STOP_MARKET) buys when the watched price rises to
its stopPrice and sells when it falls to it; a take-profit (TAKE_PROFIT, TAKE_PROFIT_MARKET) buys
when the price falls to it and sells when it rises to it. A trigger order (TRIGGER_LIMIT,
TRIGGER_MARKET) has no side of its own in the reference: it fires when the price reaches its
stopPrice from where the price is at placement. A stopPrice the price has already reached would
trigger at once and is refused (110411 stop-loss, 110412 take-profit, 110413 trigger), as is a
conditional order while its watched price is unknown (101400, as for a market order). A trailing
stop takes a distance (``price``) or a ``priceRate`` (0 < rate <= 1) and an optional
activation price; it is active at once when the price has already passed that.
"""
from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from exchange_mock.contracts import Contract
from exchange_mock.enums import OrderType, WorkingType
from exchange_mock.errors import Code, VenueError, invalid, required
from exchange_mock.money import ROUND_DOWN, quantize
from exchange_mock.triggers import Attached, Stop, TriggerParams

if TYPE_CHECKING:
    from exchange_mock.core import VenueCore
    from exchange_mock.order_checks import OrderRequest

STOP_LOSS_TYPES = (OrderType.STOP_MARKET, OrderType.STOP)
TAKE_PROFIT_TYPES = (OrderType.TAKE_PROFIT_MARKET, OrderType.TAKE_PROFIT)
#: The conditional types that may close the whole position (``closePosition``).
CLOSE_POSITION_TYPES = (OrderType.STOP_MARKET, OrderType.TAKE_PROFIT_MARKET)
_IMMEDIATE = (OrderType.LIMIT, OrderType.MARKET)


def watched_price(market: VenueCore, contract: Contract, working_type: WorkingType) -> Decimal | None:
    """The price a trigger compares with: the mark (MARK_PRICE, INDEX_PRICE) or the last price."""
    if working_type == WorkingType.CONTRACT_PRICE:
        return market.last_price(contract)
    return market.mark_price(contract)


def plan_stop(req: OrderRequest, market: VenueCore) -> Stop | None:
    """The trigger of a conditional ``req`` (None for LIMIT and MARKET), or the error it breaks."""
    if req.type in _IMMEDIATE:
        if req.trigger is not None:
            raise VenueError(Code.PARAMETER_REQUIREMENT, detail=f"stopPrice, priceRate and activationPrice "
                                                                f"are for conditional orders, not {req.type}")
        for attached in req.attached:
            attached_quantity(req.contract, attached)
            _check_side(attached.type, -req.direction, attached.stop_price,
                        _price_now(market, req.contract, attached.working_type), attached.working_type)
        return None
    if req.attached:
        raise VenueError(Code.PARAMETER_REQUIREMENT, detail="stopLoss and takeProfit attach to LIMIT and MARKET orders")
    if req.close_position and req.type not in CLOSE_POSITION_TYPES:
        raise VenueError(Code.PARAMETER_REQUIREMENT, detail=f"closePosition is for {' and '.join(CLOSE_POSITION_TYPES)}")
    params = req.trigger or TriggerParams()
    now = _price_now(market, req.contract, params.working_type)
    if req.type == OrderType.TRAILING_STOP_MARKET:
        return _trailing(req, params, now)
    level = tick_price(req.contract, params.stop_price, "stopPrice")
    return Stop(level, params.working_type, _check_side(req.type, req.direction, level, now, params.working_type))


def tick_price(contract: Contract, value: Decimal | None, name: str) -> Decimal:
    """A trigger price truncated to the tick, as BingX truncates prices."""
    if value is None:
        raise required(name)
    price = quantize(value, contract.tick, ROUND_DOWN)
    if price <= 0:
        raise invalid(name, value)
    return price


def attached_quantity(contract: Contract, attached: Attached) -> Decimal | None:
    """An attached order's own quantity on the step grid (None: the entry's executed quantity)."""
    if attached.quantity is None:
        return None
    qty = quantize(attached.quantity, contract.step, ROUND_DOWN)
    if qty < contract.min_qty:
        raise VenueError(Code.BELOW_MINIMUM, detail=f"The minimum order amount is {contract.min_qty} {contract.asset}")
    return qty


def _price_now(market: VenueCore, contract: Contract, working_type: WorkingType) -> Decimal:
    price = watched_price(market, contract, working_type)
    if price is None:
        raise VenueError(Code.BELOW_MINIMUM, detail=f"{contract.symbol} has no price: pair not tradable")
    return price


def _check_side(order_type: str, direction: int, level: Decimal, now: Decimal, working_type: WorkingType) -> bool:
    """Whether the trigger fires on a rise (else on a fall); refused if it would fire at ``now``."""
    if order_type in STOP_LOSS_TYPES:
        rising, code = direction > 0, Code.STOP_LOSS_PRICE_SIDE
    elif order_type in TAKE_PROFIT_TYPES:
        rising, code = direction < 0, Code.TAKE_PROFIT_PRICE_SIDE
    else:
        rising, code = level > now, Code.TRIGGER_PRICE_SIDE
    if (level <= now) if rising else (level >= now):
        raise VenueError(code, detail=f"{level} would trigger at once: the {working_type} is {now}")
    return rising


def _trailing(req: OrderRequest, params: TriggerParams, now: Decimal) -> Stop:
    rate, distance = params.price_rate, params.distance
    if (rate is None) == (distance is None):
        raise VenueError(Code.PARAMETER_REQUIREMENT, detail="a trailing stop takes price (a distance) or priceRate")
    if rate is not None and not 0 < rate <= 1:
        raise invalid("priceRate", rate)
    if distance is not None and distance <= 0:
        raise invalid("price", distance)
    activation = None if params.activation_price is None else \
        tick_price(req.contract, params.activation_price, "activationPrice")
    stop = Stop(None, params.working_type, req.direction > 0, rate, distance, activation)
    stop.observe(now)  # active from placement when no activation price is set, or it is passed
    return stop
