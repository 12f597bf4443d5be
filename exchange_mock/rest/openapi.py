"""The OpenAPI 3 description of the server, rendered from the route table.

Every parameter is documented in the query string, where ccxt sends them for every method; a
form body is accepted too (the query string wins on a name given in both). Responses are BingX's
envelope: HTTP 200 with ``code`` 0 and ``data``, or a non-zero ``code`` and ``msg``; HTTP 429 when
a rate limit is exceeded; 404/405 for unknown paths and methods; 413/414/431 for a body, request
target or headers over the server's limits; 401/403 for the admin endpoint without its token.
"""
from __future__ import annotations

from typing import Any, Iterable

from exchange_mock.rest.admin import MAX_TS_MS, TOKEN_HEADER
from exchange_mock.rest.limits import Limits
from exchange_mock.rest.routes import ROUTES, Param, Route

_ENVELOPE = {
    "type": "object",
    "required": ["code", "msg"],
    "properties": {"code": {"type": "integer"}, "msg": {"type": "string"}, "data": {}},
}
_REPLY = {"description": "BingX envelope",
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Envelope"}}}}
_TRANSPORT = (
    Param("timestamp", "integer", required=True),
    Param("recvWindow", "integer"),
    Param("signature", required=True),
)
_KEY_ONLY = tuple(Param(p.name, p.kind) for p in _TRANSPORT)  # a signature is checked if sent
_TOO_LARGE = {"413": _REPLY, "414": _REPLY, "431": _REPLY}
_STREAMS = (
    "WebSocket streams (not describable in OpenAPI 3.0): ws://<host>/swap-market, BingX's swap stream. "
    "Frames are binary, gzip of the JSON text; the server sends Ping (gzipped) and expects Pong. Send "
    '{"id", "reqType": "sub"|"unsub", "dataType"} with dataType <SYMBOL>@ticker, <SYMBOL>@trade, '
    "<SYMBOL>@kline_<interval> (the klines endpoint's intervals) or <SYMBOL>@depth<5|10|20|50|100>[@<ms>ms]; "
    'the ack is {"id", "code": 0, "msg": ""}, a bad request is answered code 80014. Pushes follow every '
    "venue step and every request that fills an order; their numbers are the REST endpoints' at that step. "
    "ws://<host>/swap-market?listenKey=<key> (a key from POST /openApi/user/auth/userDataStream) also "
    "pushes the account's ORDER_TRADE_UPDATE and ACCOUNT_UPDATE events, unsubscribed; a bad or expired key "
    "is answered code 100413 and closed (1008). Event times E are the venue's market time."
)


def _describe(limits: Limits) -> str:
    cap = ("no maximum, as BingX documents none" if limits.max_recv_window_ms is None else
           f"at most {limits.max_recv_window_ms} ms, else code 80014 (BingX documents no maximum and no code for "
           "exceeding one, so this server answers invalid parameter)")
    return (f"Request limits: body {limits.max_body_bytes} bytes (HTTP 413), request target (path and query string) "
            f"{limits.max_target_bytes} bytes (HTTP 414), headers {limits.max_header_bytes} bytes (HTTP 431), each "
            f"answered in the envelope with the HTTP status as its code. recvWindow: {cap}. {_STREAMS}")


def _schema(param: Param, symbols: tuple[str, ...]) -> dict[str, Any]:
    if param.enum:
        return {"type": "string", "enum": list(param.enum)}
    if param.kind == "symbol":
        return {"type": "string", "enum": list(symbols)}
    if param.kind == "integer":
        return {"type": "integer", "format": "int64"}
    if param.kind == "decimal":
        return {"type": "string", "pattern": r"^[0-9]{1,9}(\.[0-9]{1,8})?$"}
    if param.kind == "boolean":
        return {"type": "string", "enum": ["true", "false"]}
    return {"type": "string"}


def _parameter(param: Param, symbols: tuple[str, ...], limits: Limits) -> dict[str, Any]:
    schema = _schema(param, symbols)
    if param.name == "recvWindow" and limits.max_recv_window_ms is not None:
        schema["maximum"] = limits.max_recv_window_ms
    return {"name": param.name, "in": "query", "required": param.required, "schema": schema}


def _operation(route: Route, symbols: tuple[str, ...], limits: Limits) -> dict[str, Any]:
    transport = (_KEY_ONLY if route.key_only else _TRANSPORT) if route.private else (Param("timestamp", "integer"),)
    rate = route.rate
    op: dict[str, Any] = {
        "operationId": route.name,
        "summary": route.summary,
        "description": f"Rate limit: {rate.count} per {rate.per_ms} ms "
                       + ("per API key." if route.private else "per IP, shared by all market-data endpoints.")
                       + (f" {route.note}" if route.note else ""),
        "parameters": [_parameter(p, symbols, limits) for p in route.params + transport],
        "responses": {"200": _REPLY, "429": _REPLY, **_TOO_LARGE, **({"404": _REPLY} if route.key_only else {})},
    }
    if route.private:
        op["security"] = [{"apiKey": []}]
    return op


def _admin() -> dict[str, Any]:
    prices = {"type": "object", "additionalProperties": {"type": "number", "minimum": 0, "exclusiveMinimum": True}}
    return {"post": {
        "operationId": "admin_advance",
        "summary": "Move the venue's clock and prices (test servers only)",
        "description": f"Needs the server's admin token in the {TOKEN_HEADER} header: without it HTTP 401 (code 401), "
                       "with another one HTTP 403 (code 403).",
        "security": [{"adminToken": []}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["ts_ms", "prices"],
            "properties": {"ts_ms": {"type": "integer", "minimum": 0, "maximum": MAX_TS_MS},
                           "prices": prices, "marks": prices},
        }}}},
        "responses": {"200": _REPLY, "401": _REPLY, "403": _REPLY, **_TOO_LARGE},
    }}


def openapi_document(symbols: Iterable[str], *, admin: bool = False, limits: Limits = Limits(),
                     routes: Iterable[Route] = ROUTES) -> dict[str, Any]:
    """The document for ``routes`` (the server's table: ``ROUTES`` and the listen-key calls)."""
    listed = tuple(symbols)
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route, listed, limits)
    schemes = {"apiKey": {"type": "apiKey", "in": "header", "name": "X-BX-APIKEY"}}
    if admin:
        paths["/admin/advance"] = _admin()
        schemes["adminToken"] = {"type": "apiKey", "in": "header", "name": TOKEN_HEADER}
    return {
        "openapi": "3.0.3",
        "info": {"title": "exchange_mock: BingX USDT-M perpetual swap API", "version": "1",
                 "description": _describe(limits)},
        "paths": paths,
        "components": {"schemas": {"Envelope": _ENVELOPE}, "securitySchemes": schemes},
    }
