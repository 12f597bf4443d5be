"""``FaultPlan``: the faults of one run, built in one place for ``sim.harness.simulate.simulate``."""
from __future__ import annotations

from typing import Any, Callable, Iterator

import simpy

from sim.faults.config import FaultSettings, injecting, of_family, settings_of
from sim.faults.data_faults import DataFaults
from sim.faults.operator_faults import operator_processes
from sim.faults.probes import Probes
from sim.faults.process_faults import CountingSink, CrashInjector, OutageSink, flush_every, sink_outage
from sim.faults.venue_faults import VenueFaults, venue_fill_model
from sim.kernel.requests import RequestKind
from sim.rng import RngStreams
from violet_engine import ScanBatch


class FaultPlan:
    """The faults of one run, built from the scenario's list and the run's streams."""

    def __init__(self, faults: tuple[Any, ...], streams: RngStreams, start_ms: int) -> None:
        self.faults = faults
        self.streams = streams
        self.start_ms = start_ms
        self.settings: FaultSettings = settings_of(faults)
        self.enabled = bool(injecting(faults))
        self.probes = Probes()
        self.data = DataFaults(faults, streams, self.probes)
        self.link: VenueFaults | None = None
        self.sink: OutageSink | None = None
        self.crashes = CrashInjector(faults, streams, start_ms)
        self._active = True

    @property
    def fill_model(self) -> dict[str, Any] | None:
        """The venue fill model a partial_fill fault asks for (None: the scenario's own)."""
        return venue_fill_model(self.faults)

    def link_faults(self, now: Callable[[], int],
                    on_unknown: Callable[[RequestKind, dict[str, Any]], None]) -> VenueFaults | None:
        """The venue link's fault layer (None without venue faults: the plain link); ``on_unknown``
        hears of each request whose answer the link gave up waiting for."""
        if not [f for _, f in of_family(self.faults, "venue") if f.kind != "partial_fill"]:
            return None
        self.link = VenueFaults(self.faults, self.settings, self.streams, self.probes, self.start_ms, now, on_unknown)
        return self.link

    def crash_source(self) -> CrashInjector | None:
        """What crashes the engine host (None: nothing does)."""
        return self.crashes if self.crashes else None

    def scans(self, batches: Iterator[ScanBatch]) -> Iterator[ScanBatch]:
        return self.data.apply(batches) if of_family(self.faults, "data") else batches

    def start(self, env: simpy.Environment, journal: Any, deliver: Callable[[Any], None]) -> None:
        """Processes of their own: operator faults, and the journal's flush timer under sink outages."""
        for proc in operator_processes(env, self.faults, self.streams, self.probes, self.start_ms, deliver,
                                       lambda: self._active):
            env.process(proc)
        outage = sink_outage(self.faults, self.streams, self.start_ms)
        if outage is not None:
            spec, clock = outage
            self.sink = OutageSink(CountingSink(), clock, lambda: env.now, self.probes)
            journal.add_sink(self.sink, counts_rows=True)
            env.process(flush_every(env, journal, spec.flush_every_ms))

    def quiet(self) -> None:
        """The data has ended: no fault fires any more (the liveness phase begins)."""
        self._active = False
        for layer in (self.link, self.sink, self.crashes):
            if layer is not None:
                layer.active = False

    @property
    def settle_ms(self) -> int:
        return self.settings.quiet_ms
