"""Orders: market and limit fills, fees, truncation, time in force, reduce-only, close position."""
from __future__ import annotations

from decimal import Decimal

from venue_kit import BTC, T0, limit, make_venue, market

from exchange_mock import Fill


def test_market_order_fills_at_scan_price_with_taker_fee(venue):
    reply = market(venue, "SELL", "0.01", clientOrderID="ENTRY-1")
    assert reply["code"] == 0
    order = reply["data"]["order"]
    assert order["status"] == "FILLED"
    assert order["clientOrderId"] == "entry-1"
    assert Decimal(order["avgPrice"]) == Decimal("60000")
    assert Decimal(order["commission"]) == Decimal("-0.3")  # 600 USDT x 0.05%
    fill = venue.fills[-1]
    assert (fill.price, fill.quantity, fill.fee, fill.liquidity) == (Decimal("60000"), Decimal("0.01"),
                                                                     Decimal("0.3"), "TAKER")
    assert fill.position_qty == Decimal("-0.01")


def test_maker_fee_on_resting_fill():
    venue, prices = make_venue()
    order = limit(venue, "BUY", "0.01", "59000")["data"]["order"]
    assert order["status"] == "NEW"
    prices["BTC-USDT"] = 58999.0
    events = venue.advance(T0 + 1000, prices)
    assert [e.kind for e in events] == ["FILL"]
    fill = events[0]
    assert fill.liquidity == "MAKER" and fill.price == Decimal("59000")  # at its limit, not the better last
    assert fill.fee == Decimal("0.118")  # 590 USDT x 0.02%


def test_excess_decimals_are_truncated(venue):
    order = limit(venue, "BUY", "0.012345", "50000.123456")["data"]["order"]
    assert order["origQty"] == "0.0123" and order["price"] == "50000.1"


def test_limit_rests_until_the_price_crosses():
    venue, prices = make_venue()
    limit(venue, "SELL", "0.01", "61000")
    prices["BTC-USDT"] = 60999.9
    assert venue.advance(T0 + 1000, prices) == []
    prices["BTC-USDT"] = 61000.0  # touch fills under the default fill model
    (fill,) = venue.advance(T0 + 2000, prices)
    assert fill.order_status == "FILLED" and fill.position_qty == Decimal("-0.01")
    assert venue.open_orders()["data"]["orders"] == []


def test_marketable_limit_takes_at_the_touch_not_the_limit(venue):
    order = limit(venue, "BUY", "0.01", "60500")["data"]["order"]
    assert order["status"] == "FILLED" and Decimal(order["avgPrice"]) == Decimal("60000")
    assert venue.fills[-1].liquidity == "TAKER"


def test_post_only_rests_and_fills_as_maker():
    venue, prices = make_venue()
    order = limit(venue, "SELL", "0.01", "60100", tif="PostOnly")["data"]["order"]
    assert order["status"] == "NEW" and order["postOnly"] is True
    prices["BTC-USDT"] = 60150.0
    (fill,) = venue.advance(T0 + 1, prices)
    assert fill.liquidity == "MAKER" and fill.price == Decimal("60100")


def test_ioc_and_fok_never_rest(venue):
    ioc = limit(venue, "BUY", "0.01", "59000", tif="IOC")["data"]["order"]
    fok = limit(venue, "BUY", "0.01", "59000", tif="FOK")["data"]["order"]
    assert ioc["status"] == fok["status"] == "EXPIRED"
    assert limit(venue, "BUY", "0.01", "61000", tif="FOK")["data"]["order"]["status"] == "FILLED"
    assert venue.open_orders()["data"]["orders"] == []


def test_partial_fills_from_the_fill_model():
    venue, prices = make_venue(fill={"kind": "fraction", "fraction": "0.5"})
    order_id = limit(venue, "BUY", "0.0100", "59000")["data"]["order"]["orderId"]
    prices["BTC-USDT"] = 58000.0
    quantities = []
    for i in range(1, 10):
        quantities += [e.quantity for e in venue.advance(T0 + i, prices)]
    assert quantities == [Decimal(q) for q in ("0.005", "0.0025", "0.0012", "0.0006", "0.0003",
                                                     "0.0002", "0.0001", "0.0001")]
    order = venue.query_order(symbol=BTC, orderId=order_id)["data"]["order"]
    assert order["status"] == "FILLED" and order["executedQty"] == "0.0100"


def test_partial_taker_fill_of_ioc_expires_the_rest():
    venue, _ = make_venue(fill={"kind": "fraction", "fraction": "0.3", "takers": True})
    order = limit(venue, "BUY", "0.0100", "60000", tif="IOC")["data"]["order"]
    assert order["status"] == "EXPIRED" and order["executedQty"] == "0.0030"
    fok = limit(venue, "BUY", "0.0100", "60000", tif="FOK")["data"]["order"]
    assert fok["status"] == "EXPIRED" and fok["executedQty"] == "0.0000"


def test_reduce_only_closes_and_never_flips():
    venue, prices = make_venue()
    market(venue, "SELL", "0.02")
    assert market(venue, "BUY", "0.01", reduceOnly="true")["data"]["order"]["status"] == "FILLED"
    limit(venue, "BUY", "0.01", "59000", reduceOnly="true")
    limit(venue, "BUY", "0.01", "58000", reduceOnly="true")
    prices["BTC-USDT"] = 57000.0
    events = venue.advance(T0 + 1, prices)
    assert [e.kind for e in events] == ["FILL", "ORDER"]  # second has nothing left to reduce
    assert events[1].status == "EXPIRED" and venue.positions()["data"] == []


def test_close_position_closes_whatever_is_held(venue):
    market(venue, "BUY", "0.0123")
    reply = venue.place_order(symbol=BTC, side="SELL", positionSide="BOTH", type="MARKET", closePosition="true")
    assert reply["data"]["order"]["executedQty"] == "0.0123"
    assert venue.positions()["data"] == []


def test_close_all_positions(venue):
    market(venue, "BUY", "0.01")
    market(venue, "SELL", "1", symbol="ETH-USDT")
    reply = venue.close_all_positions()
    assert reply["code"] == 0 and len(reply["data"]["success"]) == 2 and reply["data"]["failed"] is None
    assert venue.positions()["data"] == []


def test_one_way_order_flips_the_position(venue):
    market(venue, "BUY", "0.01")
    market(venue, "SELL", "0.03")
    (pos,) = venue.positions()["data"]
    assert pos["positionSide"] == "SHORT" and pos["positionAmt"] == "0.0200"


def test_realized_pnl_and_ledger_on_a_round_trip():
    venue, prices = make_venue()
    market(venue, "SELL", "0.1")
    prices["BTC-USDT"] = 59400.0
    venue.advance(T0 + 1, prices)
    market(venue, "BUY", "0.1", reduceOnly="true")
    # short 0.1 from 60,000 to 59,400: +60; fees 3 + 2.97
    assert venue.fills[-1].realized_pnl == Decimal("60")
    assert venue.ledger.balance == Decimal("10000") + Decimal("60") - Decimal("3") - Decimal("2.97")
    kinds = [e["incomeType"] for e in venue.income()["data"]]
    assert kinds == ["TRADING_FEE", "TRADING_FEE", "REALIZED_PNL"]
    assert venue.reconcile().ok


def test_cancel_query_open_orders_and_cancel_all(venue):
    a = limit(venue, "BUY", "0.01", "50000", clientOrderID="a")["data"]["order"]
    limit(venue, "BUY", "0.01", "1500", symbol="ETH-USDT")
    assert len(venue.open_orders()["data"]["orders"]) == 2
    assert len(venue.open_orders(symbol=BTC)["data"]["orders"]) == 1
    cancelled = venue.cancel_order(symbol=BTC, clientOrderID="A")["data"]["order"]
    assert cancelled["orderId"] == a["orderId"] and cancelled["status"] == "CANCELLED"
    assert venue.query_order(symbol=BTC, orderId=a["orderId"])["data"]["order"]["status"] == "CANCELLED"
    reply = venue.cancel_all_orders()
    assert [o["symbol"] for o in reply["data"]["success"]] == ["ETH-USDT"]
    assert venue.open_orders()["data"]["orders"] == []


def test_test_order_validates_and_places_nothing(venue):
    reply = venue.test_order(symbol=BTC, side="BUY", positionSide="BOTH", type="MARKET", quantity="0.01",
                             clientOrderID="t")
    assert reply["code"] == 0 and reply["data"]["order"]["orderId"] == 0
    assert venue.fills == [] and venue.positions()["data"] == []
    assert venue.test_order(symbol=BTC, side="BUY", type="MARKET", quantity="5")["code"] == 101204
    assert market(venue, "BUY", "0.01", clientOrderID="t")["code"] == 0  # id not consumed by the test


def test_spread_and_slippage_worsen_taker_fills_only():
    venue, prices = make_venue(spread={"kind": "constant", "bps": "10"}, slippage={"kind": "fixed_bps", "bps": "5"})
    buy = market(venue, "BUY", "0.01")["data"]["order"]
    # ask = 60000 x 1.0005 = 60030; + 5 bps = 60060.015, rounded up to the tick: 60060.1
    assert Decimal(buy["avgPrice"]) == Decimal("60060.1")
    sell = market(venue, "SELL", "0.01")["data"]["order"]
    # bid = 59970; - 5 bps = 59940.015, rounded down: 59940.0
    assert Decimal(sell["avgPrice"]) == Decimal("59940")
    limit(venue, "BUY", "0.01", "59900")
    prices["BTC-USDT"] = 59920.0  # ask 59949.96 -> 59950.0 > 59900: no fill yet
    assert venue.advance(T0 + 1, prices) == []
    prices["BTC-USDT"] = 59870.0  # ask 59899.94 -> 59900.0 <= 59900
    (fill,) = venue.advance(T0 + 2, prices)
    assert fill.price == Decimal("59900") and fill.liquidity == "MAKER"


def test_fills_are_events_and_history(venue):
    market(venue, "BUY", "0.01")
    assert isinstance(venue.events[-1], Fill)
    (row,) = venue.fill_history(symbol=BTC)["data"]["fill_history_orders"]
    assert row["volume"] == "0.0100" and row["liquidityIndicator"] == "TAKER" and row["commission"] == "-0.3"
