"""Orders: place (or only validate), query, list, cancel, and close positions at market.

Parameters arrive as an HTTP front passes them and become an ``OrderRequest``; the account's
rules (``order_checks``) then decide. BingX fields the venue does not model are refused unless
left empty. Conditional types take ``stopPrice`` and ``workingType``; a trailing stop takes its
distance in ``price`` (as BingX does) or a ``priceRate``, and an ``activationPrice``; a LIMIT or
MARKET entry may carry ``stopLoss`` / ``takeProfit`` objects.
"""
from __future__ import annotations

from typing import Any

from exchange_mock import params
from exchange_mock.endpoints.base import EndpointGroup
from exchange_mock.enums import (
    EXECUTES_AS,
    ORDER_TYPES,
    POSITION_SIDES,
    SIDES,
    TIME_IN_FORCE,
    UNSUPPORTED_ORDER_TYPES,
    WORKING_TYPES,
    OrderType,
    PositionSide,
    Side,
    TimeInForce,
)
from exchange_mock.envelope import endpoint
from exchange_mock.errors import Code, VenueError, bad_request
from exchange_mock.order_checks import OrderRequest
from exchange_mock.orders import Order
from exchange_mock.stop_checks import STOP_LOSS_TYPES, TAKE_PROFIT_TYPES
from exchange_mock.triggers import Attached, TriggerParams

_ORDER_EXTRAS = frozenset({"stopGuaranteed", "positionId", "quoteOrderQty"})
_ATTACHED_FIELDS = frozenset({"type", "stopPrice", "price", "workingType", "quantity"})


def _positive(name: str, value: Any) -> Any:
    """A decimal field that must be above zero when given."""
    parsed = params.number(name, value)
    if parsed is not None and parsed <= 0:
        raise params.invalid(name, value)
    return parsed


def _trigger(stopPrice: Any, workingType: Any, priceRate: Any, activationPrice: Any,
             distance: Any) -> TriggerParams | None:
    """The trigger fields as given (None when none is)."""
    if all(v in (None, "") for v in (stopPrice, workingType, priceRate, activationPrice, distance)):
        return None
    return TriggerParams(_positive("stopPrice", stopPrice),
                         params.choice("workingType", workingType, WORKING_TYPES, default=WORKING_TYPES[0]),
                         _positive("priceRate", priceRate), distance, _positive("activationPrice", activationPrice))


def _attached(name: str, value: Any, types: tuple[str, ...]) -> tuple[Attached, ...]:
    """``stopLoss`` / ``takeProfit``: a JSON object {type, stopPrice, price, workingType, quantity}."""
    fields = params.json_object(name, value)
    if fields is None:
        return ()
    unknown = sorted(set(fields) - _ATTACHED_FIELDS)
    if unknown:
        raise VenueError(Code.INVALID_PARAMETER, detail=f"unknown field {name}.{unknown[0]}")
    kind = params.choice(f"{name}.type", fields.get("type"), types, default=types[0])
    limit = _positive(f"{name}.price", fields.get("price"))
    if (limit is None) != (kind in (OrderType.STOP_MARKET, OrderType.TAKE_PROFIT_MARKET)):
        raise VenueError(Code.PARAMETER_REQUIREMENT, detail=f"{name}: price is for {types[1]}, and only for it")
    stop = params.number(f"{name}.stopPrice", fields.get("stopPrice"), needed=True)
    if stop <= 0:  # type: ignore[operator]
        raise params.invalid(f"{name}.stopPrice", fields.get("stopPrice"))
    return (Attached(OrderType(kind), stop,  # type: ignore[arg-type]
                     limit, params.choice(f"{name}.workingType", fields.get("workingType"), WORKING_TYPES,
                                          default=WORKING_TYPES[0]),
                     _positive(f"{name}.quantity", fields.get("quantity"))),)


class Trading(EndpointGroup):
    """Order endpoints of one account."""

    def _order_request(self, *, symbol: Any = None, side: Any = None, positionSide: Any = None, type: Any = None,
                       quantity: Any = None, price: Any = None, timeInForce: Any = None, reduceOnly: Any = None,
                       closePosition: Any = None, clientOrderID: Any = None, clientOrderId: Any = None,
                       stopPrice: Any = None, workingType: Any = None, priceRate: Any = None,
                       activationPrice: Any = None, stopLoss: Any = None, takeProfit: Any = None,
                       **extra: Any) -> OrderRequest:
        """The order an HTTP front's fields describe (BingX's names), or the error they answer."""
        params.check_extra(extra, _ORDER_EXTRAS)
        contract = params.symbol(symbol, self._market.contracts)
        chosen_side = params.choice("side", side, SIDES)
        default_side = None if self._account.dual_side else PositionSide.BOTH
        position_side = params.choice("positionSide", positionSide, POSITION_SIDES, default=default_side)
        order_type = params.choice("type", type, ORDER_TYPES + UNSUPPORTED_ORDER_TYPES)
        if order_type not in ORDER_TYPES:
            raise bad_request(f"order type {order_type} is not supported by this venue")
        rests = EXECUTES_AS[order_type] == OrderType.LIMIT
        tif = params.choice("timeInForce", timeInForce, TIME_IN_FORCE, default=TimeInForce.GTC) if rests else ""
        qty = _positive("quantity", quantity)
        limit_price = _positive("price", price)
        trailing = order_type == OrderType.TRAILING_STOP_MARKET
        return OrderRequest(
            contract=contract,
            side=chosen_side,
            position_side=position_side,
            type=order_type,
            time_in_force=tif,
            quantity=qty,
            price=limit_price if rests else None,
            reduce_only=params.flag("reduceOnly", reduceOnly),
            close_position=params.flag("closePosition", closePosition),
            client_order_id=params.client_order_id(clientOrderID, clientOrderId),
            trigger=_trigger(stopPrice, workingType, priceRate, activationPrice, limit_price if trailing else None),
            attached=_attached("stopLoss", stopLoss, STOP_LOSS_TYPES)
            + _attached("takeProfit", takeProfit, TAKE_PROFIT_TYPES),
        )

    @endpoint
    def place_order(self, **fields: Any) -> dict[str, Any]:
        """Fields as for ``_order_request``."""
        return {"order": self._account.place(self._order_request(**fields)).to_api()}

    @endpoint
    def test_order(self, **fields: Any) -> dict[str, Any]:
        """Validates like ``place_order`` (margin included) and places nothing; ``orderId`` is 0."""
        return {"order": self._account.place(self._order_request(**fields), dry_run=True).to_api()}

    def _find(self, symbol: Any, orderId: Any, clientOrderID: Any, clientOrderId: Any) -> Any:
        contract = params.symbol(symbol, self._market.contracts)
        order_id = params.integer("orderId", orderId)
        client_id = params.client_order_id(clientOrderID, clientOrderId)
        return self._account.find_order(contract, order_id, client_id)

    @endpoint
    def cancel_order(self, *, symbol: Any = None, orderId: Any = None, clientOrderID: Any = None,
                     clientOrderId: Any = None, **extra: Any) -> dict[str, Any]:
        params.check_extra(extra)
        order = self._find(symbol, orderId, clientOrderID, clientOrderId)
        self._account.cancel(order)
        return {"order": order.to_api()}

    def _working(self, symbol: Any, type: Any) -> list[Order]:
        """The working orders, optionally of one symbol and one order type."""
        contract = params.symbol(symbol, self._market.contracts, needed=False)
        order_type = params.choice("type", type, ORDER_TYPES) if type else ""
        return [o for o in self._account.open_orders.values()
                if (contract is None or o.symbol == contract.symbol) and (not order_type or o.type == order_type)]

    @endpoint
    def cancel_all_orders(self, *, symbol: Any = None, type: Any = None, **extra: Any) -> dict[str, Any]:
        params.check_extra(extra)
        chosen = self._working(symbol, type)
        for order in chosen:
            self._account.cancel(order)
        return {"success": [o.to_api() for o in chosen], "failed": None}

    @endpoint
    def query_order(self, *, symbol: Any = None, orderId: Any = None, clientOrderID: Any = None,
                    clientOrderId: Any = None, **extra: Any) -> dict[str, Any]:
        params.check_extra(extra)
        return {"order": self._find(symbol, orderId, clientOrderID, clientOrderId).to_api()}

    @endpoint
    def open_orders(self, *, symbol: Any = None, type: Any = None, **extra: Any) -> dict[str, Any]:
        params.check_extra(extra)
        return {"orders": [o.to_api() for o in self._working(symbol, type)]}

    @endpoint
    def close_all_positions(self, *, symbol: Any = None, **extra: Any) -> dict[str, Any]:
        """Market-close every position (of ``symbol``); refusals are listed under ``failed``."""
        params.check_extra(extra)
        contract = params.symbol(symbol, self._market.contracts, needed=False)
        acct = self._account
        success: list[int] = []
        failed: list[dict[str, Any]] = []
        for pos in list(acct.positions.values()):
            if contract is not None and pos.symbol != contract.symbol:
                continue
            req = OrderRequest(self._market.contracts[pos.symbol], Side.of(-pos.direction),
                               pos.position_side, OrderType.MARKET, "", None, None, False, True, "")
            try:
                success.append(acct.place(req).order_id)
            except VenueError as exc:
                failed.append({"orderId": 0, "clientOrderId": "", "errorCode": int(exc.code),
                               "errorMessage": exc.msg})
        return {"success": success, "failed": failed or None}
