"""Response shapes of the account and settings endpoints, as BingX sends them."""
from __future__ import annotations

from venue_kit import BTC, T0, limit, make_venue, market


def test_balance_v3_shape(venue):
    (row,) = venue.balance()["data"]
    assert set(row) == {"userId", "asset", "balance", "equity", "unrealizedProfit", "realisedProfit",
                        "availableMargin", "usedMargin", "freezedMargin", "shortUid"}
    assert row["balance"] == "10000" and row["availableMargin"] == "10000" and row["asset"] == "USDT"


def test_position_shape_and_unrealized_pnl():
    venue, prices = make_venue()
    market(venue, "SELL", "0.1")
    prices[BTC] = 59000.0
    venue.advance(T0 + 1, prices)
    (pos,) = venue.positions(symbol=BTC)["data"]
    assert pos["unrealizedProfit"] == "100" and pos["markPrice"] == "59000.0" and pos["positionAmt"] == "0.1000"
    assert isinstance(pos["liquidationPrice"], float) and isinstance(pos["leverage"], int)
    assert pos["onlyOnePosition"] is True and pos["pnlRatio"] == "0.0833"
    assert venue.balance()["data"][0]["equity"] == "10097"


def test_leverage_endpoints(venue):
    data = venue.get_leverage(symbol=BTC)["data"]
    assert (data["longLeverage"], data["maxLongLeverage"]) == (5, 125)
    # 10,000 x 5 / (60,000 x (1 + 5 x 0.0005)) = 0.83125: margin and fee of the largest order that fits
    assert data["availableLongVal"] == "50000" and data["availableLongVol"] == "0.8312"
    assert venue.set_leverage(symbol=BTC, side="SHORT", leverage=3)["data"] == {"leverage": 3, "symbol": BTC}
    data = venue.get_leverage(symbol=BTC)["data"]
    assert (data["longLeverage"], data["shortLeverage"]) == (5, 3)


def test_default_leverage_is_capped_at_the_symbol_maximum():
    venue, _ = make_venue(default_leverage=100)
    assert venue.get_leverage(symbol="USDC-USDT")["data"]["longLeverage"] == 20


def test_position_mode_endpoints(venue):
    assert venue.get_position_mode()["data"] == {"dualSidePosition": "false"}
    assert venue.set_position_mode(dualSidePosition="true")["data"] == {"dualSidePosition": "true"}
    assert venue.set_position_mode()["code"] == 80014


def test_income_filters_and_limit():
    venue, prices = make_venue()
    for i in range(3):
        market(venue, "BUY", "0.01")
        market(venue, "SELL", "0.01", reduceOnly="true")
        prices[BTC] = 60000.0 + 10 * (i + 1)
        venue.advance(T0 + i + 1, prices)
    fees = venue.income(incomeType="TRADING_FEE")["data"]
    assert len(fees) == 6 and all(r["incomeType"] == "TRADING_FEE" for r in fees)
    assert len(venue.income(limit="2")["data"]) == 2
    assert [r["time"] for r in venue.income(startTime=T0 + 1, limit=1)["data"]] == [T0 + 1]
    assert venue.income(limit="5000")["code"] == 80014
    assert venue.income(incomeType="BONUS")["code"] == 109400


def test_commission_rate_and_server_time(venue):
    assert venue.commission_rate()["data"] == {"commission": {"takerCommissionRate": "0.0005",
                                                              "makerCommissionRate": "0.0002"}}
    assert venue.server_time()["data"] == {"serverTime": T0}


def test_premium_index_list_and_transport_fields(venue):
    rows = venue.premium_index()["data"]
    assert isinstance(rows, list) and rows[0]["symbol"] == "1INCH-USDT"
    assert venue.premium_index(symbol=BTC, timestamp="1", recvWindow="5000")["code"] == 0


def test_open_order_shape(venue):
    limit(venue, "BUY", "0.01", "50000", clientOrderID="x1")
    (order,) = venue.open_orders(symbol=BTC)["data"]["orders"]
    for field in ("symbol", "orderId", "side", "positionSide", "type", "origQty", "price", "executedQty", "avgPrice",
                  "cumQuote", "stopPrice", "profit", "commission", "status", "time", "updateTime",
                  "clientOrderId", "leverage", "reduceOnly", "postOnly", "workingType"):
        assert field in order
    assert isinstance(order["orderId"], int) and len(str(order["orderId"])) == 19


def test_accounts_share_the_core_and_keep_their_own_books():
    venue, prices = make_venue()
    other = venue.open_account("second", initial_balance="500")
    market(venue, "SELL", "0.01")
    assert other.balance()["data"][0]["balance"] == "500"
    assert market(other, "SELL", "0.1")["code"] == 101204  # 6,000 at 5x needs 1,200 + fee
    limit(other, "BUY", "0.01", "59000")
    prices[BTC] = 58000.0
    events = venue.advance(T0 + 1, prices)
    assert [(e.account, e.kind) for e in events] == [("second", "FILL")]
    assert venue.violations() == [] and other.violations() == []
    assert venue.reconcile().ok
    assert other.reconcile().ok
