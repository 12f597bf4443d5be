"""Margin and liquidation: hand-computed liquidation prices from the maintenance tiers, the money
a liquidation moves (margin lost, fee, insurance fund, bad debt), and cross margin."""
from __future__ import annotations

from decimal import Decimal

from venue_kit import BTC, T0, make_venue, market

from exchange_mock import Liquidation


def short_btc(qty: str, leverage: str = "3", **config: object):
    venue, prices = make_venue(**config)
    assert venue.set_leverage(symbol=BTC, side="BOTH", leverage=leverage)["code"] == 0
    assert market(venue, "SELL", qty)["code"] == 0
    return venue, prices


def move(venue, prices, price: float, ts: int, marks=None):
    prices[BTC] = price
    return venue.advance(ts, prices, marks)


def test_short_3x_isolated_liquidates_at_the_tier_1_price():
    # Short 0.1 BTC at 60,000 at 3x isolated: margin = 6,000 / 3 = 2,000 USDT.
    # BTC tier 1 (value < 150,000): MMR 0.38%, maintenance amount 0; taker fee 0.05%.
    # Liquidated when MM + closing fee >= margin + uPnL:
    #   0.1 M x 0.0038 + 0.1 M x 0.0005 >= 2,000 + (6,000 - 0.1 M)
    #   M >= 8,000 / (0.1 x 1.0043) = 79,657.4728...  -> first tick (0.1): 79,657.5
    venue, prices = short_btc("0.1")
    assert venue.liquidation_price(BTC).quantize(Decimal("0.0001")) == Decimal("79657.4729")
    (pos,) = venue.positions()["data"]
    assert pos["liquidationPrice"] == 79657.5 and pos["margin"] == "2000"
    assert move(venue, prices, 79657.4, T0 + 1) == []
    events = move(venue, prices, 79657.5, T0 + 2)
    liq = next(e for e in events if isinstance(e, Liquidation))
    # At 79,657.5: value 7,965.75; equity = 2,000 + 6,000 - 7,965.75 = 34.25;
    # fee = 7,965.75 x 0.0005 = 3.982875, taken from that equity; the rest, 30.267125, to the fund.
    assert liq.fee == Decimal("3.982875")
    assert liq.realized_pnl == Decimal("-1996.017125")
    assert liq.insurance == Decimal("30.267125")
    assert liq.margin == Decimal("2000")
    # The account loses exactly its margin (plus the opening fee of 3 paid earlier).
    assert venue.ledger.balance == Decimal("10000") - Decimal("3") - Decimal("2000")
    assert venue.insurance_fund.balance == Decimal("30.267125")
    assert venue.positions()["data"] == []
    assert venue.fills[-1].liquidity == "LIQUIDATION"
    assert venue.reconcile().ok


def _liquidate_isolated_short(qty: str, leverage: str):
    venue, prices = short_btc(qty, leverage)
    (pos,) = venue.positions()["data"]
    (liq,) = [e for e in move(venue, prices, pos["liquidationPrice"], T0 + 1) if isinstance(e, Liquidation)]
    return venue, liq, venue.fills[-1]


def test_isolated_liquidation_fill_price_times_quantity_is_its_realized_pnl():
    # Short 0.1 BTC at 60,000 at 7x: margin = 6,000 / 7 rounded up to 1e-8 = 857.14285715.
    # Trigger 0.1 M x 1.0043 >= 6,000 + 857.14285715 -> M >= 68,277.8...; first tick 68,277.9:
    # value 6,827.79, fee 3.413895, PnL left after the fee = 3.413895 - 857.14285715 = -853.72896215.
    # Bankruptcy price = (6,000 + 853.72896215) / 0.1 = 68,537.2896215 (the tick-rounded 68,537.3
    # would give 6,000 - 6,853.73 = -853.73, not the PnL booked).
    venue, liq, fill = _liquidate_isolated_short("0.1", "7")
    assert liq.bankruptcy_price == fill.price == Decimal("68537.2896215")
    assert fill.realized_pnl == Decimal("-853.72896215") == Decimal(6000) - fill.quantity * fill.price
    order = venue.query_order(symbol=BTC, orderId=fill.order_id)["data"]["order"]
    assert order["avgPrice"] == "68537.2896215" and Decimal(order["executedQty"]) == fill.quantity
    # The account loses exactly its margin plus the fee paid on opening (3).
    assert venue.ledger.balance == Decimal(10000) - 3 - Decimal("857.14285715")
    assert liq.insurance == Decimal("6000") - Decimal("6827.79") + Decimal("853.72896215")  # 25.93896215
    assert venue.reconcile().ok


def test_a_bankruptcy_price_that_does_not_end_is_rounded_for_the_account_and_still_agrees():
    # Short 0.3 at 7x: margin = 18,000 / 7 -> 2,571.42857143; at 68,277.9 the value is 20,483.37,
    # the fee 10.241685, the PnL to reach = 10.241685 - 2,571.42857143 = -2,561.18688643 and the
    # bankruptcy price (18,000 + 2,561.18688643) / 0.3 = 68,537.28962143333...: floored to 1e-12
    # (lower is better for a short), 68,537.289621433333. Its PnL, 18,000 - 0.3 x that price =
    # -2,561.1868864299999, leaves the account 1e-13 above losing its margin; the fund's entry
    # (upnl at the mark - that PnL) carries the same 1e-13.
    venue, liq, fill = _liquidate_isolated_short("0.3", "7")
    assert fill.price == Decimal("68537.289621433333")
    assert fill.realized_pnl == Decimal("-2561.1868864299999") == Decimal(18000) - fill.quantity * fill.price
    assert venue.ledger.balance == Decimal(10000) - 9 - Decimal("2571.42857143") + Decimal("1e-13")
    assert liq.insurance == Decimal("18000") - Decimal("20483.37") - fill.realized_pnl
    assert venue.reconcile().ok


def test_short_3x_isolated_in_tier_2():
    # Short 3 BTC at 60,000 at 3x: cost 180,000, margin 60,000. At liquidation the value is above
    # 150,000, so tier 2 applies: MMR 0.40%, maintenance amount 30:
    #   3 M (1 + 0.004 + 0.0005) >= 180,000 + 60,000 + 30  ->  M >= 240,030 / 3.0135 = 79,651.568...
    venue, prices = short_btc("3", initial_balance="100000")
    exact = Decimal(240030) / Decimal("3.0135")
    assert venue.liquidation_price(BTC).quantize(Decimal("1e-6")) == exact.quantize(Decimal("1e-6"))
    assert venue.positions()["data"][0]["liquidationPrice"] == 79651.6
    assert move(venue, prices, 79651.5, T0 + 1) == []
    assert any(isinstance(e, Liquidation) for e in move(venue, prices, 79651.6, T0 + 2))


def test_long_3x_isolated_liquidation_price():
    # Long 0.1 at 60,000, 3x: 0.1 M (1 - 0.0038 - 0.0005) <= 6,000 - 2,000 -> M <= 40,172.74...
    venue, _ = make_venue()
    venue.set_leverage(symbol=BTC, side="BOTH", leverage="3")
    market(venue, "BUY", "0.1")
    assert venue.positions()["data"][0]["liquidationPrice"] == 40172.7


def test_liquidation_uses_the_mark_price_not_the_last():
    venue, prices = short_btc("0.1")
    assert move(venue, prices, 60000.0, T0 + 1, {BTC: 79000.0}) == []
    events = move(venue, prices, 60000.0, T0 + 2, {BTC: 80000.0})
    assert any(isinstance(e, Liquidation) for e in events)


def test_gap_beyond_bankruptcy_is_bad_debt_for_the_fund():
    venue, prices = short_btc("0.1")
    (liq,) = [e for e in move(venue, prices, 90000.0, T0 + 1) if isinstance(e, Liquidation)]
    # Equity at 90,000: 2,000 + 6,000 - 9,000 = -1,000: no fee can be taken, the fund covers 1,000.
    assert liq.fee == 0 and liq.realized_pnl == Decimal("-2000") and liq.insurance == Decimal("-1000")
    assert venue.insurance_fund.bad_debt() == Decimal("1000")
    assert venue.ledger.balance == Decimal("7997")
    assert venue.reconcile().bad_debt == Decimal("1000")


def test_liquidation_cancels_the_symbols_orders():
    venue, prices = short_btc("0.1")
    venue.place_order(symbol=BTC, side="BUY", positionSide="BOTH", type="LIMIT", quantity="0.1", price="50000",
                      reduceOnly="true")
    events = move(venue, prices, 85000.0, T0 + 1)
    assert [e.kind for e in events] == ["ORDER", "FILL", "LIQUIDATION"]
    assert events[0].status == "CANCELLED" and events[0].reason == "liquidation"


def test_lower_leverage_tops_up_isolated_margin_and_higher_keeps_it(venue):
    market(venue, "SELL", "0.1")  # at the default 5x: 1,200 margin
    assert venue.positions()["data"][0]["margin"] == "1200"
    venue.set_leverage(symbol=BTC, side="BOTH", leverage="3")
    assert venue.positions()["data"][0]["margin"] == "2000"
    venue.set_leverage(symbol=BTC, side="BOTH", leverage="10")
    pos = venue.positions()["data"][0]
    assert pos["margin"] == "2000" and pos["leverage"] == 10


def test_available_margin_counts_positions_and_orders(venue):
    market(venue, "SELL", "0.1")  # 1,200 margin at 5x, 3 fee
    venue.place_order(symbol=BTC, side="BUY", positionSide="BOTH", type="LIMIT", quantity="0.2", price="50000")
    # the buy first closes the 0.1 short; the other 0.1 opens: 5,000/5 = 1,000 + 2.5 taker fee frozen
    (row,) = venue.balance()["data"]
    assert row["usedMargin"] == "1200" and row["freezedMargin"] == "1002.5"
    assert row["availableMargin"] == "7794.5"  # 10,000 - 3 - 1,200 - 1,002.5


def test_cross_margin_uses_the_whole_balance():
    venue, prices = make_venue()
    assert venue.set_margin_type(symbol=BTC, marginType="CROSSED") == {"code": 0, "msg": ""}
    assert venue.get_margin_type(symbol=BTC)["data"] == {"marginType": "CROSSED"}
    venue.set_leverage(symbol=BTC, side="BOTH", leverage="3")
    market(venue, "SELL", "0.1")
    # Backing = wallet 9,997; liquidated when 0.1 M (1.0043) >= 6,000 + 9,997 -> M >= 159,285.07...
    (pos,) = venue.positions()["data"]
    assert pos["isolated"] is False and pos["liquidationPrice"] == 159285.1
    move(venue, prices, 61000.0, T0 + 1)
    assert venue.available_margin() == Decimal("9997") - Decimal("2000") - Decimal("100")
    assert venue.margin_balance() == Decimal("9897")
    events = move(venue, prices, 159285.1, T0 + 2)
    (liq,) = [e for e in events if isinstance(e, Liquidation)]
    assert liq.insurance == 0 and venue.positions()["data"] == []
    assert venue.ledger.balance > 0
    assert venue.reconcile().ok


def test_cross_deficit_is_cleared_by_the_insurance_fund():
    venue, prices = make_venue()
    venue.set_margin_type(symbol=BTC, marginType="CROSSED")
    venue.set_leverage(symbol=BTC, side="BOTH", leverage="3")
    market(venue, "SELL", "0.1")
    (liq,) = [e for e in move(venue, prices, 200000.0, T0 + 1) if isinstance(e, Liquidation)]
    # Loss 14,000 against a wallet of 9,997: the fund pays the 4,003 deficit.
    assert liq.realized_pnl == Decimal("-14000") and liq.insurance == Decimal("-4003")
    assert venue.ledger.balance == 0
    assert [e["incomeType"] for e in venue.income()["data"]][-1] == "INSURANCE_CLEAR"
    assert venue.reconcile().ok


def test_second_position_is_recorded_not_refused(venue):
    market(venue, "SELL", "0.01")
    assert market(venue, "SELL", "0.5", symbol="ETH-USDT")["code"] == 0
    (violation,) = venue.violations()
    assert violation.kind == "SECOND_SYMBOL" and violation.symbol == "ETH-USDT"
    assert violation.open_positions == ("BTC-USDT:BOTH", "ETH-USDT:BOTH")


def test_hedge_mode_long_and_short_is_a_violation(venue):
    venue.set_position_mode(dualSidePosition="true")
    assert venue.get_position_mode()["data"] == {"dualSidePosition": "true"}
    venue.place_order(symbol=BTC, side="BUY", positionSide="LONG", type="MARKET", quantity="0.01")
    venue.place_order(symbol=BTC, side="SELL", positionSide="SHORT", type="MARKET", quantity="0.01")
    assert [v.kind for v in venue.violations()] == ["SECOND_OPEN_POSITION"]
    closing = venue.place_order(symbol=BTC, side="SELL", positionSide="LONG", type="MARKET", quantity="0.02")
    assert closing["code"] == 101205
    venue.place_order(symbol=BTC, side="SELL", positionSide="LONG", type="MARKET", quantity="0.01")
    assert [p["positionSide"] for p in venue.positions()["data"]] == ["SHORT"]
