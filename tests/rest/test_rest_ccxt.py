"""ccxt's bingx class, pointed at a live server, trades the mock as it would trade BingX, and
raises for each refusal the class the BingX reference names."""
from __future__ import annotations

import ccxt
import pytest
from rest_kit import ALICE, BTC, START_MS, TestClock, advance, exchange

from exchange_mock.rest import VenueHost


def _raised(exc_info: pytest.ExceptionInfo[BaseException], cls: type, code: int) -> None:
    assert type(exc_info.value) is cls, repr(exc_info.value)
    assert f'"code":{code}' in str(exc_info.value)


def test_a_swap_bot_session_through_ccxt(server: str, host: VenueHost) -> None:
    advance(server, START_MS, {"BTC-USDT": 60000.0})
    ex = exchange(server, ALICE)
    markets = ex.load_markets()
    assert markets[BTC]["active"] and markets[BTC]["precision"] == {"amount": 0.0001, "price": 0.1}
    assert ex.fetch_balance()["USDT"]["free"] == 10000.0

    ex.set_margin_mode("isolated", BTC)
    assert ex.set_leverage(3, BTC, {"side": "BOTH"})["data"]["leverage"] == 3

    sell = ex.create_order(BTC, "market", "sell", 0.01)
    assert (sell["status"], sell["filled"], sell["average"]) == ("closed", 0.01, 60000.0)
    [position] = ex.fetch_positions([BTC])
    assert (position["side"], position["contracts"], position["leverage"]) == ("short", 0.01, 3.0)
    assert position["marginMode"] == "isolated"

    close = ex.create_order(BTC, "market", "buy", 0.01, None, {"reduceOnly": True})
    assert close["status"] == "closed" and close["reduceOnly"] is True
    assert ex.fetch_positions([BTC]) == []

    with pytest.raises(ccxt.BaseError) as crossing:
        ex.create_order(BTC, "limit", "buy", 0.01, 61000, {"postOnly": True})
    _raised(crossing, ccxt.ExchangeError, 101215)
    with pytest.raises(ccxt.BaseError) as increasing:
        ex.create_order(BTC, "market", "buy", 0.01, None, {"reduceOnly": True})
    _raised(increasing, ccxt.ExchangeError, 101290)

    resting = ex.create_order(BTC, "limit", "buy", 0.01, 50000, {"clientOrderId": "Bot-1"})
    fetched = ex.fetch_order(resting["id"], BTC)
    assert (fetched["status"], fetched["price"], fetched["clientOrderId"]) == ("open", 50000.0, "bot-1")
    assert [o["id"] for o in ex.fetch_open_orders(BTC)] == [resting["id"]]
    assert ex.cancel_order(resting["id"], BTC)["status"] == "canceled"
    with pytest.raises(ccxt.BaseError) as gone:
        ex.cancel_order(resting["id"], BTC)
    _raised(gone, ccxt.OrderNotFound, 80016)

    funding = ex.fetch_funding_rate(BTC)
    assert funding["markPrice"] == 60000.0 and funding["fundingRate"] == 0.0001

    assert ex.fetch_balance()["USDT"]["total"] < 10000.0  # fees paid
    assert host.accounts[ALICE.api_key].reconcile().ok


def test_a_resting_order_fills_when_the_admin_moves_the_price(server: str) -> None:
    advance(server, START_MS, {"BTC-USDT": 60000.0})
    ex = exchange(server, ALICE)
    order = ex.create_order(BTC, "limit", "buy", 0.01, 59000)
    assert advance(server, START_MS + 5000, {"BTC-USDT": 58900.0})["events"] == {"Fill": 1}
    assert ex.fetch_order(order["id"], BTC)["status"] == "closed"
    assert ex.fetch_positions([BTC])[0]["side"] == "long"


def test_create_orders_goes_through_batch_orders(server: str) -> None:
    advance(server, START_MS, {"BTC-USDT": 60000.0})
    ex = exchange(server, ALICE)
    ex.load_markets()
    orders = ex.create_orders([
        {"symbol": BTC, "type": "limit", "side": "buy", "amount": 0.01, "price": 50000},
        {"symbol": BTC, "type": "limit", "side": "buy", "amount": 0.01, "price": 51000},
    ])
    assert [o["price"] for o in orders] == [50000.0, 51000.0]
    cancelled = ex.cancel_orders([o["id"] for o in orders], BTC)
    assert {o["id"] for o in cancelled} == {o["id"] for o in orders}
    assert ex.fetch_open_orders(BTC) == []


def test_a_wrong_secret_is_an_authentication_error(server: str) -> None:
    ex = exchange(server, ALICE, secret="not-alice-secret")
    with pytest.raises(ccxt.BaseError) as refused:
        ex.fetch_balance()
    _raised(refused, ccxt.AuthenticationError, 100001)


def test_a_stale_timestamp_is_100421_which_ccxt_calls_bad_symbol(server: str, clock: TestClock) -> None:
    ex = exchange(server, ALICE)
    clock.offset_ms = 60_000  # the client's clock is a minute behind the server's
    with pytest.raises(ccxt.BaseError) as stale:
        ex.fetch_balance()
    _raised(stale, ccxt.BadSymbol, 100421)


def test_a_burst_over_the_limit_is_http_429_rate_limit_exceeded(server: str, clock: TestClock) -> None:
    ex = exchange(server, ALICE)
    with clock.freeze():
        for _ in range(5):  # balance: 5 per second per key
            ex.fetch_balance()
        with pytest.raises(ccxt.BaseError) as limited:
            ex.fetch_balance()
        assert type(limited.value) is ccxt.RateLimitExceeded, repr(limited.value)
        assert ex.last_http_response and '"code":0' in ex.last_http_response
        clock.frozen += 1000  # one window later the key is served again
        assert ex.fetch_balance()["USDT"]["free"] == 10000.0


def test_the_other_calls_a_swap_bot_makes(server: str, clock: TestClock) -> None:
    advance(server, START_MS, {"BTC-USDT": 60000.0})
    ex = exchange(server, ALICE)
    assert abs(ex.fetch_time() - clock()) < 5000  # the clock signatures are checked against
    assert ex.fetch_leverage(BTC)["longLeverage"] == 5
    assert ex.fetch_margin_mode(BTC)["marginMode"] == "isolated"
    assert ex.set_position_mode(False)["data"] == {"dualSidePosition": "false"}
    assert ex.fetch_position_mode(BTC)["hedged"] is False
    assert (ex.fetch_trading_fee(BTC)["maker"], ex.fetch_trading_fee(BTC)["taker"]) == (0.0002, 0.0005)
    assert ex.create_order(BTC, "market", "buy", 0.01, None, {"test": True})["id"] == "0"
    assert ex.fetch_positions([BTC]) == []

    ex.create_order(BTC, "market", "buy", 0.01)
    assert ex.fetch_position(BTC)["side"] == "long"
    ex.close_position(BTC)
    ex.create_order(BTC, "market", "sell", 0.02)
    assert len(ex.close_all_positions()) == 1
    assert ex.fetch_positions([BTC]) == []

    ex.create_order(BTC, "limit", "buy", 0.01, 50000, {"clientOrderId": "keep"})
    ex.create_order(BTC, "limit", "buy", 0.01, 50000, {"clientOrderId": "drop"})
    assert ex.cancel_order(None, BTC, {"clientOrderId": "drop"})["status"] == "canceled"
    ex.cancel_all_orders(BTC)
    assert ex.fetch_open_orders(BTC) == []
    assert ex.fetch_funding_history(BTC) == []
