"""``EngineHost``: the process boundary around execution, on every run.

It runs the current ``Execution`` process and hands it the feed's and the operator's messages.
An engine process can die (``crash``): while it is down, messages are lost; after a restart a new
``Execution`` takes over the operator's standing commands and rebuilds from the engine's memory
before it acts. What makes it crash, and when, is a fault (``sim.faults.process_faults``); the
host only offers the boundary.
"""
from __future__ import annotations

from typing import Any, Callable, Generator, Protocol

import simpy

from sim.execution.trader import Execution
from sim.kernel.clock import Priority, wake_after
from sim.kernel.messages import Operator

CRASHED = "fault.crash"
MESSAGE_LOST = "fault.crash.message_lost"


class CrashSource(Protocol):
    """Decides when the engine dies: at start (scheduled crashes) and after each message."""

    def start(self, host: "EngineHost") -> None: ...

    def after_message(self, host: "EngineHost") -> None: ...

    def quiet_messages(self, count: int, n: int) -> int: ...


class EngineHost:
    """Runs execution; ``deliver`` and ``busy`` go to whichever instance is alive."""

    def __init__(self, env: simpy.Environment, build: Callable[[], Execution], probe: Callable[[str], None],
                 crashes: CrashSource | None = None) -> None:
        self.env = env
        self.build = build
        self.probe = probe
        self.crashes = crashes
        self.current: Execution | None = None
        self.down = False
        self.events = 0
        self.restarts = 0
        self.operator_log: list[tuple[int, Operator]] = []
        self._proc: simpy.Process | None = None

    def start(self) -> None:
        self._launch(recover=False)
        if self.crashes is not None:
            self.crashes.start(self)

    def _launch(self, recover: bool) -> None:
        self.current = self.build()
        if recover:
            self.current.restore_operator(self.operator_log)
        self._proc = self.env.process(self._lifetime(self.current.run(recover=recover)))

    @staticmethod
    def _lifetime(body: Generator[simpy.Event, Any, None]) -> Generator[simpy.Event, Any, None]:
        """The process: the execution's body until the host kills it."""
        try:
            yield from body
        except simpy.Interrupt:
            return

    def busy(self) -> bool:
        return not self.down and self.current is not None and self.current.busy()

    def deliver(self, message: Any) -> None:
        if isinstance(message, Operator):
            self.operator_log.append((self.env.now, message))
        if self.down or self.current is None:
            self.probe(MESSAGE_LOST)
            return
        self.current.deliver(message)
        self.events += 1
        if self.crashes is not None:
            self.crashes.after_message(self)

    def quiet_execution(self) -> Execution | None:
        """The live execution when scans may reach it in bulk (``Execution.hold_through``)."""
        if self.down or self.current is None:
            return None
        return self.current

    def bulk_allowance(self, scans: int) -> int:
        """How many of ``scans`` coming messages may reach execution in bulk: those before the
        one a crash source kills the engine at (their draws then taken, as one by one)."""
        if self.crashes is None:
            return scans
        return self.crashes.quiet_messages(self.events + 1, scans)

    def delivered_in_bulk(self, scans: int) -> None:
        """``scans`` scans reached the live execution through ``hold_through``, not the inbox."""
        self.events += scans

    def crash(self, delay_ms: int, restart_ms: int) -> Generator[simpy.Event, Any, None]:
        """Kill the engine process ``delay_ms`` from now (if it is alive then) and start a new
        one ``restart_ms`` after that."""
        if delay_ms:
            yield wake_after(self.env, delay_ms, Priority.ENGINE)
        if self.down or self._proc is None or not self._proc.is_alive:
            return
        self.down = True
        self.probe(CRASHED)
        self._proc.interrupt("crash")
        yield wake_after(self.env, restart_ms, Priority.ENGINE)
        self.restarts += 1
        self.down = False
        self._launch(recover=True)
