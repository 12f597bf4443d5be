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

import json
import math
import shlex
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

from sim.errors import UserError
from sim.scenario.expectations import Expectations
from sim.faults.config import describe, injecting
from sim.faults.swarm_draw import swarm_faults
from sim.faults.probes import expected_probes
from sim.harness.swarm_local import local_map
from sim.scenario.schema import Scenario
from sim.scenario import load_scenario
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


def replay_command(scenario_file: str, seed: int) -> str:
    """The one line that reproduces a swarm run exactly (same journal hash, same breach)."""
    return f"violet-sim run {shlex.quote(scenario_file)} --seed {seed} --swarm"


@dataclass(frozen=True)
class SeedResult:
    """One swarm run: its verdict, its first failure and everything needed to replay it."""

    scenario: str
    name: str
    seed: int
    passed: bool
    journal_sha256: str
    faults: tuple[str, ...]
    first_breach: dict[str, Any] | None = None
    failed_expectations: tuple[str, ...] = ()
    probes: dict[str, int] = field(default_factory=dict)
    error: str | None = None
    ran: bool = True          # False: the infrastructure failed (a worker died), not the seed

    @property
    def first_failure(self) -> str:
        if self.error is not None:
            return f"error: {self.error}"
        if self.first_breach is not None:
            b = self.first_breach
            return f"{b['invariant']} at {b['ts_ms']} ({b.get('event') or '-'}): {b['detail']}"
        if self.failed_expectations:
            return f"expectation {self.failed_expectations[0]}"
        return ""

    @property
    def replay(self) -> str:
        return replay_command(self.scenario, self.seed)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "faults": list(self.faults), "failed_expectations": list(self.failed_expectations),
                "first_failure": self.first_failure, "replay": self.replay}


@dataclass(frozen=True)
class Rerun:
    scenario: str
    seed: int
    journal_sha256: str
    rerun_sha256: str

    @property
    def same(self) -> bool:
        return self.journal_sha256 == self.rerun_sha256


@dataclass
class SwarmReport:
    """Per-seed results sorted by (scenario, seed), the determinism reruns and probe coverage."""

    results: list[SeedResult]
    reruns: list[Rerun]
    expected_probes: list[str]

    @property
    def failures(self) -> list[SeedResult]:
        return [r for r in self.results if not r.passed]

    @property
    def nondeterministic(self) -> list[Rerun]:
        return [r for r in self.reruns if not r.same]

    @property
    def not_run(self) -> list[SeedResult]:
        return [r for r in self.results if not r.ran]

    @property
    def passed(self) -> bool:
        return not self.failures and not self.nondeterministic

    @property
    def probes(self) -> dict[str, int]:
        total: dict[str, int] = {}
        for r in self.results:
            for name, n in r.probes.items():
                total[name] = total.get(name, 0) + n
        return dict(sorted(total.items()))

    @property
    def unreached(self) -> list[str]:
        """Probes some configured fault should reach that no seed reached."""
        reached = self.probes
        return [p for p in self.expected_probes if not reached.get(p)]

    def to_json(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "runs": len(self.results), "failures": len(self.failures),
            "results": [r.as_dict() for r in self.results],
            "reruns": [{**asdict(r), "same": r.same} for r in self.reruns],
            "probes": self.probes, "probes_expected": self.expected_probes, "probes_unreached": self.unreached,
        }

    def write(self, out_dir: Path, rows: str = "all") -> None:
        """``swarm.json`` (every run, reruns, probe coverage) and ``swarm.txt`` (the table) in ``out_dir``."""
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "swarm.json").write_text(json.dumps(self.to_json(), indent=2) + "\n")
        (out_dir / "swarm.txt").write_text(self.table(rows) + "\n")

    def table(self, rows: str = "auto") -> str:
        """The report as text: ``rows`` all | failures | auto (all up to 200 runs)."""
        shown = self.results if rows == "all" or (rows == "auto" and len(self.results) <= 200) else self.failures
        width = max([len(r.scenario) for r in self.results] + [8])
        lines = [f"{'scenario':<{width}}  {'seed':>6}  result  journal    first failing invariant"]
        for r in shown:
            verdict = "pass" if r.passed else "FAIL"
            lines.append(f"{r.scenario:<{width}}  {r.seed:>6}  {verdict:<6}  {r.journal_sha256[:8] or '-':<9}  "
                         f"{r.first_failure}")
        if shown is not self.results:
            lines.append(f"({len(self.results) - len(shown)} passing runs not listed; --table all lists them)")
        by_scenario: dict[str, list[SeedResult]] = {}
        for r in self.results:
            by_scenario.setdefault(r.scenario, []).append(r)
        lines.append("")
        for name, rs in by_scenario.items():
            lines.append(f"{name}: {sum(r.passed for r in rs)}/{len(rs)} seeds passed")
        if self.failures:
            lines.append("")
            lines.append("replay a failure exactly:")
            lines += [f"  {r.replay}" for r in self.failures]
        lines.append("")
        if self.reruns:
            bad = self.nondeterministic
            lines.append(f"determinism: {len(self.reruns)} passing seeds rerun, "
                         + ("all reproduced their journal hash" if not bad else
                            f"{len(bad)} did NOT: " + ", ".join(f"{r.scenario} seed {r.seed}" for r in bad)))
        unreached = self.unreached
        lines.append(f"probes: {len(self.expected_probes) - len(unreached)}/{len(self.expected_probes)} reached"
                     + (f"; never reached: {', '.join(unreached)}" if unreached else ""))
        lines.append(f"swarm {'PASSED' if self.passed else 'FAILED'}: {len(self.results) - len(self.failures)}"
                     f"/{len(self.results)} runs passed")
        return "\n".join(lines)


# -- one run -------------------------------------------------------------------------------------
def run_seed(scenario_file: str, seed: int) -> SeedResult:
    """Run one swarm seed (in whatever process the backend chose); never raises."""
    from sim.harness.simulate import simulate

    name = Path(scenario_file).stem
    faults: tuple[str, ...] = ()
    try:
        scenario = swarm_variant(load_scenario(scenario_file), seed)
        name, faults = scenario.name, tuple(describe(scenario.faults))
        s = simulate(scenario, seed=seed).summary
    except Exception as exc:  # a crash of the harness or the engine is a failed run, reported
        return SeedResult(scenario_file, name, seed, False, "", faults, error=f"{type(exc).__name__}: {exc}")
    return SeedResult(
        scenario=scenario_file, name=name, seed=seed, passed=s.passed, journal_sha256=s.journal_sha256,
        faults=faults, first_breach=s.breaches[0].as_dict() if s.breaches else None,
        failed_expectations=tuple(c.name for c in s.failed_expectations), probes=dict(s.facts.probes))


def _job(job: tuple[str, int]) -> SeedResult:
    return run_seed(*job)


# -- backends ------------------------------------------------------------------------------------
def _not_run(job: tuple[str, int], reason: str) -> SeedResult:
    scenario_file, seed = job
    return SeedResult(scenario_file, Path(scenario_file).stem, seed, False, "", (), error=reason, ran=False)


def _backend(name: str) -> Callable[[list[tuple[str, int]], int], Iterable[SeedResult]]:
    if name == "local":
        return lambda jobs, workers: local_map(_job, jobs, workers, _not_run)
    if name == "ray":
        from sim.harness.swarm_ray import ray_map  # imports ray itself, lazily
        return lambda jobs, workers: ray_map(_job, jobs, workers)
    raise UserError(f"unknown backend {name!r}: choose one of {', '.join(BACKENDS)}")


def rerun_sample(passing: Sequence[SeedResult], fraction: float) -> list[SeedResult]:
    """Every (1/fraction)-th passing run in (scenario, seed) order, at least one if any pass."""
    if fraction <= 0 or not passing:
        return []
    k = max(1, math.ceil(fraction * len(passing)))
    step = len(passing) / k
    return [passing[int(i * step)] for i in range(k)]


def run_swarm(scenario_files: Sequence[str | Path], seeds: int | Sequence[int], *, workers: int = 1,
              backend: str = "local", first_seed: int = 0, rerun_fraction: float = DEFAULT_RERUN_FRACTION,
              progress: Callable[[SeedResult], None] | None = None) -> SwarmReport:
    """Run every scenario with each seed (``seeds``: a count from ``first_seed``, or the seeds
    themselves) and rerun ``rerun_fraction`` of the passing runs to confirm their hashes.

    Scenario files are validated first (``ScenarioError``, a ``UserError``, for a bad one).
    """
    files = [str(f) for f in scenario_files]
    if not files:
        raise UserError("no scenario files given")
    scenarios = [load_scenario(f) for f in files]
    seed_list = list(range(first_seed, first_seed + seeds)) if isinstance(seeds, int) else list(seeds)
    if not seed_list:
        raise UserError("no seeds to run")
    run = _backend(backend)
    jobs = [(f, s) for f in files for s in seed_list]
    results = []
    for r in run(jobs, workers):
        results.append(r)
        if progress is not None:
            progress(r)
    order = {f: i for i, f in enumerate(files)}
    results.sort(key=lambda r: (order[r.scenario], r.seed))
    sample = rerun_sample([r for r in results if r.passed], rerun_fraction)
    again = {(r.scenario, r.seed): r for r in run([(r.scenario, r.seed) for r in sample], workers)}
    reruns = [Rerun(r.scenario, r.seed, r.journal_sha256, again[(r.scenario, r.seed)].journal_sha256) for r in sample]
    drawn = [swarm_variant(sc, s).faults for sc in scenarios for s in seed_list]
    return SwarmReport(results, reruns, expected_probes(drawn))
