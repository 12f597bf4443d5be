"""Swarm testing: many seeds per scenario, each with its own random fault mix, in parallel.

As in TigerBeetle's VOPR and FoundationDB's simulation: a seed is a complete description of a
run. ``swarm_variant(scenario, seed)`` turns a scenario into the run one seed makes (its faults
drawn by ``sim.faults.swarm_draw.swarm_faults``: a random subset of the scenario's fault classes at
random rates), so ``violet-sim run FILE --seed N --swarm`` replays any swarm run exactly, failure
included. After the first pass a fraction of the passing seeds (5% by default) is run again,
elsewhere in the pool, and must give the same journal hash.

``run_swarm`` is the API (``violet-sim swarm`` and certification call it). Results come back
sorted by (scenario, seed), so the report does not depend on the number of workers or the order
in which they finish. Backends: ``local`` (processes on this machine; ``workers=1`` runs in this
process) and ``ray`` (``sim.harness.swarm_ray``, an optional extra).
"""
from __future__ import annotations

import math
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

from sim.errors import UserError
from sim.faults.config import describe, injecting
from sim.faults.probes import expected_probes
from sim.faults.swarm_draw import swarm_faults
from sim.harness.swarm_file import REPORT_NAME, StreamedReport, check_same_swarm, read_previous, swarm_header
from sim.harness.swarm_job import Refusal, SwarmInfrastructureError, SwarmScenario, check_here, prepare
from sim.harness.swarm_local import local_map
from sim.harness.swarm_report import Rerun, SeedResult, SwarmReport, replay_command
from sim.scenario import load_scenario
from sim.scenario.expectations import Expectations
from sim.scenario.schema import Scenario

__all__ = ["BACKENDS", "DEFAULT_RERUN_FRACTION", "Rerun", "SeedResult", "SwarmInfrastructureError", "SwarmReport",
           "replay_command", "rerun_sample", "run_swarm", "swarm_variant"]
BACKENDS = ("local", "ray")
DEFAULT_RERUN_FRACTION = 0.05


def swarm_variant(scenario: Scenario, seed: int) -> Scenario:
    """The scenario as swarm seed ``seed`` runs it: same data and config, the seed's fault draw.

    A fault scenario's expectations hold under any subset of its faults, except ``min_probes``:
    a probe is a 'sometimes' property, judged over the whole swarm in its coverage report. A
    scenario without faults draws from the default catalog; its expectations describe a
    fault-free run (no margin reject, say, where the swarm injects 101204), so such a seed is
    judged by the invariants alone."""
    if injecting(scenario.faults):
        expect = scenario.expect.model_copy(update={"min_probes": {}})
    else:
        expect = Expectations()
    return scenario.model_copy(update={"faults": swarm_faults(scenario.faults, seed), "expect": expect})


# -- one run -------------------------------------------------------------------------------------
Job = tuple[SwarmScenario, int]


def run_seed(spec: SwarmScenario, seed: int) -> SeedResult:
    """Run one swarm seed of the shipped scenario (in whatever process the backend chose); never
    raises: a crash of the harness or the engine is a failed run, reported."""
    from sim.harness.simulate import simulate

    faults: tuple[str, ...] = ()
    try:
        scenario = swarm_variant(spec.scenario, seed)
        faults = tuple(describe(scenario.faults))
        s = simulate(scenario, seed=seed).summary
    except Exception as exc:
        return SeedResult(spec.file, spec.scenario.name, seed, False, "", faults, error=f"{type(exc).__name__}: {exc}")
    return SeedResult(
        scenario=spec.file, name=spec.scenario.name, seed=seed, passed=s.passed, journal_sha256=s.journal_sha256,
        faults=faults, first_breach=s.breaches[0].as_dict() if s.breaches else None,
        failed_expectations=tuple(c.name for c in s.failed_expectations), probes=dict(s.facts.probes))


def run_job(job: Job) -> SeedResult | Refusal:
    """What a worker runs: the checks that it has the driver's code and data, then the seed."""
    spec, seed = job
    return check_here(spec) or run_seed(spec, seed)


def not_run(job: Job, reason: str) -> SeedResult:
    spec, seed = job
    return SeedResult(spec.file, spec.scenario.name, seed, False, "", (), error=reason, ran=False)


# -- backends ------------------------------------------------------------------------------------
Runner = Callable[[list[Job]], Iterable[SeedResult | Refusal]]


@contextmanager
def open_backend(name: str, workers: int | None, address: str | None) -> Iterator[Runner]:
    """The backend's runner for the whole swarm (one Ray connection for both passes)."""
    if name == "local":
        if address is not None:
            raise UserError("--address names a Ray cluster: use it with --backend ray")
        count = workers or os.cpu_count() or 1
        yield lambda jobs: local_map(run_job, jobs, count, not_run)
    elif name == "ray":
        from sim.harness.swarm_ray import ray_session  # imports ray itself, lazily
        with ray_session(address, workers) as session:
            yield lambda jobs: session.map(run_job, jobs, not_run)
    else:
        raise UserError(f"unknown backend {name!r}: choose one of {', '.join(BACKENDS)}")


def rerun_sample(passing: Sequence[SeedResult], fraction: float) -> list[SeedResult]:
    """Every (1/fraction)-th passing run in (scenario, seed) order, at least one if any pass."""
    if fraction <= 0 or not passing:
        return []
    k = max(1, math.ceil(fraction * len(passing)))
    step = len(passing) / k
    return [passing[int(i * step)] for i in range(k)]


class _Swarm:
    """The runs of one swarm as they come in, and its report at any moment."""

    def __init__(self, specs: list[SwarmScenario], seeds: list[int], header: dict[str, Any],
                 out_dir: Path | None) -> None:
        self.specs, self.seeds, self.header = specs, seeds, header
        self.by_file = {s.file: s for s in specs}
        self.order = {s.file: i for i, s in enumerate(specs)}
        self.results: dict[tuple[str, int], SeedResult] = {}
        self.reruns: dict[tuple[str, int], Rerun] = {}
        self.stream = StreamedReport(out_dir, lambda: self.report(complete=False))
        self._expected: list[str] | None = None

    def _key(self, r: SeedResult | Rerun) -> tuple[int, int]:
        return self.order[r.scenario], r.seed

    def report(self, complete: bool) -> SwarmReport:
        if self._expected is None:  # the same for every report of this swarm: drawn once
            self._expected = expected_probes([swarm_variant(s.scenario, seed).faults
                                              for s in self.specs for seed in self.seeds])
        return SwarmReport(sorted(self.results.values(), key=self._key), sorted(self.reruns.values(), key=self._key),
                           self._expected, self.header, complete)

    def _each(self, run: Runner, jobs: list[Job]) -> Iterator[SeedResult]:
        for r in run(jobs):
            if isinstance(r, Refusal):
                raise SwarmInfrastructureError(f"refused: {r.reason}")
            yield r

    def first_pass(self, run: Runner, progress: Callable[[SeedResult], None] | None) -> None:
        self.report(complete=False)  # draws the expected probes now, so that no streamed write waits on it
        jobs = [(s, seed) for s in self.specs for seed in self.seeds if (s.file, seed) not in self.results]
        for r in self._each(run, jobs):
            self.results[(r.scenario, r.seed)] = r
            self.stream.changed()
            if progress is not None:
                progress(r)

    def rerun_pass(self, run: Runner, fraction: float) -> None:
        passing = sorted((r for r in self.results.values() if r.passed), key=self._key)
        sample = {(r.scenario, r.seed): r for r in rerun_sample(passing, fraction)}
        self.reruns = {k: v for k, v in self.reruns.items() if k in sample}
        jobs = [(self.by_file[f], seed) for (f, seed) in sample if (f, seed) not in self.reruns]
        for again in self._each(run, jobs):
            first = sample[(again.scenario, again.seed)]
            self.reruns[(again.scenario, again.seed)] = Rerun(first.scenario, first.seed, first.journal_sha256,
                                                              again.journal_sha256)
            self.stream.changed()


def run_swarm(scenario_files: Sequence[str | Path], seeds: int | Sequence[int], *, workers: int | None = None,
              backend: str = "local", first_seed: int = 0, rerun_fraction: float = DEFAULT_RERUN_FRACTION,
              progress: Callable[[SeedResult], None] | None = None, address: str | None = None,
              out_dir: Path | None = None, resume: bool = False) -> SwarmReport:
    """Run every scenario with each seed (``seeds``: a count from ``first_seed``, or the seeds
    themselves) and rerun ``rerun_fraction`` of the passing runs to confirm their hashes.

    Each file is read and validated once, here (``ScenarioError``, a ``UserError``, for a bad one);
    the tasks carry its content. ``workers``: processes (local, default the CPU count) or tasks in
    flight (ray, default the cluster's CPUs). With ``out_dir``, swarm.json is streamed there as
    runs finish and written with every finished run if the swarm stops (an exception, Ctrl-C);
    ``resume`` continues the swarm.json found there. A cluster or worker problem raises
    ``SwarmInfrastructureError``; runs a dead worker lost are reported as not run.
    """
    files = [str(f) for f in scenario_files]
    if not files:
        raise UserError("no scenario files given")
    seed_list = list(range(first_seed, first_seed + seeds)) if isinstance(seeds, int) else list(seeds)
    if not seed_list:
        raise UserError("no seeds to run")
    twice = sorted({f for f in files if files.count(f) > 1})
    if twice:
        raise UserError(f"scenario file {twice[0]} given twice")
    if resume and out_dir is None:
        raise UserError("--resume needs --out DIR (the folder holding the swarm.json to complete)")
    specs = [prepare(f, load_scenario(f)) for f in files]
    swarm = _Swarm(specs, seed_list, swarm_header(specs, seed_list, rerun_fraction), out_dir)
    if resume:
        assert out_dir is not None
        previous = read_previous(out_dir)
        check_same_swarm(out_dir / REPORT_NAME, previous.header, swarm.header)
        swarm.results = {(r.scenario, r.seed): r for r in previous.results}
        swarm.reruns = {(r.scenario, r.seed): r for r in previous.reruns}
    try:
        with open_backend(backend, workers, address) as run:
            swarm.first_pass(run, progress)
            swarm.rerun_pass(run, rerun_fraction)
    except BaseException:
        swarm.stream.write()
        raise
    return swarm.report(complete=True)
