"""Sliding-window limits per caller and bucket, on an injected clock; 429 over HTTP."""
from __future__ import annotations

from rest_kit import ALICE, BOB, InProcess

from exchange_mock.rest.ratelimit import Rate, RateLimiter
from exchange_mock.rest.routes import MARKET, ROUTES


class Ticks:
    def __init__(self) -> None:
        self.now = 0

    def __call__(self) -> int:
        return self.now


def test_a_sliding_window_that_refused_requests_do_not_fill() -> None:
    clock = Ticks()
    limiter = RateLimiter(clock)
    rate = Rate(2, 1000)
    assert [limiter.hit("k", "b", rate).allowed for _ in range(3)] == [True, True, False]
    clock.now = 999
    refused = limiter.hit("k", "b", rate)
    assert not refused.allowed and (refused.remaining, refused.reset_ms) == (0, 1)
    clock.now = 1000
    allowed = limiter.hit("k", "b", rate)
    assert allowed.allowed and (allowed.remaining, allowed.reset_ms) == (1, 1000)
    assert limiter.hit("other-key", "b", rate).allowed and limiter.hit("k", "other-bucket", rate).allowed


def test_the_table_uses_the_reference_limits() -> None:
    by_name = {r.name: r for r in ROUTES}
    assert by_name["place_order"].rate == Rate(10, 1000)
    assert by_name["balance"].rate == Rate(5, 1000)
    assert by_name["set_margin_type"].rate == Rate(2, 1000)
    assert {r.bucket for r in ROUTES if not r.private} == {"market"} and MARKET == Rate(500, 10_000, "market")
    assert by_name["get_leverage"].bucket != by_name["set_leverage"].bucket


def test_http_429_with_the_limit_headers(app: InProcess) -> None:
    path = "/openApi/swap/v2/trade/marginType"
    first = app.signed("GET", path, ALICE, {"symbol": "BTC-USDT"})
    assert first.headers["X-RateLimit-Requests-Remain"] == "1"
    app.signed("GET", path, ALICE, {"symbol": "BTC-USDT"})
    refused = app.signed("GET", path, ALICE, {"symbol": "BTC-USDT"})
    assert refused.status_code == 429
    assert refused.json() == {"code": 0, "msg": f"Too many requests: 2 per 1000 ms for GET {path}"}
    assert refused.headers["X-RateLimit-Requests-Expire"] == "1000"
    assert app.signed("GET", path, BOB, {"symbol": "BTC-USDT"}).status_code == 200
    app.now_ms += 1000
    assert app.signed("GET", path, ALICE, {"symbol": "BTC-USDT"}).json()["data"] == {"marginType": "ISOLATED"}
