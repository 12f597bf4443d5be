"""The two sources of order in a run: event priorities at one instant, and named random streams."""
from __future__ import annotations

import numpy as np
import pytest
import simpy

from sim.kernel.clock import Priority, wake_at
from sim.rng import RngStreams


def test_same_instant_events_run_by_priority_then_insertion():
    env = simpy.Environment(initial_time=1_000)
    seen: list[str] = []

    def proc(name: str, prio: Priority):
        yield wake_at(env, 5_000, prio)
        seen.append(name)

    for name, prio in [("monitor", Priority.MONITOR), ("engine-1", Priority.ENGINE), ("market", Priority.MARKET),
                       ("engine-2", Priority.ENGINE), ("operator", Priority.OPERATOR), ("venue", Priority.VENUE)]:
        env.process(proc(name, prio))
    env.run()
    assert seen == ["operator", "market", "venue", "engine-1", "engine-2", "monitor"]
    assert env.now == 5_000 and isinstance(env.now, int)


def test_scheduling_in_the_past_is_refused():
    env = simpy.Environment(initial_time=10)
    with pytest.raises(ValueError, match="past"):
        wake_at(env, 9, Priority.MARKET)


def test_streams_depend_only_on_seed_and_name():
    a, b = RngStreams(7), RngStreams(7)
    b.stream("other").random(5)  # creating other streams first changes nothing
    assert np.array_equal(a.stream("latency").random(8), b.stream("latency").random(8))
    assert not np.array_equal(a.stream("latency").random(8), a.stream("venue").random(8))
    assert not np.array_equal(RngStreams(8).stream("latency").random(8), a.stream("latency").random(8))
    assert RngStreams(7).child_seed("venue") == RngStreams(7).child_seed("venue") != RngStreams(7).child_seed("x")
