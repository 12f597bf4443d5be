"""Every error code the venue enforces, each produced by the request that offends."""
from __future__ import annotations

from venue_kit import BTC, T0, limit, make_venue, market


def code(reply: dict) -> int:
    return reply["code"]


def test_80014_missing_field(venue):
    reply = venue.place_order(symbol=BTC, side="BUY", type="MARKET")
    assert code(reply) == 80014
    assert "quantity" in reply["msg"]


def test_80014_unparseable_number(venue):
    assert code(market(venue, "BUY", "abc")) == 80014
    assert code(market(venue, "BUY", "nan")) == 80014
    assert code(market(venue, "BUY", "-1")) == 80014
    assert code(venue.set_leverage(symbol=BTC, side="BOTH", leverage="3.5")) == 80014


def test_80014_unknown_parameter(venue):
    assert code(venue.place_order(symbol=BTC, side="BUY", type="MARKET", quantity="0.01", quantiy="1")) == 80014


def test_80016_unknown_order(venue):
    assert code(venue.cancel_order(symbol=BTC, orderId="123")) == 80016
    assert code(venue.query_order(symbol=BTC, clientOrderId="nope")) == 80016


def test_80016_cancel_twice(venue):
    order = limit(venue, "BUY", "0.01", "50000")["data"]["order"]
    assert code(venue.cancel_order(symbol=BTC, orderId=order["orderId"])) == 0
    assert code(venue.cancel_order(symbol=BTC, orderId=order["orderId"])) == 80016


def test_80018_cancel_filled_order(venue):
    order = market(venue, "BUY", "0.01")["data"]["order"]
    assert code(venue.cancel_order(symbol=BTC, orderId=str(order["orderId"]))) == 80018


def test_101204_insufficient_margin(venue):
    # 10,000 USDT at 5x buys at most ~50,000 USDT of BTC: 1 BTC at 60,000 is 60,000.
    assert code(market(venue, "BUY", "1")) == 101204


def test_101205_close_position_without_position(venue):
    reply = venue.place_order(symbol=BTC, side="SELL", positionSide="BOTH", type="MARKET", closePosition="true")
    assert code(reply) == 101205


def test_101215_post_only_would_take(venue):
    assert code(limit(venue, "BUY", "0.01", "60000", tif="PostOnly")) == 101215
    assert code(limit(venue, "SELL", "0.01", "59000", tif="PostOnly")) == 101215
    assert venue.open_orders()["data"]["orders"] == []


def test_101290_reduce_only_would_grow(venue):
    assert code(market(venue, "SELL", "0.01", reduceOnly="true")) == 101290  # no position
    market(venue, "SELL", "0.01")
    assert code(market(venue, "SELL", "0.01", reduceOnly="true")) == 101290  # same direction
    assert code(market(venue, "BUY", "0.02", reduceOnly="true")) == 101290  # would flip


def test_101400_below_minimum_quantity(venue):
    reply = market(venue, "BUY", "0.00005")  # truncated to 0.0000 < 0.0001
    assert code(reply) == 101400
    assert "minimum order amount is 0.0001 BTC" in reply["msg"]


def test_101400_below_minimum_notional():
    venue, _ = make_venue()
    reply = market(venue, "BUY", "3", symbol="DOGE-USDT")  # 3 x 0.08 = 0.24 USDT < 2
    assert code(reply) == 101400
    assert "2u" in reply["msg"]


def test_101414_leverage_above_symbol_maximum(venue):
    reply = venue.set_leverage(symbol=BTC, side="BOTH", leverage="126")
    assert code(reply) == 101414
    assert "125" in reply["msg"]
    assert venue.get_leverage(symbol=BTC)["data"]["longLeverage"] == 5


def test_101481_duplicate_client_order_id(venue):
    assert code(limit(venue, "BUY", "0.01", "50000", clientOrderID="Abc")) == 0
    assert code(limit(venue, "BUY", "0.01", "50000", clientOrderId="abc")) == 101481


def test_109400_invalid_enum_and_mode(venue):
    assert code(venue.place_order(symbol=BTC, side="UP", type="MARKET", quantity="0.01")) == 109400
    assert code(venue.place_order(symbol=BTC, side="BUY", type="ICEBERG", quantity="0.01")) == 109400
    assert code(venue.place_order(symbol=BTC, side="BUY", type="TRAILING_TP_SL", quantity="0.01", priceRate="0.01")) == 109400
    one_way_long = venue.place_order(symbol=BTC, side="BUY", positionSide="LONG", type="MARKET", quantity="0.01")
    assert code(one_way_long) == 109400
    assert code(venue.set_margin_type(symbol=BTC, marginType="WHATEVER")) == 109400


def test_109400_reduce_only_in_hedge_mode(venue):
    venue.set_position_mode(dualSidePosition="true")
    reply = venue.place_order(symbol=BTC, side="SELL", positionSide="LONG", type="MARKET", quantity="0.01",
                              reduceOnly="true")
    assert code(reply) == 109400
    assert "ReduceOnly" in reply["msg"]


def test_109400_margin_type_change_with_position(venue):
    market(venue, "BUY", "0.01")
    assert code(venue.set_margin_type(symbol=BTC, marginType="CROSSED")) == 109400


def test_109400_margin_type_change_with_open_order(venue):
    limit(venue, "BUY", "0.01", "50000")
    assert code(venue.set_margin_type(symbol=BTC, marginType="CROSSED")) == 109400
    assert code(venue.set_margin_type(symbol="ETH-USDT", marginType="CROSSED")) == 0


def test_109400_leverage_decrease_without_margin(venue):
    market(venue, "BUY", "0.6")  # 36,000 notional at 5x: 7,200 margin of 10,000
    assert code(venue.set_leverage(symbol=BTC, side="BOTH", leverage="2")) == 109400  # needs 18,000


def test_109401_position_mode_change_with_position(venue):
    market(venue, "BUY", "0.01")
    assert code(venue.set_position_mode(dualSidePosition="true")) == 109401


def test_109401_position_mode_change_with_open_order(venue):
    limit(venue, "BUY", "0.01", "50000", symbol=BTC)
    assert code(venue.set_position_mode(dualSidePosition="true")) == 109401


def test_109425_unknown_symbol(venue):
    reply = market(venue, "BUY", "1", symbol="NOPE-USDT")
    assert code(reply) == 109425
    assert reply["msg"] == "NOPE-USDT not exist, please verify it"
    assert code(venue.premium_index(symbol="NOPE-USDT")) == 109425


def test_110400_contradictory_parameters(venue):
    market(venue, "BUY", "0.01")
    reply = venue.place_order(symbol=BTC, side="SELL", positionSide="BOTH", type="MARKET", quantity="0.01",
                              closePosition="true")
    assert code(reply) == 110400
    assert code(limit(venue, "BUY", "0.01", "50000", clientOrderID="a", clientOrderId="b")) == 110400
    assert code(limit(venue, "BUY", "0.01", "50000", clientOrderID="x" * 41)) == 110400


def test_no_exception_for_odd_values(venue):
    odd = [None, "", "x", "1e999", "Infinity", -1, 0, 1.5, True, [], {}, "0.0000001"]
    for value in odd:
        for field in ("symbol", "side", "type", "quantity", "price", "timeInForce", "reduceOnly", "positionSide"):
            kwargs = {"symbol": BTC, "side": "BUY", "type": "LIMIT", "quantity": "0.01", "price": "50000"}
            kwargs[field] = value
            reply = venue.place_order(**kwargs)
            assert isinstance(reply["code"], int)
    assert venue.server_time()["data"]["serverTime"] == T0
