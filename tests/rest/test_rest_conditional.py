"""Conditional orders through ccxt's bingx class against the live server: placed with ccxt's own
params, triggered by admin price moves, and read back with ccxt's parsers.

The host's venue has no spread and no slippage, so a triggered market order fills at the price
that triggered it; taker fee 0.05 %. Alice holds 10,000 USDT, isolated 3x here.
"""
from __future__ import annotations

import json
from decimal import Decimal

import ccxt
import pytest
from rest_kit import ALICE, BTC, START_MS, advance, exchange

from exchange_mock.rest import VenueHost

MIN = 60_000


def _short_tenth(server: str) -> ccxt.bingx:
    """Short 0.1 BTC at 60000 (fee 3)."""
    advance(server, START_MS, {"BTC-USDT": 60000.0})
    ex = exchange(server, ALICE)
    ex.load_markets()
    ex.set_margin_mode("isolated", BTC)
    ex.set_leverage(3, BTC, {"side": "BOTH"})
    assert ex.create_order(BTC, "market", "sell", 0.1)["average"] == 60000.0
    return ex


def test_a_stop_market_placed_with_stop_price_triggers_on_the_mark(server: str, host: VenueHost) -> None:
    ex = _short_tenth(server)
    stop = ex.create_order(BTC, "STOP_MARKET", "buy", 0.1, None, {"stopPrice": 61200, "reduceOnly": True})
    [listed] = ex.fetch_open_orders(BTC)
    # ccxt reads a stop type's stopPrice as its stopLossPrice (a take-profit's as takeProfitPrice)
    assert (listed["id"], listed["status"], listed["stopLossPrice"], listed["info"]["stopPrice"]) == \
        (stop["id"], "open", 61200.0, "61200.0")
    assert (listed["info"]["type"], listed["info"]["workingType"], listed["reduceOnly"]) == \
        ("STOP_MARKET", "MARK_PRICE", True)
    advance(server, START_MS + MIN, {"BTC-USDT": 61199.9})
    assert ex.fetch_order(stop["id"], BTC)["status"] == "open"
    advance(server, START_MS + 2 * MIN, {"BTC-USDT": 61200.0})
    done = ex.fetch_order(stop["id"], BTC)
    assert (done["status"], done["filled"], done["average"], done["fee"]["cost"]) == ("closed", 0.1, 61200.0, 3.06)
    trades = ex.fetch_my_trades(BTC, since=START_MS, params={"until": START_MS + 3 * MIN})
    assert [(t["order"], t["price"], t["fee"]["cost"], t["info"]["realisedPNL"]) for t in trades] == [
        (trades[0]["order"], 60000.0, 3.0, "0"),
        (stop["id"], 61200.0, 3.06, "-120")]  # (60000 - 61200) * 0.1
    account = host.accounts[ALICE.api_key]
    assert account.ledger.balance == Decimal(10000) - 3 - Decimal("3.06") - 120
    assert ex.fetch_positions([BTC]) == [] and account.reconcile().ok


def test_attached_stop_loss_and_take_profit_through_ccxt(server: str, host: VenueHost) -> None:
    advance(server, START_MS, {"BTC-USDT": 60000.0})
    ex = exchange(server, ALICE)
    ex.load_markets()
    entry = ex.create_order(BTC, "market", "sell", 0.1, None,
                            {"stopLoss": {"triggerPrice": 61200}, "takeProfit": {"triggerPrice": 58800}})
    assert entry["status"] == "closed"
    sl, tp = sorted(ex.fetch_open_orders(BTC), key=lambda o: o["id"])
    assert [(o["side"], o["amount"], o["stopLossPrice"], o["takeProfitPrice"], o["info"]["type"]) for o in (sl, tp)] == [
        ("buy", 0.1, 61200.0, None, "STOP_MARKET"), ("buy", 0.1, None, 58800.0, "TAKE_PROFIT_MARKET")]
    advance(server, START_MS + MIN, {"BTC-USDT": 58800.0})
    filled = ex.fetch_order(tp["id"], BTC)
    assert (filled["status"], filled["average"], filled["fee"]["cost"]) == ("closed", 58800.0, 2.94)
    assert float(filled["info"]["profit"]) == 120.0  # (60000 - 58800) * 0.1
    assert ex.fetch_order(sl["id"], BTC)["info"]["status"] == "EXPIRED"  # its position closed
    assert ex.fetch_open_orders(BTC) == [] and host.accounts[ALICE.api_key].reconcile().ok


@pytest.mark.parametrize(("params", "level_after_high"), [
    ({"trailingPercent": 1}, 61380.0),  # 62000 * (1 - 1 %)
    ({"trailingAmount": 500}, 61500.0),  # 62000 - 500
])
def test_a_trailing_stop_through_ccxt(server: str, host: VenueHost, params: dict, level_after_high: float) -> None:
    advance(server, START_MS, {"BTC-USDT": 60000.0})
    ex = exchange(server, ALICE)
    ex.load_markets()
    ex.create_order(BTC, "market", "buy", 0.1)
    trail = ex.create_order(BTC, "market", "sell", 0.1, None, {**params, "reduceOnly": True})
    assert trail["info"]["type"] == "TRAILING_STOP_MARKET"
    advance(server, START_MS + MIN, {"BTC-USDT": 62000.0})
    assert ex.fetch_order(trail["id"], BTC)["stopLossPrice"] == level_after_high
    advance(server, START_MS + 2 * MIN, {"BTC-USDT": level_after_high + 0.1})
    assert ex.fetch_order(trail["id"], BTC)["status"] == "open"
    advance(server, START_MS + 3 * MIN, {"BTC-USDT": level_after_high})
    done = ex.fetch_order(trail["id"], BTC)
    assert (done["status"], done["average"]) == ("closed", level_after_high)
    assert float(done["info"]["profit"]) == pytest.approx((level_after_high - 60000) * 0.1)
    assert host.accounts[ALICE.api_key].reconcile().ok


def test_batch_and_test_orders_take_conditional_types(server: str, host: VenueHost) -> None:
    ex = _short_tenth(server)
    checked = ex.create_order(BTC, "TAKE_PROFIT_MARKET", "buy", 0.1, None, {"stopPrice": 58800, "test": True})
    assert checked["id"] == "0" and ex.fetch_open_orders(BTC) == []
    placed = ex.create_orders([
        {"symbol": BTC, "type": "STOP_MARKET", "side": "buy", "amount": 0.1, "params": {"stopPrice": 61200}},
        {"symbol": BTC, "type": "TRIGGER_LIMIT", "side": "sell", "amount": 0.1, "price": 59400,
         "params": {"stopPrice": 59500}},
    ])
    assert [o["info"]["type"] for o in placed] == ["STOP_MARKET", "TRIGGER_LIMIT"]
    assert [(o["stopLossPrice"], o["triggerPrice"]) for o in ex.fetch_open_orders(BTC)] == [
        (61200.0, None), (None, 59500.0)]  # ccxt names a TRIGGER_* order's stopPrice its triggerPrice
    with pytest.raises(ccxt.ExchangeError, match="110411"):  # a buy stop below the mark fires at once
        ex.create_order(BTC, "STOP_MARKET", "buy", 0.1, None, {"stopPrice": 59000})
    assert [o["id"] for o in ex.cancel_all_orders(BTC)] == [o["id"] for o in placed]
    assert host.accounts[ALICE.api_key].reconcile().ok


def test_stop_loss_json_numbers_meet_the_decimal_grammar(server: str) -> None:
    ex = _short_tenth(server)
    bad = json.dumps({"type": "STOP_MARKET", "stopPrice": "６１２００"})  # full-width digits
    with pytest.raises(ccxt.BadRequest, match="80014"):
        ex.swapV2PrivatePostTradeOrder({"symbol": "BTC-USDT", "side": "SELL", "positionSide": "BOTH",
                                         "type": "MARKET", "quantity": "0.01", "stopLoss": bad})
