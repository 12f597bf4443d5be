"""The L1 decision core (SPEC 4): one outcome per scan, sized exactly as BLUE sizes.

Both paths run the same array kernel: ``decide_batch`` on a whole batch, ``decide`` on a batch of
one scan after validating the raw mapping. So the two agree to the bit, and the per-scan path is
also the check that state (IRP history, last accepted ts/scan_number) carries across batches.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from violet_engine.config import EngineConfig
from violet_engine.constants import CONVICTION_DIGITS, IRP_TOP_N, NOTIONAL_DIGITS
from violet_engine.decision_batch import OUTCOME_CODE, DecisionBatch
from violet_engine.history import PriceHistory
from violet_engine.modulation import haircut_array
from violet_engine.scan_batch import NO_TS, ScanBatch
from violet_engine.selector import NO_ASSET, pick, top_scores
from violet_engine.types import Decision, DecisionOutcome, Outcome, Reject, Scan
from violet_engine.validation import BatchChecks, accepted_row, validate_batch, validate_scan


# DecisionBatch fields filled by sizing, in pipeline order; "notional" only with a capital.
_SIZING_FIELDS = ("strength", "conviction_base", "steepener_mult", "esof_mult", "conviction", "notional_fraction", "notional")


@dataclass(frozen=True, slots=True)
class _Selectable:
    """The columns of one asset layout that selection may use: not excluded, in symbol order."""

    assets: tuple[str, ...]
    index: np.ndarray
    names: tuple[str, ...]
    reordered: bool  # False when ``index`` is every column in place

    @classmethod
    def of(cls, assets: tuple[str, ...], excluded: np.ndarray) -> "_Selectable":
        index = sorted((j for j in range(len(assets)) if not excluded[j]), key=assets.__getitem__)
        reordered = index != list(range(len(assets)))
        return cls(assets, np.array(index, dtype=np.intp), tuple(assets[j] for j in index), reordered)

    def prices(self, batch: ScanBatch, rows: np.ndarray) -> np.ndarray:
        """Prices of ``rows`` in these columns, NaN where absent (possibly a view of the batch)."""
        prices, present = batch.prices, batch.present
        if rows.size != len(batch):
            prices, present = prices.take(rows, axis=0), present.take(rows, axis=0)
        if self.reordered:
            prices, present = prices.take(self.index, axis=1), present.take(self.index, axis=1)
        return prices if present.all() else np.where(present, prices, np.nan)

    def batch_index(self, columns: tuple[str, ...]) -> np.ndarray:
        """Batch asset index of each history column (NO_ASSET for symbols not in this batch)."""
        if columns == self.names:
            return self.index
        position = dict(zip(self.names, self.index.tolist()))
        return np.array([position.get(c, NO_ASSET) for c in columns], dtype=np.intp)


class DecisionEngine:
    """Decides every scan (the slot only gates trades, later). Not thread-safe: it keeps the IRP
    history and the last accepted ``ts_ms``/``scan_number``."""

    def __init__(self, config: EngineConfig | None = None) -> None:
        self.config = config or EngineConfig()
        self.organs = self.config.load_organs()
        self._history = PriceHistory(self.organs.selector.lookback)
        self._last_ts: int | None = None
        self._last_sn: int | None = None
        self._selectable = _Selectable.of((), np.empty(0, dtype=bool))

    def decide(self, scan: Mapping[str, Any] | Scan, capital: float) -> DecisionOutcome:
        """The outcome of one scan. Bad data gives a ``Reject``, never an exception."""
        _check_capital(capital)
        checked = validate_scan(scan, self._last_ts, self._last_sn)
        if isinstance(checked, Reject):
            return checked
        batch, columns, scores = self._run(_one_scan_batch(checked), capital, accepted_row(checked))
        outcome = batch.outcome_at(0, capital)
        if isinstance(outcome, Decision):
            outcome = outcome.model_copy(update={"irp_top": top_scores(scores[0], columns, IRP_TOP_N)})
        return outcome

    def decide_batch(self, batch: ScanBatch, capital: float | None = None) -> DecisionBatch:
        """Outcomes of consecutive scans, as arrays; continues from the previous call's state."""
        if capital is not None:
            _check_capital(capital)
        return self._run(batch, capital, validate_batch(batch, self._last_ts, self._last_sn))[0]

    def _run(
        self, batch: ScanBatch, capital: float | None, checks: BatchChecks
    ) -> tuple[DecisionBatch, tuple[str, ...], np.ndarray]:
        """The kernel, after validation. Also returns the history columns and the signal rows'
        IRP scores."""
        organs, n = self.organs, len(batch)
        self._last_ts, self._last_sn = checks.last_ts, checks.last_sn
        accepted = np.flatnonzero(checks.accepted)

        sel = self._selectable_for(batch.assets)
        columns, history, offset = self._history.extend(sel.names, sel.prices(batch, accepted))

        signal = accepted[organs.sizer.is_signal(batch.vel_div[accepted])]
        position = offset + np.searchsorted(accepted, signal)
        if len(columns) and signal.size:
            scores = organs.selector.scores(history, position)
            column, irp_score = pick(scores)
        else:
            scores = np.full((signal.size, len(columns)), np.nan)
            column, irp_score = np.full(signal.size, NO_ASSET), np.full(signal.size, np.nan)
        picked = column != NO_ASSET
        decided = signal[picked]

        outcome = np.full(n, OUTCOME_CODE[Outcome.NO_SIGNAL], dtype=np.int8)
        outcome[~checks.accepted] = OUTCOME_CODE[Outcome.REJECT]
        outcome[signal] = OUTCOME_CODE[Outcome.NO_PICK]
        outcome[decided] = OUTCOME_CODE[Outcome.DECISION]

        asset = np.full(n, NO_ASSET, dtype=np.int32)
        asset[decided] = sel.batch_index(columns)[column[picked]]

        sized = self._size(batch, decided, capital)
        sized["irp_score"] = irp_score[picked]
        full = {name: _spread(n, decided, values) for name, values in sized.items()}
        result = DecisionBatch(
            assets=batch.assets,
            ts_ms=batch.ts_ms,
            scan_number=batch.scan_number,
            outcome=outcome,
            reject_reason=checks.reason,
            reject_field=checks.field,
            reject_value=checks.value,
            asset=asset,
            vel_div=batch.vel_div,
            capital=capital,
            **full,
        )
        return result, columns, scores

    def _size(self, batch: ScanBatch, decided: np.ndarray, capital: float | None) -> dict[str, np.ndarray]:
        """Sizing fields of the DECISION rows: sizer, steepener, then the EsoF haircut."""
        if decided.size == 0:
            fields = _SIZING_FIELDS if capital is not None else _SIZING_FIELDS[:-1]
            return {name: np.empty(0) for name in fields}
        organs = self.organs
        vel_div = batch.vel_div[decided]
        strength, conviction_base = organs.sizer.size(vel_div)
        steepener_mult, steepened = organs.steepener.apply(vel_div, conviction_base)
        notional_fraction = self.config.base_fraction * steepened
        esof_mult = np.clip(
            organs.modulation.multipliers(batch.esof_score[decided], batch.esof_ts_ms[decided], batch.ts_ms[decided]),
            0.0,
            1.0,
        )
        sized = {
            "strength": strength,
            "conviction_base": conviction_base,
            "steepener_mult": steepener_mult,
            "esof_mult": esof_mult,
            "conviction": haircut_array(steepened, esof_mult, CONVICTION_DIGITS),
            "notional_fraction": notional_fraction,
        }
        if capital is not None:
            sized["notional"] = haircut_array(capital * notional_fraction, esof_mult, NOTIONAL_DIGITS)
        return sized

    def _selectable_for(self, assets: tuple[str, ...]) -> _Selectable:
        if assets != self._selectable.assets:
            self._selectable = _Selectable.of(assets, self.organs.stablecoins.excluded(assets))
        return self._selectable


def _one_scan_batch(scan: Scan) -> ScanBatch:
    assets = tuple(sorted(scan.prices))
    return ScanBatch(
        assets=assets,
        ts_ms=np.array([scan.ts_ms], dtype=np.int64),
        scan_number=np.array([scan.scan_number], dtype=np.int64),
        vel_div=np.array([scan.vel_div]),
        prices=np.array([[scan.prices[a] for a in assets]], dtype=np.float64),
        present=np.ones((1, len(assets)), dtype=bool),
        esof_score=np.array([np.nan if scan.esof_score is None else scan.esof_score]),
        esof_ts_ms=np.array([NO_TS if scan.esof_ts_ms is None else scan.esof_ts_ms], dtype=np.int64),
    )


def _spread(n: int, rows: np.ndarray, values: np.ndarray) -> np.ndarray:
    out = np.full(n, np.nan)
    out[rows] = values
    return out


def _check_capital(capital: float) -> None:
    if isinstance(capital, bool) or not isinstance(capital, (int, float)) or not math.isfinite(capital) or capital < 0:
        raise ValueError(f"capital must be a finite number >= 0, got {capital!r}")
