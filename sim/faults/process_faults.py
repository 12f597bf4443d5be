"""Process faults: the engine crashing and restarting, and the journal sink going away.

``CrashInjector`` decides when the engine host (``sim.execution.host``) kills the execution
process: when it takes a chosen (or random) inbox message, or at scheduled times. The host drops
what arrives while the engine is down and, after ``restart_ms``, starts a new ``Execution`` that
rebuilds from the engine's memory and reconciles with the venue before it acts.

``OutageSink`` stands in front of a journal sink whose target is unreachable during windows:
chunks written then are held, in order, and delivered when it is back. The journal is flushed
on a timer (``flush_every_ms``) so that writes actually meet the outages.
"""
from __future__ import annotations

from collections import Counter
from typing import Any, Callable, Generator, Protocol

import simpy

from sim.execution.host import EngineHost
from sim.execution.recovery_paths import RecoveryPath
from sim.kernel.clock import Priority, wake_after, wake_at
from sim.faults.config import CrashFault, SinkOutageFault, of_family
from sim.faults.probes import Probes
from sim.faults.schedule import Gate, WindowClock
from sim.rng import RngStreams


class CrashInjector:
    """The ``crash`` faults of a run, as the engine host's ``CrashSource``: a chosen (or random)
    inbox message kills the engine (``within_ms`` later at most, so a crash can land in the
    middle of a request), and so do scheduled times; ``restart_ms`` later it restarts."""

    def __init__(self, faults: tuple[Any, ...], streams: RngStreams, start_ms: int) -> None:
        self.active = True
        self._crashes: list[tuple[CrashFault, Gate | None, Any]] = []
        self._timed: list[tuple[CrashFault, list[int]]] = []
        for i, spec in of_family(faults, "process"):
            if isinstance(spec, CrashFault):
                rated = spec.model_copy(update={"schedule": None})
                gate = Gate(rated, streams.stream(f"faults.{i}.crash"), start_ms) if spec.rate is not None else None
                self._crashes.append((spec, gate, streams.stream(f"faults.{i}.crash.values")))
                self._timed.append((spec, sorted(w.bounds(start_ms)[0] for w in spec.schedule or ())))

    def __bool__(self) -> bool:
        return bool(self._crashes)

    def start(self, host: EngineHost) -> None:
        for spec, times in self._timed:
            if times:
                host.env.process(self._crash_at(host, times, spec.restart_ms))

    def after_message(self, host: EngineHost) -> None:
        """One draw per crash fault and message, fired or not; the first that fires crashes."""
        if not self.active:
            return
        chosen = None
        for spec, gate, values in self._crashes:
            u = float(values.random())
            fires = gate.fires(host.env.now) if gate is not None else False
            if chosen is None and (fires or host.events in spec.at_events):
                chosen = (int(u * (spec.within_ms + 1)), spec.restart_ms)
        if chosen is not None:
            host.env.process(host.crash(*chosen))

    def quiet_messages(self, count: int, n: int) -> int:
        """How many of the next ``n`` messages (the first of them the ``count``-th) pass without
        a crash. Their draws are consumed as ``after_message`` consumes them one by one, so the
        jump path can hand them over in bulk; the message that crashes is left to it."""
        if not self.active:
            return n
        quiet = n
        for spec, gate, _ in self._crashes:
            if gate is not None:
                quiet = gate.first_firing(quiet)
            quiet = min([quiet] + [e - count for e in spec.at_events if count <= e < count + quiet])
        for _, gate, values in self._crashes:
            values.random(quiet)
            if gate is not None:
                gate.skip(quiet)
        return quiet

    def _crash_at(self, host: EngineHost, times: list[int], restart_ms: int) -> Generator[simpy.Event, Any, None]:
        """Scheduled crashes: at the given times, whatever the engine is doing."""
        for at in times:
            yield wake_at(host.env, max(at, host.env.now), Priority.ENGINE)
            if self.active:
                yield from host.crash(0, restart_ms)


class Rows(Protocol):
    """What the simulated store reads of a journal chunk (``JournalChunk`` or a pyarrow table)."""

    @property
    def num_rows(self) -> int: ...


class CountingSink:
    """The simulated journal store: rows received per table (a real sink is ClickHouse's)."""

    def __init__(self) -> None:
        self.rows: Counter[str] = Counter()

    def write(self, table: str, rows: Rows) -> None:
        self.rows[table] += rows.num_rows

    def flush(self) -> None:
        pass

    def close(self) -> dict[str, int]:
        return dict(sorted(self.rows.items()))


class OutageSink:
    """A journal sink whose target is away during ``clock``'s windows: chunks are held, in order,
    and delivered on the first write or flush after the window (always once faults stop)."""

    def __init__(self, inner: Any, clock: WindowClock, now: Callable[[], int], probes: Probes) -> None:
        self.inner = inner
        self.active = True
        self._clock = clock
        self._now = now
        self._probes = probes
        self._held: list[tuple[str, Rows]] = []
        self.outages = 0

    def _down(self) -> bool:
        return self.active and self._clock.active(int(self._now()))

    def write(self, table: str, rows: Rows) -> None:
        self._held.append((table, rows))
        self._deliver()

    def flush(self) -> None:
        self._deliver()
        self.inner.flush()

    def close(self) -> Any:
        self.active = False
        self._deliver()
        return self.inner.close()

    def _deliver(self) -> None:
        if self._down():
            self.outages += 1
            self._probes.hit("fault.sink_outage")
            return
        if len(self._held) > 1:
            self._probes.hit(RecoveryPath.SINK_REDELIVERED)
        held, self._held = self._held, []
        for table, rows in held:
            self.inner.write(table, rows)


def sink_outage(faults: tuple[Any, ...], streams: RngStreams, start_ms: int) -> tuple[SinkOutageFault, WindowClock] | None:
    """The first ``sink_outage`` fault and its windows (None: the sink never goes away)."""
    for i, spec in of_family(faults, "process"):
        if isinstance(spec, SinkOutageFault):
            return spec, WindowClock(spec, streams.stream(f"faults.{i}.sink_outage"), start_ms, spec.duration_ms)
    return None


def flush_every(env: simpy.Environment, journal: Any, every_ms: int) -> Generator[simpy.Event, Any, None]:
    """Flush the journal on a timer, as a live journal does, so that chunks meet sink outages."""
    while True:
        yield wake_after(env, every_ms, Priority.MONITOR)
        journal.flush()
