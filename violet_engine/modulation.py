"""EsoF size modulation (SPEC 4.6): BLUE's score-to-multiplier map and its SC haircut.

The EsoF plane only ever reduces size: the multiplier is clamped to [0, 1] before use, and the
rounding digits follow BLUE's haircut step for step so that recorded notionals are reproduced.
"""
from __future__ import annotations

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from violet_engine.constants import (
    CONVICTION_DIGITS,
    ESOF_EDGE,
    ESOF_NEUTRAL,
    ESOF_STALE_AFTER_MS,
    ESOF_STALE_FB,
    ESOF_UNFAV,
    HAIRCUT_NOOP_TOLERANCE,
    NOTIONAL_DIGITS,
)
from violet_engine.rounding import round_like_python
from violet_engine.scan_batch import NO_TS


class ModulationConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    neutral: float = Field(default=ESOF_NEUTRAL, ge=0, le=1)
    unfavourable: float = Field(default=ESOF_UNFAV, ge=0, le=1)
    stale_fallback: float = Field(default=ESOF_STALE_FB, ge=0, le=1)
    edge: float = Field(default=ESOF_EDGE, ge=0)
    stale_after_ms: int = Field(default=ESOF_STALE_AFTER_MS, ge=0)


class EsofModulator:
    """The reference ``SizeModulator``.

    A score is missing when it is not finite or has no timestamp (a negative one counts as none:
    freshness cannot be shown), and stale when older than ``stale_after_ms`` at the scan's time.
    """

    def __init__(self, config: ModulationConfig) -> None:
        self.config = config

    def multipliers(self, score: np.ndarray, score_ts_ms: np.ndarray, now_ms: np.ndarray) -> np.ndarray:
        c = self.config
        fresh = np.isfinite(score) & (score_ts_ms >= 0) & (now_ms - score_ts_ms <= c.stale_after_ms)
        banded = np.where(score > c.edge, 1.0, np.where(score < -c.edge, c.unfavourable, c.neutral))
        return np.where(fresh, banded, c.stale_fallback)


def esof_size_mult_from_score(
    score: float | None,
    score_ts_ms: int | None,
    now_ms: int,
    stale_after_ms: int = ESOF_STALE_AFTER_MS,
) -> float:
    """BLUE's ``esof_size_mult_from_score`` for one scan, with the SPEC constants."""
    mult = EsofModulator(ModulationConfig(stale_after_ms=stale_after_ms)).multipliers(
        np.array([np.nan if score is None else score], dtype=np.float64),
        np.array([NO_TS if score_ts_ms is None else score_ts_ms], dtype=np.int64),
        np.array([now_ms], dtype=np.int64),
    )
    return float(mult[0])


def haircut_array(values: np.ndarray, mult: np.ndarray, ndigits: int) -> np.ndarray:
    """The SC haircut on arrays: clamp to [0, 1] (never a boost); a multiplier within 1e-9 of 1
    leaves the value untouched; otherwise ``round(value * mult, ndigits)``."""
    mult = np.clip(mult, 0.0, 1.0)
    cut = np.abs(mult - 1.0) >= HAIRCUT_NOOP_TOLERANCE
    out = np.array(values, dtype=np.float64, copy=True)
    out[cut] = round_like_python(out[cut] * mult[cut], ndigits)
    return out


def haircut(value: float, mult: float, ndigits: int) -> float:
    """``haircut_array`` for one value, in scalar floats: the same clamp, the same test, and
    Python's ``round`` itself (which ``round_like_python`` reproduces bit for bit)."""
    value, mult = float(value), min(max(float(mult), 0.0), 1.0)  # NaN stays NaN, as np.clip
    if not abs(mult - 1.0) >= HAIRCUT_NOOP_TOLERANCE:
        return value
    return round(value * mult, ndigits)


def apply_haircut(conviction: float, notional: float, mult: float) -> tuple[float, float]:
    """BLUE's SC entry-size haircut: (conviction, notional) after multiplier ``mult``."""
    return haircut(conviction, mult, CONVICTION_DIGITS), haircut(notional, mult, NOTIONAL_DIGITS)


def notional_for(capital: float, notional_fraction: float, esof_mult: float) -> float:
    """The haircut notional of a decision for ``capital`` (e.g. the capital at entry time)."""
    return haircut(capital * notional_fraction, esof_mult, NOTIONAL_DIGITS)
