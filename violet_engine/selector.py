"""IRP asset selection (SPEC 4.4, reference definition of BLUE's AlphaAssetSelector).

The relatively weakest asset over the lookback scores highest. Scores come from an organ; the
pick rule (highest score, ties to the smallest symbol, nothing eligible = NO_PICK) is fixed here
so that every selector is compared on the same terms.
"""
from __future__ import annotations

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from violet_engine.constants import IRP_LOOKBACK, MIN_IRP_ALIGNMENT
from violet_engine.portable_math import log

NO_ASSET = -1


class SelectorConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    lookback: int = Field(default=IRP_LOOKBACK, ge=1)
    #: The lookback as a duration instead; a run turns it into scans at its scan interval.
    lookback_ms: int | None = Field(default=None, ge=1)
    min_irp_alignment: float = Field(default=MIN_IRP_ALIGNMENT, ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _one_lookback(self) -> "SelectorConfig":
        if self.lookback_ms is not None and "lookback" in self.model_fields_set:
            raise ValueError("give lookback (scans) or lookback_ms, not both")
        return self

    def at_scan_interval(self, interval_ms: int) -> "SelectorConfig":
        """``lookback_ms`` as the nearest whole number of scans (at least 1) at ``interval_ms``."""
        if self.lookback_ms is None:
            return self
        scans = max(1, (self.lookback_ms + interval_ms // 2) // interval_ms)
        return SelectorConfig(lookback=scans, min_irp_alignment=self.min_irp_alignment)


class IrpSelector:
    """The reference ``AssetSelector``.

    Eligible: a valid price at each of the last ``lookback + 1`` accepted scans. Score: minus
    (``ln(p_t / p_{t-L})`` minus its median over the eligible assets). Alignment: share of the L
    one-scan moves that were down; assets below ``min_irp_alignment`` get no score (0.0 = no
    filter, BLUE's muted gate). The log ratio is taken as a difference of logs, which stays finite
    for any pair of finite positive prices.
    """

    def __init__(self, config: SelectorConfig) -> None:
        if config.lookback_ms is not None:
            raise ValueError("selector.lookback_ms is a duration: resolve it to scans at the run's scan "
                             "interval first (EngineConfig.at_scan_interval)")
        self.config = config

    @property
    def lookback(self) -> int:
        return self.config.lookback

    def scores(self, history: np.ndarray, rows: np.ndarray) -> np.ndarray:
        lb = self.config.lookback
        out = np.full((len(rows), history.shape[1]), np.nan)
        ready = rows >= lb
        t = rows[ready]
        if t.size == 0:
            return out
        eligible = _full_windows(history, t, lb)
        with np.errstate(invalid="ignore"):
            rel = log(history[t]) - log(history[t - lb])
        rel[~eligible] = np.nan
        score = _nan_median(rel)[:, None] - rel
        if self.config.min_irp_alignment > 0.0:
            score[_down_share(history, t, lb) < self.config.min_irp_alignment] = np.nan
        out[ready] = score
        return out


def _full_windows(history: np.ndarray, rows: np.ndarray, lookback: int) -> np.ndarray:
    """(len(rows), assets): a valid price at each of ``row - lookback .. row``. Gaps are counted
    only in the columns that have any, which in a live feed are few."""
    missing = ~np.isfinite(history)
    gappy = np.flatnonzero(missing.any(axis=0))
    full = np.ones((len(rows), history.shape[1]), dtype=bool)
    if gappy.size:
        gaps = _running_count(missing[:, gappy])
        full[:, gappy] = gaps[rows + 1] - gaps[rows - lookback] == 0
    return full


def _down_share(history: np.ndarray, rows: np.ndarray, lookback: int) -> np.ndarray:
    """Share of the ``lookback`` one-scan moves ending at each row that were down."""
    with np.errstate(invalid="ignore"):
        down = _running_count(history[1:] < history[:-1])
    return (down[rows] - down[rows - lookback]) / lookback


def _running_count(flags: np.ndarray) -> np.ndarray:
    """``out[k] = flags[:k].sum(axis=0)`` (one more row than ``flags``).

    Summed along contiguous memory: numpy's cumsum down the rows of a C-ordered array is ~5x slower
    than transposing first.
    """
    out = np.zeros((flags.shape[1], flags.shape[0] + 1), dtype=np.int32)
    np.cumsum(np.ascontiguousarray(flags.T), axis=1, dtype=np.int32, out=out[:, 1:])
    return out.T


def _nan_median(values: np.ndarray) -> np.ndarray:
    """Row medians ignoring NaN (NaN for an all-NaN row); ``values`` has at least one column.

    Written out rather than ``np.nanmedian`` so that one row and many rows take the same
    arithmetic path: the per-scan and batch paths must agree to the bit.
    """
    ordered = np.sort(values, axis=1)  # NaN sorts last
    count = np.count_nonzero(~np.isnan(values), axis=1)
    idx = np.arange(len(values))
    lo = ordered[idx, np.maximum(count - 1, 0) // 2]
    hi = ordered[idx, count // 2]
    return np.where(count > 0, (lo + hi) * 0.5, np.nan)


def pick(scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(column, score) of each row's highest score, ties to the leftmost column (columns are in
    symbol order); ``NO_ASSET`` and NaN where the row has no finite score. At least one column."""
    filled = np.where(np.isnan(scores), -np.inf, scores)
    col = np.argmax(filled, axis=1)
    best = filled[np.arange(len(scores)), col]
    none = np.isneginf(best)
    return np.where(none, NO_ASSET, col), np.where(none, np.nan, best)


def top_scores(scores: np.ndarray, assets: tuple[str, ...], n: int) -> tuple[tuple[str, float], ...]:
    """The ``n`` best (asset, score) pairs of one row, best first, ties in symbol order."""
    cols = np.flatnonzero(~np.isnan(scores))
    cols = cols[np.argsort(-scores[cols], kind="stable")][:n]
    return tuple((assets[j], float(scores[j])) for j in cols)
