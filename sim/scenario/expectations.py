"""Expectations: assertions a scenario makes about its own run outputs.

Each key of ``expect:`` in a scenario file is one check on the run's measured facts
(``sim.observe.facts.RunFacts``, the ``facts`` section of ``summary.json``). A run passes when
every stated expectation holds.
"""
from __future__ import annotations

from typing import Any, Callable

from pydantic import BaseModel, ConfigDict, Field

from sim.observe.facts import CheckResult, RunFacts

Check = Callable[[Any, RunFacts], tuple[Any, bool]]


class Expectations(BaseModel):
    """Optional checks; unset ones are not evaluated."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_open_positions: int | None = Field(default=None, ge=0)
    exchange_leverage_in: tuple[int, ...] | None = None
    stablecoin_decisions: int | None = Field(default=None, ge=0)
    stablecoin_orders: int | None = Field(default=None, ge=0)
    min_trades: int | None = Field(default=None, ge=0)
    max_trades: int | None = Field(default=None, ge=0)
    liquidations: int | None = Field(default=None, ge=0)
    min_liquidations: int | None = Field(default=None, ge=0)
    violations: int | None = Field(default=None, ge=0)
    spike_saturation: bool | None = None
    decisions_short_below_threshold: bool | None = None
    traded_assets_within: tuple[str, ...] | None = None
    max_margin_utilization: float | None = Field(default=None, gt=0)
    insufficient_margin_rejects: int | None = Field(default=None, ge=0)
    min_gated: dict[str, int] = Field(default_factory=dict)
    min_rejects: dict[str, int] = Field(default_factory=dict)
    min_exit_reasons: dict[str, int] = Field(default_factory=dict)
    min_probes: dict[str, int] = Field(default_factory=dict)
    min_spike_decisions: int | None = Field(default=None, ge=0)
    min_stale_esof_decisions: int | None = Field(default=None, ge=0)
    max_esof_mult: float | None = Field(default=None, ge=0)
    ledger_reconciled: bool | None = None
    flat_at_end: bool | None = None


def _eq(key: str) -> Check:
    return lambda want, f: (getattr(f, key), getattr(f, key) == want)


def _le(key: str) -> Check:
    return lambda want, f: (getattr(f, key), getattr(f, key) <= want)


def _ge(key: str) -> Check:
    return lambda want, f: (getattr(f, key), getattr(f, key) >= want)


def _subset(key: str) -> Check:
    return lambda want, f: (getattr(f, key), set(getattr(f, key)) <= set(want))


def _flag_zero(key: str) -> Check:
    """A boolean expectation that holds when the counted breaches are zero."""
    return lambda want, f: (getattr(f, key), (getattr(f, key) == 0) == want)


_SCALAR: dict[str, Check] = {
    "max_open_positions": _le("max_open_positions"),
    "exchange_leverage_in": _subset("exchange_leverages"),
    "stablecoin_decisions": _eq("stablecoin_decisions"),
    "stablecoin_orders": _eq("stablecoin_orders"),
    "min_trades": _ge("trades"),
    "max_trades": _le("trades"),
    "liquidations": _eq("liquidations"),
    "min_liquidations": _ge("liquidations"),
    "violations": _eq("violations"),
    "spike_saturation": _flag_zero("spike_unsaturated"),
    "decisions_short_below_threshold": _flag_zero("decisions_not_short_below_threshold"),
    "traded_assets_within": _subset("traded_assets"),
    "max_margin_utilization": _le("max_margin_utilization"),
    "insufficient_margin_rejects": _eq("insufficient_margin_rejects"),
    "min_spike_decisions": _ge("spike_decisions"),
    "min_stale_esof_decisions": _ge("stale_esof_decisions"),
    "max_esof_mult": _le("max_esof_mult"),
    "ledger_reconciled": _eq("ledger_reconciled"),
    "flat_at_end": lambda want, f: (f.open_at_end, (f.open_at_end is None) == want),
}

_AT_LEAST = {"min_gated": "gated_by_reason", "min_rejects": "rejects_by_reason", "min_exit_reasons": "exit_reasons",
             "min_probes": "probes"}


#: the expectation every run carries, stated or not: a run that used no scan (an empty archive, a
#: window with no candle, every scan rejected) tested nothing and must not read as PASSED.
SCANS_USED = "scans_used"


def evaluate(expect: Expectations, facts: RunFacts) -> list[CheckResult]:
    """The built-in ``scans_used`` check, then every stated expectation checked against the
    run's facts, in declaration order."""
    used = facts.decided + facts.no_signal + facts.no_pick
    results: list[CheckResult] = [CheckResult(SCANS_USED, ">= 1 scan not rejected", used, used >= 1)]
    for name, check in _SCALAR.items():
        want = getattr(expect, name)
        if want is None:
            continue
        measured, ok = check(want, facts)
        results.append(CheckResult(name, want, measured, bool(ok)))
    for name, key in _AT_LEAST.items():
        for sub, want in getattr(expect, name).items():
            got = getattr(facts, key).get(sub, 0)
            results.append(CheckResult(f"{name}.{sub}", f">= {want}", got, got >= want))
    return results
