"""The OpenAPI 3 description of the server, rendered from the route table.

Every parameter is documented in the query string, where ccxt sends them for every method; a
form body is accepted too (the query string wins on a name given in both). Responses are BingX's
envelope: HTTP 200 with ``code`` 0 and ``data``, or a non-zero ``code`` and ``msg``; HTTP 429 when
a rate limit is exceeded; 404/405 for unknown paths and methods.
"""
from __future__ import annotations

from typing import Any, Iterable

from exchange_mock.rest.admin import MAX_TS_MS
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


def _operation(route: Route, symbols: tuple[str, ...]) -> dict[str, Any]:
    transport = _TRANSPORT if route.private else (Param("timestamp", "integer"),)
    rate = route.rate
    op: dict[str, Any] = {
        "operationId": route.name,
        "summary": route.summary,
        "description": f"Rate limit: {rate.count} per {rate.per_ms} ms "
                       + ("per API key." if route.private else "per IP, shared by all market-data endpoints."),
        "parameters": [{"name": p.name, "in": "query", "required": p.required, "schema": _schema(p, symbols)}
                       for p in route.params + transport],
        "responses": {"200": _REPLY, "429": _REPLY},
    }
    if route.private:
        op["security"] = [{"apiKey": []}]
    return op


def _admin() -> dict[str, Any]:
    prices = {"type": "object", "additionalProperties": {"type": "number", "minimum": 0, "exclusiveMinimum": True}}
    return {"post": {
        "operationId": "admin_advance",
        "summary": "Move the venue's clock and prices (test servers only)",
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["ts_ms", "prices"],
            "properties": {"ts_ms": {"type": "integer", "minimum": 0, "maximum": MAX_TS_MS},
                           "prices": prices, "marks": prices},
        }}}},
        "responses": {"200": _REPLY},
    }}


def openapi_document(symbols: Iterable[str], *, admin: bool = False) -> dict[str, Any]:
    listed = tuple(symbols)
    paths: dict[str, dict[str, Any]] = {}
    for route in ROUTES:
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route, listed)
    if admin:
        paths["/admin/advance"] = _admin()
    return {
        "openapi": "3.0.3",
        "info": {"title": "exchange_mock: BingX USDT-M perpetual swap API", "version": "1"},
        "paths": paths,
        "components": {
            "schemas": {"Envelope": _ENVELOPE},
            "securitySchemes": {"apiKey": {"type": "apiKey", "in": "header", "name": "X-BX-APIKEY"}},
        },
    }
