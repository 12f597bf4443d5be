"""The ASGI app: BingX's USDT-M perpetual REST dialect in front of a ``VenueHost``.

A request goes through: the size limits (``limits``: HTTP 413/414/431), parameters (query
string, or a form body; the query wins), then for private endpoints the key, signature and
timestamp (``auth``), then the caller's rate limit (HTTP 429 when exceeded), then the venue
endpoint under the host's lock. Every reply is BingX's envelope: HTTP 200 with ``code`` 0 or a
BingX error code; 401/403/404/405/413/414/431 with the status as the code; 429 with code 0,
because ccxt reads a non-zero body code before the HTTP status and so would not classify the
reply as a rate limit otherwise. A failure inside the server is logged and answered 100500 in
the envelope, never as a 5xx or a traceback.
"""
from __future__ import annotations

import logging
from typing import Awaitable, Callable
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, WebSocketRoute
from starlette.routing import Route as StarletteRoute

from exchange_mock.envelope import error
from exchange_mock.errors import Code, VenueError
from exchange_mock.rest import admin
from exchange_mock.rest.auth import AuthError, authenticate, known_key, signed_payload
from exchange_mock.rest.host import VenueHost
from exchange_mock.rest.limits import Limits, LimitsMiddleware
from exchange_mock.rest.listen_keys import ListenKeys, listen_key_routes
from exchange_mock.rest.openapi import openapi_document
from exchange_mock.rest.ratelimit import Clock, RateLimiter
from exchange_mock.rest.replies import http_status, refusal, reply
from exchange_mock.rest.routes import ROUTES, Call, Route
from exchange_mock.rest.streams import STREAM_PATH, StreamEndpoint, StreamHub, StreamSettings

log = logging.getLogger("exchange_mock.rest")

FORM = "application/x-www-form-urlencoded"
MAX_FIELDS = 100


def _fields(raw: bytes, where: str) -> dict[str, str]:
    try:
        pairs = parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except ValueError:
        raise VenueError(Code.INVALID_PARAMETER, detail=f"more than {MAX_FIELDS} parameters in the {where}") from None
    fields: dict[str, str] = {}
    for name, value in pairs:
        if name in fields:
            raise VenueError(Code.INVALID_PARAMETER, detail=f"parameter {name} is given twice")
        fields[name] = value
    return fields


def request_fields(raw_query: bytes, raw_body: bytes, content_type: str) -> dict[str, str]:
    """Query-string and form-body parameters; the query string wins on a name given in both."""
    body: dict[str, str] = {}
    if raw_body:
        if content_type.split(";")[0].strip().lower() != FORM:
            raise VenueError(Code.INVALID_PARAMETER, detail=f"a request body must be {FORM}")
        body = _fields(raw_body, "body")
    return {**body, **_fields(raw_query, "query string")}


class RestApp:
    """Holds what the handlers share: the host, the clock, the rate limiter, the recvWindow cap."""

    def __init__(self, host: VenueHost, clock: Clock, max_recv_window_ms: int | None) -> None:
        self.host = host
        self.clock = clock
        self.limiter = RateLimiter(clock)
        self.max_recv_window_ms = max_recv_window_ms

    async def serve(self, request: Request, route: Route) -> Response:
        raw_query = request.scope.get("query_string", b"")
        raw_body = b"" if request.method in ("GET", "HEAD") else await request.body()
        try:
            fields = request_fields(raw_query, raw_body, request.headers.get("content-type", ""))
        except VenueError as exc:
            return reply(error(exc.code, exc.msg))
        now = self.clock()
        if route.private:
            api_key = request.headers.get("x-bx-apikey")
            try:
                if route.key_only and "signature" not in fields:
                    caller = known_key(api_key, self.host.secrets)
                else:
                    caller = authenticate(api_key, self.host.secrets, fields, signed_payload(raw_query, raw_body),
                                          now, self.max_recv_window_ms)
            except AuthError as exc:
                return reply(error(exc.code, exc.msg))
            account = self.host.accounts[caller]
        else:
            caller = "ip:" + (request.client.host if request.client else "")
            account = self.host.venue
        verdict = self.limiter.hit(caller, route.bucket, route.rate)
        headers = {"X-RateLimit-Requests-Remain": str(verdict.remaining),
                   "X-RateLimit-Requests-Expire": str(verdict.reset_ms)}
        if not verdict.allowed:
            msg = f"Too many requests: {route.rate.count} per {route.rate.per_ms} ms for {route.bucket}"
            return reply({"code": 0, "msg": msg}, 429, headers)
        call = Call(account, fields, now)
        answer = self.host.run(lambda: route.handler(call), account if route.private else None)
        return reply(answer, http_status(answer), headers)

    def endpoint(self, by_method: dict[str, Route]) -> RequestHandler:
        async def handle(request: Request) -> Response:
            method = "GET" if request.method == "HEAD" else request.method
            return await self.serve(request, by_method[method])
        return guarded(handle)


RequestHandler = Callable[[Request], Awaitable[Response]]


def guarded(handle: RequestHandler) -> RequestHandler:
    """The last resort: a failure inside the server is logged and answered 100500 in the envelope
    (HTTP 200), never a 5xx or a traceback. The fuzz tests assert it is never reached."""
    async def wrapper(request: Request) -> Response:
        try:
            return await handle(request)
        except Exception:
            log.exception("internal error on %s %s", request.method, request.url.path)
            return reply(error(Code.INTERNAL_ERROR, "internal error"))
    return wrapper


async def _http_error(request: Request, exc: HTTPException) -> Response:
    """Starlette's 404 and 405 (unknown path, method not allowed) in the envelope."""
    return refusal(exc.status_code, exc.detail, dict(exc.headers or {}))


def _admin_route(host: VenueHost, token: str) -> StarletteRoute:
    """``POST /admin/advance``, answered only to a request that carries the token: whoever moves
    prices can liquidate every account."""
    async def advance(request: Request) -> Response:
        refused = admin.token_refusal(token, request.headers.get(admin.TOKEN_HEADER))
        if refused is not None:
            return refusal(*refused)
        return reply(admin.advance(host, await request.body()))
    return StarletteRoute("/admin/advance", guarded(advance), methods=["POST"])


def create_app(host: VenueHost, clock: Clock, *, admin_token: str | None = None,
               limits: Limits = Limits(), streams: StreamSettings = StreamSettings()) -> Starlette:
    """The server's ASGI app. ``clock`` (ms since the epoch) times signatures, rate limits and
    listen keys; ``admin_token`` mounts ``POST /admin/advance`` for requests that send it
    (``None``: not mounted); ``limits`` caps request sizes and, if set, ``recvWindow``;
    ``streams`` sets the WebSocket heartbeat and caps. The app's stream hub joins the host's
    listeners, so one host serves one app."""
    if admin_token is not None:
        admin.check_token(admin_token)
    rest = RestApp(host, clock, limits.max_recv_window_ms)
    keys = ListenKeys()
    table = ROUTES + listen_key_routes(keys)
    by_path: dict[str, dict[str, Route]] = {}
    for route in table:
        by_path.setdefault(route.path, {})[route.method] = route
    routes: list[BaseRoute] = [StarletteRoute(path, rest.endpoint(methods), methods=list(methods))
                               for path, methods in by_path.items()]
    symbols = [c["symbol"] for c in host.venue.contracts()["data"]]
    document = openapi_document(symbols, admin=admin_token is not None, limits=limits, routes=table)
    hub = StreamHub(host, keys, clock)
    host.listeners.append(hub)
    routes.append(WebSocketRoute(STREAM_PATH, StreamEndpoint(hub, frozenset(symbols), streams).serve))

    async def openapi(request: Request) -> Response:
        return reply(document)

    routes.append(StarletteRoute("/openapi.json", openapi, methods=["GET"]))
    if admin_token is not None:
        routes.append(_admin_route(host, admin_token))
    return Starlette(routes=routes, exception_handlers={HTTPException: _http_error},
                     middleware=[Middleware(LimitsMiddleware, limits=limits)])
