"""One simulation run, wired in one place so that the data flow reads top to bottom:

    scans -> feed (engine decides each batch) -> execution -> venue link -> venue
                                                   |-> recorder -> journal      monitor <-|

``simulate`` builds the processes, runs simpy until the feed is exhausted, settles what is still in
flight, then checks the end-of-run invariants and the scenario's expectations.
"""
from __future__ import annotations

import hashlib
from decimal import Decimal
import json
import platform
import sys
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
from sim.monitor import InvariantMonitor
from sim.progress import Progress
from sim.recorder import Recorder
from sim.rng import RngStreams
from sim.scenario import Scenario
from sim.sources import open_source
from sim.venue_link import VenueLink
from violet_engine import DecisionEngine, ScanBatch
from violet_engine.cadence import Cadence

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


def venue_config(scenario: Scenario, funding: dict, streams: RngStreams) -> VenueConfig:
    """The venue as the scenario configures it, funded with ``execution.capital``. Unless the
    scenario says otherwise, its id seed derives from the run seed, and funding follows the
    source's recorded series (rate 0 where a source has none, so that default runs compare trade
    for trade with a plain reference loop)."""
    cfg = scenario.venue
    update: dict[str, Any] = {"initial_balance": Decimal(repr(scenario.execution.capital))}
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

    venue = Venue(venue_config(scenario, source.funding, streams))
    engine = DecisionEngine(scenario.engine)
    journal = journal or RunJournal(out_dir)
    recorder = Recorder(env, venue, journal, scenario.execution.equity_interval_ms)
    link = VenueLink(env, venue, LatencyModel(scenario.latency, streams.stream("latency")))
    execution = Execution(env, link, scenario.execution, scenario.engine.leverage, engine.organs.exits,
                          Cadence(scenario.engine.cadence), recorder)
    monitor = InvariantMonitor(env, venue, scenario.engine.leverage.cap)
    link.observers.append(monitor.after_response)

    def market(ts_ms: int, prices: Any, marks: Any) -> None:
        events = venue.advance(ts_ms, prices, marks)
        if events:
            execution.deliver(VenueEvents(events))

    def on_batch(batch: ScanBatch, decisions: Any) -> None:
        recorder.on_batch(batch, decisions)
        if progress is not None:
            progress.advance(len(batch))

    feed = ScanFeed(env, batches, engine, market, execution.deliver, execution.busy, on_batch)

    recorder.start()
    env.process(execution.run())
    for ev in scenario.events:
        env.process(_operator(env, ev.at(start_ms or 0), Operator(ev.kind, ev.action, ev.quantum), execution))
    feed_done = env.process(feed.run())
    env.run(until=feed_done)
    env.run(until=env.now + SETTLE_MS)

    facts = recorder.facts()
    monitor.at_end(facts, feed.scans_in)
    facts["violations"] = len(monitor.breaches)
    facts["ledger_reconciled"] = venue.reconcile().ok
    journal_hash = journal.close()
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


def _operator(env: simpy.Environment, at_ms: int, command: Operator, execution: Execution) -> Any:
    yield wake_at(env, max(at_ms, env.now), Priority.OPERATOR)
    execution.deliver(command)
