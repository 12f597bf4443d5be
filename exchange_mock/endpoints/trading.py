"""Orders: place (or only validate), query, list, cancel, and close positions at market.

Parameters arrive as an HTTP front passes them and become an ``OrderRequest``; the account's
rules (``order_checks``) then decide. BingX fields the venue does not model are refused unless
left empty.
"""
from __future__ import annotations

from typing import Any

from exchange_mock import params
from exchange_mock.endpoints.base import EndpointGroup
from exchange_mock.enums import (
    ORDER_TYPES,
    POSITION_SIDES,
    SIDES,
    TIME_IN_FORCE,
    UNSUPPORTED_ORDER_TYPES,
    OrderType,
    PositionSide,
    Side,
    TimeInForce,
)
from exchange_mock.envelope import endpoint
from exchange_mock.errors import VenueError, bad_request
from exchange_mock.order_checks import OrderRequest
from exchange_mock.orders import Order

_ORDER_EXTRAS = frozenset({"stopPrice", "workingType", "priceRate", "stopLoss", "takeProfit", "stopGuaranteed",
                           "positionId", "activationPrice", "quoteOrderQty"})


class Trading(EndpointGroup):
    """Order endpoints of one account."""

    def _order_request(self, *, symbol: Any = None, side: Any = None, positionSide: Any = None, type: Any = None,
                       quantity: Any = None, price: Any = None, timeInForce: Any = None, reduceOnly: Any = None,
                       closePosition: Any = None, clientOrderID: Any = None, clientOrderId: Any = None,
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
        tif = params.choice("timeInForce", timeInForce, TIME_IN_FORCE, default=TimeInForce.GTC) \
            if order_type == OrderType.LIMIT else ""
        qty = params.number("quantity", quantity)
        if qty is not None and qty <= 0:
            raise params.invalid("quantity", quantity)
        limit_price = params.number("price", price)
        if limit_price is not None and limit_price <= 0:
            raise params.invalid("price", price)
        return OrderRequest(
            contract=contract,
            side=chosen_side,
            position_side=position_side,
            type=order_type,
            time_in_force=tif,
            quantity=qty,
            price=limit_price if order_type == OrderType.LIMIT else None,
            reduce_only=params.flag("reduceOnly", reduceOnly),
            close_position=params.flag("closePosition", closePosition),
            client_order_id=params.client_order_id(clientOrderID, clientOrderId),
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
