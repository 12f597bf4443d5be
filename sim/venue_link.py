"""The link between the engine and the venue: every request and response crosses it with latency.

The engine never calls the venue directly: it sends a request kind plus BingX parameters and waits
for the envelope that comes back, exactly as a live executor waits on REST. Faults (lost or late
responses, disconnects, injected rejects) hook in here, not in the engine or the venue.
"""
from __future__ import annotations

from typing import Any, Callable, Generator

import simpy

from sim.clock import Priority, wake_after
from sim.latency import LatencyModel

Envelope = dict[str, Any]


class VenueLink:
    """Carries requests to ``venue`` (an object whose methods are the endpoints) and responses back."""

    def __init__(self, env: simpy.Environment, venue: Any, latency: LatencyModel) -> None:
        self.env = env
        self.venue = venue
        self.latency = latency
        self.in_flight = 0
        self.requests = 0
        self.observers: list[Callable[[str, dict[str, Any], Envelope], None]] = []

    def call(self, kind: str, **params: Any) -> Generator[simpy.Event, Any, Envelope]:
        """``resp = yield from link.call("place_order", symbol=..., ...)``."""
        self.in_flight += 1
        self.requests += 1
        try:
            out = self.latency.one_way(kind)
            if out:
                yield wake_after(self.env, out, Priority.VENUE)
            resp = getattr(self.venue, kind)(**params)
            back = self.latency.one_way(kind)
            if back:
                yield wake_after(self.env, back, Priority.VENUE)
        finally:
            self.in_flight -= 1
        for observe in self.observers:
            observe(kind, params, resp)
        return resp
