"""BingX's swap WebSocket on the REST server: the market stream and the user-data stream.

One path, ``STREAM_PATH`` (``/swap-market``, as BingX names it; ccxt tells the swap stream by
``swap`` in its URL). Without a query it is the market stream: a client sends
``{"id", "reqType": "sub"|"unsub", "dataType": "BTC-USDT@ticker"}`` and gets BingX's ack
``{"id", "code": 0, "msg": "", ...}``, then the topic's current value (if the symbol has a price)
and a push after every venue step (the scan replay or ``/admin/advance``) and every request
that filled an order. With ``?listenKey=<key>`` it is also the user-data stream of the key's
account: ORDER_TRADE_UPDATE and ACCOUNT_UPDATE events after every change of the account, with no
subscription needed, as BingX pushes them. Event times (``E``) are the venue's market time.

Every frame is binary, the gzip of the JSON text, as BingX sends them. The server sends
``Ping`` (gzipped too) every ``ping_interval_s`` and closes a connection that has not answered
``Pong`` within ``pong_timeout_s``. A request the server cannot serve is answered, never
dropped: 80014 with a message for a bad message, dataType or reqType; a bad or expired listen key
is answered 100413 and the connection closed (code 1008). A client too slow to take its pushes
(``max_queued_frames`` waiting) is closed with 1008 rather than let memory grow.

Pushes are built under the host's lock, in whichever thread moved the venue, and handed to the
connection's queue on the server's event loop; a client that goes away mid-push only ends its
own connection.
"""
from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field
from typing import Callable

from starlette.websockets import WebSocket, WebSocketDisconnect

from exchange_mock.endpoints.market_history import MAX_TRADES, trade_row
from exchange_mock.rest.auth import AuthCode
from exchange_mock.rest.host import VenueHost
from exchange_mock.rest.listen_keys import NO_SUCH_KEY, ListenKeys
from exchange_mock.rest.ratelimit import Clock
from exchange_mock.rest.stream_payloads import (Channel, Payload, Topic, TopicError, ack, frame, market_push,
                                                parse_topic, refusal, trade_push)
from exchange_mock.rest.user_stream import AccountWatcher
from exchange_mock.venue import AccountApi

log = logging.getLogger("exchange_mock.rest.streams")

STREAM_PATH = "/swap-market"
POLICY_VIOLATION = 1008
INTERNAL_ERROR = 1011
PING, PONG = "Ping", "Pong"
PING_FRAME = frame(PING)  # the same bytes on every connection and tick


@dataclass(frozen=True, slots=True)
class StreamSettings:
    ping_interval_s: float = 5.0
    pong_timeout_s: float = 30.0
    max_queued_frames: int = 10_000
    max_subscriptions: int = 200
    max_message_bytes: int = 4096


@dataclass(eq=False, slots=True)
class Connection:
    """One client: its topics, its user-stream watcher, and the frames waiting to be sent."""

    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue[bytes | None]
    listen_key: str | None = None
    watcher: AccountWatcher | None = None
    topics: dict[str, Topic] = field(default_factory=dict)
    trades_seen: dict[str, int] = field(default_factory=dict)  # trade topic -> public fills pushed
    close_reason: str | None = None
    close_code: int = POLICY_VIOLATION
    ended: bool = False  # the end-of-stream marker is queued

    def push(self, payload: Payload | str | bytes) -> None:
        """Queue a frame (``bytes``: one already framed, shared by every listener) from any
        thread; a connection whose loop is gone is simply over."""
        data = payload if isinstance(payload, bytes) else frame(payload)
        try:
            self.loop.call_soon_threadsafe(self._offer, data)
        except RuntimeError:  # the server's loop has closed: nobody is listening any more
            self.close_reason = self.close_reason or "server stopped"

    def close(self, reason: str, code: int = POLICY_VIOLATION) -> None:
        """End the connection after the frames already queued."""
        if self.close_reason is None:
            self.close_reason, self.close_code = reason, code
        try:
            self.loop.call_soon_threadsafe(self._offer, None)
        except RuntimeError:
            pass

    def _offer(self, data: bytes | None) -> None:
        """On the loop: queue ``data``; ``None`` marks the end, after which nothing is queued."""
        if self.ended:
            return
        self.ended = data is None
        try:
            self.queue.put_nowait(data)
        except asyncio.QueueFull:
            self.close_reason = self.close_reason or "client too slow: too many frames waiting"
            self.queue.get_nowait()  # make room for the end-of-stream marker
            self.queue.put_nowait(None)
            self.ended = True


class StreamHub:
    """The connections and what they are owed; a ``VenueListener`` of the host. Every method runs
    under the host's lock, so connections, topics and watchers never race the venue."""

    def __init__(self, host: VenueHost, keys: ListenKeys, clock: Clock) -> None:
        self.host = host
        self.keys = keys
        self.clock = clock
        self.connections: set[Connection] = set()
        self._public_fills = self._fill_count()

    def _fill_count(self) -> int:
        return sum(len(a.fills) for a in self.host.accounts.values())

    def attach(self, conn: Connection, account: AccountApi | None) -> None:
        conn.watcher = None if account is None else AccountWatcher.start(account)
        self.connections.add(conn)
        self._public_fills = self._fill_count()  # not counted while nobody listened

    def detach(self, conn: Connection) -> None:
        self.connections.discard(conn)

    def subscribe(self, conn: Connection, request_id: str, topic: Topic, limit: int) -> None:
        if topic.data_type not in conn.topics and len(conn.topics) >= limit:
            conn.push(refusal(request_id, f"at most {limit} subscriptions per connection"))
            return
        conn.topics[topic.data_type] = topic
        conn.push(ack(request_id))
        if topic.channel is Channel.TRADE:
            conn.trades_seen[topic.data_type] = len(self.host.venue.public_fills(topic.symbol))
            return
        payload = market_push(self.host.venue, topic)
        if payload is not None:
            conn.push(payload)

    def unsubscribe(self, conn: Connection, request_id: str, data_type: str) -> None:
        conn.topics.pop(data_type, None)
        conn.trades_seen.pop(data_type, None)
        conn.push(ack(request_id))

    def after_call(self, account: AccountApi) -> None:
        self._serve(lambda conn: conn.watcher is not None and conn.watcher.account is account, stepped=False)

    def after_step(self) -> None:
        self._serve(lambda conn: True, stepped=True)

    def _serve(self, concerned: Callable[[Connection], bool], stepped: bool) -> None:
        if not self.connections:
            return
        fills = self._fill_count()
        market = stepped or fills != self._public_fills
        self._public_fills = fills
        ts_ms = self.host.venue.server_time()["data"]["serverTime"]
        built: dict[str, bytes | None] = {}  # one frame per topic and push, however many listen
        for conn in list(self.connections):
            try:
                if concerned(conn):
                    self._user(conn, ts_ms, stepped)
                if market:
                    self._market(conn, built)
            except Exception:  # a bug in one connection's push must not stop the venue or the others
                log.exception("stream push failed; closing the connection")
                self.detach(conn)
                conn.close("internal error", INTERNAL_ERROR)

    def _user(self, conn: Connection, ts_ms: int, stepped: bool) -> None:
        if conn.watcher is None:
            return
        if self.keys.owner(conn.listen_key, self.clock()) is not conn.watcher.account:
            conn.push({"e": "listenKeyExpired", "E": ts_ms, "listenKey": conn.listen_key})
            self.detach(conn)
            conn.close("listen key expired")
            return
        for event in conn.watcher.changes(ts_ms, stepped):
            conn.push(event)

    def _market(self, conn: Connection, built: dict[str, bytes | None]) -> None:
        for topic in conn.topics.values():
            if topic.channel is Channel.TRADE:
                payload = self._trades(conn, topic)
            else:
                if topic.data_type not in built:
                    pushed = market_push(self.host.venue, topic)
                    built[topic.data_type] = None if pushed is None else frame(pushed)
                payload = built[topic.data_type]
            if payload is not None:
                conn.push(payload)

    def _trades(self, conn: Connection, topic: Topic) -> Payload | None:
        fills = self.host.venue.public_fills(topic.symbol)
        seen = conn.trades_seen.get(topic.data_type, len(fills))
        conn.trades_seen[topic.data_type] = len(fills)
        if len(fills) <= seen:
            return None
        return trade_push(topic, [trade_row(f) for f in fills[max(seen, len(fills) - MAX_TRADES):]])


class StreamEndpoint:
    """The ASGI WebSocket handler: one session per connection, three tasks (send the queue,
    send pings, read the client), ended together when any of them ends."""

    def __init__(self, hub: StreamHub, symbols: frozenset[str], settings: StreamSettings) -> None:
        self.hub = hub
        self.symbols = symbols
        self.settings = settings

    async def serve(self, ws: WebSocket) -> None:
        await ws.accept()
        host, key = self.hub.host, ws.query_params.get("listenKey")
        account = None if key is None else host.run(lambda: self.hub.keys.owner(key, self.hub.clock()))
        if key is not None and account is None:
            await ws.send_bytes(frame({"code": int(AuthCode.BAD_API_KEY), "msg": NO_SUCH_KEY}))
            await ws.close(POLICY_VIOLATION, "bad listenKey")
            return
        loop = asyncio.get_running_loop()
        conn = Connection(loop, asyncio.Queue(self.settings.max_queued_frames), listen_key=key)
        host.run(lambda: self.hub.attach(conn, account))
        try:
            await self._session(ws, conn)
        finally:
            host.run(lambda: self.hub.detach(conn))

    async def _session(self, ws: WebSocket, conn: Connection) -> None:
        # when the client last said Pong, on the event loop's own monotonic clock (the heartbeat
        # only, never in a payload)
        heard = [conn.loop.time()]
        tasks = [asyncio.create_task(self._send(ws, conn)), asyncio.create_task(self._ping(conn, heard)),
                 asyncio.create_task(self._read(ws, conn, heard))]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        for task in done:
            if not task.cancelled() and task.exception() is not None:  # a server bug: logged, not swallowed
                log.error("stream session failed", exc_info=task.exception())

    async def _send(self, ws: WebSocket, conn: Connection) -> None:
        """Drain the queue to the client; ``None`` (or a send that fails) ends the session."""
        try:
            while (data := await conn.queue.get()) is not None:
                await ws.send_bytes(data)
            await ws.close(conn.close_code, conn.close_reason or "")
        except (WebSocketDisconnect, RuntimeError, OSError) as exc:  # the client went away mid-push
            log.debug("stream client gone while sending: %r", exc)

    async def _ping(self, conn: Connection, heard: list[float]) -> None:
        while True:
            await asyncio.sleep(self.settings.ping_interval_s)
            if conn.loop.time() - heard[0] > self.settings.pong_timeout_s:
                conn.close(f"no Pong for {self.settings.pong_timeout_s} s")
                return
            conn.push(PING_FRAME)

    async def _read(self, ws: WebSocket, conn: Connection, heard: list[float]) -> None:
        while True:
            message = await ws.receive()
            if message["type"] == "websocket.disconnect":
                return
            raw = message.get("text")
            if raw is None:
                raw = (message.get("bytes") or b"").decode("utf-8", "replace")
            if raw == PONG:
                heard[0] = conn.loop.time()
            else:
                self._request(conn, raw)

    def _request(self, conn: Connection, raw: str) -> None:
        """A sub or unsub; anything else is answered 80014 with what is wrong."""
        limit = self.settings.max_message_bytes
        try:
            request = json.loads(raw) if len(raw.encode("utf-8")) <= limit else None
        except (ValueError, RecursionError):  # not JSON, or nested past what the parser follows
            request = None
        if not isinstance(request, dict):
            conn.push(refusal("", f"a request is a JSON object of at most {limit} bytes: "
                                  '{"id", "reqType": "sub"|"unsub", "dataType"}'))
            return
        request_id = request.get("id")
        request_id = request_id if isinstance(request_id, str) else json.dumps(request_id)
        kind, data_type = request.get("reqType"), request.get("dataType")
        hub = self.hub
        if kind not in ("sub", "unsub"):
            conn.push(refusal(request_id, f"reqType must be sub or unsub, got {kind!r}"))
            return
        if kind == "unsub":
            if isinstance(data_type, str):
                hub.host.run(lambda: hub.unsubscribe(conn, request_id, data_type))
            else:
                conn.push(refusal(request_id, f"dataType must be a string, got {data_type!r}"))
            return
        try:
            topic = parse_topic(data_type, self.symbols)
        except TopicError as exc:
            conn.push(refusal(request_id, str(exc)))
            return
        hub.host.run(lambda: hub.subscribe(conn, request_id, topic, self.settings.max_subscriptions))
