"""A bar walked by ``advance(..., extremes=(highs, lows))``: resting orders and liquidations meet
the bar's high, then its low, before its close. The numbers are those of the hand-computed 3x
isolated short in ``test_venue_liquidation`` (liquidated from a mark of 79,657.5)."""
from __future__ import annotations

from decimal import Decimal

from venue_kit import BTC, T0, limit, make_venue, market

from exchange_mock import Liquidation
from exchange_mock.events import Fill

LIQ_TICK = 79657.5  # first tick at which 0.1 BTC short at 60,000, 3x isolated, is liquidated


def short_btc(qty: str = "0.1"):
    venue, prices = make_venue()
    assert venue.set_leverage(symbol=BTC, side="BOTH", leverage="3")["code"] == 0
    assert market(venue, "SELL", qty)["code"] == 0
    return venue, prices


def bar(high: float, low: float) -> tuple[dict[str, float], dict[str, float]]:
    return {BTC: high}, {BTC: low}


def test_a_wick_through_the_liquidation_price_that_closes_inside_liquidates():
    venue, prices = short_btc()
    prices[BTC] = 60000.0  # the bar closes back where it opened
    assert venue.advance(T0 + 60_000, prices) == []  # closes only: nothing happens
    events = venue.advance(T0 + 120_000, prices, None, bar(LIQ_TICK, 59990.0))
    (liq,) = [e for e in events if isinstance(e, Liquidation)]
    # the same amounts as a close at 79,657.5: fee 3.982875, PnL -1,996.017125, fund +30.267125
    assert (liq.fee, liq.realized_pnl, liq.insurance) == (Decimal("3.982875"), Decimal("-1996.017125"),
                                                          Decimal("30.267125"))
    assert liq.ts_ms == T0 + 120_000
    assert venue.positions()["data"] == []
    assert venue.ledger.balance == Decimal("10000") - Decimal("3") - Decimal("2000")
    assert venue.reconcile().ok


def test_a_wick_one_tick_short_of_it_does_not():
    venue, prices = short_btc()
    assert venue.advance(T0 + 60_000, prices, None, bar(LIQ_TICK - 0.1, 59000.0)) == []
    assert len(venue.positions()["data"]) == 1


def test_the_high_comes_first_so_a_take_profit_below_does_not_save_the_short():
    venue, prices = short_btc()
    tp = limit(venue, "BUY", "0.1", "59000", reduceOnly="true")["data"]["order"]
    events = venue.advance(T0 + 60_000, prices, None, bar(LIQ_TICK, 58000.0))
    assert [e.liquidity for e in events if isinstance(e, Fill)] == ["LIQUIDATION"]
    assert any(isinstance(e, Liquidation) for e in events)
    order = venue.query_order(symbol=BTC, orderId=tp["orderId"])["data"]["order"]
    assert order["status"] != "FILLED" and Decimal(order["executedQty"]) == 0
    assert venue.reconcile().ok


def test_a_resting_sell_fills_as_maker_at_its_price_on_the_high():
    venue, prices = make_venue()
    limit(venue, "SELL", "0.01", "61000", tif="PostOnly")
    assert venue.advance(T0 + 60_000, prices, None, bar(60999.9, 59000.0)) == []
    (fill,) = venue.advance(T0 + 120_000, prices, None, bar(61000.0, 59000.0))
    assert (fill.price, fill.liquidity, fill.position_qty) == (Decimal("61000"), "MAKER", Decimal("-0.01"))
    assert fill.fee == Decimal("0.122")  # 610 USDT x 0.02%


def test_recorded_marks_do_not_wick_but_the_last_price_still_fills_orders():
    venue, prices = short_btc()
    limit(venue, "SELL", "0.01", "61000")
    marks = {BTC: 60000.0}
    events = venue.advance(T0 + 60_000, prices, marks, bar(LIQ_TICK, 59000.0))
    assert [type(e) for e in events] == [Fill]  # the sell on the high; no liquidation at mark 60,000
    assert len(venue.positions()["data"]) == 1


def test_a_symbol_without_extremes_sits_at_its_close():
    venue, prices = short_btc()
    events = venue.advance(T0 + 60_000, prices, None, ({"ETH-USDT": 2500.0}, {"ETH-USDT": 1500.0}))
    assert events == [] and len(venue.positions()["data"]) == 1
