"""The BingX dialect: which method and path reach which venue endpoint, with what parameters and
rate limit. The app dispatches from this table and the OpenAPI document is rendered from it; the
market-data and history routes are in ``read_routes``.

Endpoints are the venue's own ``AccountApi`` methods. The REST layer adds only what a transport
has to: server time (the clock that signatures are checked against) and the batch endpoints,
which are loops over the venue's single-order methods with BingX's batch reply shapes.
"""
from __future__ import annotations

import json
from typing import Any

from exchange_mock import params
from exchange_mock.enums import (
    MARGIN_TYPES,
    ORDER_TYPES,
    POSITION_SIDES,
    SIDES,
    TIME_IN_FORCE,
    UNSUPPORTED_ORDER_TYPES,
    WORKING_TYPES,
)
from exchange_mock.envelope import endpoint
from exchange_mock.errors import Code, VenueError, invalid, required
from exchange_mock.ledger import INCOME_TYPES
from exchange_mock.rest.read_routes import HISTORY_ROUTES, MARKET_ROUTES
from exchange_mock.rest.routing import (FIVE_PER_S, MARKET, TEN_PER_S, TWO_PER_S, Call, Envelope, Param, Route,
                                        invoke, venue_call)

__all__ = ["MARKET", "ROUTES", "Call", "Param", "Route"]  # the route types, re-exported for the app

MAX_BATCH_ORDERS = 5
MAX_BATCH_CANCELS = 10


@endpoint
def server_time(call: Call) -> dict[str, int]:
    """The clock that request timestamps are checked against (a client syncs its signatures to
    it), which is the server's, not the venue's replayed market time."""
    params.check_extra(call.params)
    return {"serverTime": call.now_ms}


def _json_list(raw: str | None, name: str, limit: int) -> list[Any]:
    if raw is None or raw == "":
        raise required(name)
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        raise invalid(name, raw) from None
    if not isinstance(value, list) or not 1 <= len(value) <= limit:
        raise VenueError(Code.INVALID_PARAMETER, detail=f"{name} must be a JSON array of 1-{limit} items")
    return value


def _failure(reply: Envelope, order_id: Any, client_order_id: Any) -> dict[str, Any]:
    return {"orderId": order_id if type(order_id) is int else 0,
            "clientOrderId": "" if client_order_id is None else str(client_order_id),
            "errorCode": reply["code"], "errorMessage": reply["msg"]}


@endpoint
def place_batch(call: Call) -> dict[str, Any]:
    """POST batchOrders: each element of the JSON array goes through ``place_order`` in turn;
    the placed orders are listed under ``orders`` and the refused ones under ``failed``."""
    fields = dict(call.params)
    orders = _json_list(fields.pop("batchOrders", None), "batchOrders", MAX_BATCH_ORDERS)
    params.check_extra(fields)
    if not all(isinstance(o, dict) for o in orders):
        raise VenueError(Code.INVALID_PARAMETER, detail="batchOrders items must be JSON objects")
    placed: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    for order in orders:
        reply = invoke(call.account.place_order, order)
        if reply["code"] == 0:
            placed.append(reply["data"]["order"])
        else:
            failed.append(_failure(reply, 0, order.get("clientOrderID", order.get("clientOrderId"))))
    return {"orders": placed, "failed": failed or None}


@endpoint
def cancel_batch(call: Call) -> dict[str, Any]:
    """DELETE batchOrders: ``orderIdList`` or ``clientOrderIdList`` (JSON arrays), each cancelled
    through ``cancel_order``; cancelled orders under ``success``, refusals under ``failed``."""
    fields = dict(call.params)
    ids, client_ids = fields.pop("orderIdList", None), fields.pop("clientOrderIdList", None)
    symbol = fields.pop("symbol", None)
    params.check_extra(fields)
    if ids and client_ids:
        raise VenueError(Code.PARAMETER_REQUIREMENT, detail="give orderIdList or clientOrderIdList, not both")
    name, refs = (("clientOrderId", _json_list(client_ids, "clientOrderIdList", MAX_BATCH_CANCELS)) if client_ids
                  else ("orderId", _json_list(ids, "orderIdList", MAX_BATCH_CANCELS)))
    success: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    for ref in refs:
        reply = invoke(call.account.cancel_order, {"symbol": symbol, name: ref})
        if reply["code"] == 0:
            success.append(reply["data"]["order"])
        else:
            failed.append(_failure(reply, ref if name == "orderId" else 0, ref if name == "clientOrderId" else ""))
    return {"success": success, "failed": failed or None}


_ORDER_TYPES = ORDER_TYPES + UNSUPPORTED_ORDER_TYPES
_SYMBOL = Param("symbol", "symbol")
_SYMBOL_NEEDED = Param("symbol", "symbol", required=True)
_ORDER_REF = (_SYMBOL_NEEDED, Param("orderId", "integer"), Param("clientOrderID"), Param("clientOrderId"))
_ORDER_FIELDS = (
    _SYMBOL_NEEDED,
    Param("side", required=True, enum=SIDES),
    Param("positionSide", enum=POSITION_SIDES),
    Param("type", required=True, enum=_ORDER_TYPES),
    Param("quantity", "decimal"),
    Param("price", "decimal"),
    Param("timeInForce", enum=TIME_IN_FORCE),
    Param("reduceOnly", "boolean"),
    Param("closePosition", "boolean"),
    Param("clientOrderID"),
    Param("clientOrderId"),
    Param("stopPrice", "decimal"),
    Param("workingType", enum=WORKING_TYPES),
    Param("priceRate", "decimal"),
    Param("activationPrice", "decimal"),
    Param("stopLoss", "json"),
    Param("takeProfit", "json"),
)

@endpoint
def no_currencies(call: Call) -> list[Any]:
    """GET capital/config/getall: the wallet's coins. The venue has no wallet besides the swap
    account, so none; ccxt's live-mode load_markets calls it first."""
    params.check_extra(call.params)
    return []


@endpoint
def no_coin_m_contracts(call: Call) -> list[Any]:
    """GET cswap market/contracts: the venue lists no coin-margined contracts."""
    params.check_extra(call.params)
    return []


@endpoint
def no_spot_symbols(call: Call) -> dict[str, list[Any]]:
    """GET spot common/symbols: the venue lists no spot pairs."""
    params.check_extra(call.params)
    return {"symbols": []}


LIVE_MODE_ROUTES: tuple[Route, ...] = (
    Route("wallet_currencies", "GET", "/openApi/wallets/v1/capital/config/getall", "Wallet coins (none)",
          no_currencies, FIVE_PER_S,
          note="Always an empty list: the venue is a USDT-M swap account only. Served so that ccxt's "
               "load_markets works outside sandbox mode."),
    Route("coin_m_contracts", "GET", "/openApi/cswap/v1/market/contracts", "Coin-M contracts (none)",
          no_coin_m_contracts, MARKET, private=False,
          note="Always an empty list, for ccxt's live-mode load_markets."),
    Route("spot_symbols", "GET", "/openApi/spot/v1/common/symbols", "Spot pairs (none)",
          no_spot_symbols, MARKET, private=False,
          note="Always data.symbols = [], for ccxt's live-mode load_markets."),
)


def position_margin(call: Call) -> Envelope:
    """POST positionMargin: BingX answers ``amount`` and ``type`` at the envelope's top level (no
    ``data``), which is where ccxt's bingx parser reads them; the new ``margin`` rides along."""
    reply = invoke(call.account.position_margin, call.params)
    return {"code": 0, "msg": "", **reply["data"]} if reply["code"] == 0 else reply


MANAGEMENT_ROUTES: tuple[Route, ...] = (
    Route("cancel_replace", "POST", "/openApi/swap/v1/trade/cancelReplace", "Cancel an order and place another",
          venue_call("cancel_replace"), FIVE_PER_S,
          params=_ORDER_FIELDS + (Param("cancelOrderId", "integer"), Param("cancelClientOrderID"),
                                  Param("cancelClientOrderId"),
                                  Param("cancelReplaceMode", enum=("STOP_ON_FAILURE", "ALLOW_FAILURE"))),
          note="Cancels first, then places. STOP_ON_FAILURE (default): a failed cancel places nothing. A "
               "refused replacement answers the placement's code, saying whether the old order was cancelled."),
    Route("position_margin", "POST", "/openApi/swap/v2/trade/positionMargin", "Add or reduce isolated margin",
          position_margin, TWO_PER_S,
          params=(_SYMBOL_NEEDED, Param("amount", "decimal", required=True), Param("type", required=True, enum=("1", "2")),
                  Param("positionSide", enum=POSITION_SIDES), Param("positionId", "integer")),
          note="type 1 adds (needs that much available margin, else 101204), 2 reduces (down to the initial "
               "margin plus any unrealized loss, else 80001); 80017 without such a position, 80001 if it is "
               "cross. amount, type and margin (the new position margin) are at the envelope's top level."),
    Route("cancel_all_after", "POST", "/openApi/swap/v2/trade/cancelAllAfter", "Dead man's switch",
          venue_call("cancel_all_after"), TWO_PER_S,
          params=(Param("type", required=True, enum=("ACTIVATE", "CLOSE")), Param("timeOut", "integer")),
          note="ACTIVATE with timeOut 10-120 s: the first venue step at or past the venue's market time now + "
               "timeOut cancels every working order of the account. CLOSE disarms. The clock is the venue's "
               "market time, not the server's."),
)

ROUTES: tuple[Route, ...] = (
    Route("server_time", "GET", "/openApi/swap/v2/server/time", "Server time (ms)",
          server_time, MARKET, private=False),
    Route("contracts", "GET", "/openApi/swap/v2/quote/contracts", "Perpetual contracts",
          venue_call("contracts"), MARKET, private=False, params=(_SYMBOL,)),
    Route("premium_index", "GET", "/openApi/swap/v2/quote/premiumIndex", "Mark price and funding rate",
          venue_call("premium_index"), MARKET, private=False, params=(_SYMBOL,)),
    Route("maint_margin_ratio", "GET", "/openApi/swap/v1/maintMarginRatio", "Maintenance margin tiers",
          venue_call("maint_margin_ratio"), FIVE_PER_S, params=(_SYMBOL_NEEDED,)),
    Route("balance", "GET", "/openApi/swap/v3/user/balance", "Account balance",
          venue_call("balance"), FIVE_PER_S),
    Route("positions", "GET", "/openApi/swap/v2/user/positions", "Open positions",
          venue_call("positions"), FIVE_PER_S, params=(_SYMBOL,)),
    Route("income", "GET", "/openApi/swap/v2/user/income", "Income (ledger) records",
          venue_call("income"), FIVE_PER_S,
          params=(_SYMBOL, Param("incomeType", enum=INCOME_TYPES),
                  Param("startTime", "integer"), Param("endTime", "integer"), Param("limit", "integer"))),
    Route("commission_rate", "GET", "/openApi/swap/v2/user/commissionRate", "Trading fee rates",
          venue_call("commission_rate"), FIVE_PER_S, params=(_SYMBOL,)),
    Route("get_leverage", "GET", "/openApi/swap/v2/trade/leverage", "Leverage of a symbol",
          venue_call("get_leverage"), FIVE_PER_S, params=(_SYMBOL_NEEDED,)),
    Route("set_leverage", "POST", "/openApi/swap/v2/trade/leverage", "Set the leverage of a symbol",
          venue_call("set_leverage"), FIVE_PER_S,
          params=(_SYMBOL_NEEDED, Param("side", required=True, enum=POSITION_SIDES),
                  Param("leverage", "integer", required=True))),
    Route("get_margin_type", "GET", "/openApi/swap/v2/trade/marginType", "Margin type of a symbol",
          venue_call("get_margin_type"), TWO_PER_S, params=(_SYMBOL_NEEDED,)),
    Route("set_margin_type", "POST", "/openApi/swap/v2/trade/marginType", "Set the margin type of a symbol",
          venue_call("set_margin_type"), TWO_PER_S,
          params=(_SYMBOL_NEEDED,
                  Param("marginType", required=True, enum=MARGIN_TYPES))),
    Route("get_position_mode", "GET", "/openApi/swap/v1/positionSide/dual", "Position mode",
          venue_call("get_position_mode"), TWO_PER_S),
    Route("set_position_mode", "POST", "/openApi/swap/v1/positionSide/dual", "Set the position mode",
          venue_call("set_position_mode"), TWO_PER_S, params=(Param("dualSidePosition", "boolean", required=True),)),
    Route("place_order", "POST", "/openApi/swap/v2/trade/order", "Place an order",
          venue_call("place_order"), TEN_PER_S, params=_ORDER_FIELDS),
    Route("test_order", "POST", "/openApi/swap/v2/trade/order/test", "Validate an order without placing it",
          venue_call("test_order"), FIVE_PER_S, params=_ORDER_FIELDS),
    Route("query_order", "GET", "/openApi/swap/v2/trade/order", "One order",
          venue_call("query_order"), FIVE_PER_S, params=_ORDER_REF),
    Route("cancel_order", "DELETE", "/openApi/swap/v2/trade/order", "Cancel an order",
          venue_call("cancel_order"), FIVE_PER_S, params=_ORDER_REF),
    Route("open_orders", "GET", "/openApi/swap/v2/trade/openOrders", "Working orders",
          venue_call("open_orders"), FIVE_PER_S, params=(_SYMBOL, Param("type", enum=ORDER_TYPES))),
    Route("cancel_all_orders", "DELETE", "/openApi/swap/v2/trade/allOpenOrders", "Cancel all working orders",
          venue_call("cancel_all_orders"), FIVE_PER_S, params=(_SYMBOL, Param("type", enum=ORDER_TYPES))),
    Route("close_all_positions", "POST", "/openApi/swap/v2/trade/closeAllPositions", "Market-close positions",
          venue_call("close_all_positions"), FIVE_PER_S, params=(_SYMBOL,)),
    Route("place_batch", "POST", "/openApi/swap/v2/trade/batchOrders", "Place up to 5 orders",
          place_batch, FIVE_PER_S, params=(Param("batchOrders", "json", required=True),)),
    Route("cancel_batch", "DELETE", "/openApi/swap/v2/trade/batchOrders", "Cancel up to 10 orders",
          cancel_batch, FIVE_PER_S,
          params=(_SYMBOL_NEEDED, Param("orderIdList", "json"), Param("clientOrderIdList", "json"))),
) + MANAGEMENT_ROUTES + MARKET_ROUTES + HISTORY_ROUTES + LIVE_MODE_ROUTES
