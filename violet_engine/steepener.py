"""The conviction steepener (SPEC 4.7, open research item).

Recorded BLUE trades show a 36-60% conviction boost on ~28% of trades, only in the mid band where
the base curve is below its cap. This organ reproduces that shape with one configured regime
factor; it is off by default and in certification until the real organ is identified.
"""
from __future__ import annotations

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from violet_engine.constants import EXTREME, MAX_LEVERAGE, THRESHOLD


class SteepenerConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    enabled: bool = False
    factor: float = Field(default=1.0, ge=1.0)
    band_low: float = EXTREME
    band_high: float = THRESHOLD
    cap: float = MAX_LEVERAGE

    @model_validator(mode="after")
    def _band(self) -> "SteepenerConfig":
        if not self.band_low < self.band_high:
            raise ValueError("band_low must be below band_high")
        return self


class MidBandSteepener:
    """The reference ``Steepener``: ``conviction * factor`` strictly inside the band, capped."""

    def __init__(self, config: SteepenerConfig) -> None:
        self.config = config

    def apply(self, vel_div: np.ndarray, conviction: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        c = self.config
        if not c.enabled:
            return np.ones_like(conviction), conviction
        band = (vel_div > c.band_low) & (vel_div < c.band_high)
        boosted = np.minimum(conviction * c.factor, c.cap)
        return np.where(band, c.factor, 1.0), np.where(band, boosted, conviction)
