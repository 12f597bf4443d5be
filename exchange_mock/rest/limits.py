"""What the server refuses before a request reaches an endpoint: oversized requests, and (when
configured) a ``recvWindow`` above a maximum.

Sizes are checked in an ASGI middleware, in the order a request arrives:

- the request target (path and query string) over ``max_target_bytes``: HTTP 414;
- the headers (names and values together) over ``max_header_bytes``: HTTP 431;
- the body over ``max_body_bytes``: HTTP 413. A ``Content-Length`` above the limit is refused
  before a byte of the body is read (so a client that sent ``Expect: 100-continue`` never uploads
  it); a body without one (chunked) is read up to the limit and refused at the first byte past
  it. Either way the server holds at most ``max_body_bytes`` of it, and closes the connection
  after the refusal rather than read the rest.

Each refusal is the BingX envelope with the HTTP status as its code. The HTTP parser has a cap of
its own on the request line plus headers (``HEAD_CAP_BYTES``): it must sit above the limits here,
or an oversized query or header would get the parser's plain-text 400 instead of the envelope.
``uvicorn_options`` gives the settings that make uvicorn's parser agree; a head over that cap
still gets uvicorn's plain-text 400, as there has to be a point where the server stops reading.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Awaitable, Callable, MutableMapping

from starlette.responses import Response

from exchange_mock.rest.auth import DEFAULT_RECV_WINDOW_MS
from exchange_mock.rest.replies import refusal

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

KIB = 1024
#: uvicorn's h11 parser keeps at most this much of a request line plus headers.
HEAD_CAP_BYTES = 2 * KIB * KIB
_CLOSE = {"Connection": "close"}


@dataclass(frozen=True, slots=True)
class Limits:
    """The server's limits. The sizes leave room for what ccxt sends (everything in the query
    string, batchOrders included: five orders percent-encoded are about 3 KiB).
    ``max_recv_window_ms``: ``None`` accepts any ``recvWindow``, as BingX documents no maximum;
    a cap is at least the default window (5000 ms), which applies to requests that send none."""

    max_body_bytes: int = 64 * KIB
    max_target_bytes: int = 16 * KIB
    max_header_bytes: int = 16 * KIB
    max_recv_window_ms: int | None = None

    def __post_init__(self) -> None:
        sizes = (self.max_body_bytes, self.max_target_bytes, self.max_header_bytes)
        if min(sizes) < 1:
            raise ValueError(f"size limits must be positive: {sizes}")
        if self.max_target_bytes + self.max_header_bytes >= HEAD_CAP_BYTES:
            raise ValueError(f"target and header limits together must stay below the parser's {HEAD_CAP_BYTES} bytes")
        if self.max_recv_window_ms is not None and self.max_recv_window_ms < DEFAULT_RECV_WINDOW_MS:
            raise ValueError(f"max_recv_window_ms must be at least the default window of {DEFAULT_RECV_WINDOW_MS} ms: "
                             f"{self.max_recv_window_ms}")


#: The largest WebSocket message a client may send (a subscription is under 200 bytes); uvicorn
#: closes the connection (1009) past it instead of buffering up to its 16 MiB default.
WS_MAX_BYTES = 65_536


def uvicorn_options() -> dict[str, Any]:
    """uvicorn settings the limits rely on: its h11 parser (uvicorn would pick httptools when
    installed, to which this cap does not apply), with the head cap above the app's limits, and
    the WebSocket message cap."""
    return {"http": "h11", "h11_max_incomplete_event_size": HEAD_CAP_BYTES, "ws_max_size": WS_MAX_BYTES}


def _declared_length(headers: list[tuple[bytes, bytes]]) -> int | None:
    """The ``Content-Length``, if one is given in ASCII digits (more than 18 of them: over any
    limit, and past what ``int`` converts from long text)."""
    for name, value in headers:
        if name.lower() == b"content-length" and value.isdigit():
            return int(value) if len(value) <= 18 else 10**18
    return None


class _Disconnected(Exception):
    """The client went away before its body was complete: there is no request to serve."""


class LimitsMiddleware:
    """Refuses oversized requests in the envelope; hands the rest on with the body buffered (at
    most ``max_body_bytes``), so the app never reads past the limit itself."""

    def __init__(self, app: ASGIApp, limits: Limits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refused = self._head_refusal(scope)
        if refused is None:
            declared = _declared_length(scope["headers"])
            too_long = declared is not None and declared > self.limits.max_body_bytes
            try:
                body = None if too_long else await self._body(receive)
            except _Disconnected:
                return
            if body is not None:
                await self.app(scope, _replay(body, receive), send)
                return
            refused = refusal(413, f"request body is over the {self.limits.max_body_bytes} byte limit", _CLOSE)
        await refused(scope, receive, send)

    def _head_refusal(self, scope: Scope) -> Response | None:
        """414 or 431 for a request line or headers over the limits; ``None`` when within them."""
        limits = self.limits
        query = scope.get("query_string", b"")
        target = len(scope.get("raw_path") or scope["path"].encode()) + (len(query) + 1 if query else 0)  # "?"
        if target > limits.max_target_bytes:
            return refusal(414, f"request target (path and query string) is {target} bytes, "
                                f"over the {limits.max_target_bytes} byte limit")
        header_bytes = sum(len(name) + len(value) for name, value in scope["headers"])
        if header_bytes > limits.max_header_bytes:
            return refusal(431, f"request headers are {header_bytes} bytes, "
                                f"over the {limits.max_header_bytes} byte limit")
        return None

    async def _body(self, receive: Receive) -> bytes | None:
        """The whole body, or ``None`` as soon as it passes the limit (the rest is never read)."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                raise _Disconnected
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limits.max_body_bytes:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that delivers the buffered body once, then waits on the client as before
    (for its disconnect)."""
    delivered = False

    async def replayed() -> Message:
        nonlocal delivered
        if delivered:
            return await receive()
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replayed
