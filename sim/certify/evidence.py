"""What the runner collects and the checks read: runs, reruns, golden diffs, the fault swarm's
report and the recorded-trade studies, each with the file it lives in under the output directory.

A piece of evidence that could not be produced is an ``Unavailable`` with the reason, so the check
that needs it fails with that reason (NO-GO) instead of the whole certification crashing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from sim.harness.golden import GoldenDiff
from sim.journal.schema import TABLES
from sim.observe.facts import RunFacts, RunSummary
from sim.scenario.schema import Scenario
from sim.studies.trades import Trades
from violet_engine import EngineConfig


@dataclass(frozen=True)
class Unavailable:
    reason: str


@dataclass
class Run:
    """One certification run: its role in the profile (``v4`` or ``baseline``), the scenario file
    as the profile names it, and the run directory with ``summary.json`` and the journal."""

    role: str
    file: str
    scenario: Scenario
    summary: RunSummary
    dir: Path
    stablecoins_listed: tuple[str, ...]
    _tables: dict[str, pa.Table] = field(default_factory=dict, repr=False)

    @property
    def facts(self) -> RunFacts:
        return self.summary.facts

    @property
    def name(self) -> str:
        return self.scenario.name

    def table(self, name: str) -> pa.Table:
        if name not in self._tables:
            self._tables[name] = pq.read_table(self.dir / f"{name}.parquet")
        return self._tables[name]

    def tables(self) -> dict[str, pa.Table]:
        return {name: self.table(name) for name in TABLES}


@dataclass(frozen=True)
class Rerun:
    file: str
    first_sha256: str
    second_sha256: str
    dir: Path


@dataclass(frozen=True)
class Golden:
    results: tuple[GoldenDiff, ...]
    report: Path
    archives: tuple[Path, ...]  # scan archives the golden scenarios read


@dataclass(frozen=True)
class FaultClass:
    """One fault class of the swarm: how many of its expected probes some run reached, and how many
    of the runs it was drawn into passed (no breach, no failed expectation)."""

    name: str
    probes: int
    reached: int
    runs: int
    survived: int


@dataclass(frozen=True)
class Swarm:
    """The swarm's report, reduced. A swarm run reports its first breach only, so ``breached_runs``
    counts runs with any breach and ``lost_order_runs`` those whose first breach lost an order."""

    runs: int
    failed_runs: tuple[str, ...]
    breached_runs: int
    lost_order_runs: int
    rerun_mismatches: tuple[str, ...]
    classes: tuple[FaultClass, ...]
    unreached_probes: tuple[str, ...]
    seeds: tuple[int, ...]
    report: Path
    profile_seeds: int = 0  # seeds per scenario the profile's suite states (coverage is sized on it)
    seeds_per_scenario: int = 0  # seeds per scenario this run used (--seeds, or the profile's)


@dataclass(frozen=True)
class DrillRun:
    """One traced fault run (``recovery`` in the profile): its run directory holds the journal
    and ``requests.parquet``."""

    file: str
    seed: int
    dir: Path
    passed: bool


@dataclass(frozen=True)
class Recorded:
    """Recorded BLUE trades and the studies run on them."""

    trades: Trades
    source: str
    origin: str  # "generated (seed N)" or "recorded tables (...)"
    sha256: str
    studies: dict[str, dict[str, Any]]
    study_files: dict[str, Path]
    generated_seed: int | None = None  # the generator's seed when the trades are its output

    @property
    def rehearsal(self) -> str | None:
        """What a GO on generated trades is: a rehearsal, not a go-live (None for real trades)."""
        if self.generated_seed is None:
            return None
        return f"rehearsal: recorded trades generated, seed {self.generated_seed}"


@dataclass
class Evidence:
    out: Path
    runs: list[Run]
    reruns: list[Rerun]
    golden: Golden | Unavailable | None  # None: not asked for (--no-golden)
    swarm: Swarm | Unavailable
    recorded: Recorded
    engine: Any = None  # the --engine file (``engine_file.EngineFile``) laid over every scenario
    drills: tuple[DrillRun, ...] | Unavailable = Unavailable("the profile names no recovery drills")

    def rel(self, path: Path) -> str:
        """A path as the report shows it: relative to the output directory."""
        try:
            return path.relative_to(self.out).as_posix()
        except ValueError:
            return path.as_posix()

    def runs_in(self, role: str) -> list[Run]:
        return [r for r in self.runs if r.role == role]

    def engines(self) -> list[EngineConfig]:
        """The distinct engine configurations that ran, in run order."""
        seen: dict[str, EngineConfig] = {}
        for r in self.runs:
            seen.setdefault(r.scenario.engine.config_hash(), r.scenario.engine)
        return list(seen.values())
