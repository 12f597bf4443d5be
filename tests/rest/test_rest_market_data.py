"""ccxt's bingx market-data methods against a live server: klines, tickers, the synthetic book,
public trades, funding-rate history and open interest, each checked against the prices the
venue was advanced to and the venue's own fills, positions and funding settlements."""
from __future__ import annotations

from decimal import Decimal
from typing import Iterator

import ccxt
import pytest
from rest_kit import ALICE, BOB, BTC, START_MS, TestClock, advance, exchange, live_exchange, live_server

from exchange_mock import Venue, VenueConfig
from exchange_mock.events import FundingSettlement
from exchange_mock.models.spread import ConstantSpread
from exchange_mock.rest import VenueHost

ETH = "ETH/USDT:USDT"
MIN = 60_000
HOUR = 60 * MIN


@pytest.fixture
def spread_host() -> VenueHost:
    """A venue quoting a 10 bps spread: bid = floor(last * 0.9995), ask = ceil(last * 1.0005)."""
    return VenueHost(Venue(VenueConfig(seed=7, spread=ConstantSpread(bps=Decimal(10)))), (ALICE, BOB))


@pytest.fixture
def spread_server(spread_host: VenueHost, clock: TestClock) -> Iterator[str]:
    with live_server(spread_host, clock) as base_url:
        yield base_url


def _replay(server: str) -> None:
    """Five steps over three minutes; the last prices make the klines below, the marks differ."""
    steps = [(0, 60000.0, 60010.0), (20_000, 60100.0, 60090.0), (40_000, 59900.0, 59950.0),
             (70_000, 60050.0, 60040.0), (130_000, 60200.0, 60210.0)]
    for offset, last, mark in steps:
        advance(server, START_MS + offset, {"BTC-USDT": last, "ETH-USDT": 3000.0}, {"BTC-USDT": mark})


def test_klines_are_the_served_prices_with_the_fills_as_volume(server: str, host: VenueHost) -> None:
    ex = exchange(server, ALICE)
    advance(server, START_MS, {"BTC-USDT": 60000.0, "ETH-USDT": 3000.0}, {"BTC-USDT": 60010.0})
    ex.create_order(BTC, "market", "buy", 0.01)  # at 60000, in the first minute
    _replay(server)
    [fill] = host.accounts[ALICE.api_key].fills
    assert (fill.ts_ms, fill.quantity, fill.price) == (START_MS, Decimal("0.01"), Decimal("60000"))

    assert ex.fetch_ohlcv(BTC, "1m") == [
        [START_MS, 60000.0, 60100.0, 59900.0, 59900.0, 0.01],
        [START_MS + MIN, 60050.0, 60050.0, 60050.0, 60050.0, 0.0],
        [START_MS + 2 * MIN, 60200.0, 60200.0, 60200.0, 60200.0, 0.0],
    ]
    assert ex.fetch_ohlcv(BTC, "3m") == [[START_MS, 60000.0, 60200.0, 59900.0, 60200.0, 0.01]]
    assert ex.fetch_ohlcv(BTC, "1m", since=START_MS + MIN, limit=1) == [
        [START_MS + MIN, 60050.0, 60050.0, 60050.0, 60050.0, 0.0]]
    assert ex.fetch_ohlcv(BTC, "1m", limit=1)[0][0] == START_MS + 2 * MIN  # without since: the latest
    assert ex.fetch_mark_ohlcv(BTC, "1m") == [
        [START_MS, 60010.0, 60090.0, 59950.0, 59950.0, 0.01],
        [START_MS + MIN, 60040.0, 60040.0, 60040.0, 60040.0, 0.0],
        [START_MS + 2 * MIN, 60210.0, 60210.0, 60210.0, 60210.0, 0.0],
    ]
    assert ex.fetch_ohlcv(ETH, "1d") == [[START_MS, 3000.0, 3000.0, 3000.0, 3000.0, 0.0]]
    assert host.accounts[ALICE.api_key].reconcile().ok


def test_tickers_are_the_last_24_hours_of_served_prices(server: str) -> None:
    ex = exchange(server, ALICE)
    advance(server, START_MS, {"BTC-USDT": 60000.0, "ETH-USDT": 3000.0})
    ex.create_order(BTC, "market", "buy", 0.01)
    _replay(server)
    ticker = ex.fetch_ticker(BTC)
    assert (ticker["open"], ticker["high"], ticker["low"], ticker["last"]) == (60000.0, 60200.0, 59900.0, 60200.0)
    assert (ticker["change"], ticker["percentage"]) == (200.0, 0.33)  # 200 / 60000 = 0.333 %
    assert (ticker["baseVolume"], ticker["quoteVolume"]) == (0.01, 600.0)
    assert (ticker["bid"], ticker["ask"], ticker["timestamp"]) == (60200.0, 60200.0, START_MS + 130_000)
    tickers = ex.fetch_tickers([BTC, ETH])
    assert (tickers[BTC]["last"], tickers[ETH]["last"]) == (60200.0, 3000.0)

    advance(server, START_MS + 24 * HOUR + 3 * MIN, {"BTC-USDT": 61000.0})  # a day later: the old bars drop out
    later = ex.fetch_ticker(BTC)
    assert (later["open"], later["high"], later["low"], later["baseVolume"]) == (61000.0, 61000.0, 61000.0, 0.0)


def test_the_book_is_the_spread_model_quote_with_synthetic_depth(spread_server: str) -> None:
    ex = exchange(spread_server, ALICE)
    advance(spread_server, START_MS, {"BTC-USDT": 60000.0})
    book = ex.fetch_order_book(BTC, 5)
    # bid = floor(60000 * 0.9995) = 59970.0, ask = ceil(60000 * 1.0005) = 60030.0, one tick (0.1) per level;
    # size = floor(10000 / 59970, 0.0001) = 0.1667 and floor(10000 / 60030, 0.0001) = 0.1665
    assert book["bids"] == [[59970.0, 0.1667], [59969.9, 0.1667], [59969.8, 0.1667], [59969.7, 0.1667],
                            [59969.6, 0.1667]]
    assert book["asks"] == [[60030.0, 0.1665], [60030.1, 0.1665], [60030.2, 0.1665], [60030.3, 0.1665],
                            [60030.4, 0.1665]]
    assert book["timestamp"] == START_MS and len(ex.fetch_order_book(BTC)["bids"]) == 20
    quote = ex.fetch_bids_asks([BTC])[BTC]
    assert (quote["bid"], quote["bidVolume"], quote["ask"], quote["askVolume"]) == (59970.0, 0.1667, 60030.0, 0.1665)
    buy = ex.create_order(BTC, "market", "buy", 0.01)
    assert buy["average"] == quote["ask"]  # a market buy fills at the book's best ask


def test_public_trades_are_the_venue_fills(spread_server: str, spread_host: VenueHost) -> None:
    alice, bob = exchange(spread_server, ALICE), exchange(spread_server, BOB)
    advance(spread_server, START_MS, {"BTC-USDT": 60000.0})
    alice.create_order(BTC, "market", "buy", 0.01)
    bob.create_order(BTC, "limit", "sell", 0.02, 60100)
    advance(spread_server, START_MS + 1000, {"BTC-USDT": 60200.0})  # bid 60169.8 crosses Bob's 60100: maker fill
    trades = alice.fetch_trades(BTC)
    fills = sorted(spread_host.accounts[ALICE.api_key].fills + spread_host.accounts[BOB.api_key].fills,
                   key=lambda f: f.ts_ms)
    assert [(t["timestamp"], t["price"], t["amount"]) for t in trades] == [
        (f.ts_ms, float(f.price), float(f.quantity)) for f in fills]
    assert [f.liquidity for f in fills] == ["TAKER", "MAKER"]
    # a public trade's side is the aggressor's: Alice bought at the ask; Bob's resting sell was bought from
    assert [(t["side"], t["price"], t["takerOrMaker"]) for t in trades] == [
        ("buy", 60030.0, "taker"), ("buy", 60100.0, "taker")]
    assert trades[1]["cost"] == 0.02 * 60100
    assert [t["price"] for t in alice.fetch_trades(BTC, limit=1)] == [60100.0]
    for host_account in spread_host.accounts.values():
        assert host_account.reconcile().ok


def test_funding_rate_history_lists_the_settlements_crossed(server: str, host: VenueHost) -> None:
    ex = exchange(server, ALICE)
    advance(server, START_MS, {"BTC-USDT": 60000.0})
    ex.create_order(BTC, "market", "buy", 0.01)
    advance(server, START_MS + 17 * HOUR, {"BTC-USDT": 60000.0})  # crosses 08:00 and 16:00
    history = ex.fetch_funding_rate_history(BTC)
    settled = [e for e in host.accounts[ALICE.api_key].events if isinstance(e, FundingSettlement)]
    assert [(h["timestamp"], h["fundingRate"]) for h in history] == [
        (e.ts_ms, float(e.rate)) for e in settled] == [(START_MS + 8 * HOUR, 0.0001), (START_MS + 16 * HOUR, 0.0001)]
    assert [h["timestamp"] for h in ex.fetch_funding_rate_history(BTC, since=START_MS + 9 * HOUR)] == [
        START_MS + 16 * HOUR]
    assert host.accounts[ALICE.api_key].reconcile().ok


def test_open_interest_is_the_open_positions_at_the_mark(server: str, host: VenueHost) -> None:
    alice, bob = exchange(server, ALICE), exchange(server, BOB)
    advance(server, START_MS, {"BTC-USDT": 60000.0}, {"BTC-USDT": 60010.0})
    assert alice.fetch_open_interest(BTC)["openInterestValue"] == 0.0
    alice.create_order(BTC, "market", "buy", 0.01)
    bob.create_order(BTC, "market", "sell", 0.02)
    interest = alice.fetch_open_interest(BTC)
    assert (interest["openInterestValue"], interest["timestamp"]) == (0.03 * 60010, START_MS)
    for account in host.accounts.values():
        assert account.reconcile().ok


def test_a_symbol_without_a_price_is_refused(server: str) -> None:
    ex = exchange(server, ALICE)
    advance(server, START_MS, {"BTC-USDT": 60000.0})
    with pytest.raises(ccxt.BadRequest, match="no price for ETH-USDT"):
        ex.fetch_order_book(ETH)
    with pytest.raises(ccxt.BadRequest, match="limit must be 1-1440"):
        ex.fetch_ohlcv(BTC, "1m", params={"limit": 5000})


def test_load_markets_outside_sandbox_mode(server: str) -> None:
    """ccxt's live-mode sequence: wallet coins, swap contracts, coin-M contracts, spot pairs."""
    ex = live_exchange(server, ALICE)
    advance(server, START_MS, {"BTC-USDT": 60000.0})
    markets = ex.load_markets()
    assert BTC in markets and markets[BTC]["active"] and markets[BTC]["precision"]["price"] == 0.1
    assert all(m["swap"] and m["linear"] for m in markets.values())
    assert len(markets) == len(exchange(server, ALICE).load_markets())  # the same contracts as in sandbox mode
    assert ex.fetch_ticker(BTC)["last"] == 60000.0
    assert ex.fetch_balance()["USDT"]["free"] == 10000.0


def test_a_venue_used_directly_records_no_tape_and_says_so() -> None:
    """A simulation's venue keeps ``advance`` free of recording; its klines answer 109400."""
    venue = Venue(VenueConfig(seed=7))
    venue.advance(START_MS, {"BTC-USDT": 60000.0})
    reply = venue.klines(symbol="BTC-USDT", interval="1m")
    assert (reply["code"], reply["msg"]) == (109400, "klines need the market tape, which this venue does not record")
    assert venue.book_ticker(symbol="BTC-USDT")["data"]["book_ticker"]["bid_price"] == "60000.0"
    venue.record_market()
    venue.advance(START_MS + 1000, {"BTC-USDT": 60100.0})
    assert [k["open"] for k in venue.klines(symbol="BTC-USDT", interval="1m")["data"]] == ["60100.0"]


def test_funding_history_lists_each_symbols_own_settlements() -> None:
    """ETH settles every 4 h, BTC every 8 h: the tape steps the 4 h grid, BTC's history keeps 8 h."""
    from exchange_mock.models.funding import SeriesFunding
    funding = SeriesFunding(intervals={"ETH-USDT": 4}, default_rate=Decimal("0.0002"))
    venue = Venue(VenueConfig(seed=7, funding=funding))
    venue.record_market()
    venue.advance(START_MS, {"BTC-USDT": 60000.0, "ETH-USDT": 3000.0})
    venue.advance(START_MS + 17 * HOUR, {"BTC-USDT": 60000.0, "ETH-USDT": 3000.0})
    times = {s: [h["fundingTime"] for h in venue.funding_rate_history(symbol=s)["data"]] for s in ("BTC-USDT", "ETH-USDT")}
    assert times == {"BTC-USDT": [START_MS + 8 * HOUR, START_MS + 16 * HOUR],
                     "ETH-USDT": [START_MS + h * HOUR for h in (4, 8, 12, 16)]}


def test_a_recording_venue_is_never_skipped_and_a_switch_bounds_the_skip() -> None:
    """A simulator may skip quiet ``advance`` calls only when skipping changes nothing: not while
    the tape records every step, nor past a dead man's switch's expiry (its market time)."""
    venue = Venue(VenueConfig(seed=7))
    venue.open_account("a", Decimal(1000))
    venue.advance(START_MS, {"BTC-USDT": 60000.0})
    watch = venue.quiet_watch()
    assert watch is not None and watch.next_timed_ms == START_MS + 8 * HOUR  # the next funding tick
    venue.account("a").cancel_all_after(type="ACTIVATE", timeOut=30)
    assert venue.quiet_watch().next_timed_ms == START_MS + 30_000
    venue.account("a").cancel_all_after(type="CLOSE", timeOut=0)
    assert venue.quiet_watch().next_timed_ms == START_MS + 8 * HOUR
    venue.record_market()
    assert venue.quiet_watch() is None
