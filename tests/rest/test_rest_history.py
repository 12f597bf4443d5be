"""ccxt's bingx history methods against a live server: closed, cancelled and all orders, the
account's fills, closed positions and liquidations, checked against the venue's own orders,
fills and liquidation events; every ledger reconciles after."""
from __future__ import annotations

from decimal import Decimal

from rest_kit import ALICE, BOB, BTC, START_MS, advance, exchange

from exchange_mock.events import Liquidation
from exchange_mock.rest import VenueHost

MIN = 60_000


def _session(server: str) -> None:
    """Alice: a round trip 60000 -> 61000 of 0.01 BTC, a cancelled bid, a resting ask."""
    ex = exchange(server, ALICE)
    advance(server, START_MS, {"BTC-USDT": 60000.0})
    ex.create_order(BTC, "market", "buy", 0.01)
    bid = ex.create_order(BTC, "limit", "buy", 0.01, 50000)
    ex.cancel_order(bid["id"], BTC)
    advance(server, START_MS + MIN, {"BTC-USDT": 61000.0})
    ex.create_order(BTC, "market", "sell", 0.01, None, {"reduceOnly": True})
    ex.create_order(BTC, "limit", "sell", 0.01, 65000)


def test_closed_cancelled_and_all_orders(server: str, host: VenueHost) -> None:
    _session(server)
    ex = exchange(server, ALICE)
    venue_orders = list(host.accounts[ALICE.api_key]._account.orders.values())
    closed = ex.fetch_closed_orders(BTC)
    assert [(o["side"], o["filled"], o["average"], o["fee"]["cost"]) for o in closed] == [
        ("buy", 0.01, 60000.0, 0.3), ("sell", 0.01, 61000.0, 0.305)]  # 0.01 * price * 0.05 % taker
    assert [o["id"] for o in closed] == [str(o.order_id) for o in venue_orders if o.status == "FILLED"]
    assert [float(o.executed_qty) for o in venue_orders if o.status == "FILLED"] == [0.01, 0.01]
    [cancelled] = ex.fetch_canceled_orders(BTC)
    assert (cancelled["price"], cancelled["filled"], cancelled["status"]) == (50000.0, 0.0, "canceled")
    everything = ex.fetch_orders(BTC)
    assert [o["status"] for o in everything] == ["closed", "canceled", "closed", "open"]
    assert [o["id"] for o in ex.fetch_orders(BTC, since=START_MS + MIN)] == [o["id"] for o in everything[2:]]
    assert host.accounts[ALICE.api_key].reconcile().ok


def test_my_trades_are_the_fills_with_fee_and_pnl(server: str, host: VenueHost) -> None:
    _session(server)
    ex = exchange(server, ALICE)
    trades = ex.fetch_my_trades(BTC, since=START_MS, params={"until": START_MS + 2 * MIN})
    fills = host.accounts[ALICE.api_key].fills
    assert [(t["id"], t["order"], t["timestamp"], t["price"], t["amount"], t["fee"]["cost"]) for t in trades] == [
        (str(f.trade_id), str(f.order_id), f.ts_ms, float(f.price), float(f.quantity), float(f.fee)) for f in fills]
    assert [t["fee"]["cost"] for t in trades] == [0.3, 0.305]
    assert [t["info"]["realisedPNL"] for t in trades] == ["0", "10"]  # 0.01 * (61000 - 60000)
    assert [f.realized_pnl for f in fills] == [Decimal(0), Decimal(10)]
    assert [t["takerOrMaker"] for t in trades] == ["taker", "taker"]
    assert ex.fetch_my_trades(BTC, since=START_MS + MIN, params={"until": START_MS + 2 * MIN})[0]["side"] == "sell"


def test_position_history_rebuilds_the_round_trip(server: str, host: VenueHost) -> None:
    _session(server)
    ex = exchange(server, ALICE)
    [closed] = ex.fetch_position_history(BTC, since=START_MS)
    info = closed["info"]
    assert (closed["side"], closed["contracts"], closed["entryPrice"], closed["realizedPnl"]) == (
        "long", 0.01, 60000.0, 10.0)
    assert (info["avgClosePrice"], info["positionCommission"], info["netProfit"]) == ("61000", "-0.605", "9.395")
    assert (info["openTime"], info["updateTime"], info["leverage"]) == (START_MS, START_MS + MIN, 5)
    assert host.accounts[ALICE.api_key].reconcile().ok


def test_my_liquidations_are_the_forced_closes(server: str, host: VenueHost) -> None:
    bob = exchange(server, BOB)
    advance(server, START_MS, {"BTC-USDT": 60000.0})
    assert bob.fetch_my_liquidations(BTC) == []
    bob.create_order(BTC, "market", "buy", 0.05)  # 5x isolated: liquidated near 48 300
    assert advance(server, START_MS + MIN, {"BTC-USDT": 45000.0})["events"] == {"Fill": 1, "Liquidation": 1}
    [event] = [e for e in host.accounts[BOB.api_key].events if isinstance(e, Liquidation)]
    [liquidation] = bob.fetch_my_liquidations(BTC, since=START_MS)
    assert (liquidation["contracts"], liquidation["timestamp"]) == (float(event.quantity), event.ts_ms)
    assert liquidation["price"] == float(event.bankruptcy_price)
    assert liquidation["quoteValue"] == float(event.quantity * event.bankruptcy_price)
    assert exchange(server, ALICE).fetch_my_liquidations(BTC) == []
    assert bob.fetch_my_liquidations(BTC, params={"autoCloseType": "ADL"}) == []
    assert host.accounts[BOB.api_key].reconcile().ok
