"""Per-caller rate limits: a sliding window per (caller, bucket), driven by an injected clock.

BingX limits each endpoint per account (for example 5 requests per second for the balance) and
all market-data endpoints together per IP (500 per 10 s). A sliding-window log is exact for such
small counts: a request is allowed when fewer than ``count`` requests were allowed in the last
``per_ms`` ms. Refused requests do not count, so a client that backs off recovers after one
window. The clock is a parameter so that tests decide what "now" is.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Callable

#: Milliseconds since the epoch. The REST layer never reads a clock of its own: whoever starts the
#: server passes one (the wall clock for a live server, a controllable one in tests).
Clock = Callable[[], int]


@dataclass(frozen=True, slots=True)
class Rate:
    """``count`` requests per ``per_ms``; ``shared`` names a bucket several endpoints draw on
    (empty: each endpoint has its own)."""

    count: int
    per_ms: int
    shared: str = ""


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    remaining: int
    reset_ms: int  # until the oldest counted request leaves the window


class RateLimiter:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._log: dict[tuple[str, str], deque[int]] = {}

    def hit(self, caller: str, bucket: str, rate: Rate) -> Verdict:
        now = self._clock()
        log = self._log.setdefault((caller, bucket), deque())
        while log and log[0] <= now - rate.per_ms:
            log.popleft()
        allowed = len(log) < rate.count
        if allowed:
            log.append(now)
        reset = log[0] + rate.per_ms - now if log else 0
        return Verdict(allowed, rate.count - len(log), reset)
