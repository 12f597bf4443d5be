"""ccxt's bingx management methods against a live server: edit_order (cancel-replace), add and
reduce isolated margin, and the dead man's switch, checked against the venue's orders, position
margin and liquidation price; every ledger reconciles after."""
from __future__ import annotations

import time
from decimal import Decimal

import ccxt
import pytest
from rest_kit import ALICE, BTC, START_MS, advance, exchange

from exchange_mock.rest import VenueHost


def test_edit_order_cancels_and_replaces(server: str, host: VenueHost) -> None:
    ex = exchange(server, ALICE)
    advance(server, START_MS, {"BTC-USDT": 60000.0})
    old = ex.create_order(BTC, "limit", "buy", 0.01, 50000)
    new = ex.edit_order(old["id"], BTC, "limit", "buy", 0.02, 51000)
    assert new["id"] != old["id"] and (new["price"], new["amount"]) == (51000.0, 0.02)
    assert ex.fetch_order(old["id"], BTC)["status"] == "canceled"
    assert [(o["id"], o["price"], o["amount"]) for o in ex.fetch_open_orders(BTC)] == [(new["id"], 51000.0, 0.02)]
    venue_order = host.accounts[ALICE.api_key]._account.orders[int(new["id"])]
    assert (venue_order.price, venue_order.quantity) == (Decimal(51000), Decimal("0.02"))

    with pytest.raises(ccxt.OrderNotFound, match="80016"):  # STOP_ON_FAILURE: nothing placed
        ex.edit_order(old["id"], BTC, "limit", "buy", 0.01, 52000)
    with pytest.raises(ccxt.InvalidOrder, match="the order to replace was cancelled"):
        ex.edit_order(new["id"], BTC, "limit", "buy", 0.0001, 1000)  # 0.1 USDT: below the 2 USDT minimum
    assert ex.fetch_open_orders(BTC) == []
    assert host.accounts[ALICE.api_key].reconcile().ok


def test_add_and_reduce_isolated_margin(server: str, host: VenueHost) -> None:
    ex = exchange(server, ALICE)
    api = host.accounts[ALICE.api_key]
    advance(server, START_MS, {"BTC-USDT": 60000.0})
    with pytest.raises(ccxt.OrderNotFound, match="80017"):
        ex.add_margin(BTC, 30)
    ex.create_order(BTC, "market", "buy", 0.01)  # 5x isolated: margin 600 / 5 = 120
    [before] = ex.fetch_positions([BTC])
    free_before = ex.fetch_balance()["USDT"]["free"]
    added = ex.add_margin(BTC, 30)
    assert (added["type"], added["amount"], added["total"]) == ("add", 30.0, 150.0)
    [after] = ex.fetch_positions([BTC])
    assert (before["collateral"], after["collateral"]) == (120.0, 150.0)
    assert ex.fetch_balance()["USDT"]["free"] == free_before - 30
    assert after["liquidationPrice"] < before["liquidationPrice"]
    assert api.liquidation_price("BTC-USDT") is not None and float(api.liquidation_price("BTC-USDT")) < before["liquidationPrice"]

    time.sleep(1.05)  # position margin is limited to 2 calls a second
    with pytest.raises(ccxt.BadRequest, match="max margin reduction 30"):
        ex.reduce_margin(BTC, 31)
    reduced = ex.reduce_margin(BTC, 30)
    assert (reduced["type"], reduced["total"]) == ("reduce", 120.0)
    assert ex.fetch_positions([BTC])[0]["liquidationPrice"] == before["liquidationPrice"]
    time.sleep(1.05)
    with pytest.raises(ccxt.InsufficientFunds, match="101204"):
        ex.add_margin(BTC, 100000)
    ex.close_position(BTC)
    assert ex.fetch_balance()["USDT"]["free"] == ex.fetch_balance()["USDT"]["total"]
    assert api.reconcile().ok


def test_margin_changes_need_an_isolated_position(server: str) -> None:
    ex = exchange(server, ALICE)
    advance(server, START_MS, {"BTC-USDT": 60000.0})
    ex.set_margin_mode("cross", BTC)
    ex.create_order(BTC, "market", "buy", 0.01)
    with pytest.raises(ccxt.BadRequest, match="position is not isolated"):
        ex.add_margin(BTC, 10)


def test_cancel_all_orders_after_cancels_at_the_deadline(server: str, host: VenueHost) -> None:
    ex = exchange(server, ALICE)
    advance(server, START_MS, {"BTC-USDT": 60000.0})
    order = ex.create_order(BTC, "limit", "buy", 0.01, 50000)
    armed = ex.cancel_all_orders_after(30_000)
    assert armed["data"]["triggerTime"] == START_MS + 30_000
    assert advance(server, START_MS + 29_999, {"BTC-USDT": 60000.0})["events"] == {}
    # the step past the deadline cancels first, so the order cannot fill at that step's 49000
    assert advance(server, START_MS + 40_000, {"BTC-USDT": 49000.0})["events"] == {"OrderEnded": 1}
    cancelled = ex.fetch_order(order["id"], BTC)
    assert (cancelled["status"], cancelled["filled"]) == ("canceled", 0.0)
    assert cancelled["lastUpdateTimestamp"] == START_MS + 30_000

    kept = ex.create_order(BTC, "limit", "buy", 0.01, 40000)
    ex.cancel_all_orders_after(10_000)
    time.sleep(1.05)  # the switch is limited to 2 calls a second
    assert ex.cancel_all_orders_after(0)["data"]["status"] == "CLOSED"
    advance(server, START_MS + 60_000, {"BTC-USDT": 49000.0})
    assert ex.fetch_order(kept["id"], BTC)["status"] == "open"
    with pytest.raises(ccxt.BadRequest, match="timeOut must be 10-120"):
        ex.cancel_all_orders_after(5_000)
    assert host.accounts[ALICE.api_key].reconcile().ok
