"""The batch path's result: one entry per scan, as parallel arrays.

Arrays let the simulator find the few rows that matter (``signal_rows``) without building a model
per scan; ``outcome_at`` builds, on demand, exactly the model the per-scan path returns.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from violet_engine.modulation import notional_for
from violet_engine.types import Decision, DecisionOutcome, NoPick, NoSignal, Outcome, Reject, RejectReason

#: ``DecisionBatch.outcome`` holds indices into this tuple; ``reject_reason`` into the next.
OUTCOMES = tuple(Outcome)
REJECT_REASONS = tuple(RejectReason)
OUTCOME_CODE = {o: i for i, o in enumerate(OUTCOMES)}


@dataclass(frozen=True, slots=True)
class DecisionBatch:
    """Per-scan outcomes of a ``ScanBatch``.

    ``vel_div`` is set on every row; the sizing fields, ``asset`` (an index into ``assets``) and
    ``irp_score`` only on DECISION rows (NaN / -1 elsewhere); ``reject_field``/``reject_value``
    only on REJECT rows (None elsewhere). ``notional`` is present when a capital was given.
    """

    assets: tuple[str, ...]
    ts_ms: np.ndarray
    scan_number: np.ndarray
    outcome: np.ndarray
    reject_reason: np.ndarray
    reject_field: np.ndarray
    reject_value: np.ndarray
    asset: np.ndarray
    vel_div: np.ndarray
    strength: np.ndarray
    conviction_base: np.ndarray
    steepener_mult: np.ndarray
    esof_mult: np.ndarray
    conviction: np.ndarray
    notional_fraction: np.ndarray
    irp_score: np.ndarray
    capital: float | None = None
    notional: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.outcome.shape[0])

    def signal_rows(self) -> np.ndarray:
        """Indices of the DECISION rows."""
        return np.flatnonzero(self.outcome == OUTCOME_CODE[Outcome.DECISION])

    def counts(self) -> dict[Outcome, int]:
        """Scans per outcome; they sum to ``len(self)`` (the SPEC's accounting identity)."""
        per_code = np.bincount(self.outcome, minlength=len(OUTCOMES))
        return {o: int(per_code[i]) for i, o in enumerate(OUTCOMES)}

    def outcome_at(self, i: int, capital: float | None = None) -> DecisionOutcome:
        """Row ``i`` as the per-scan model; a DECISION is sized for ``capital`` (default: the
        batch's capital)."""
        kind = OUTCOMES[self.outcome[i]]
        ts, sn = int(self.ts_ms[i]), int(self.scan_number[i])
        if kind is Outcome.REJECT:
            return Reject(
                reason=REJECT_REASONS[self.reject_reason[i]],
                field=self.reject_field[i],
                value=self.reject_value[i],
                ts_ms=ts,
                scan_number=sn,
            )
        vel_div = float(self.vel_div[i])
        if kind is Outcome.NO_SIGNAL:
            return NoSignal(ts_ms=ts, scan_number=sn, vel_div=vel_div)
        if kind is Outcome.NO_PICK:
            return NoPick(ts_ms=ts, scan_number=sn, vel_div=vel_div)
        capital = self.capital if capital is None else capital
        if capital is None:
            raise ValueError("a capital is needed to size a decision")
        notional_fraction, esof_mult = float(self.notional_fraction[i]), float(self.esof_mult[i])
        return Decision(
            ts_ms=ts,
            scan_number=sn,
            asset=self.assets[self.asset[i]],
            vel_div=vel_div,
            strength=float(self.strength[i]),
            conviction_base=float(self.conviction_base[i]),
            steepener_mult=float(self.steepener_mult[i]),
            esof_mult=esof_mult,
            conviction=float(self.conviction[i]),
            notional_fraction=notional_fraction,
            capital=capital,
            notional=notional_for(capital, notional_fraction, esof_mult),
            irp_score=float(self.irp_score[i]),
        )
