"""When a fault is active: its scheduled windows merged with random ones, generated lazily.

A random window starts with probability ``rate`` per simulated minute (a geometric gap in whole
minutes after the previous window ends) and lasts ``duration_ms``. Windows are produced in time
order from one named stream as the caller's clock moves forward, so the same (seed, fault) gives
the same windows however the run is cut into batches or requests.
"""
from __future__ import annotations

import heapq
from typing import Any, Iterator

import numpy as np

from sim.faults.config import MINUTE_MS


def _random_windows(rate: float, duration_ms: int, rng: np.random.Generator, start_ms: int) -> Iterator[tuple[int, int]]:
    at = start_ms
    while rate > 0:
        at += int(rng.geometric(rate)) * MINUTE_MS
        yield at, at + duration_ms
        at += duration_ms


def windows(spec: Any, rng: np.random.Generator, start_ms: int, duration_ms: int = 0) -> Iterator[tuple[int, int]]:
    """Every window of ``spec`` in start order: scheduled ones, and random ones when it has a rate."""
    scheduled = sorted(w.bounds(start_ms) for w in (spec.schedule or ()))
    if spec.rate is None:
        return iter(scheduled)
    return heapq.merge(scheduled, _random_windows(spec.rate, duration_ms, rng, start_ms))


class WindowClock:
    """``active(t)`` for nondecreasing ``t``: is ``t`` inside one of the fault's windows?"""

    def __init__(self, spec: Any, rng: np.random.Generator, start_ms: int, duration_ms: int = 0) -> None:
        self._windows = windows(spec, rng, start_ms, duration_ms)
        self._open: list[tuple[int, int]] = []  # windows started by now and not yet ended (few)
        self._next = next(self._windows, None)

    def active(self, t: int) -> bool:
        while self._next is not None and self._next[0] <= t:
            self._open.append(self._next)
            self._next = next(self._windows, None)
        self._open = [w for w in self._open if w[1] > t or w[0] == w[1] == t]
        return bool(self._open)

    def started_at(self, t: int) -> int | None:
        """The start of the earliest window open at ``t`` (call ``active`` first)."""
        return min((w[0] for w in self._open), default=None)


class Gate:
    """Per-opportunity trigger: inside the schedule (or anywhere without one), fire at the rate."""

    def __init__(self, spec: Any, rng: np.random.Generator, start_ms: int) -> None:
        self.spec = spec
        self._rng = rng
        self._clock = WindowClock(spec.model_copy(update={"rate": None}), rng, start_ms) if spec.schedule else None
        self._p = spec.probability

    def fires(self, t: int) -> bool:
        """One draw per opportunity, always consumed, so later draws do not depend on the schedule."""
        u = float(self._rng.random())
        return u < self._p and (self._clock is None or self._clock.active(t))

    def first_firing(self, n: int) -> int:
        """Of the next ``n`` opportunities, the index of the first that fires (``n``: none does),
        drawn ahead and put back, so nothing is consumed (``skip`` consumes). Only for a gate
        without a schedule: a window clock cannot be asked ahead of its time."""
        assert self._clock is None, "a scheduled gate is asked at each opportunity's time"
        state = self._rng.bit_generator.state
        fired = np.flatnonzero(self._rng.random(n) < self._p)
        self._rng.bit_generator.state = state
        return int(fired[0]) if len(fired) else n

    def skip(self, n: int) -> None:
        """Consume the draws of ``n`` opportunities that did not fire, as ``fires`` would."""
        self._rng.random(n)

    def fires_many(self, ts: np.ndarray) -> np.ndarray:
        """``fires`` for consecutive opportunities at times ``ts`` (one draw each, in order)."""
        hit = self._rng.random(len(ts)) < self._p
        if self._clock is not None and hit.any():
            for i in np.flatnonzero(hit):
                hit[i] = self._clock.active(int(ts[i]))
        return hit
