"""The link between the engine and the venue: every request and response crosses it with latency.

The engine never calls the venue directly: it sends a request kind plus BingX parameters and waits
for the envelope that comes back, exactly as a live executor waits on REST. Faults (lost or late
responses, disconnects, injected rejects) hook in here, not in the engine or the venue.

Without faults a request takes its latency out, is executed, and its answer takes its latency
back. With a fault layer (``faults``) the link also behaves like a real transport: the caller
gives up after ``response_timeout_ms`` and gets ``TIMEOUT`` (the request may or may not have been
executed: only a query can tell), a request older than ``recv_window_ms`` when it arrives is
refused by the venue's gateway (100421, as BingX does with ``recvWindow``), a disconnected link
answers ``DISCONNECTED`` after the connect timeout (nothing reached the venue), and an answer
that arrives after the caller gave up, or a second copy of one, is handed to ``on_stray``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Generator, Iterable, Protocol

import simpy

from exchange_mock.errors import Code
from sim.kernel.clock import Priority, wake_after, wake_at
from sim.kernel.latency import LatencyModel
from sim.kernel.messages import StrayResponse
from sim.kernel.requests import Envelope, RequestKind, VenueEndpoints, VenueState, send

Observer = Callable[[RequestKind, dict[str, Any], Envelope], None]

#: Codes the link itself answers with (never the venue's): the outcome is unknown / nothing was sent.
TIMEOUT = -1
DISCONNECTED = -2
#: The gateway's answer to a request that arrived outside its recvWindow (BingX 100421).
EXPIRED = 100421
#: Answers after which the same request may simply be sent again: transport failures, HTTP 429,
#: and the venue's "busy" and internal-error codes.
TRANSIENT_CODES = frozenset({TIMEOUT, DISCONNECTED, EXPIRED, 429, Code.SYSTEM_BUSY, Code.ORDER_SYSTEM_BUSY,
                             Code.RATE_LIMITED, Code.INTERNAL_ERROR, Code.RPC_TIMEOUT})


def unheard(kind: RequestKind, params: dict[str, Any], resp: Envelope) -> None:
    """The default ``on_answer``: nobody keeps the answers."""


def transport_error(code: int, msg: str) -> Envelope:
    return {"code": code, "msg": msg}


@dataclass(frozen=True)
class Fate:
    """What the fault layer decided for one request; the default is an ordinary request."""

    refuse: Envelope | None = None      # answered instead of executed (a reject code, HTTP 429)
    disconnected: bool = False          # never leaves: DISCONNECTED after the connect timeout
    extra_out_ms: int = 0
    extra_back_ms: int = 0
    lost: bool = False                  # executed, but the answer never comes back
    duplicate_request: bool = False     # executed twice; the caller gets the second answer
    duplicate_after_ms: int | None = None  # the answer comes again this long after the first


@dataclass(frozen=True)
class Transport:
    response_timeout_ms: int
    recv_window_ms: int
    connect_timeout_ms: int


class LinkFaults(Protocol):
    transport: Transport

    def fate(self, kind: RequestKind, params: dict[str, Any]) -> Fate: ...

    def timed_out(self, kind: RequestKind, params: dict[str, Any]) -> None: ...


class AccountStream:
    """The venue's private account stream as the engine reads it: the fills since its last look
    (a live engine gets the same from BingX's account stream). One reader: the trade book."""

    def __init__(self, venue: VenueState) -> None:
        self._venue = venue
        self._seen = 0

    def take(self) -> list[Any]:
        fills = self._venue.fills
        new = fills[self._seen:]
        self._seen = len(fills)
        return new


class VenueLink:
    """Carries requests to ``venue`` and responses back; the engine's account stream too.

    ``observers`` are called as ``observe(kind, params, response)`` at the instant the venue
    executes a request (so they see the venue's state right after it, even when the answer is
    later lost); ``params`` carry the request's ``timestamp`` (send time), as a BingX client signs
    it. ``on_send(kind)`` sees every request, whether it arrives or not; ``on_stray`` gets the
    answers that arrive when nobody waits for them; ``on_answer(kind, params, response)`` sees the
    answer its caller reads (a timeout included); ``venue_clock(now)`` moves the venue's clock to
    a request's arrival time.
    """

    def __init__(self, env: simpy.Environment, venue: VenueEndpoints, stream: AccountStream, latency: LatencyModel,
                 faults: LinkFaults | None = None, *, venue_clock: Callable[[int], None],
                 observers: Iterable[Observer] = (), on_send: Callable[[RequestKind], None] = lambda kind: None,
                 on_stray: Callable[[StrayResponse], None] = lambda stray: None,
                 on_answer: Observer = unheard) -> None:
        self.env = env
        self.venue = venue
        self.stream = stream
        self.latency = latency
        self.faults = faults
        self.venue_clock = venue_clock
        self.in_flight = 0
        self.requests = 0
        self.observers = tuple(observers)
        self.on_stray = on_stray
        self.on_send = on_send
        self.on_answer = on_answer

    def call(self, kind: RequestKind, **params: Any) -> Generator[simpy.Event, Any, Envelope]:
        """``resp = yield from link.call(RequestKind.PLACE_ORDER, symbol=..., ...)``."""
        self.in_flight += 1
        self.requests += 1
        params["timestamp"] = self.env.now
        self.on_send(kind)
        try:
            if self.faults is None:
                out = self.latency.one_way(kind)
                if out:
                    yield wake_after(self.env, out, Priority.VENUE)
                resp = self._execute(kind, params)
                back = self.latency.one_way(kind)
                if back:
                    yield wake_after(self.env, back, Priority.VENUE)
            else:
                resp = yield from self._faulty_call(self.requests, kind, params)
        finally:
            self.in_flight -= 1
        self.on_answer(kind, params, resp)
        return resp

    def _execute(self, kind: RequestKind, params: dict[str, Any]) -> Envelope:
        self.venue_clock(self.env.now)
        resp = send(self.venue, kind, params)
        for observe in self.observers:
            observe(kind, params, resp)
        return resp

    def _arrive(self, kind: RequestKind, params: dict[str, Any], fate: Fate) -> Envelope:
        """The request reaches the venue's gateway now."""
        assert self.faults is not None
        if fate.refuse is not None:
            return dict(fate.refuse)
        if self.env.now - params["timestamp"] > self.faults.transport.recv_window_ms:
            return transport_error(EXPIRED, "timestamp outside recvWindow: request expired")
        resp = self._execute(kind, params)
        if fate.duplicate_request:
            resp = self._execute(kind, params)
        return resp

    def _faulty_call(self, request_id: int, kind: RequestKind, params: dict[str, Any]) -> Generator[simpy.Event, Any, Envelope]:
        """The request's whole timeline is known when it is sent (latencies and fate); the caller
        waits for the answer or for its timeout, whichever comes first."""
        assert self.faults is not None
        env, transport = self.env, self.faults.transport
        fate = self.faults.fate(kind, params)
        if fate.disconnected:
            yield wake_after(env, transport.connect_timeout_ms, Priority.VENUE)
            return transport_error(DISCONNECTED, "connection refused: venue unreachable")
        sent = env.now
        arrive = sent + self.latency.one_way(kind) + fate.extra_out_ms
        back = self.latency.one_way(kind) + fate.extra_back_ms
        deadline = sent + transport.response_timeout_ms
        answered = None if fate.lost else arrive + back
        if answered is not None and answered <= deadline:
            yield wake_at(env, arrive, Priority.VENUE)
            resp = self._arrive(kind, params, fate)
            yield wake_at(env, answered, Priority.VENUE)
            if fate.duplicate_after_ms is not None:
                env.process(self._stray(request_id, kind, answered + fate.duplicate_after_ms, resp))
            return resp
        if arrive <= deadline:
            yield wake_at(env, arrive, Priority.VENUE)
            resp = self._arrive(kind, params, fate)
            if answered is not None:
                env.process(self._stray(request_id, kind, answered, resp))
        else:
            env.process(self._travel(request_id, kind, params, fate, arrive, answered))
        yield wake_at(env, deadline, Priority.VENUE)
        self.faults.timed_out(kind, params)
        return transport_error(TIMEOUT, f"no response within {transport.response_timeout_ms} ms: outcome unknown")

    def _travel(self, request_id: int, kind: RequestKind, params: dict[str, Any], fate: Fate, arrive: int,
                answered: int | None) -> Generator[simpy.Event, Any, None]:
        """A request still on its way after its caller gave up."""
        yield wake_at(self.env, arrive, Priority.VENUE)
        resp = self._arrive(kind, params, fate)
        if answered is not None:
            yield from self._stray(request_id, kind, answered, resp)

    def _stray(self, request_id: int, kind: RequestKind, at_ms: int, resp: Envelope) -> Generator[simpy.Event, Any, None]:
        yield wake_at(self.env, at_ms, Priority.VENUE)
        self.on_stray(StrayResponse(request_id, kind, dict(resp)))
