"""The resting book: price-time priority of resting fills, and the book kept in step with the
account's open orders through place, fill, cancel and expiry."""
from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from venue_kit import BTC, T0, limit, make_venue

from exchange_mock import Venue


def queue(venue: Venue, direction: int, symbol: str = BTC) -> list[int]:
    """Order ids of one side of the book, in priority order."""
    return [o.order_id for o in venue._account.resting.crossed(symbol, direction, lambda d, p: True)]


def placed(venue: Venue, side: str, qty: str, price: str) -> int:
    reply = limit(venue, side, qty, price)
    assert reply["data"]["order"]["status"] == "NEW", reply
    return reply["data"]["order"]["orderId"]


@pytest.mark.parametrize("side, prices, through", [
    ("BUY", ("59000", "59500", "59000"), 58000.0),
    ("SELL", ("61000", "60500", "61000"), 62000.0),
])
def test_crossed_orders_fill_best_price_first_then_oldest(side, prices, through):
    venue, quotes = make_venue()
    older, better, newer = (placed(venue, side, "0.01", p) for p in prices)
    quotes[BTC] = through
    events = venue.advance(T0 + 1000, quotes)
    assert [e.order_id for e in events] == [better, older, newer]
    assert [e.price for e in events] == [Decimal(prices[1]), Decimal(prices[0]), Decimal(prices[2])]
    assert venue.reconcile().ok


def test_only_the_crossed_prefix_fills():
    venue, quotes = make_venue()
    low = placed(venue, "BUY", "0.01", "59000")
    high = placed(venue, "BUY", "0.01", "59500")
    quotes[BTC] = 59400.0
    assert [e.order_id for e in venue.advance(T0 + 1000, quotes)] == [high]
    assert queue(venue, 1) == [low]


def test_cancel_removes_from_the_book():
    venue, _ = make_venue()
    account = venue._account
    first = placed(venue, "BUY", "0.01", "59000")
    second = placed(venue, "BUY", "0.01", "59500")
    assert venue.cancel_order(symbol=BTC, orderId=second)["code"] == 0
    assert queue(venue, 1) == [first] and account.resting.best(BTC, 1) == Decimal("59000")
    assert venue.cancel_order(symbol=BTC, orderId=first)["code"] == 0
    assert queue(venue, 1) == [] and account.resting.best(BTC, 1) is None
    assert not account.resting.holds(BTC) and BTC not in account.active
    assert venue.reconcile().ok


def test_partially_filled_order_keeps_its_place():
    venue, quotes = make_venue(fill={"kind": "fraction", "fraction": "0.5"})
    first = placed(venue, "BUY", "0.0100", "59000")
    second = placed(venue, "BUY", "0.0100", "59000")
    quotes[BTC] = 58999.0
    venue.advance(T0 + 1000, quotes)
    assert [venue.query_order(symbol=BTC, orderId=i)["data"]["order"]["status"] for i in (first, second)] == [
        "PARTIALLY_FILLED", "PARTIALLY_FILLED"]
    quotes[BTC] = 59100.0
    venue.advance(T0 + 2000, quotes)
    later = placed(venue, "BUY", "0.0100", "59000")  # same price, newer: queues behind both
    assert queue(venue, 1) == [first, second, later]
    quotes[BTC] = 58999.0
    assert [e.order_id for e in venue.advance(T0 + 3000, quotes)] == [first, second, later]


def test_best_price_and_watch_follow_the_book():
    venue, quotes = make_venue(spread={"kind": "constant", "bps": "2"})
    account = venue._account
    for side, price in [("BUY", "59000"), ("BUY", "59500"), ("BUY", "58000"), ("SELL", "61000"), ("SELL", "60800")]:
        placed(venue, side, "0.01", price)
    assert (account.resting.best(BTC, 1), account.resting.best(BTC, -1)) == (Decimal("59500"), Decimal("60800"))
    quotes[BTC] = 59400.0
    venue.advance(T0 + 1000, quotes)  # fills the 59500 buy: the next best takes over
    assert account.resting.best(BTC, 1) == Decimal("59000")
    venue.advance(T0 + 2000, quotes)  # rebuilds the watch from the book
    matcher, contract = venue._market.matcher, venue.contract(BTC)
    open_orders = list(account.open_orders.values())
    (symbol, buy_at, sell_at, *_), = account._watch
    assert symbol == BTC
    assert buy_at == max(matcher.watch_threshold(contract, 1, o.price) for o in open_orders if o.direction > 0)
    assert sell_at == min(matcher.watch_threshold(contract, -1, o.price) for o in open_orders if o.direction < 0)


place = st.tuples(st.just("place"), st.sampled_from([BTC, "ETH-USDT"]), st.sampled_from(["BUY", "SELL"]),
                 st.integers(0, 30), st.sampled_from(["0.01", "0.02", "0.05"]))
cancel = st.tuples(st.just("cancel"), st.integers(0, 1000))
move = st.tuples(st.just("move"), st.integers(-300, 300))
actions = st.lists(st.one_of(place, place, cancel, move), min_size=10, max_size=60)  # twice as many places


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(actions)
def test_book_and_open_orders_agree_after_any_sequence(steps):
    venue, quotes = make_venue(fill={"kind": "fraction", "fraction": "0.5"})
    account = venue._account
    base = dict(quotes)
    placed_ids: list[tuple[str, int]] = []
    for i, (kind, *args) in enumerate(steps):
        if kind == "place":
            symbol, side, away, btc_qty = args  # away: per mille on the passive side of the start price
            price = base[symbol] * (1 - away / 1000 if side == "BUY" else 1 + away / 1000)
            qty = f"{Decimal(btc_qty) * 60000 / Decimal(base[symbol]):.4f}"
            reply = limit(venue, side, qty, f"{price:.2f}", symbol=symbol)
            if reply["code"] == 0:
                placed_ids.append((symbol, reply["data"]["order"]["orderId"]))
        elif kind == "cancel" and placed_ids:
            symbol, order_id = placed_ids[args[0] % len(placed_ids)]
            venue.cancel_order(symbol=symbol, orderId=order_id)
        elif kind == "move":
            for symbol in base:
                quotes[symbol] = base[symbol] * (1 + args[0] / 10_000)
            venue.advance(T0 + i + 1, quotes)
        assert account.resting.mismatches(account.open_orders) == []
        for symbol in (BTC, "ETH-USDT"):
            for d in (1, -1):
                working = sorted((o for o in account.open_orders.values()
                                  if o.symbol == symbol and o.direction == d),
                                 key=lambda o: (-d * o.price, o.order_id))
                assert queue(venue, d, symbol) == [o.order_id for o in working]
                assert account.resting.best(symbol, d) == (working[0].price if working else None)
    assert venue.reconcile().ok
