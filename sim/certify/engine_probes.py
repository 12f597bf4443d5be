"""Direct measurements of the engine under certification, built from a scenario's engine config.

Runs show what the engine did with the data it was given; a probe asks it about inputs the data
may never contain (a vel_div of exactly -605) or about a whole curve (conviction at each recorded
vel_div bin). Both go through ``DecisionEngine`` and its organs as loaded from the config, so a
plugged-in organ is measured, not the reference implementation.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from violet_engine import DecisionEngine, EngineConfig, ScanBatch
from violet_engine.decision_batch import OUTCOME_CODE, OUTCOMES, REJECT_REASONS
from violet_engine.types import Outcome

PROBE_START_MS = 1_767_225_600_000  # 2026-01-01T00:00Z
PROBE_CADENCE_MS = 5_000
PROBE_CAPITAL = 10_000.0
#: Warm-up prices: three assets with different drifts, so the selector always has a clear pick.
_DRIFTS = {"PROBEAUSDT": -0.001, "PROBEBUSDT": 0.0, "PROBECUSDT": 0.001}


def sizer_curve(config: EngineConfig, vel_div: np.ndarray) -> np.ndarray:
    """Base conviction (the sizer organ, before steepener and haircut) at each vel_div."""
    return DecisionEngine(config).organs.sizer.size(np.asarray(vel_div, dtype=np.float64))[1]


@dataclass(frozen=True)
class SpikeAnswer:
    vel_div: float
    outcome: str
    conviction_base: float | None
    notional_fraction: float | None


@dataclass(frozen=True)
class ProbeAnswer:
    """How the whole engine answered one probe scan after a quiet warm-up."""

    outcome: str
    reject_reason: str | None
    asset: str | None
    conviction_base: float | None
    esof_mult: float | None


def probe_scan(config: EngineConfig, vel_div: float = -0.03, *, prices: dict[str, float] | None = None,
               esof_score: float | None = 0.05, esof_age_ms: int = 0,
               drifts: dict[str, float] | None = None) -> ProbeAnswer:
    """A fresh engine fed a warm-up of quiet scans (assets drifting by ``drifts`` per scan), then
    one probe scan with ``vel_div``, the EsoF score aged ``esof_age_ms``, and ``prices`` overriding
    the drifted ones."""
    drift = drifts or _DRIFTS
    warmup = DecisionEngine(config).organs.selector.lookback + 1
    rows = []
    for i in range(warmup + 1):
        ts = PROBE_START_MS + i * PROBE_CADENCE_MS
        rows.append({"ts_ms": ts, "scan_number": i + 1, "vel_div": 0.0,
                     "prices": {a: 100.0 * math.exp(d * i) for a, d in drift.items()},
                     "esof_score": 0.05, "esof_ts_ms": ts})
    last = rows[-1]
    last.update(vel_div=vel_div, esof_score=esof_score,
                esof_ts_ms=None if esof_score is None else last["ts_ms"] - esof_age_ms)
    last["prices"] |= prices or {}
    d = DecisionEngine(config).decide_batch(ScanBatch.from_rows(rows), PROBE_CAPITAL)
    i = len(rows) - 1
    outcome = OUTCOMES[d.outcome[i]]
    decided = outcome == Outcome.DECISION
    return ProbeAnswer(outcome.value, REJECT_REASONS[d.reject_reason[i]].value if outcome == Outcome.REJECT else None,
                       d.assets[d.asset[i]] if decided else None,
                       float(d.conviction_base[i]) if decided else None, float(d.esof_mult[i]) if decided else None)


def spike_probe(config: EngineConfig, vel_divs: tuple[float, ...]) -> list[SpikeAnswer]:
    """Feed the whole engine a warm-up of quiet scans, then one scan per probed vel_div (with a
    fresh favourable EsoF score), and report how it sized each."""
    warmup = DecisionEngine(config).organs.selector.lookback + 1
    n = warmup + len(vel_divs)
    rows = []
    for i in range(n):
        ts = PROBE_START_MS + i * PROBE_CADENCE_MS
        rows.append({
            "ts_ms": ts, "scan_number": i + 1, "vel_div": 0.0 if i < warmup else vel_divs[i - warmup],
            "prices": {a: 100.0 * math.exp(d * i) for a, d in _DRIFTS.items()},
            "esof_score": 0.05, "esof_ts_ms": ts})
    decided = DecisionEngine(config).decide_batch(ScanBatch.from_rows(rows), PROBE_CAPITAL)
    answers = []
    for i, vd in enumerate(vel_divs, start=warmup):
        is_decision = decided.outcome[i] == OUTCOME_CODE[Outcome.DECISION]
        answers.append(SpikeAnswer(
            float(vd), OUTCOMES[decided.outcome[i]].value,
            float(decided.conviction_base[i]) if is_decision else None,
            float(decided.notional_fraction[i]) if is_decision else None))
    return answers
