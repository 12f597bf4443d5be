"""Simulated time: integer milliseconds since the Unix epoch, and the order of same-time events.

simpy orders its queue by (time, priority, insertion). Each kind of event gets an explicit priority
here, so that at one instant market data always lands before the engine reacts to it, and venue
responses before the monitor looks. Nothing else decides order.
"""
from __future__ import annotations

from enum import IntEnum

import simpy


class Priority(IntEnum):
    """Lower runs first among events at the same millisecond."""

    OPERATOR = 0      # scenario events: halts, cadence changes
    MARKET = 1        # a scan reaching the venue and the engine
    VENUE = 2         # requests arriving at / responses leaving the venue
    ENGINE = 3        # the engine acting on what it learned
    MONITOR = 4       # invariant checks see the settled state


def wake_at(env: simpy.Environment, ts_ms: int, priority: Priority) -> simpy.Event:
    """An event that fires at absolute time ``ts_ms`` with the given priority."""
    if ts_ms < env.now:
        raise ValueError(f"cannot schedule in the past: {ts_ms} < now {env.now}")
    ev = simpy.Event(env)
    ev._ok = True
    ev._value = None
    env.schedule(ev, int(priority), ts_ms - env.now)
    return ev


def wake_after(env: simpy.Environment, delay_ms: int, priority: Priority) -> simpy.Event:
    """An event ``delay_ms`` after now with the given priority."""
    return wake_at(env, env.now + int(delay_ms), priority)
