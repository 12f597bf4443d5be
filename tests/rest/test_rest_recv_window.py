"""A server may cap ``recvWindow``; by default it does not, as BingX documents no maximum."""
from __future__ import annotations

from typing import Iterator

import ccxt
import httpx
import pytest
from rest_kit import ALICE, TestClock, exchange, live_server, signed_query

from exchange_mock.rest import Limits, VenueHost

BALANCE = "/openApi/swap/v3/user/balance"


@pytest.fixture
def capped(host: VenueHost, clock: TestClock) -> Iterator[str]:
    with live_server(host, clock, limits=Limits(max_recv_window_ms=60_000)) as base_url:
        yield base_url


def _balance(base_url: str, clock: TestClock, recv_window: int) -> dict[str, object]:
    query = signed_query(ALICE, {"recvWindow": recv_window}, clock())
    reply = httpx.get(f"{base_url}{BALANCE}?{query}", headers={"X-BX-APIKEY": ALICE.api_key}, timeout=10)
    return reply.json()


def test_a_recv_window_over_the_cap_is_80014(capped: str, clock: TestClock) -> None:
    assert _balance(capped, clock, 60_000)["code"] == 0
    assert _balance(capped, clock, 60_001) == {
        "code": 80014, "msg": "Invalid parameters, recvWindow: 60001 ms is over this server's maximum of 60000 ms"}
    ex = exchange(capped, ALICE)
    with pytest.raises(ccxt.BaseError) as refused:
        ex.fetch_balance({"recvWindow": 86_400_000})
    assert type(refused.value) is ccxt.BadRequest, repr(refused.value)
    assert ex.fetch_balance()["USDT"]["free"] == 10000.0  # no recvWindow: the 5000 ms default, under the cap


def test_without_a_cap_any_recv_window_is_accepted(server: str, clock: TestClock) -> None:
    assert _balance(server, clock, 10**12)["code"] == 0


def test_the_cap_is_documented_and_at_least_the_default_window(capped: str) -> None:
    doc = httpx.get(f"{capped}/openapi.json", timeout=10).json()
    [recv_window] = [p for p in doc["paths"][BALANCE]["get"]["parameters"] if p["name"] == "recvWindow"]
    assert recv_window["schema"]["maximum"] == 60_000
    assert "recvWindow: at most 60000 ms, else code 80014" in doc["info"]["description"]
    with pytest.raises(ValueError, match="at least the default window of 5000 ms"):
        Limits(max_recv_window_ms=4999)
