"""Helpers for the REST tests: a controllable clock, a live server in a thread, ccxt and raw
signed requests pointed at it."""
from __future__ import annotations

import asyncio
import socket
import threading
import time
import warnings
from contextlib import contextmanager
from typing import Any, Iterator, Mapping
from urllib.parse import quote, unquote, urlencode

import ccxt
import httpx
import uvicorn

with warnings.catch_warnings():  # starlette suggests httpx2 for its test client; httpx is what we have
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

from exchange_mock import Venue, VenueConfig
from exchange_mock.rest import TOKEN_HEADER, ApiAccount, Limits, VenueHost, create_app, uvicorn_options
from exchange_mock.rest.auth import sign
from exchange_mock.rest.streams import StreamSettings

ALICE = ApiAccount(api_key="alice-key", secret="alice-secret", initial_balance=10000)
BOB = ApiAccount(api_key="bob-key", secret="bob-secret", initial_balance=5000)
START_MS = 1_767_225_600_000  # 2026-01-01, the venue's market time in these tests
BTC = "BTC/USDT:USDT"
ADMIN_TOKEN = "test-admin-token-0123456789abcdef"
ADMIN = {TOKEN_HEADER: ADMIN_TOKEN}  # the header an admin call sends


class TestClock:
    """The server's clock: the wall clock plus ``offset_ms``, or a frozen value."""

    __test__ = False

    def __init__(self) -> None:
        self.offset_ms = 0
        self.frozen: int | None = None

    def __call__(self) -> int:
        if self.frozen is not None:
            return self.frozen
        return time.time_ns() // 1_000_000 + self.offset_ms

    @contextmanager
    def freeze(self, ahead_ms: int = 2000) -> Iterator[None]:
        """Stop the clock ``ahead_ms`` past now: a client's wall-clock timestamps then stay
        within the 5000 ms window for about 3 s, while rate-limit windows never roll over."""
        self.frozen = self() + ahead_ms
        try:
            yield
        finally:
            self.frozen = None


def make_host(*accounts: ApiAccount, seed: int = 7) -> VenueHost:
    return VenueHost(Venue(VenueConfig(seed=seed)), accounts or (ALICE, BOB))


@contextmanager
def live_server(host: VenueHost, clock: TestClock, *, admin_token: str | None = ADMIN_TOKEN,
                limits: Limits = Limits(), streams: StreamSettings = StreamSettings()) -> Iterator[str]:
    """uvicorn on a free loopback port in a thread, with the parser settings ``venue serve``
    uses; yields the base URL, stops on exit."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    app = create_app(host, clock, admin_token=admin_token, limits=limits, streams=streams)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", **uvicorn_options()))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "server did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def exchange(base_url: str, account: ApiAccount, secret: str | None = None) -> ccxt.bingx:
    """ccxt's bingx in sandbox mode with every API section pointed at the server."""
    ex = ccxt.bingx({"apiKey": account.api_key, "secret": secret or account.secret,
                     "enableRateLimit": False, "timeout": 10_000, "options": {"defaultType": "swap"}})
    ex.urls["test"] = {section: f"{base_url}/openApi" for section in ex.urls["api"]}
    ex.set_sandbox_mode(True)
    return ex


def live_exchange(base_url: str, account: ApiAccount) -> ccxt.bingx:
    """ccxt's bingx in live (not sandbox) mode with every API section pointed at the server."""
    ex = ccxt.bingx({"apiKey": account.api_key, "secret": account.secret,
                     "enableRateLimit": False, "timeout": 10_000, "options": {"defaultType": "swap"}})
    ex.urls["api"] = {section: f"{base_url}/openApi" for section in ex.urls["api"]}
    return ex


def advance(base_url: str, ts_ms: int, prices: Mapping[str, float],
            marks: Mapping[str, float] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"ts_ms": ts_ms, "prices": dict(prices)}
    if marks is not None:
        body["marks"] = dict(marks)
    reply = httpx.post(f"{base_url}/admin/advance", json=body, headers=ADMIN, timeout=10)
    assert reply.status_code == 200 and reply.json()["code"] == 0, reply.text
    return reply.json()["data"]


def signed_query(account: ApiAccount, fields: Mapping[str, Any], timestamp: int) -> str:
    """A query string signed the way BingX documents: fields in the given order, timestamp last,
    values percent-encoded, signature over the raw (decoded) text."""
    raw = urlencode({**fields, "timestamp": timestamp}, quote_via=quote)
    return f"{raw}&signature={sign(account.secret, unquote(raw).encode())}"


class InProcess:
    """The app in-process (no socket) with a manual clock, and signed-request helpers."""

    def __init__(self, host: VenueHost, *, now_ms: int = START_MS, admin_token: str | None = ADMIN_TOKEN) -> None:
        self.host = host
        self.now_ms = now_ms
        self.app = create_app(host, lambda: self.now_ms, admin_token=admin_token)
        self.client = TestClient(self.app)

    def raw(self, method: str, path: str, query: bytes, headers: list[tuple[bytes, bytes]],
            body: bytes) -> tuple[int, dict[bytes, bytes], bytes]:
        """One request straight into the ASGI app, bytes as given (no HTTP client cleans them up)."""
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
                 "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": query,
                 "root_path": "", "headers": headers, "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 80)}
        sent: list[dict[str, Any]] = []
        delivered = False

        async def receive() -> dict[str, Any]:
            nonlocal delivered
            if delivered:
                return {"type": "http.disconnect"}
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        asyncio.run(self.app(scope, receive, send))
        start = next(m for m in sent if m["type"] == "http.response.start")
        return (start["status"], dict(start["headers"]),
                b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body"))

    def signed(self, method: str, path: str, account: ApiAccount, fields: Mapping[str, Any] | None = None,
               *, timestamp: int | None = None) -> httpx.Response:
        query = signed_query(account, fields or {}, self.now_ms if timestamp is None else timestamp)
        return self.client.request(method, f"{path}?{query}", headers={"X-BX-APIKEY": account.api_key})

    def advance(self, ts_ms: int, prices: Mapping[str, float]) -> dict[str, Any]:
        return self.client.post("/admin/advance", json={"ts_ms": ts_ms, "prices": dict(prices)}, headers=ADMIN).json()
