"""Market data into the venue: each delivered scan's prices, and the venue's clock between scans.

The venue's only clock and price source is ``advance``. Scans move it; a request that reaches the
venue between two scans (latency) moves its clock to the arrival time on the latest prices, so
fills and funding carry the venue's time, not the time of the last scan.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping

from sim.kernel.requests import Extremes, SimulatedVenue


class VenueMarket:
    """``listeners`` get the venue's private events of each update, in the order given."""

    def __init__(self, venue: SimulatedVenue, start_ms: int,
                 listeners: Iterable[Callable[[list[Any]], None]] = ()) -> None:
        self.venue = venue
        self.ts_ms = start_ms
        self._prices: Mapping[str, float] = {}
        self._marks: Mapping[str, float] | None = None
        self.listeners = tuple(listeners)

    def update(self, ts_ms: int, prices: Mapping[str, float], marks: Mapping[str, float] | None,
               extremes: Extremes | None = None) -> None:
        """A scan reaches the venue; its private events (fills, funding, liquidations) go to
        listeners. ``extremes`` (the bar's highs and lows) are walked once, by this scan's update:
        a later ``sync`` on the same prices is no new bar."""
        self.ts_ms, self._prices, self._marks = ts_ms, prices, marks
        events = self.venue.advance(ts_ms, prices, marks, extremes)
        if events:
            for listener in self.listeners:
                listener(events)

    def sync(self, now_ms: int) -> None:
        """Move the venue's clock to ``now_ms`` on the latest prices (no-op at the scan's time)."""
        if now_ms > self.ts_ms:
            self.update(now_ms, self._prices, self._marks)
