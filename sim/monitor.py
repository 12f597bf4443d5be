"""The invariant monitor: checks, after every venue response, what must always be true.

A breach is recorded with the time and the request that led to it; the run fails on any breach.
The checks are cheap (O(1) each) so they can run after every event; the full ledger reconciliation
runs at the end of the run.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import simpy


@dataclass(frozen=True)
class Breach:
    ts_ms: int
    invariant: str
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {"ts_ms": self.ts_ms, "invariant": self.invariant, "detail": self.detail}


class InvariantMonitor:
    """Single slot and the leverage cap after every response; ledger and accounting at the end."""

    def __init__(self, env: simpy.Environment, venue: Any, leverage_cap: int) -> None:
        self.env = env
        self.venue = venue
        self.leverage_cap = leverage_cap
        self.breaches: list[Breach] = []

    def _breach(self, invariant: str, detail: str) -> None:
        self.breaches.append(Breach(self.env.now, invariant, detail))

    def after_response(self, kind: str, params: dict[str, Any], resp: dict[str, Any]) -> None:
        if self.venue.open_position_count() > 1:
            self._breach("single_slot", f"{self.venue.open_position_count()} open positions after {kind}")
        if kind == "set_leverage" and resp.get("code") == 0 and int(params["leverage"]) > self.leverage_cap:
            self._breach("leverage_cap", f"leverage {params['leverage']} set on {params['symbol']} above cap {self.leverage_cap}")

    def at_end(self, facts: dict[str, Any], scans_in: int) -> None:
        accounted = facts["decided"] + facts["no_signal"] + facts["no_pick"] + facts["rejected"]
        if accounted != scans_in:
            self._breach("scan_accounting", f"scans_in {scans_in} != decided+no_signal+no_pick+rejected {accounted}")
        report = self.venue.reconcile()
        if not report.ok:
            self._breach("ledger_reconciles", "; ".join(report.problems))
        for v in self.venue.violations():
            self._breach("venue_violation", f"{v.kind} {v.symbol} ({v.open_positions} open) at {v.ts_ms}")
