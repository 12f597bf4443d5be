"""Runs everything a profile names, collects the evidence into the output directory, and certifies.

Layout of ``--out DIR``: ``runs/<scenario>/`` (one run directory per certification scenario),
``rerun/<scenario>/`` (the determinism reruns), ``golden.json``, ``faults/`` (the swarm's report),
``drill/`` (the traced recovery drills), ``studies/`` (the recorded-trade studies). Steps run in
a fixed order, each announced through ``log``; scenario runs show a progress bar on a terminal.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable

from sim.errors import UserError
from sim.harness.golden import check_golden
from sim.harness.run_dir import staged_output
from sim.progress import progress_bar
from sim.scenario.schema import ParquetData, Scenario
from sim.scenario import load_scenario
from sim.scenario.sources import open_source
from sim.studies.margin import LEVERAGES
from sim.harness.simulate import RunResult, simulate

from sim.certify.checks import CheckResult, evaluate
from sim.certify.engine_file import EngineFile, with_engine
from sim.certify.evidence import DrillRun, Evidence, Golden, Rerun, Run, Unavailable
from sim.certify.faults import run_faults
from sim.certify.profile import Profile, resolve
from sim.certify.provenance import provenance
from sim.certify.recorded import load_recorded
from sim.certify.report import write_reports

Log = Callable[[str], None]


@dataclass(frozen=True)
class Request:
    profile: Profile
    root: Path            # the project checkout the profile's paths are relative to
    out: Path
    source: str | None    # recorded trades: DSN or Parquet directory (None: the default store)
    seeds: int | None     # swarm seeds per fault scenario (None: the profile's)
    workers: int | None   # swarm worker processes (None: one per CPU)
    golden: bool = True   # False: --no-golden (the meaning checks alone decide, as always)
    engine: EngineFile | None = None  # --engine FILE: laid over every certification scenario's engine


def _load(root: Path, file: str, engine: EngineFile | None = None) -> Scenario:
    return with_engine(load_scenario(resolve(root, file)), engine)


def _stablecoins_listed(scenario: Scenario, symbols: tuple[str, ...]) -> tuple[str, ...]:
    assets = set(open_source(scenario.data, scenario.seed).assets)
    return tuple(s for s in symbols if s in assets)


def _simulate(scenario: Scenario, out_dir: Path, label: str, seed: int | None = None,
              trace: bool = False) -> RunResult:
    out_dir.mkdir(parents=True, exist_ok=True)
    with progress_bar(label) as progress:
        return simulate(scenario, seed=seed, out_dir=out_dir, progress=progress, trace_requests=trace)


def run_scenarios(req: Request, log: Log) -> list[Run]:
    """Every certification scenario once, each into ``runs/<name>``."""
    stable = req.profile.checks.no_stablecoins
    symbols = stable.symbols if stable is not None else ()
    runs: list[Run] = []
    seen: dict[str, str] = {}
    for role, files in (("v4", req.profile.scenarios.v4), ("baseline", req.profile.scenarios.baseline)):
        for file in files:
            scenario = _load(req.root, file, req.engine)
            if scenario.name in seen:
                raise UserError(f"scenarios {seen[scenario.name]} and {file} share the name {scenario.name!r}")
            seen[scenario.name] = file
            log(f"run {role} scenario {file}")
            result = _simulate(scenario, req.out / "runs" / scenario.name, scenario.name)
            runs.append(Run(role, file, scenario, result.summary, req.out / "runs" / scenario.name,
                            _stablecoins_listed(scenario, symbols)))
    return runs


def rerun(req: Request, runs: list[Run], log: Log) -> list[Rerun]:
    """The determinism scenarios a second time, from scratch, into ``rerun/<name>``."""
    first = {r.file: r for r in runs}
    reruns = []
    for file in req.profile.determinism:
        log(f"rerun {file} for determinism")
        run = first[file]
        result = _simulate(_load(req.root, file, req.engine), req.out / "rerun" / run.name, f"{run.name} (rerun)")
        reruns.append(Rerun(file, run.summary.journal_sha256, result.summary.journal_sha256,
                            req.out / "rerun" / run.name))
    return reruns


def drills(req: Request, log: Log) -> tuple[DrillRun, ...] | Unavailable:
    """Each recovery drill: the scenario with all its faults under each of its seeds, with its
    request trace, into ``drill/<name>_s<seed>`` (all faults at once, not the swarm's draw, so that
    every duty arises whatever the engine under certification decides)."""
    if not req.profile.recovery:
        return Unavailable("the profile names no recovery drills")
    done = []
    for drill in req.profile.recovery:
        scenario = _load(req.root, drill.scenario, req.engine)
        for seed in drill.seeds:
            log(f"recovery drill {drill.scenario} seed {seed}")
            out = req.out / "drill" / f"{scenario.name}_s{seed}"
            result = _simulate(scenario, out, f"{scenario.name} s{seed}", seed, trace=True)
            done.append(DrillRun(drill.scenario, seed, out, result.passed))
    return tuple(done)


def golden(req: Request, log: Log) -> Golden | Unavailable:
    """Every golden scenario re-run and compared; the diffs go to ``golden.json``."""
    if req.profile.golden is None:
        return Unavailable("the profile names no golden directory")
    gold = resolve(req.root, req.profile.golden)
    dirs = sorted(d for d in gold.iterdir() if (d / "summary.json").is_file()) if gold.is_dir() else []
    results, archives = [], []
    for d in dirs:
        log(f"golden {d.name}")
        results.append(check_golden(d, req.root))
        data = _load(req.root, json.loads((d / "summary.json").read_text())["scenario_file"]).data
        archives += [Path(data.path)] if isinstance(data, ParquetData) else []
    report = req.out / "golden.json"
    report.write_text(json.dumps([{"scenario": r.scenario, "ok": r.ok, "diff": list(r.lines)} for r in results],
                                 indent=2) + "\n")
    return Golden(tuple(results), report, tuple(archives))


def check_out(out: Path) -> None:
    """An output folder a certification may replace: absent, empty, or one a previous
    certification wrote (it holds ``certificate.json``); anything else is refused rather than
    overwritten."""
    if out.is_dir() and any(out.iterdir()) and not (out / "certificate.json").is_file():
        raise UserError(f"{out}: not empty and not a certification directory (choose another --out)")
    if out.exists() and not out.is_dir():
        raise UserError(f"{out}: not a folder (choose another --out)")


def collect(req: Request, log: Log) -> Evidence:
    """Run every step; each one's outputs land under ``req.out``."""
    runs = run_scenarios(req, log)
    reruns = rerun(req, runs, log)
    gold = golden(req, log) if req.golden else None
    swarm = run_faults(req.profile.faults, req.root, req.out / "faults", req.seeds, req.workers, log, req.engine)
    drilled = drills(req, log)
    log("recorded-trade studies")
    recorded = load_recorded(req.source, req.profile.recorded, req.out, log, study_params(req.profile))
    return Evidence(req.out, runs, reruns, gold, swarm, recorded, req.engine, drilled)


def study_params(profile: Profile) -> dict[str, dict[str, Any]]:
    """The studies' parameters the profile's thresholds imply (the rest keep their defaults)."""
    params: dict[str, dict[str, Any]] = {}
    parity, margin = profile.checks.sizing_parity, profile.checks.margin_3x
    if parity is not None:
        params["parity"] = {"bins": parity.bins, "min_pearson": parity.min_pearson,
                            "max_abs_error": parity.max_abs_error}
    if margin is not None:
        params["margin"] = {"leverages": tuple(sorted(set(LEVERAGES) | {margin.leverage}))}
    return params


def certify(req: Request, log: Log) -> tuple[dict[str, Any], list[CheckResult]]:
    """Collect the evidence, evaluate every check, write certificate and reports.

    Everything is written into a staging folder beside ``req.out`` that replaces it only when
    the certificate is written: a certification killed at any point leaves the previous complete
    one (or none), never a ``certificate.json`` beside another run's evidence; a second
    certification into a folder a live one is writing is refused (``staged_output``)."""
    check_out(req.out)
    with staged_output(req.out) as stage:
        staged = replace(req, out=stage)
        ev = collect(staged, log)
        log("checks and report")
        results = evaluate(req.profile, ev)
        cert = write_reports(req.profile, ev, results, provenance(req.profile, ev, req.root))
    return cert, results
