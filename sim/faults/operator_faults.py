"""Operator faults: HIBERNATE halts with a resume after them, and cadence quanta changed mid-run,
at scheduled or random times; delivered exactly like the scenario's ``events``."""
from __future__ import annotations

from typing import Any, Callable, Generator

import simpy

from sim.kernel.clock import Priority, wake_at
from sim.kernel.messages import Operator, OperatorKind
from sim.faults.config import CadenceChangeFault, HibernateFault, of_family
from sim.faults.probes import Probes, fault_probe
from sim.faults.schedule import windows
from sim.rng import RngStreams


def operator_processes(env: simpy.Environment, faults: tuple[Any, ...], streams: RngStreams, probes: Probes,
                       start_ms: int, deliver: Callable[[Operator], None],
                       active: Callable[[], bool]) -> list[Generator[simpy.Event, Any, None]]:
    procs = []
    for i, spec in of_family(faults, "operator"):
        rng = streams.stream(f"faults.{i}.{spec.kind}")
        if isinstance(spec, HibernateFault):
            procs.append(_hibernate(env, windows(spec, rng, start_ms, spec.duration_ms), deliver, active, probes))
        elif isinstance(spec, CadenceChangeFault):
            values = streams.stream(f"faults.{i}.{spec.kind}.values")
            procs.append(_cadence(env, spec, windows(spec, rng, start_ms), values, deliver, active, probes))
    return procs


def _hibernate(env: simpy.Environment, spans: Any, deliver: Callable[[Operator], None], active: Callable[[], bool],
               probes: Probes) -> Generator[simpy.Event, Any, None]:
    for begin, end in spans:
        yield wake_at(env, max(begin, env.now), Priority.OPERATOR)
        if not active():
            return
        probes.hit("fault.hibernate")
        deliver(Operator(OperatorKind.HIBERNATE))
        yield wake_at(env, max(end, env.now), Priority.OPERATOR)
        deliver(Operator(OperatorKind.RESUME))


def _cadence(env: simpy.Environment, spec: CadenceChangeFault, spans: Any, values: Any,
             deliver: Callable[[Operator], None], active: Callable[[], bool],
             probes: Probes) -> Generator[simpy.Event, Any, None]:
    for begin, _ in spans:
        yield wake_at(env, max(begin, env.now), Priority.OPERATOR)
        if not active():
            return
        quantum = spec.quanta[int(float(values.random()) * len(spec.quanta))]
        probes.hit(fault_probe(spec))
        deliver(Operator(OperatorKind.CADENCE, spec.action, quantum))
