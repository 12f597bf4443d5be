"""Conditional orders at the venue, each with a trigger and a fill computed by hand.

The venue: BTC-USDT tick 0.1, step 0.0001, taker 0.05 %, maker 0.02 %, a 2 bp spread (bid =
floor(last * 0.9999), ask = ceil(last * 1.0001), on the tick), no slippage; isolated 3x and a
20,000 USDT wallet unless a test says otherwise.
"""
from __future__ import annotations

from decimal import Decimal

import pytest

from exchange_mock import Venue, VenueConfig
from tests.venue.venue_kit import BTC, T0, market

D = Decimal


def venue(**config: object) -> Venue:
    v = Venue(VenueConfig(initial_balance=D(20000), spread={"kind": "constant", "bps": "2"}, **config))
    v.advance(T0, {BTC: 60000.0})
    assert v.set_margin_type(symbol=BTC, marginType="ISOLATED")["code"] == 0
    assert v.set_leverage(symbol=BTC, side="BOTH", leverage=3)["code"] == 0
    return v


def conditional(v: Venue, side: str, order_type: str, **fields: object) -> dict:
    reply = v.place_order(symbol=BTC, side=side, positionSide="BOTH", type=order_type, **fields)
    assert reply["code"] == 0, reply
    return reply["data"]["order"]


def order(v: Venue, order_id: int) -> dict:
    return v.query_order(symbol=BTC, orderId=order_id)["data"]["order"]


def position_qty(v: Venue) -> Decimal:
    pos = v._account.positions.get((BTC, "BOTH"))
    return D(0) if pos is None else pos.qty


def step(v: Venue, dt_s: int, last: float, mark: float | None = None, **kw: object) -> list:
    marks = None if mark is None else {BTC: mark}
    return v.advance(T0 + dt_s * 1000, {BTC: last}, marks, **kw)


@pytest.fixture
def short_half() -> Venue:
    """Short 0.5 BTC sold at the bid 59994.0 (60000 * 0.9999), fee 59994 * 0.5 * 0.0005 = 14.9985."""
    v = venue()
    fill = market(v, "SELL", "0.5")["data"]["order"]
    assert (fill["avgPrice"], fill["commission"]) == ("59994", "-14.9985")
    return v


@pytest.fixture
def long_tenth() -> Venue:
    """Long 0.1 BTC bought at the ask 60006.0 (60000 * 1.0001), fee 3.0003."""
    v = venue()
    assert market(v, "BUY", "0.1")["data"]["order"]["avgPrice"] == "60006"
    return v


def test_stop_market_close_position_triggers_at_the_mark(short_half):
    v = short_half
    stop = conditional(v, "BUY", "STOP_MARKET", stopPrice="61200", closePosition="true")
    assert (stop["status"], stop["stopPrice"], stop["workingType"], stop["origQty"]) == \
        ("NEW", "61200.0", "MARK_PRICE", "0.5000")
    assert step(v, 1, 61199.9) == []  # 61199.9 < 61200: a buy stop waits
    assert order(v, stop["orderId"])["status"] == "NEW"
    (fill,) = step(v, 2, 61200.0)
    # ask = ceil(61200 * 1.0001 = 61206.12) = 61206.2; fee 61206.2 * 0.5 * 0.0005; PnL (59994 - 61206.2) * 0.5
    assert (fill.price, fill.fee, fill.realized_pnl) == (D("61206.2"), D("15.30155"), D("-606.1"))
    done = order(v, stop["orderId"])
    assert (done["status"], done["type"], done["executedQty"], done["profit"]) == \
        ("FILLED", "STOP_MARKET", "0.5000", "-606.1")
    assert position_qty(v) == 0
    assert v.ledger.balance == D(20000) - D("14.9985") - D("15.30155") - D("606.1")  # 19363.59995
    assert v.reconcile().ok


def test_take_profit_market_reduce_only_sells_a_long(long_tenth):
    v = long_tenth
    tp = conditional(v, "SELL", "TAKE_PROFIT_MARKET", stopPrice="61000", quantity="0.1", reduceOnly="true")
    assert step(v, 1, 60999.9) == []
    (fill,) = step(v, 2, 61000.0)
    # bid = floor(61000 * 0.9999 = 60993.9); PnL (60993.9 - 60006) * 0.1 = 98.79
    assert (fill.price, fill.fee, fill.realized_pnl) == (D("60993.9"), D("3.049695"), D("98.79"))
    assert order(v, tp["orderId"])["status"] == "FILLED" and position_qty(v) == 0
    assert v.reconcile().ok


def test_stop_limit_triggers_then_rests_and_fills_as_a_maker(long_tenth):
    v = long_tenth
    stop = conditional(v, "SELL", "STOP", stopPrice="59000", price="59100", quantity="0.1", reduceOnly="true")
    assert stop["timeInForce"] == "GTC" and stop["price"] == "59100.0"
    assert step(v, 1, 59000.1) == []
    # triggered at 59000: a limit sell at 59100 against the bid floor(58994.1) is not marketable: it rests
    assert step(v, 2, 59000.0) == []
    resting = order(v, stop["orderId"])
    assert (resting["status"], resting["executedQty"]) == ("NEW", "0.0000")
    assert v._account.resting.best(BTC, -1) == D("59100")
    (fill,) = step(v, 3, 59110.0)  # bid floor(59110 * 0.9999 = 59104.089) = 59104.0 >= 59100
    # maker at 59100: fee 59100 * 0.1 * 0.0002 = 1.182; PnL (59100 - 60006) * 0.1 = -90.6
    assert (fill.price, fill.fee, fill.realized_pnl, fill.liquidity) == (D("59100"), D("1.182"), D("-90.6"), "MAKER")
    assert v.reconcile().ok


def test_take_profit_limit_buys_back_a_short_as_a_taker():
    v = venue()
    market(v, "SELL", "0.1")  # at 59994.0
    tp = conditional(v, "BUY", "TAKE_PROFIT", stopPrice="59000", price="59050", quantity="0.1", reduceOnly="true")
    assert step(v, 1, 59000.1) == []
    (fill,) = step(v, 2, 59000.0)
    # limit 59050 >= ask ceil(59000 * 1.0001 = 59005.9): marketable, taker at the ask
    assert (fill.price, fill.fee, fill.realized_pnl) == (D("59005.9"), D("2.950295"), D("98.81"))
    assert order(v, tp["orderId"])["status"] == "FILLED"


def test_trigger_market_opens_on_a_rise_and_trigger_limit_on_a_fall():
    v = venue()
    up = conditional(v, "BUY", "TRIGGER_MARKET", stopPrice="60500", quantity="0.1")
    down = conditional(v, "SELL", "TRIGGER_LIMIT", stopPrice="59500", price="59400", quantity="0.1")
    assert step(v, 1, 60499.9) == []
    (fill,) = step(v, 2, 60500.0)  # ask ceil(60500 * 1.0001 = 60506.05) = 60506.1
    assert (fill.order_id, fill.price, fill.fee, fill.position_qty) == (up["orderId"], D("60506.1"), D("3.025305"),
                                                                        D("0.1"))
    assert step(v, 3, 59500.1) == []
    (fill,) = step(v, 4, 59500.0)  # limit 59400 <= bid floor(59494.05) = 59494.0: taker at 59494.0
    # closes the long bought at 60506.1: PnL (59494 - 60506.1) * 0.1 = -101.21
    assert (fill.order_id, fill.price, fill.realized_pnl) == (down["orderId"], D("59494.0"), D("-101.21"))
    assert position_qty(v) == 0 and v.reconcile().ok


def test_trailing_stop_activates_and_follows_the_high(long_tenth):
    v = long_tenth
    trail = conditional(v, "SELL", "TRAILING_STOP_MARKET", quantity="0.1", reduceOnly="true", priceRate="0.01",
                        activationPrice="61000")
    assert (trail["stopPrice"], trail["priceRate"], trail["actPrice"]) == ("", "0.01", "61000.0")
    step(v, 1, 60500.0)
    assert v.quiet_watch().always  # its level moves with every price: never quiet
    assert order(v, trail["orderId"])["stopPrice"] == ""  # not active below 61000
    step(v, 2, 61000.0)
    assert order(v, trail["orderId"])["stopPrice"] == "60390.000"  # 61000 * 0.99
    step(v, 3, 62000.0)
    assert order(v, trail["orderId"])["stopPrice"] == "61380.000"  # 62000 * 0.99: moved up
    assert step(v, 4, 61500.0) == [] and step(v, 5, 61380.1) == []
    assert order(v, trail["orderId"])["stopPrice"] == "61380.000"  # a fall does not move it
    (fill,) = step(v, 6, 61380.0)
    # bid floor(61380 * 0.9999 = 61373.862) = 61373.8; PnL (61373.8 - 60006) * 0.1 = 136.78
    assert (fill.price, fill.fee, fill.realized_pnl) == (D("61373.8"), D("3.06869"), D("136.78"))
    assert v.reconcile().ok


def test_trailing_stop_by_distance_follows_the_low(short_half):
    v = short_half
    trail = conditional(v, "BUY", "TRAILING_STOP_MARKET", quantity="0.5", reduceOnly="true", price="500")
    assert trail["stopPrice"] == "60500.0"  # active at once: 60000 + 500
    step(v, 1, 59000.0)
    assert order(v, trail["orderId"])["stopPrice"] == "59500.0"
    assert step(v, 2, 59499.9) == []
    (fill,) = step(v, 3, 59500.0)  # ask ceil(59500 * 1.0001 = 59505.95) = 59506.0
    assert (fill.price, fill.realized_pnl) == (D("59506.0"), D("244"))  # (59994 - 59506) * 0.5


def test_working_type_mark_and_last_differ(short_half):
    v = short_half
    on_mark = conditional(v, "BUY", "STOP_MARKET", stopPrice="61200", quantity="0.2", reduceOnly="true")
    on_last = conditional(v, "BUY", "STOP_MARKET", stopPrice="61200", quantity="0.2", reduceOnly="true",
                          workingType="CONTRACT_PRICE")
    (fill,) = step(v, 1, 61250.0, mark=61150.0)  # last above the stop, mark below it
    # ask ceil(61250 * 1.0001 = 61256.125) = 61256.2; PnL (59994 - 61256.2) * 0.2 = -252.44
    assert (fill.order_id, fill.price, fill.realized_pnl) == (on_last["orderId"], D("61256.2"), D("-252.44"))
    assert order(v, on_mark["orderId"])["status"] == "NEW"
    (fill,) = step(v, 2, 61150.0, mark=61200.0)  # now the mark reaches it; the fill is at the last price's ask
    assert (fill.order_id, fill.price) == (on_mark["orderId"], D("61156.2"))  # ceil(61156.115)
    assert position_qty(v) == D("-0.1")


def test_index_price_watches_the_mark(short_half):
    v = short_half
    stop = conditional(v, "BUY", "STOP_MARKET", stopPrice="61200", quantity="0.5", reduceOnly="true",
                       workingType="INDEX_PRICE")
    assert step(v, 1, 61300.0, mark=61100.0) == []
    assert order(v, stop["orderId"])["status"] == "NEW"


def test_stop_triggers_inside_the_bar_wick(short_half):
    v = short_half
    stop = conditional(v, "BUY", "STOP_MARKET", stopPrice="61200", closePosition="true")
    # the bar closes at 60100 but its high was 61300: the stop fires on the way, at the high
    (fill,) = step(v, 1, 60100.0, extremes=({BTC: 61300.0}, {BTC: 59900.0}))
    # ask ceil(61300 * 1.0001 = 61306.13) = 61306.2; PnL (59994 - 61306.2) * 0.5 = -656.1
    assert (fill.order_id, fill.price, fill.fee, fill.realized_pnl) == \
        (stop["orderId"], D("61306.2"), D("15.32655"), D("-656.1"))
    assert v.reconcile().ok


def test_a_mark_stop_ignores_a_wick_in_the_last_price_when_marks_are_recorded(short_half):
    v = short_half
    conditional(v, "BUY", "STOP_MARKET", stopPrice="61200", closePosition="true")
    assert step(v, 1, 60100.0, mark=60100.0, extremes=({BTC: 61300.0}, {BTC: 59900.0})) == []
    assert position_qty(v) == D("-0.5")


def test_attached_stop_loss_and_take_profit_on_a_market_entry():
    v = venue()
    entry = v.place_order(symbol=BTC, side="SELL", positionSide="BOTH", type="MARKET", quantity="0.5",
                          stopLoss='{"type":"STOP_MARKET","stopPrice":61200,"workingType":"MARK_PRICE"}',
                          takeProfit='{"type":"TAKE_PROFIT_MARKET","stopPrice":58800}')["data"]["order"]
    sl, tp = sorted(v.open_orders(symbol=BTC)["data"]["orders"], key=lambda o: o["orderId"])
    assert sl["orderId"] > entry["orderId"]
    assert [(o["type"], o["side"], o["stopPrice"], o["origQty"], o["reduceOnly"]) for o in (sl, tp)] == \
        [("STOP_MARKET", "BUY", "61200", "0.5000", True), ("TAKE_PROFIT_MARKET", "BUY", "58800", "0.5000", True)]
    (fill, ended) = step(v, 1, 58800.0)
    # take-profit: ask ceil(58800 * 1.0001 = 58805.88) = 58805.9; PnL (59994 - 58805.9) * 0.5 = 594.05
    assert (fill.order_id, fill.price, fill.fee, fill.realized_pnl) == \
        (tp["orderId"], D("58805.9"), D("14.701475"), D("594.05"))
    assert (ended.order_id, ended.status, ended.reason) == (sl["orderId"], "EXPIRED", "position closed")
    assert v.open_orders()["data"]["orders"] == [] and v.reconcile().ok


def test_attached_stop_loss_grows_with_partial_fills_of_the_entry():
    v = venue(fill={"kind": "fraction", "fraction": "0.5"})
    entry = v.place_order(symbol=BTC, side="SELL", positionSide="BOTH", type="LIMIT", quantity="0.4", price="60100",
                          timeInForce="GTC", stopLoss={"type": "STOP_MARKET", "stopPrice": "61200"})["data"]["order"]
    assert len(v.open_orders()["data"]["orders"]) == 1  # nothing filled: no stop-loss yet
    step(v, 1, 60110.0)  # bid floor(60103.989) = 60103.9 crosses 60100: half of 0.4 fills
    sl = [o for o in v.open_orders()["data"]["orders"] if o["type"] == "STOP_MARKET"]
    assert [o["origQty"] for o in sl] == ["0.2000"]
    step(v, 2, 60110.0)  # half of the 0.2 left
    assert order(v, sl[0]["orderId"])["origQty"] == "0.3000"
    assert v.cancel_order(symbol=BTC, orderId=entry["orderId"])["code"] == 0  # the rest stays unfilled
    (fill,) = step(v, 3, 61200.0)
    # buys back 0.3 at ceil(61206.12) = 61206.2; PnL (60100 - 61206.2) * 0.3 = -331.86
    assert (fill.quantity, fill.price, fill.realized_pnl) == (D("0.3000"), D("61206.2"), D("-331.86"))
    assert position_qty(v) == 0 and v.reconcile().ok


def test_quiet_watch_holds_the_stop_level(short_half):
    v = short_half
    conditional(v, "BUY", "STOP_MARKET", stopPrice="61200", closePosition="true")
    v.advance(T0 + 1000, {BTC: 60000.0})
    watch = v.quiet_watch()
    assert not watch.always
    (symbol, _, _, _, short_at) = watch.triggers[0]
    # the mark can reach 61200 (on the 0.1 tick) only from 61199.9 up: the bound lies between
    assert symbol == BTC and 61199.8 < short_at <= 61200.0


def test_pending_orders_are_listed_cancelled_and_freeze_no_margin(short_half):
    v = short_half
    available = v.available_margin()
    a = conditional(v, "BUY", "STOP_MARKET", stopPrice="61200", closePosition="true")
    b = conditional(v, "BUY", "TRIGGER_MARKET", stopPrice="61000", quantity="0.1")
    assert v.available_margin() == available
    listed = v.open_orders(symbol=BTC, type="TRIGGER_MARKET")["data"]["orders"]
    assert [(o["orderId"], o["stopPrice"]) for o in listed] == [(b["orderId"], "61000.0")]
    assert v.cancel_order(symbol=BTC, orderId=a["orderId"])["data"]["order"]["status"] == "CANCELLED"
    assert [o["orderId"] for o in v.cancel_all_orders(symbol=BTC)["data"]["success"]] == [b["orderId"]]
    history = v.all_orders(symbol=BTC)["data"]["orders"]
    assert {o["orderId"]: (o["type"], o["status"]) for o in history}[b["orderId"]] == ("TRIGGER_MARKET", "CANCELLED")
    assert step(v, 1, 61500.0) == [] and v.reconcile().ok


def test_a_trigger_without_margin_expires_with_the_reason():
    v = venue()
    stop = conditional(v, "BUY", "TRIGGER_MARKET", stopPrice="60500", quantity="0.9")  # 0.9 * 60000 / 3 fits
    market(v, "BUY", "0.5")  # takes 10,000 of margin first
    (ended,) = step(v, 1, 60500.0)
    assert (ended.order_id, ended.status) == (stop["orderId"], "EXPIRED")
    assert ended.reason == "triggered, then refused: Insufficient margin"
    assert v.reconcile().ok


@pytest.mark.parametrize(("side", "order_type", "stop", "code"), [
    ("BUY", "STOP_MARKET", "60000", 110411),  # a buy stop at or below the mark fires at once
    ("SELL", "STOP_MARKET", "60000.1", 110411),
    ("BUY", "TAKE_PROFIT_MARKET", "60000", 110412),
    ("SELL", "TAKE_PROFIT_MARKET", "59999.9", 110412),
    ("BUY", "TRIGGER_MARKET", "60000", 110413),
])
def test_a_stop_that_would_trigger_at_once_is_refused(short_half, side, order_type, stop, code):
    reply = short_half.place_order(symbol=BTC, side=side, positionSide="BOTH", type=order_type, stopPrice=stop,
                                   quantity="0.1")
    assert reply["code"] == code


@pytest.mark.parametrize(("fields", "code"), [
    ({"type": "STOP_MARKET", "quantity": "0.1"}, 80014),  # no stopPrice
    ({"type": "STOP", "quantity": "0.1", "stopPrice": "61200"}, 80014),  # no limit price
    ({"type": "STOP", "closePosition": "true", "stopPrice": "61200", "price": "61300"}, 110400),
    ({"type": "LIMIT", "quantity": "0.1", "price": "59000", "stopPrice": "61200"}, 110400),
    ({"type": "TRAILING_STOP_MARKET", "quantity": "0.1"}, 110400),  # neither rate nor distance
    ({"type": "TRAILING_STOP_MARKET", "quantity": "0.1", "priceRate": "1.5"}, 80014),
    ({"type": "STOP_MARKET", "quantity": "0.1", "stopPrice": "61200", "workingType": "LAST"}, 109400),
    ({"type": "MARKET", "quantity": "0.1", "stopLoss": '{"type":"TAKE_PROFIT_MARKET","stopPrice":1}'}, 109400),
    ({"type": "MARKET", "quantity": "0.1", "stopLoss": '{"type":"STOP_MARKET","stopPrice":NaN}'}, 80014),
    ({"type": "MARKET", "quantity": "0.1", "stopLoss": '{"type":"STOP_MARKET","stopPrice":61200,"x":1}'}, 80014),
])
def test_bad_conditional_fields_get_bingx_codes(short_half, fields, code):
    reply = short_half.place_order(symbol=BTC, side="BUY", positionSide="BOTH", **fields)
    assert reply["code"] == code, reply


def test_the_dead_mans_switch_cancels_pending_conditional_orders(short_half):
    v = short_half
    stop = conditional(v, "BUY", "STOP_MARKET", stopPrice="61200", closePosition="true")
    assert v.cancel_all_after(type="ACTIVATE", timeOut="10")["code"] == 0
    (ended,) = step(v, 10, 60000.0)  # the switch expires at T0 + 10 s, before the step's prices
    assert (ended.order_id, ended.status, ended.reason) == (stop["orderId"], "CANCELLED", "cancelAllAfter timeout")
    assert step(v, 11, 61300.0) == [] and position_qty(v) == D("-0.5")


def test_a_liquidation_cancels_the_pending_stop_of_its_symbol():
    v = venue()
    assert v.set_leverage(symbol=BTC, side="BOTH", leverage=50)["code"] == 0
    market(v, "SELL", "0.5")  # 50x: liquidated about 1.6 % up, before a 5 % stop
    stop = conditional(v, "BUY", "STOP_MARKET", stopPrice="63000", closePosition="true")
    cancelled, forced, liquidation = step(v, 1, 61500.0)
    assert (cancelled.kind, cancelled.order_id, cancelled.reason) == ("ORDER", stop["orderId"], "liquidation")
    assert (forced.kind, forced.liquidity, liquidation.kind) == ("FILL", "LIQUIDATION", "LIQUIDATION")
    assert order(v, stop["orderId"])["status"] == "CANCELLED" and position_qty(v) == 0
    assert v.reconcile().ok


def test_hedge_mode_stop_loss_closes_the_short_side_only():
    v = venue()
    assert v.set_position_mode(dualSidePosition="true")["code"] == 0
    long_leg = v.place_order(symbol=BTC, side="BUY", positionSide="LONG", type="MARKET", quantity="0.1")
    assert long_leg["code"] == 0  # at the ask 60006.0
    short = v.place_order(symbol=BTC, side="SELL", positionSide="SHORT", type="MARKET", quantity="0.2",
                          stopLoss={"type": "STOP_MARKET", "stopPrice": "61200"})
    assert short["code"] == 0  # at the bid 59994.0
    [sl] = [o for o in v.open_orders()["data"]["orders"] if o["type"] == "STOP_MARKET"]
    assert (sl["side"], sl["positionSide"], sl["reduceOnly"], sl["origQty"]) == ("BUY", "SHORT", False, "0.2000")
    (fill,) = step(v, 1, 61200.0)
    # buys back the short at ceil(61206.12) = 61206.2: PnL (59994 - 61206.2) * 0.2 = -242.44; the long stays
    assert (fill.position_side, fill.price, fill.realized_pnl) == ("SHORT", D("61206.2"), D("-242.44"))
    assert (BTC, "SHORT") not in v._account.positions and v._account.positions[(BTC, "LONG")].qty == D("0.1")
    assert v.reconcile().ok
