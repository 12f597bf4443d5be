"""ccxt.pro's bingx against the live server's WebSocket streams: every watch method it has for
swaps, each checked against the venue's numbers over REST at the same step (the admin endpoint
moves prices, ccxt's REST create_order trades)."""
from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable

from rest_kit import ALICE, BTC, START_MS, advance
from stream_kit import hub_of, pro_exchange, run, subscribed, until, user_stream_open

import ccxt.pro as ccxtpro

from exchange_mock.rest import VenueHost

MIN = 60_000


async def pushed(ex: ccxtpro.bingx, watch: Awaitable[Any], message_hash: str, act: Callable[[], Any],
                 ready: Callable[[], Awaitable[None]] | None = None) -> Any:
    """Start ``watch``, wait until ccxt waits on ``message_hash`` (and ``ready``: ccxt waits
    before its connection is up), then ``act`` (a step or an order): the watch answers with the
    push that ``act`` caused, not an earlier one."""
    task = asyncio.ensure_future(watch)
    await until(lambda: any(message_hash in c.futures for c in ex.clients.values()) or task.done(), message_hash)
    if ready is not None:
        await ready()
    assert not task.done(), "the watch answered before the action"
    result = act()
    if asyncio.iscoroutine(result):
        await result
    return await asyncio.wait_for(task, 10)


def test_watch_ticker_is_fetch_ticker_at_the_same_step(server: str, host: VenueHost) -> None:
    advance(server, START_MS, {"BTC-USDT": 60000.0})

    async def body() -> None:
        async with pro_exchange(server, ALICE) as ex:
            first = await ex.watch_ticker(BTC)  # the subscription's first push: the current step
            assert (first["last"], first["timestamp"]) == (60000.0, START_MS)
            filled = await pushed(ex, ex.watch_ticker(BTC), f"ticker::{BTC}",  # a fill moves the volume
                                  lambda: ex.create_order(BTC, "market", "buy", 0.01))
            assert (filled["last"], filled["baseVolume"], filled["quoteVolume"]) == (60000.0, 0.01, 600.0)
            ticker = await pushed(ex, ex.watch_ticker(BTC), f"ticker::{BTC}",
                                  lambda: advance(server, START_MS + 20_000, {"BTC-USDT": 60100.0}))
            rest = await ex.fetch_ticker(BTC)
            fields = ("last", "open", "high", "low", "bid", "ask", "bidVolume", "askVolume", "change",
                      "baseVolume", "quoteVolume", "timestamp")
            assert {f: ticker[f] for f in fields} == {f: rest[f] for f in fields}
            assert (ticker["last"], ticker["high"], ticker["low"]) == (60100.0, 60100.0, 60000.0)
            assert (ticker["baseVolume"], ticker["quoteVolume"]) == (0.01, 600.0)
            await asyncio.wait_for(ex.un_watch_ticker(BTC), 10)  # unsub, answered with the ack ccxt awaits
            await until(lambda: host.run(lambda: all(not c.topics for c in hub_of(host).connections)), "the unsub")
    run(body)


def test_watch_ohlcv_builds_the_klines_fetch_ohlcv_serves(server: str, host: VenueHost) -> None:
    advance(server, START_MS, {"BTC-USDT": 60000.0})
    steps = [(20_000, 60100.0), (40_000, 59900.0), (70_000, 60050.0)]

    async def body() -> None:
        async with pro_exchange(server, ALICE) as ex:
            first = await ex.watch_ohlcv(BTC, "1m")
            assert first == [[START_MS, 60000.0, 60000.0, 60000.0, 60000.0, 0.0]]
            for offset, price in steps:
                await pushed(ex, ex.watch_ohlcv(BTC, "1m"), f"ohlcv::{BTC}::1m",
                             lambda: advance(server, START_MS + offset, {"BTC-USDT": price}))
            streamed = list(ex.ohlcvs[BTC]["1m"])
            assert streamed == [[START_MS, 60000.0, 60100.0, 59900.0, 59900.0, 0.0],
                                [START_MS + MIN, 60050.0, 60050.0, 60050.0, 60050.0, 0.0]]
            assert streamed == await ex.fetch_ohlcv(BTC, "1m")
            hourly = await ex.watch_ohlcv(BTC, "1h")  # another interval: its own topic, first push now
            assert hourly == [[START_MS, 60000.0, 60100.0, 59900.0, 60050.0, 0.0]]
    run(body)


def test_watch_order_book_is_the_rest_depth(server: str, host: VenueHost) -> None:
    advance(server, START_MS, {"BTC-USDT": 60000.0})

    async def body() -> None:
        async with pro_exchange(server, ALICE) as ex:
            await ex.watch_order_book(BTC)
            book = await pushed(ex, ex.watch_order_book(BTC), f"orderbook::{BTC}",
                                lambda: advance(server, START_MS + 1000, {"BTC-USDT": 61000.0}))
            rest = await ex.fetch_order_book(BTC, 100)
            assert (book["bids"], book["asks"]) == (rest["bids"], rest["asks"])
            assert len(book["bids"]) == 100 and book["bids"][0][0] == 61000.0
            assert book["timestamp"] == START_MS + 1000
    run(body)


def test_watch_trades_pushes_the_venue_fills_as_fetch_trades_lists_them(server: str, host: VenueHost) -> None:
    advance(server, START_MS, {"BTC-USDT": 60000.0})

    async def body() -> None:
        async with pro_exchange(server, ALICE) as ex:
            task = asyncio.ensure_future(ex.watch_trades(BTC))
            await subscribed(host, "BTC-USDT@trade")
            await ex.create_order(BTC, "market", "sell", 0.02)
            [trade] = await asyncio.wait_for(task, 10)
            [rest] = await ex.fetch_trades(BTC)
            assert (trade["price"], trade["amount"], trade["timestamp"], trade["side"]) == (
                rest["price"], rest["amount"], rest["timestamp"], rest["side"]) == (60000.0, 0.02, START_MS, "sell")
    run(body)


def test_the_user_stream_reports_orders_fills_balance_and_positions(server: str, host: VenueHost) -> None:
    advance(server, START_MS, {"BTC-USDT": 60000.0})

    async def body() -> None:
        async with pro_exchange(server, ALICE) as ex:
            ex.options["watchBalance"]["fetchBalanceSnapshot"] = False  # only what the stream says
            ex.options["watchPositions"]["fetchPositionsSnapshot"] = False
            placed = await pushed(ex, ex.watch_orders(BTC), f"swap:order:{BTC}",
                                  lambda: ex.create_order(BTC, "limit", "buy", 0.01, 59000),
                                  lambda: user_stream_open(host, ALICE))
            [new] = placed
            assert (new["status"], new["price"], new["amount"], new["filled"]) == ("open", 59000.0, 0.01, 0.0)

            watches = [asyncio.ensure_future(w) for w in (ex.watch_orders(BTC), ex.watch_my_trades(BTC),
                                                          ex.watch_balance(), ex.watch_positions([BTC]))]
            await user_stream_open(host, ALICE)
            await until(lambda: all(any(h in c.futures for c in ex.clients.values()) for h in (
                f"swap:order:{BTC}", f"swap:mytrades:{BTC}", "swap:balance", f"swap:positions::{BTC}")),
                "the four watches")
            advance(server, START_MS + 5000, {"BTC-USDT": 58900.0})  # the resting buy fills at 59000
            orders, trades, balance, positions = await asyncio.wait_for(asyncio.gather(*watches), 10)

            [filled] = [o for o in orders if o["id"] == new["id"]]
            rest_order = await ex.fetch_order(new["id"], BTC)
            assert (filled["status"], filled["filled"], filled["average"]) == ("closed", 0.01, 59000.0)
            assert filled["fee"]["cost"] == rest_order["fee"]["cost"]
            [trade] = trades
            [rest_trade] = await ex.fetch_my_trades(BTC, since=START_MS, params={"until": START_MS + MIN})
            assert (trade["id"], trade["order"], trade["price"], trade["amount"], trade["fee"]) == (
                rest_trade["id"], rest_trade["order"], rest_trade["price"], rest_trade["amount"], rest_trade["fee"])
            assert (trade["price"], trade["fee"]["cost"], trade["takerOrMaker"]) == (59000.0, 0.118, "maker")

            rest_balance = (await ex.fetch_balance())["info"]["data"][0]
            assert balance["USDT"]["free"] == float(rest_balance["balance"]) == 10000 - 0.118  # ccxt reads wb as free
            assert balance["info"][0]["cw"] == rest_balance["availableMargin"]
            [position] = positions
            [rest_position] = await ex.fetch_positions([BTC])
            fields = ("side", "contracts", "entryPrice", "marginMode")
            assert [position[f] for f in fields] == [rest_position[f] for f in fields] == [
                "long", 0.01, 59000.0, "isolated"]
            assert position["unrealizedPnl"] == rest_position["unrealizedPnl"] == -1.0  # (58900 - 59000) * 0.01
    run(body)


def test_the_user_stream_reports_cancels_and_closed_positions(server: str, host: VenueHost) -> None:
    advance(server, START_MS, {"BTC-USDT": 60000.0})

    async def body() -> None:
        async with pro_exchange(server, ALICE) as ex:
            ex.options["watchPositions"]["fetchPositionsSnapshot"] = False
            resting = await pushed(ex, ex.watch_orders(BTC), f"swap:order:{BTC}",
                                   lambda: ex.create_order(BTC, "limit", "buy", 0.01, 50000),
                                   lambda: user_stream_open(host, ALICE))
            [cancelled] = await pushed(ex, ex.watch_orders(BTC), f"swap:order:{BTC}",
                                       lambda: ex.cancel_order(resting[0]["id"], BTC))
            assert (cancelled["id"], cancelled["status"], cancelled["filled"]) == (resting[0]["id"], "canceled", 0.0)

            [opened] = await pushed(ex, ex.watch_positions([BTC]), f"swap:positions::{BTC}",
                                    lambda: ex.create_order(BTC, "market", "sell", 0.02))
            assert (opened["side"], opened["contracts"], opened["entryPrice"]) == ("short", 0.02, 60000.0)
            [closed] = await pushed(ex, ex.watch_positions([BTC]), f"swap:positions::{BTC}",
                                    lambda: ex.create_order(BTC, "market", "buy", 0.02, None, {"reduceOnly": True}))
            assert (closed["side"], closed["contracts"]) == ("short", 0.0)
            assert await ex.fetch_positions([BTC]) == []
    run(body)
