"""Helpers for the stream tests: ccxt.pro's bingx pointed at a live server, and waits on the
server's stream hub (so a test acts only once its subscription is in place), all with timeouts."""
from __future__ import annotations

import asyncio
import time
from contextlib import asynccontextmanager
from typing import AsyncIterator, Awaitable, Callable, TypeVar

import ccxt.pro as ccxtpro

from exchange_mock.rest import ApiAccount, VenueHost
from exchange_mock.rest.streams import STREAM_PATH, StreamHub

T = TypeVar("T")
TIMEOUT_S = 10.0


def stream_url(base_url: str) -> str:
    return base_url.replace("http://", "ws://", 1) + STREAM_PATH


@asynccontextmanager
async def pro_exchange(base_url: str, account: ApiAccount) -> AsyncIterator[ccxtpro.bingx]:
    """ccxt.pro's bingx in sandbox mode, every REST section and the swap stream at the server;
    closed on exit, within the timeout."""
    ex = ccxtpro.bingx({"apiKey": account.api_key, "secret": account.secret, "enableRateLimit": False,
                        "timeout": 10_000, "options": {"defaultType": "swap"}})
    sections = {section: f"{base_url}/openApi" for section in ex.urls["api"] if section != "ws"}
    ex.urls["test"] = {**sections, "ws": {"linear": stream_url(base_url)}}
    ex.set_sandbox_mode(True)
    try:
        yield ex
    finally:
        await asyncio.wait_for(ex.close(), TIMEOUT_S)


def hub_of(host: VenueHost) -> StreamHub:
    [hub] = [listener for listener in host.listeners if isinstance(listener, StreamHub)]
    return hub


async def until(condition: Callable[[], bool], what: str) -> None:
    """Wait (polling) for ``condition``; fail naming ``what`` after the timeout."""
    deadline = time.monotonic() + TIMEOUT_S
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.01)


async def subscribed(host: VenueHost, data_type: str) -> None:
    hub = hub_of(host)
    await until(lambda: host.run(lambda: any(data_type in c.topics for c in hub.connections)), data_type)


async def user_stream_open(host: VenueHost, account: ApiAccount) -> None:
    hub, api = hub_of(host), host.accounts[account.api_key]
    await until(lambda: host.run(lambda: any(c.watcher is not None and c.watcher.account is api
                                             for c in hub.connections)), f"the user stream of {account.api_key}")


def run(coro: Callable[[], Awaitable[T]]) -> T:
    """Run an async test body with an overall timeout, so nothing hangs."""
    async def bounded() -> T:
        return await asyncio.wait_for(coro(), 4 * TIMEOUT_S)
    return asyncio.run(bounded())
