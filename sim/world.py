"""One simulation run, wired in one place so that the data flow reads top to bottom:

    scans -> [data faults] -> feed (engine decides each batch) -> execution -> venue link -> venue
                                                                     |       [venue faults]
                                                 [crash/restart host]|-> recorder -> journal  monitor <-|

``simulate`` builds the processes, runs simpy until the feed is exhausted, settles what is still in
flight, then checks the end-of-run invariants and the scenario's expectations. A scenario's faults
(``sim.faults``) stop when the data ends; the settle window is then their quiet period.
"""
from __future__ import annotations

import hashlib
from decimal import Decimal
import json
import platform
from dataclasses import dataclass, field
from importlib import metadata
from itertools import chain
from pathlib import Path
from typing import Any, Callable, Iterator

import simpy

from exchange_mock import Venue, VenueConfig
from sim.clock import Priority, wake_at
from sim.execution import Execution, Operator, VenueEvents
from sim.expectations import CheckResult, evaluate
from sim.feed import ScanFeed
from sim.journal.writer import RunJournal
from sim.latency import LatencyModel
from sim.market import VenueMarket
from sim.faults.plan import FaultPlan
from sim.faults.config import describe
from sim.monitor import InvariantMonitor, RunawayRun
from sim.progress import Progress
from sim.recorder import Recorder
from sim.rng import RngStreams
from sim.scenario import Scenario
from sim.sources import open_source
from sim.venue_link import VenueLink
from violet_engine import DecisionEngine, ScanBatch
from violet_engine.cadence import Cadence
from violet_engine.execution_policy import DAY_MS

SETTLE_MS = 120_000
PACKAGES = ("violet-sim", "simpy", "numpy", "pyarrow", "pydantic")


@dataclass
class RunResult:
    summary: dict[str, Any]
    checks: list[CheckResult] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return bool(self.summary["passed"])


def config_hash(scenario: Scenario, seed: int) -> str:
    """sha256 of the scenario's canonical JSON and the seed: what a run's outputs depend on."""
    doc = scenario.model_dump(mode="json")
    doc["seed"] = seed
    return hashlib.sha256(json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "unknown"
    return found


def venue_config(scenario: Scenario, funding: dict, streams: RngStreams,
                 fill_model: dict[str, Any] | None = None) -> VenueConfig:
    """The venue as the scenario configures it, funded with ``execution.capital``. Unless the
    scenario says otherwise, its id seed derives from the run seed, and funding follows the
    source's recorded series (rate 0 where a source has none, so that default runs compare trade
    for trade with a plain reference loop). A partial-fill fault sets ``fill_model``."""
    cfg = scenario.venue
    update: dict[str, Any] = {"initial_balance": Decimal(repr(scenario.execution.capital))}
    if fill_model is not None:
        update["fill"] = fill_model
    if "seed" not in cfg.model_fields_set:
        update["seed"] = streams.child_seed("venue") % (2**31)
    if "funding" not in cfg.model_fields_set:
        update["funding"] = {"kind": "series", "series": funding, "default_rate": "0"}
    return VenueConfig.model_validate({**cfg.model_dump(), **update})


def _peek(batches: Iterator[ScanBatch]) -> tuple[int | None, Iterator[ScanBatch]]:
    """The first scan's time (the simulation's start) without losing the first batch."""
    for first in batches:
        if len(first):
            return int(first.ts_ms[0]), chain([first], batches)
    return None, iter(())


def simulate(scenario: Scenario, *, seed: int | None = None, out_dir: Path | None = None,
             progress: Progress | None = None, journal: RunJournal | None = None) -> RunResult:
    """Run one scenario; writes the run directory when ``out_dir`` is given."""
    seed = scenario.seed if seed is None else seed
    streams = RngStreams(seed)
    source = open_source(scenario.data, seed)
    if progress is not None:
        progress.start(source.num_scans)
    start_ms, batches = _peek(source.batches())
    env = simpy.Environment(initial_time=start_ms or 0)

    plan = FaultPlan(scenario.faults, streams, start_ms or 0)
    venue = Venue(venue_config(scenario, source.funding, streams, plan.fill_model))
    engine = DecisionEngine(scenario.engine)
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
    journal = journal or RunJournal(out_dir)
    recorder = Recorder(env, venue, journal, scenario.execution.equity_interval_ms)
    market = VenueMarket(venue, env.now)
    link = VenueLink(env, venue, LatencyModel(scenario.latency, streams.stream("latency")),
                     plan.link_faults(lambda: env.now), venue_clock=market.sync)
    monitor = InvariantMonitor(env, venue, scenario.engine.leverage.cap, v4=scenario.execution.v4,
                               max_decision_age_ms=scenario.execution.max_decision_age_ms,
                               corrupted=plan.data.corrupted, day_pnl=lambda day: recorder.tail.day_pnl(day, DAY_MS),
                               probe=plan.probes.hit)

    def execution() -> Execution:
        """A new engine process state (the first, or one restarted after a crash)."""
        fresh = Execution(env, link, scenario.execution, scenario.engine.leverage, engine.organs.exits,
                          Cadence(scenario.engine.cadence), recorder, probe=plan.probes.hit)
        fresh.reconciled.append(monitor.after_reconcile)
        return fresh

    host = plan.engine_host(env, execution)
    link.observers.append(monitor.after_response)
    link.on_send = monitor.on_request
    link.on_stray = host.deliver
    if plan.link is not None:
        plan.link.unknown_observers.append(monitor.on_unknown)
    market.listeners.append(lambda events: host.deliver(VenueEvents(events)))
    market.listeners.append(monitor.after_market)

    def on_batch(batch: ScanBatch, decisions: Any) -> None:
        recorder.on_batch(batch, decisions)
        monitor.on_batch(batch, decisions)
        if progress is not None:
            progress.advance(len(batch))

    def market_update(ts_ms: int, prices: Any, marks: Any) -> None:
        plan.data.at_market(ts_ms, venue.open_position_count() > 0)
        market.update(ts_ms, prices, marks)

    feed = ScanFeed(env, plan.scans(batches), engine, market_update, host.deliver, host.busy, on_batch)

    recorder.start()
    host.start()
    for ev in scenario.events:
        env.process(_operator(env, ev.at(start_ms or 0), Operator(ev.kind, ev.action, ev.quantum), host.deliver))
    plan.start(env, journal, host.deliver)
    feed_done = env.process(feed.run())
    try:
        env.run(until=feed_done)
        plan.quiet()
        env.run(until=env.now + (plan.settle_ms if plan.enabled else SETTLE_MS))
    except RunawayRun:
        pass  # recorded as a breach of "the run terminates"

    facts = recorder.facts()
    facts["probes"] = plan.probes.as_dict()
    monitor.at_end(facts, feed.scans_in, None if host.down else host.current)
    if plan.data.source_scans:
        monitor.check_scan_sources(plan.data.source_scans, feed.scans_in, plan.data.dropped, plan.data.duplicated)
    if plan.enabled:
        facts["faults"] = _fault_facts(plan, feed.scans_in, host, monitor)
    journal_hash = journal.close()
    if plan.sink is not None:
        monitor.check_journal_delivery(plan.sink.close(), journal.counts)
    facts["violations"] = len(monitor.breaches)
    facts["ledger_reconciled"] = venue.reconcile().ok
    checks = evaluate(scenario.expect, facts)
    snap = venue.account_snapshot()
    summary = {
        "scenario": scenario.name, "seed": seed, "scans_in": feed.scans_in,
        **{k: facts[k] for k in ("decided", "no_signal", "no_pick", "rejected", "gated", "orders",
                                 "fills", "trades", "liquidations", "violations")},
        "final_equity": str(snap["equity"]), "final_wallet": str(snap["wallet"]),
        "journal_sha256": journal_hash,
        "passed": not monitor.breaches and all(c.passed for c in checks),
        "expectations": [{"name": c.name, "expected": c.expected, "measured": c.measured, "passed": c.passed}
                         for c in checks],
        "breaches": [b.as_dict() for b in monitor.breaches],
        "facts": facts,
        "config_hash": config_hash(scenario, seed),
        "versions": versions(),
    }
    if out_dir is not None:
        (out_dir / "summary.json").write_text(json.dumps(summary, indent=2, sort_keys=False, default=str) + "\n")
    return RunResult(summary, checks)


def _operator(env: simpy.Environment, at_ms: int, command: Operator, deliver: Callable[[Any], None]) -> Any:
    yield wake_at(env, max(at_ms, env.now), Priority.OPERATOR)
    deliver(command)


def _fault_facts(plan: FaultPlan, scans_in: int, host: Any, monitor: InvariantMonitor) -> dict[str, Any]:
    """What the faults did, for the summary."""
    data = plan.data
    return {"injected": describe(plan.faults), "source_scans": data.source_scans or scans_in,
            "scans_dropped": data.dropped, "scans_duplicated": data.duplicated,
            "scans_corrupted": len(data.corrupted), "engine_restarts": host.restarts,
            "link_requests": monitor.requests}
