"""AlphaBetSizer (SPEC 4.3, 4.5): the cubic-convex conviction curve BLUE sizes with.

Parameters have no defaults on purpose: BLUE's own code carried drifting defaults (max leverage
5 and 8 where the recorded curve reaches 9), so every value must be stated where the sizer is
configured. The arithmetic form ``min + (max - min) * s ** convexity`` reproduces the SPEC
vectors bit for bit; ``s * s * s`` does not, and neither does numpy's AVX-512 ``power`` kernel
(hence ``portable_math.power``: the C library's ``pow``, on every processor).
"""
from __future__ import annotations

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from violet_engine.portable_math import power


class SizerConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    threshold: float
    extreme: float
    min_leverage: float = Field(gt=0)
    max_leverage: float
    convexity: int = Field(ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> "SizerConfig":
        if not self.extreme < self.threshold:
            raise ValueError("extreme must be below threshold")
        if not self.min_leverage < self.max_leverage:
            raise ValueError("min_leverage must be below max_leverage")
        return self


class AlphaBetSizer:
    """The reference ``BetSizer``: SHORT signal strictly below the threshold, saturating at
    ``extreme`` (so any spike, e.g. -605, sizes exactly ``max_leverage``)."""

    def __init__(self, config: SizerConfig) -> None:
        self.config = config

    def is_signal(self, vel_div: np.ndarray) -> np.ndarray:
        return vel_div < self.config.threshold

    def size(self, vel_div: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        c = self.config
        strength = np.clip((c.threshold - vel_div) / (c.threshold - c.extreme), 0.0, 1.0)
        conviction = c.min_leverage + (c.max_leverage - c.min_leverage) * power(strength, c.convexity)
        return strength, conviction
