"""One simulation run, wired in one place so that the data flow reads top to bottom:

    scans -> [data faults] -> feed (engine decides each batch) -> execution -> venue link -> venue
                                                                     |       [venue faults]
                                                [engine host: crash/restart]|-> recorder -> journal
                                                                     monitor (invariants) <-|

``simulate`` builds the processes, runs simpy until the feed is exhausted, settles what is still in
flight, then checks the end-of-run invariants and the scenario's expectations. A scenario's faults
(``sim.faults``) stop when the data ends; the settle window is then their quiet period. Every
observer is handed to what it observes when that is built; nothing is attached afterwards.
"""
from __future__ import annotations

import functools
import hashlib
import json
import platform
from dataclasses import dataclass, field, replace
from decimal import Decimal
from importlib import metadata
from pathlib import Path
from typing import Any, Callable, Iterator

import pyarrow as pa
import pyarrow.parquet as pq
import simpy

from exchange_mock import Venue, VenueConfig
from exchange_mock.models import SeriesFunding
from sim.execution.host import EngineHost
from sim.execution.memory import EngineMemory
from sim.execution.trader import Execution
from sim.faults.config import describe
from sim.faults.plan import FaultPlan
from sim.harness.contracts_check import templates_for
from sim.harness.scan_settings import intrabar_facts, scan_interval_ms, stretch_warnings
from sim.harness.jump import HoldJump
from sim.journal.writer import RunJournal
from sim.kernel.clock import Priority, wake_at
from sim.kernel.feed import ScanFeed
from sim.kernel.latency import LatencyModel
from sim.kernel.link import AccountStream, VenueLink, unheard
from sim.kernel.market import VenueMarket
from sim.kernel.messages import Operator, OperatorKind, VenueEvents
from sim.observe.facts import CheckResult, RunFacts, RunSummary
from sim.observe.monitor import InvariantMonitor, RunawayRun
from sim.observe.recorder import Recorder
from sim.observe.request_trace import RequestTrace
from sim.progress import Progress
from sim.rng import RngStreams
from sim.scenario.expectations import evaluate
from sim.scenario.schema import ParquetData, Scenario
from sim.scenario.sources import open_source
from violet_engine import DecisionEngine, ScanBatch
from violet_engine.cadence import Cadence
from violet_engine.constants import DESIGN_SCAN_MS
from violet_engine.execution_policy import DAY_MS

SETTLE_MS = 120_000
PACKAGES = ("violet-sim", "simpy", "numpy", "pyarrow", "pydantic")


@dataclass(frozen=True)
class RunResult:
    """What one run gives back: its summary, the expectation checks, and its run directory (when
    it wrote one). ``trades`` and the other tables are Arrow tables (``.to_pandas()`` if pandas is
    installed). ``venue`` is the venue as the run left it (its ledger, fills and income history),
    for checks that go below the journal."""

    summary: RunSummary
    checks: list[CheckResult]
    out_dir: Path | None = None
    venue: Venue | None = field(default=None, repr=False, compare=False)

    @property
    def passed(self) -> bool:
        return self.summary.passed

    @property
    def facts(self) -> RunFacts:
        return self.summary.facts

    def table(self, name: str) -> pa.Table:
        """One journal table of the run (``decisions``, ``orders``, ``fills``, ``trades``, ...)."""
        if self.out_dir is None:
            raise ValueError("this run wrote no tables: pass out_dir to simulate()")
        return pq.read_table(self.out_dir / f"{name}.parquet")

    @property
    def trades(self) -> pa.Table:
        return self.table("trades")


def config_hash(scenario: Scenario, seed: int) -> str:
    """sha256 of the scenario's canonical JSON and the seed: what a run's outputs depend on. Files
    the scenario names (its scan archive, its contract table) enter by content, not by path, so
    the same run has the same hash in any checkout on any machine."""
    doc = scenario.model_dump(mode="json")
    doc["seed"] = seed
    del doc["execution"]["engine_path"]  # how the replay steps, not what it computes
    if not scenario.execution.protective_stop:
        del doc["execution"]["protective_stop"]  # off, as before the setting existed: the same identity
    if not scenario.intrabar.any:
        del doc["intrabar"]  # off, as every run was before the setting existed: the same identity
    if isinstance(scenario.data, ParquetData):
        doc["data"]["path"] = _file_digest(Path(scenario.data.path))
    if scenario.venue.contracts_dir is not None:
        folder = scenario.venue.contracts_dir
        doc["venue"]["contracts_dir"] = [_file_digest(folder / n) for n in ("contracts.csv", "maint_tiers.csv")]
    return hashlib.sha256(json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _file_digest(path: Path) -> str:
    """``sha256:<hex>`` of a file's bytes (``missing:<name>`` when it cannot be read: the run then
    fails on its own, naming the file)."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    except OSError:
        return f"missing:{path.name}"
    return f"sha256:{digest.hexdigest()}"


def versions() -> dict[str, str]:
    """The versions a run's provenance names: read once per process (a swarm worker runs
    thousands of seeds, and each lookup parses the installed packages' metadata)."""
    return dict(_installed_versions())


@functools.lru_cache(maxsize=1)
def _installed_versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "unknown"
    return found


def venue_config(scenario: Scenario, funding: dict, streams: RngStreams,
                 fill_model: dict[str, Any] | None = None, templates: dict[str, Decimal] | None = None) -> VenueConfig:
    """The venue as the scenario configures it, funded with ``execution.capital``. Unless the
    scenario says otherwise, its id seed derives from the run seed, and funding follows the
    source's recorded series (rate 0 where a source has none, so that default runs compare trade
    for trade with a plain reference loop); a scenario ``venue.funding`` of kind ``series``
    without its own ``series`` tunes that one (``tolerance_ms``, ``intervals``, ``default_rate``). A partial-fill fault sets ``fill_model``."""
    cfg = scenario.venue
    update: dict[str, Any] = {"initial_balance": Decimal(repr(scenario.execution.capital))}
    if fill_model is not None:
        update["fill"] = fill_model
    if templates:
        update["templates"] = templates
    if "seed" not in cfg.model_fields_set:
        update["seed"] = streams.child_seed("venue") % (2**31)
    if "funding" not in cfg.model_fields_set:
        update["funding"] = {"kind": "series", "series": funding, "default_rate": "0"}
    elif isinstance(cfg.funding, SeriesFunding) and "series" not in cfg.funding.model_fields_set:
        # a scenario that tunes the series (tolerance, intervals) still settles the source's rates
        given = cfg.funding.model_dump(exclude_unset=True)
        update["funding"] = {"kind": "series", "default_rate": "0", **given, "series": funding}
    return VenueConfig.model_validate({**cfg.model_dump(), **update})


def _peek(batches: Iterator[ScanBatch]) -> tuple[ScanBatch | None, Iterator[ScanBatch]]:
    """The first non-empty batch (its first scan starts the simulation), without losing it."""
    for first in batches:
        if len(first):
            return first, _then(first, batches)
    return None, iter(())


def _then(first: ScanBatch, rest: Iterator[ScanBatch]) -> Iterator[ScanBatch]:
    """``first``, then ``rest``, holding ``first`` no longer than the feed does. (``chain([first],
    rest)`` keeps its argument tuple, and with it the first batch, until the replay ends: one batch
    of memory more on every run longer than two batches, a step between a 7- and a 90-day peak.)"""
    yield first
    del first
    yield from rest


class _Run:
    """The processes of one run, each given its observers as it is built."""

    def __init__(self, scenario: Scenario, seed: int, journal: RunJournal | None, out_dir: Path | None,
                 progress: Progress | None, trace: bool = False) -> None:
        self.scenario, self.seed, self.progress = scenario, seed, progress
        streams = RngStreams(seed)
        source = open_source(scenario.data, seed, extremes=scenario.intrabar.any)
        if progress is not None:
            progress.start(source.num_scans)
        first, batches = _peek(source.batches())
        self.start_ms = int(first.ts_ms[0]) if first is not None else None
        self.scan_interval_ms = scan_interval_ms(first)
        engine_config = scenario.engine.at_scan_interval(self.scan_interval_ms or DESIGN_SCAN_MS)
        self.settings_warnings = stretch_warnings(scenario.engine, self.scan_interval_ms)
        engine = DecisionEngine(engine_config)
        self.templated = templates_for(scenario, first, engine)
        env = self.env = simpy.Environment(initial_time=self.start_ms or 0)
        plan = self.plan = FaultPlan(scenario.faults, streams, self.start_ms or 0)
        self.venue_config = venue_config(scenario, source.funding, streams, plan.fill_model, self.templated)
        venue = self.venue = Venue(self.venue_config)
        if out_dir is not None:
            out_dir.mkdir(parents=True, exist_ok=True)
        self.journal = journal or RunJournal(out_dir)
        self.recorder = Recorder(env, venue, self.journal, scenario.execution.equity_interval_ms)
        self.memory = EngineMemory()
        monitor = self.monitor = InvariantMonitor(
            env, venue, scenario.engine.leverage.cap, v4=scenario.execution.v4,
            max_decision_age_ms=scenario.execution.max_decision_age_ms, corrupted=plan.data.corrupted,
            day_pnl=lambda day: self.memory.day_pnl(day, DAY_MS), probe=plan.probes.hit)
        self.market = VenueMarket(venue, env.now, listeners=(lambda events: self.host.deliver(VenueEvents(events)),
                                                             monitor.after_market))
        self.trace = RequestTrace(lambda: env.now, lambda: self.host.restarts) if trace else None
        self.link = VenueLink(env, venue, AccountStream(venue),
                              LatencyModel(scenario.latency, streams.stream("latency")),
                              plan.link_faults(lambda: env.now, monitor.on_unknown), venue_clock=self.market.sync,
                              observers=(monitor.after_response,), on_send=monitor.on_request,
                              on_stray=lambda stray: self.host.deliver(stray),
                              on_answer=self.trace.on_answer if self.trace is not None else unheard)
        self.host = EngineHost(env, lambda: self._execution(engine), plan.probes.hit, plan.crash_source())
        self.intrabar = intrabar_facts(scenario, first)
        walk_bar = scenario.intrabar.venue
        hold = HoldJump(env, self.host, venue, self.recorder, plan.data, self._market_update, walk_bar) \
            if scenario.execution.engine_path == "jump" else None
        self.feed = ScanFeed(env, plan.scans(batches), engine, self._market_update, self.host.deliver,
                             self.host.busy, self._on_batch, hold, walk_bar)

    def _execution(self, engine: DecisionEngine) -> Execution:
        """A new engine process state (the first, or one restarted after a crash)."""
        sc = self.scenario
        return Execution(self.env, self.link, sc.execution, sc.engine.leverage, engine.organs.exits,
                         Cadence(sc.engine.cadence), self.recorder, self.memory, probe=self.plan.probes.hit,
                         on_reconciled=self.monitor.after_reconcile, bar_exits=sc.intrabar.exits,
                         stop_loss=sc.engine.exits.stop_loss if sc.execution.protective_stop else None)

    def _on_batch(self, batch: ScanBatch, decisions: Any) -> None:
        self.recorder.on_batch(batch, decisions)
        self.monitor.on_batch(batch, decisions)
        if self.progress is not None:
            self.progress.advance(len(batch))

    def _market_update(self, ts_ms: int, prices: Any, marks: Any, extremes: Any = None) -> None:
        self.plan.data.at_market(ts_ms, self.venue.open_position_count() > 0)
        self.market.update(ts_ms, prices, marks, extremes)

    def run(self) -> None:
        """Everything starts in a fixed order (simpy breaks ties by insertion), runs until the data
        ends, then settles for the quiet period."""
        env, plan = self.env, self.plan
        self.recorder.start()
        self.host.start()
        for ev in self.scenario.events:
            command = Operator(OperatorKind(ev.kind), ev.action, ev.quantum)
            env.process(_operator(env, ev.at(self.start_ms or 0), command, self.host.deliver))
        plan.start(env, self.journal, self.host.deliver)
        feed_done = env.process(self.feed.run())
        try:
            env.run(until=feed_done)
            plan.quiet()
            if self.scenario.end_of_data == "close":
                self.host.deliver(Operator(OperatorKind.END_OF_DATA))
            env.run(until=env.now + (plan.settle_ms if plan.enabled else SETTLE_MS))
        except RunawayRun:
            pass  # recorded as a breach of "the run terminates"

    def conclude(self) -> tuple[RunSummary, list[CheckResult]]:
        """The end-of-run invariants, the journal closed, the expectations checked."""
        plan, monitor, host = self.plan, self.monitor, self.host
        facts = replace(self.recorder.facts(), probes=plan.probes.as_dict(), contracts_templated=sorted(self.templated),
                        funding=self.venue_config.funding.describe(), settings_warnings=self.settings_warnings,
                        intrabar=self.intrabar)
        scans_in = self.feed.scans_in
        outcomes = facts.decided + facts.no_signal + facts.no_pick + facts.rejected
        monitor.at_end(scans_in, outcomes, facts.trades, None if host.down else host.current)
        monitor.check_accounting(self.recorder.trades_pnl, self.recorder.trades_insurance)
        if plan.data.source_scans:
            monitor.check_scan_sources(plan.data.source_scans, scans_in, plan.data.dropped, plan.data.duplicated)
        if plan.enabled:
            facts = replace(facts, faults=_fault_facts(plan, scans_in, host, monitor))
        journal_hash = self.journal.close()
        if plan.sink is not None:
            monitor.check_journal_delivery(plan.sink.close(), self.journal.counts)
        facts = replace(facts, violations=len(monitor.breaches), ledger_reconciled=self.venue.reconcile().ok,
                        accounting=monitor.accounting.as_dict() if monitor.accounting is not None else {})
        snap = self.venue.account_snapshot()
        facts = replace(facts, open_at_end=_open_at_end(None if host.down else host.current, snap))
        checks = evaluate(self.scenario.expect, facts)
        summary = RunSummary(
            scenario=self.scenario.name, seed=self.seed, scans_in=scans_in, facts=facts,
            final_equity=str(snap["equity"]), final_wallet=str(snap["wallet"]), journal_sha256=journal_hash,
            passed=not monitor.breaches and all(c.passed for c in checks), expectations=checks,
            breaches=list(monitor.breaches), config_hash=config_hash(self.scenario, self.seed), versions=versions())
        return summary, checks


def simulate(scenario: Scenario, *, seed: int | None = None, out_dir: str | Path | None = None,
             progress: Progress | None = None, journal: RunJournal | None = None,
             trace_requests: bool = False) -> RunResult:
    """Run one scenario; writes the run directory (tables and ``summary.json``) when ``out_dir``
    is given, and with ``trace_requests`` its request trace (``requests.parquet``, outside the
    journal hash) too."""
    seed = scenario.seed if seed is None else seed
    out_dir = Path(out_dir) if out_dir is not None else None
    run = _Run(scenario, seed, journal, out_dir, progress, trace_requests and out_dir is not None)
    run.run()
    summary, checks = run.conclude()
    if out_dir is not None:
        if run.trace is not None:
            run.trace.write(out_dir)
        (out_dir / "summary.json").write_text(json.dumps(summary.to_dict(), indent=2, sort_keys=False,
                                                         default=str) + "\n")
    return RunResult(summary, checks, out_dir, run.venue)


def _open_at_end(execution: Execution | None, snap: dict[str, Decimal]) -> dict[str, Any] | None:
    """The position still open when the run ended, marked to market (None: flat)."""
    pos = execution.position if execution is not None else None
    if pos is None:
        return None
    return {"symbol": pos.symbol, "side": "SHORT", "quantity": str(pos.quantity), "entry_price": str(pos.entry_price),
            "entry_ts_ms": pos.entry_ts_ms, "scans_held": pos.scans_held, "unrealized_pnl": str(snap["unrealized"])}


def _operator(env: simpy.Environment, at_ms: int, command: Operator, deliver: Callable[[Any], None]) -> Any:
    yield wake_at(env, max(at_ms, env.now), Priority.OPERATOR)
    deliver(command)


def _fault_facts(plan: FaultPlan, scans_in: int, host: EngineHost, monitor: InvariantMonitor) -> dict[str, Any]:
    """What the faults did, for the summary."""
    data = plan.data
    return {"injected": describe(plan.faults), "source_scans": data.source_scans or scans_in,
            "scans_dropped": data.dropped, "scans_duplicated": data.duplicated,
            "scans_corrupted": len(data.corrupted), "engine_restarts": host.restarts,
            "link_requests": monitor.requests}
