"""The fault-injection swarm as certification evidence: run it, keep its report, reduce it.

``sim.harness.swarm.run_swarm`` runs every fault scenario under many seeds (each seed its own random mix
of the scenario's fault classes), reruns a sample of passing seeds for their hashes, and reports
per run whether it passed and which coverage probes it reached. This module only calls it, writes
its report under ``faults/`` and reduces it to what the checks and the coverage matrix need.
"""
from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path
from typing import Callable

from sim.certify.engine_file import EngineFile, with_engine, write_scenario
from sim.certify.evidence import FaultClass, Swarm, Unavailable
from sim.certify.profile import FaultSuite, resolve
from sim.progress import progress_bar
from sim.harness.swarm import SwarmReport, run_swarm
from sim.scenario import load_scenario

#: Invariants whose breach means an order was lost: its answer never resolved, or it never ended.
LOST_ORDER_INVARIANTS = frozenset({"order_reconciled", "order_terminal"})
RECOVERY = "recovery"


def fault_files(suite: FaultSuite, root: Path) -> list[Path]:
    """The suite's scenario files; a directory stands for every ``*.yaml`` file in it."""
    files: list[Path] = []
    for name in suite.scenarios:
        path = resolve(root, name)
        files += sorted(path.glob("*.yaml")) if path.is_dir() else [path] if path.is_file() else []
    return files


def fault_class(label: str) -> str:
    """``reject:80012@0.03+2w`` (a fault as the swarm describes it) -> ``reject``."""
    return label.split("@")[0].split("+")[0].split(":")[0]


def probe_class(probe: str) -> str:
    """``fault.reject.80012`` -> ``reject``; every ``recovery.*`` probe -> ``recovery``."""
    family, _, rest = probe.partition(".")
    return rest.split(".")[0] if family == "fault" else RECOVERY


def classes(report: SwarmReport) -> tuple[FaultClass, ...]:
    """Per fault class: expected probes reached, and runs it was drawn into that passed (recovery
    paths count over every run)."""
    reached = report.probes
    probes: dict[str, list[str]] = defaultdict(list)
    for p in report.expected_probes:
        probes[probe_class(p)].append(p)
    runs: dict[str, list[bool]] = defaultdict(list)
    for r in report.results:
        for name in sorted({fault_class(f) for f in r.faults}):
            runs[name].append(r.passed)
        runs[RECOVERY].append(r.passed)
    names = sorted((set(probes) | set(runs)) - {RECOVERY}) + [RECOVERY]
    return tuple(FaultClass(n, len(probes[n]), sum(bool(reached.get(p)) for p in probes[n]), len(runs[n]),
                            sum(runs[n])) for n in names)


def run_faults(suite: FaultSuite | None, root: Path, out: Path, seeds: int | None, workers: int | None,
               log: Callable[[str], None], engine: EngineFile | None = None) -> Swarm | Unavailable:
    """Run the swarm over the suite (``seeds`` per scenario, default the suite's) and write
    ``swarm.json`` and ``swarm.txt`` under ``out``; with ``engine``, each scenario runs with it
    (written to ``out/engine_scenarios/``)."""
    if suite is None:
        return Unavailable("the profile names no fault suite")
    files = fault_files(suite, root)
    if not files:
        return Unavailable(f"no fault scenarios found in {', '.join(suite.scenarios)}")
    if engine is not None:
        files = [write_scenario(with_engine(load_scenario(f), engine), out / "engine_scenarios" / f.name)
                 for f in files]
    n = seeds or suite.seeds
    procs = workers or os.cpu_count() or 1
    log(f"fault swarm: {len(files)} scenarios x {n} seeds on {procs} worker(s)")
    with progress_bar("fault swarm", unit="run") as bar:
        bar.start(len(files) * n)
        report = run_swarm(files, n, workers=procs, progress=lambda _: bar.advance(1))
    report.write(out, rows="auto")
    breaches = [r.first_breach["invariant"] for r in report.results if r.first_breach]
    return Swarm(
        runs=len(report.results),
        failed_runs=tuple(f"{r.name} seed {r.seed}: {r.first_failure} (replay: {r.replay})" for r in report.failures),
        breached_runs=len(breaches),
        lost_order_runs=sum(b in LOST_ORDER_INVARIANTS for b in breaches),
        rerun_mismatches=tuple(f"{r.scenario} seed {r.seed}" for r in report.nondeterministic),
        classes=classes(report),
        unreached_probes=tuple(report.unreached),
        seeds=tuple(sorted({r.seed for r in report.results})),
        report=out / "swarm.json",
        profile_seeds=suite.seeds,
        seeds_per_scenario=n)
