"""One certification run replayed: its scans through ``rules``, ``irp`` and ``execute``, each
outcome held against the journal (rejects, decisions with their gates, trades with their exits)
and the run's outcome counts. The first disagreement says where (scan), what (field), and the
two values; all of them are counted.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Iterator

from exchange_mock import to_venue_symbol
from exchange_mock.contracts import Contract, load_contracts
from sim.certify.profile import SpecReplaySpec
from sim.certify.spec_replay import rules
from sim.certify.spec_replay.execute import Slot
from sim.certify.spec_replay.irp import IrpWindow
from sim.certify.spec_replay.settings import Settings, settings_for
from sim.scenario.schema import Scenario
from sim.scenario.sources import open_source

#: Decision columns the replay computes (the rest, ts_ms/scan_number/capital, identify the row).
DECISION_FIELDS = ("asset", "vel_div", "conviction_base", "esof_mult", "conviction", "notional_fraction",
                   "notional", "action", "gate_reason")
REJECT_FIELDS = ("ts_ms", "scan_number", "reason", "field", "value")


@dataclass(frozen=True)
class Disagreement:
    run: str
    scan_number: int | None
    ts_ms: int | None
    field: str
    expected: Any
    got: Any

    def text(self) -> str:
        where = f"scan {self.scan_number}" if self.scan_number is not None else f"ts {self.ts_ms}"
        return f"{self.run} {where}: {self.field}: expected {self.expected!r}, got {self.got!r}"


@dataclass
class RunReplay:
    run: str
    scans: int = 0
    decisions: int = 0
    rejects: int = 0
    trades: int = 0
    gates: dict[str, int] = field(default_factory=dict)
    exits: dict[str, int] = field(default_factory=dict)
    disagreements: int = 0
    first: Disagreement | None = None
    not_replayed: str | None = None

    def report(self, scan_number: int | None, ts: int | None, name: str, expected: Any, got: Any) -> None:
        self.disagreements += 1
        if self.first is None:
            self.first = Disagreement(self.run, scan_number, ts, name, expected, got)


def not_replayable(scenario: Scenario) -> str | None:
    """Why a run's timing is outside what the replay models (it then fails, saying so)."""
    if scenario.faults:
        return "fault injection (the fault suite certifies those runs)"
    lat = scenario.latency
    if lat.default_ms or lat.jitter_ms or any(lat.per_kind.values()):
        return "venue latency"
    cadence = scenario.engine.cadence
    if any(q.every != 1 or q.unit != "scan" for q in (cadence.decide, cadence.enter, cadence.exit_check)):
        return "cadence quanta other than every scan"
    if any(ev.kind == "cadence" for ev in scenario.events):
        return "cadence events"
    if scenario.engine.selector.lookback_ms is not None:
        return "selector.lookback_ms (the replay counts the IRP lookback in scans)"
    return None


class _Contracts:
    """The venue's contract table, with the templates a run derived from first prices."""

    def __init__(self, scenario: Scenario, templated: list[str]) -> None:
        self.dir, self.templated, self.first_price = scenario.venue.contracts_dir, templated, {}
        self.table: dict[str, Contract] | None = None

    def see(self, prices: dict[str, float]) -> None:
        if self.table is None:
            for s, p in prices.items():
                self.first_price.setdefault(to_venue_symbol(s), p)

    def __call__(self, symbol: str) -> Contract | None:
        if self.table is None:
            templates = {s: Decimal(repr(self.first_price[s])) for s in self.templated if s in self.first_price}
            self.table = load_contracts(self.dir, templates)
        return self.table.get(symbol)


def _scans(scenario: Scenario) -> Iterator[dict[str, Any]]:
    for batch in open_source(scenario.data, scenario.seed).batches():
        for i in range(len(batch)):
            yield batch.row(i)


def _size(scan: dict[str, Any], s: Settings) -> tuple[float, float, float, float]:
    """(conviction_base, esof_mult, steepened conviction, notional_fraction) of a signal scan."""
    vd = scan["vel_div"]
    base = rules.conviction(vd, s.sizing)
    steep = rules.steepened(vd, base, s.steepening, s.sizing)
    mult = rules.esof_mult(scan["esof_score"], scan["esof_ts_ms"], scan["ts_ms"], s.esof)
    return base, mult, steep, s.sizing.base_fraction * steep


class _Journal:
    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows, self.at = rows, 0

    def next(self) -> dict[str, Any] | None:
        row = self.rows[self.at] if self.at < len(self.rows) else None
        self.at += 1
        return row


def _decision(scan: dict[str, Any], asset: str, s: Settings, slot: Slot, journal: _Journal, out: RunReplay,
              v4: Any) -> None:
    """A DECISION scan: sized, capped, gated, and held against the next journaled decision."""
    row = journal.next()
    ts, sn = scan["ts_ms"], scan["scan_number"]
    if row is None or (row["ts_ms"], row["scan_number"]) != (ts, sn):
        got = None if row is None else f"scan {row['scan_number']} at {row['ts_ms']}"
        out.report(sn, ts, "decision", f"scan {sn} at {ts}", got)
        return
    base, mult, steep, fraction = _size(scan, s)
    conv, notional = rules.haircut(steep, row["capital"] * fraction, mult, s.esof)
    conv, notional = rules.v4_caps(conv, notional, v4.max_conviction, v4.max_notional_usdt)
    reason = slot.decide(ts, sn, asset, scan["prices"].get(asset, math.nan), notional)
    want = {"asset": asset, "vel_div": scan["vel_div"], "conviction_base": base, "esof_mult": mult,
            "conviction": conv, "notional_fraction": fraction, "notional": notional,
            "action": "GATED" if reason else "ENTER", "gate_reason": reason}
    for name in DECISION_FIELDS:
        if want[name] != row[name]:
            out.report(sn, ts, f"decision.{name}", want[name], row[name])
            break


def _reject(scan: dict[str, Any], why: rules.Rejection, journal: _Journal, out: RunReplay) -> None:
    row = journal.next()
    want = {"ts_ms": scan["ts_ms"], "scan_number": scan["scan_number"], "reason": why.reason,
            "field": why.field, "value": why.value}
    for name in REJECT_FIELDS:
        got = None if row is None else row[name]
        if want[name] != got:
            out.report(scan["scan_number"], scan["ts_ms"], f"reject.{name}", want[name], got)
            break


def replay_run(name: str, scenario: Scenario, tables: dict[str, list[dict[str, Any]]], facts: dict[str, Any],
               spec: SpecReplaySpec) -> RunReplay:
    """Replay one run from its scenario; ``tables``: its journal rows; ``facts``: its summary facts."""
    out = RunReplay(name)
    out.not_replayed = not_replayable(scenario)
    if out.not_replayed is not None:
        return out
    s = settings_for(spec, scenario)
    contracts = _Contracts(scenario, list(facts.get("contracts_templated") or []))
    decisions, rejects = _Journal(tables["decisions"]), _Journal(tables["rejects"])
    window = IrpWindow(s.irp.lookback, s.irp.min_alignment)
    counts = {"decided": 0, "no_signal": 0, "no_pick": 0, "rejected": 0}
    slot: Slot | None = None
    last_ts = last_sn = None
    for scan in _scans(scenario):
        ts, sn = scan["ts_ms"], scan["scan_number"]
        if slot is None:
            slot = Slot(s, scenario, tables["trades"], tables["fills"], contracts, ts, out.report)
        out.scans += 1
        why = rules.validate(scan, last_ts, last_sn)
        if why is not None:
            counts["rejected"] += 1
            _reject(scan, why, rejects, out)
            continue
        last_ts, last_sn = ts, sn
        contracts.see(scan["prices"])
        window.add({a: p for a, p in scan["prices"].items() if a not in s.stablecoins})
        slot.on_scan(ts, sn, scan["prices"])
        if not rules.is_signal(scan["vel_div"], s.sizing):
            counts["no_signal"] += 1
            continue
        asset = window.pick() if len(window.rows) > s.irp.lookback else None
        if asset is None:
            counts["no_pick"] += 1
            continue
        counts["decided"] += 1
        _decision(scan, asset, s, slot, decisions, out, scenario.execution.v4)
    if slot is not None and last_ts is not None:
        slot.finish(last_ts, facts.get("open_at_end"))
        out.gates, out.exits = dict(sorted(slot.gates.items())), dict(sorted(slot.exits.items()))
    for name, want in counts.items():
        if facts.get(name) != want:
            out.report(None, None, f"summary.{name}", want, facts.get(name))
    for table, journal in (("decisions", decisions), ("rejects", rejects)):
        if journal.at < len(journal.rows):
            extra = journal.rows[journal.at]
            out.report(extra["scan_number"], extra["ts_ms"], table, "no row", "a row")
    out.decisions, out.rejects, out.trades = counts["decided"], counts["rejected"], len(tables["trades"])
    return out
