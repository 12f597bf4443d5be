"""What a run measured (``RunFacts``) and what it concluded (``RunSummary``), typed.

``summary.json`` is ``RunSummary.to_dict()``; expectations, the swarm, certification and the
command line read the typed fields, never string keys. Field order is the file's key order.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from sim.observe.invariants import Breach


@dataclass(frozen=True)
class CheckResult:
    """One ``expect:`` check of a run: what was expected, what was measured."""

    name: str
    expected: Any
    measured: Any
    passed: bool

    def line(self) -> str:
        mark = "ok  " if self.passed else "FAIL"
        return f"{mark} {self.name}: expected {self.expected}, measured {self.measured}"


@dataclass(frozen=True)
class RunFacts:
    """Everything measured in one run (what ``expect:`` checks and certification reads)."""

    decided: int
    no_signal: int
    no_pick: int
    rejected: int
    gated: int
    entries: int
    orders: int
    fills: int
    trades: int
    liquidations: int
    max_open_positions: int
    exchange_leverages: list[int]
    leverage_confirmed: dict[str, int]
    stablecoin_decisions: int
    stablecoin_orders: int
    spike_decisions: int
    spike_unsaturated: int
    stale_esof_decisions: int
    max_esof_mult: float
    decisions_not_short_below_threshold: int
    traded_assets: list[str]
    max_margin_utilization: float
    insufficient_margin_rejects: int
    gated_by_reason: dict[str, int]
    rejects_by_reason: dict[str, int]
    exit_reasons: dict[str, int]
    venue_error_codes: dict[str, int]
    contracts_templated: list[str] = field(default_factory=list)  # symbols given a template contract
    open_at_end: dict[str, Any] | None = None   # the position still open when the run ended
    funding: dict[str, Any] = field(default_factory=dict)   # settlement rule, per-symbol intervals and origin
    settings_warnings: list[str] = field(default_factory=list)  # scan-count settings stretched by the scan interval
    probes: dict[str, int] = field(default_factory=dict)
    faults: dict[str, Any] | None = None        # what the faults did (runs with faults only)
    intrabar: dict[str, Any] | None = None      # what looked inside the bars (runs with intrabar only)
    violations: int = 0
    ledger_reconciled: bool = True
    accounting: dict[str, str] = field(default_factory=dict)  # the run's money line by line (``Accounting``)

    def to_dict(self) -> dict[str, Any]:
        doc = asdict(self)
        for optional in ("faults", "intrabar"):
            if doc[optional] is None:
                del doc[optional]
        return doc

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> "RunFacts":
        return cls(**{f.name: doc[f.name] for f in fields(cls) if f.name in doc})


#: The counts a summary repeats at its top level, in this order.
HEADLINE = ("decided", "no_signal", "no_pick", "rejected", "gated", "orders", "fills", "trades", "liquidations",
            "violations")


@dataclass(frozen=True)
class RunSummary:
    scenario: str
    seed: int
    scans_in: int
    facts: RunFacts
    final_equity: str
    final_wallet: str
    journal_sha256: str
    passed: bool
    expectations: list[CheckResult]
    breaches: list[Breach]
    config_hash: str
    versions: dict[str, str]

    def __getattr__(self, name: str) -> Any:
        """The headline counts (``summary.trades``) are the facts'."""
        if name in HEADLINE:
            return getattr(self.facts, name)
        raise AttributeError(name)

    @property
    def failed_expectations(self) -> list[CheckResult]:
        return [c for c in self.expectations if not c.passed]

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario, "seed": self.seed, "scans_in": self.scans_in,
            **{k: getattr(self.facts, k) for k in HEADLINE},
            "final_equity": self.final_equity, "final_wallet": self.final_wallet,
            "journal_sha256": self.journal_sha256, "passed": self.passed,
            "expectations": [{"name": c.name, "expected": c.expected, "measured": c.measured, "passed": c.passed}
                             for c in self.expectations],
            "breaches": [b.as_dict() for b in self.breaches],
            "facts": self.facts.to_dict(),
            "config_hash": self.config_hash,
            "versions": self.versions,
        }
