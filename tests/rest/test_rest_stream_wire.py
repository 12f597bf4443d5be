"""The streams at the wire, with the ``websockets`` client: gzip binary frames, the Ping/Pong
heartbeat, answers to bad requests and listen keys, clients that leave mid-push or fall behind,
equal frames for equal steps, and pushes from the scan replay thread. The listen-key calls over
raw HTTP, with the key header alone as BingX documents them."""
from __future__ import annotations

import asyncio
import gzip
import json
import threading
from typing import Any, Iterator

import ccxt
import httpx
import pytest
import websockets
from rest_kit import ALICE, BOB, START_MS, TestClock, advance, exchange, live_server, make_host, signed_query
from stream_kit import TIMEOUT_S, hub_of, run, stream_url, subscribed, until

from exchange_mock.rest import VenueHost
from exchange_mock.rest.listen_keys import MAX_KEYS_PER_ACCOUNT, PATH, TTL_MS
from exchange_mock.rest.streams import Connection, StreamSettings

from sim.harness.venue_server import ScanReplay
from sim.scans.synthetic import SyntheticConfig, SyntheticScanSource

HEARTBEAT = StreamSettings(ping_interval_s=0.1, pong_timeout_s=1.0)


@pytest.fixture
def quick_server(host: VenueHost, clock: TestClock) -> Iterator[str]:
    """A server whose heartbeat runs in tenths of a second."""
    with live_server(host, clock, streams=HEARTBEAT) as base_url:
        yield base_url


def _key(server: str, api_key: str = ALICE.api_key) -> str:
    reply = httpx.post(f"{server}{PATH}", headers={"X-BX-APIKEY": api_key}, timeout=10)
    assert reply.status_code == 200, reply.text
    assert set(reply.json()) == {"listenKey"}
    return str(reply.json()["listenKey"])


async def _next(ws: Any) -> Any:
    """The next frame other than Ping, decompressed; every frame must be gzip binary."""
    while True:
        data = await asyncio.wait_for(ws.recv(), TIMEOUT_S)
        assert isinstance(data, bytes), f"a text frame: {data!r}"
        text = gzip.decompress(data).decode()
        if text != "Ping":
            return json.loads(text)


def test_a_listen_key_opens_with_the_key_header_lives_an_hour_and_puts_extend_it(server: str,
                                                                                clock: TestClock) -> None:
    key = _key(server)
    assert len(key) == 64 and int(key, 16) >= 0
    headers = {"X-BX-APIKEY": ALICE.api_key}
    clock.offset_ms = TTL_MS - 1000
    assert httpx.put(f"{server}{PATH}?listenKey={key}", headers=headers).json() == {"code": 0, "msg": ""}
    clock.offset_ms = TTL_MS + 1000  # past the first hour, within the extended one
    assert httpx.put(f"{server}{PATH}?listenKey={key}", headers=headers).status_code == 200
    bob = httpx.delete(f"{server}{PATH}?listenKey={key}", headers={"X-BX-APIKEY": BOB.api_key})
    assert (bob.status_code, bob.json()["code"]) == (404, 404)  # another account's key is no key of Bob's
    assert httpx.delete(f"{server}{PATH}?listenKey={key}", headers=headers).status_code == 200
    gone = httpx.put(f"{server}{PATH}?listenKey={key}", headers=headers)
    assert (gone.status_code, gone.json()["code"]) == (404, 404)
    clock.offset_ms = 0
    expiring = _key(server)
    clock.offset_ms = TTL_MS
    assert httpx.put(f"{server}{PATH}?listenKey={expiring}", headers=headers).status_code == 404
    keys, extended = [], []
    for _ in range(MAX_KEYS_PER_ACCOUNT + 1):  # one more than an account may hold, a second apart (5/s)
        clock.offset_ms += 1000
        keys.append(_key(server))
    for minted in keys:
        clock.offset_ms += 1000
        extended.append(httpx.put(f"{server}{PATH}?listenKey={minted}", headers=headers).status_code)
    assert extended == [404] + [200] * MAX_KEYS_PER_ACCOUNT  # the oldest was retired


def test_the_listen_key_calls_check_a_key_and_a_signature_when_one_is_sent(server: str, clock: TestClock) -> None:
    assert httpx.post(f"{server}{PATH}").json()["code"] == 100413
    assert httpx.post(f"{server}{PATH}", headers={"X-BX-APIKEY": "nobody"}).json()["code"] == 100413
    forged = signed_query(ALICE, {}, clock()).replace("signature=", "signature=0")
    assert httpx.post(f"{server}{PATH}?{forged}", headers={"X-BX-APIKEY": ALICE.api_key}).json()["code"] == 100001
    missing = httpx.put(f"{server}{PATH}", headers={"X-BX-APIKEY": ALICE.api_key}).json()
    assert missing["code"] == 80014 and "listenKey" in missing["msg"]
    ex = exchange(server, ALICE)  # ccxt signs all three, as its keep-alive does every 59 minutes
    key = ex.userAuthPrivatePostUserDataStream()["listenKey"]
    assert ex.userAuthPrivatePutUserDataStream({"listenKey": key}) == {"code": 0, "msg": ""}
    assert ex.userAuthPrivateDeleteUserDataStream({"listenKey": key}) == {"code": 0, "msg": ""}
    with pytest.raises(ccxt.BadRequest):  # HTTP 404, code 404: ccxt's BadRequest
        ex.userAuthPrivatePutUserDataStream({"listenKey": key})


def test_frames_are_gzip_binary_and_the_server_pings_until_no_pong_comes(quick_server: str, host: VenueHost) -> None:
    advance(quick_server, START_MS, {"BTC-USDT": 60000.0})

    async def body() -> None:
        async with websockets.connect(stream_url(quick_server)) as ws:
            await ws.send(json.dumps({"id": "t1", "reqType": "sub", "dataType": "BTC-USDT@ticker"}))
            assert await _next(ws) == {"id": "t1", "code": 0, "msg": "", "dataType": "", "data": None}
            assert (await _next(ws))["data"]["c"] == "60000.0"
            for _ in range(15):  # 1.5 s of heartbeat, answered: longer than the 1 s Pong timeout
                data = await asyncio.wait_for(ws.recv(), TIMEOUT_S)
                assert gzip.decompress(data) == b"Ping"
                await ws.send("Pong")
            with pytest.raises(websockets.ConnectionClosed) as closed:
                while True:  # no more Pongs: the server closes
                    await asyncio.wait_for(ws.recv(), TIMEOUT_S)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
            assert "Pong" in closed.value.rcvd.reason
    run(body)


def test_bad_requests_are_answered_80014_and_the_connection_stays(server: str, host: VenueHost) -> None:
    advance(server, START_MS, {"BTC-USDT": 60000.0})
    bad = ["not json", json.dumps([1]), json.dumps({"id": "a", "reqType": "pub", "dataType": "BTC-USDT@ticker"}),
           json.dumps({"id": "b", "reqType": "sub", "dataType": "BTC-USDT@kline_7m"}),
           json.dumps({"id": "c", "reqType": "sub", "dataType": "NOPE-USDT@ticker"}),
           json.dumps({"id": "d", "reqType": "sub", "dataType": "BTC-USDT@depth7"}),
           json.dumps({"id": "e", "reqType": "sub", "dataType": ["BTC-USDT@ticker"]}),
           json.dumps({"id": "f", "reqType": "unsub", "dataType": 3}),
           "[" * 2000 + "]" * 2000, "x" * 5000]

    async def body() -> None:
        async with websockets.connect(stream_url(server)) as ws:
            for request in bad:
                await ws.send(request)
                answer = await _next(ws)
                assert answer["code"] == 80014 and answer["msg"], (request, answer)
            assert answer["id"] == ""  # the oversized text was not read for an id to echo
            await ws.send(json.dumps({"id": 7, "reqType": "sub", "dataType": "BTC-USDT@depth5@500ms"}))
            assert (await _next(ws))["id"] == "7"
            book = await _next(ws)
            assert (book["dataType"], len(book["data"]["bids"]), book["ts"]) == ("BTC-USDT@depth5@500ms", 5, START_MS)
            await ws.send(json.dumps({"id": "u", "reqType": "unsub", "dataType": "BTC-USDT@depth5@500ms"}))
            assert (await _next(ws))["id"] == "u"
            await until(lambda: host.run(lambda: all(not c.topics for c in hub_of(host).connections)), "the unsub")
    run(body)


def test_a_bad_or_expired_listen_key_is_answered_100413_and_closed(server: str, host: VenueHost,
                                                                   clock: TestClock) -> None:
    advance(server, START_MS, {"BTC-USDT": 60000.0})
    key = _key(server)

    async def refused(listen_key: str) -> None:
        async with websockets.connect(f"{stream_url(server)}?listenKey={listen_key}") as ws:
            assert (await _next(ws))["code"] == 100413
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), TIMEOUT_S)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008

    async def body() -> None:
        await refused("0" * 64)
        async with websockets.connect(f"{stream_url(server)}?listenKey={key}") as ws:
            await until(lambda: host.run(lambda: bool(hub_of(host).connections)), "the user stream")
            clock.offset_ms = TTL_MS  # the key expires; the next push says so and closes
            advance(server, START_MS + 1000, {"BTC-USDT": 60010.0})
            assert await _next(ws) == {"e": "listenKeyExpired", "E": START_MS + 1000, "listenKey": key}
            with pytest.raises(websockets.ConnectionClosed):
                await asyncio.wait_for(ws.recv(), TIMEOUT_S)
        await refused(key)
    run(body)


def test_clients_that_leave_mid_push_end_only_their_own_connection(server: str, host: VenueHost) -> None:
    advance(server, START_MS, {"BTC-USDT": 60000.0})
    topics = ["BTC-USDT@ticker", "BTC-USDT@depth100", "BTC-USDT@kline_1m", "BTC-USDT@trade"]

    async def body() -> None:
        async with websockets.connect(stream_url(server)) as stays:
            await stays.send(json.dumps({"id": "s", "reqType": "sub", "dataType": "BTC-USDT@ticker"}))
            for _ in range(3):
                leaving = await websockets.connect(stream_url(server))
                for topic in topics:
                    await leaving.send(json.dumps({"id": topic, "reqType": "sub", "dataType": topic}))
                await subscribed(host, "BTC-USDT@trade")
                leaving.transport.abort()  # gone without a close handshake, pushes still queued
            for i in range(1, 30):
                advance(server, START_MS + i * 1000, {"BTC-USDT": 60000.0 + i})
            await until(lambda: host.run(lambda: len(hub_of(host).connections) == 1), "the leavers to be dropped")
            seen = [await _next(stays) for _ in range(31)]  # ack, first value, a push per step
            assert [m["data"]["c"] for m in seen[1:]] == [f"{60000 + i}.0" for i in range(30)]
    run(body)


def test_the_same_steps_give_the_same_frames_on_two_servers(clock: TestClock) -> None:
    """No wall clock and no randomness in a market push: two servers, one set of steps, equal bytes."""
    topics = ["BTC-USDT@ticker", "BTC-USDT@depth5", "BTC-USDT@kline_1m", "BTC-USDT@trade"]

    async def session(server: str, host: VenueHost) -> list[bytes]:
        async with websockets.connect(stream_url(server)) as ws:
            for topic in topics:
                await ws.send(json.dumps({"id": topic, "reqType": "sub", "dataType": topic}))
            await subscribed(host, "BTC-USDT@trade")
            exchange(server, ALICE).create_order("BTC/USDT:USDT", "market", "buy", 0.01)
            for i in range(1, 4):
                advance(server, START_MS + i * 20_000, {"BTC-USDT": 60000.0 + 10 * i})
            frames = []
            while len(frames) < 4 + 3 + 4 + 3 * 3:  # acks, first values, the fill's pushes, 3 steps
                data = await asyncio.wait_for(ws.recv(), TIMEOUT_S)
                if gzip.decompress(data) != b"Ping":
                    frames.append(data)
            return frames

    def record() -> list[bytes]:
        host = make_host()
        with live_server(host, clock) as server:
            advance(server, START_MS, {"BTC-USDT": 60000.0})
            return run(lambda: session(server, host))

    first = record()
    assert first == record()
    assert {json.loads(gzip.decompress(f)).get("dataType") for f in first} >= set(topics)


def test_a_client_that_falls_too_far_behind_is_closed_not_buffered() -> None:
    async def body() -> None:
        conn = Connection(asyncio.get_running_loop(), asyncio.Queue(3))
        for i in range(5):
            conn.push({"n": i})
        await asyncio.sleep(0.05)  # the pushes land on the loop
        queued = [conn.queue.get_nowait() for _ in range(conn.queue.qsize())]
        assert [gzip.decompress(q) for q in queued[:-1]] == [b'{"n":1}', b'{"n":2}'] and queued[-1] is None
        conn.push({"n": 5})  # nothing is queued after the end
        await asyncio.sleep(0.05)
        assert conn.queue.empty()
        assert conn.close_reason is not None and "too slow" in conn.close_reason
    asyncio.run(asyncio.wait_for(body(), TIMEOUT_S))


def test_the_scan_replay_thread_pushes_every_scan(server: str, host: VenueHost) -> None:
    source = SyntheticScanSource(SyntheticConfig(n_scans=40, n_assets=1, stablecoins=False, start_ms=START_MS),
                                 seed=3, batch_size=16)

    async def body() -> None:
        async with websockets.connect(stream_url(server)) as ws:
            await ws.send(json.dumps({"id": "r", "reqType": "sub", "dataType": "SYN00-USDT@ticker"}))
            assert (await _next(ws))["id"] == "r"  # no value yet: the symbol has no price before the replay
            replay = threading.Thread(target=ScanReplay(host, source.batches(), speed=1e9).run)
            replay.start()
            pushes = [await _next(ws) for _ in range(40)]
            replay.join(TIMEOUT_S)
            rest = httpx.get(f"{server}/openApi/swap/v2/quote/ticker?symbol=SYN00-USDT").json()["data"]
            assert [p["data"]["C"] for p in pushes] == [int(t) for b in source.batches() for t in b.ts_ms]
            assert pushes[-1]["data"]["c"] == rest["lastPrice"] and pushes[-1]["data"]["h"] == rest["highPrice"]
    run(body)


def test_funding_is_an_account_update_with_the_ledger_amount(server: str, host: VenueHost) -> None:
    advance(server, START_MS, {"BTC-USDT": 60000.0})
    key = _key(server)

    async def body() -> list[Any]:
        async with websockets.connect(f"{stream_url(server)}?listenKey={key}") as ws:
            await until(lambda: host.run(lambda: bool(hub_of(host).connections)), "the user stream")
            exchange(server, ALICE).create_order("BTC/USDT:USDT", "market", "buy", 0.01)
            advance(server, START_MS + 8 * 3_600_000, {"BTC-USDT": 60000.0})  # a funding settlement
            return [await _next(ws) for _ in range(4)]  # NEW, TRADE, ACCOUNT_UPDATE (the fill), the funding

    new, trade, opened, funded = run(body)
    assert [e["o"]["x"] for e in (new, trade)] == ["NEW", "TRADE"]
    assert (opened["a"]["m"], opened["a"]["P"][0]["pa"], opened["a"]["P"][0]["ps"]) == ("ORDER", "0.0100", "BOTH")
    [income] = host.accounts[ALICE.api_key].income(incomeType="FUNDING_FEE")["data"]
    [balance] = host.accounts[ALICE.api_key].balance()["data"]
    assert (funded["a"]["m"], funded["E"]) == ("FUNDING_FEE", START_MS + 8 * 3_600_000)
    assert funded["a"]["B"] == [{"a": "USDT", "wb": balance["balance"], "cw": balance["availableMargin"],
                                 "bc": income["income"]}]
    assert income["income"] == "-0.06"  # a long pays 0.0001 of 600 USDT


def test_orders_the_venue_ends_on_a_step_are_told_with_their_final_status(server: str, host: VenueHost) -> None:
    advance(server, START_MS, {"BTC-USDT": 60000.0})
    key = _key(server)
    ex = exchange(server, ALICE)

    async def body() -> list[Any]:
        async with websockets.connect(f"{stream_url(server)}?listenKey={key}") as ws:
            await until(lambda: host.run(lambda: bool(hub_of(host).connections)), "the user stream")
            ex.create_order("BTC/USDT:USDT", "limit", "buy", 0.01, 50000)
            ex.cancel_all_orders_after(10_000)  # the dead man's switch, in the venue's market time
            advance(server, START_MS + 10_000, {"BTC-USDT": 60000.0})
            return [await _next(ws) for _ in range(2)]

    placed, ended = run(body)
    [order] = host.accounts[ALICE.api_key].all_orders()["data"]["orders"]
    assert (placed["o"]["x"], placed["o"]["X"], placed["o"]["i"]) == ("NEW", "NEW", str(order["orderId"]))
    assert (ended["E"], ended["o"]["x"], ended["o"]["X"], ended["o"]["i"]) == (
        START_MS + 10_000, "CANCELED", order["status"], str(order["orderId"]))
    assert order["status"] == "CANCELLED"
