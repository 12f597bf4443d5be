"""The base conviction curve recorded BLUE trades are measured against: SPEC 4.5 written out.

Deliberately not ``violet_engine``'s sizer: the generated recorded trades are the yardstick the
parity study holds the engine's sizer against, so they must not come from the code under test
(with the engine's sizer, a drifted convexity would move the yardstick with it and still pass).
The pinned parameters are restated here for the same reason; a test keeps them equal to the SPEC.
The arithmetic form ``min + (max - min) * s ** convexity`` with the C library's ``pow`` (what
``math.pow`` calls) reproduces the SPEC's test vectors bit for bit.
"""
from __future__ import annotations

import math

import numpy as np

#: SPEC 4.5: threshold, extreme, min_leverage, max_leverage, convexity.
SPEC_SIZER = (-0.02, -0.05, 0.5, 9.0, 3)


def spec_conviction(vel_div: float, threshold: float, extreme: float, min_leverage: float, max_leverage: float,
                    convexity: int) -> float:
    """Strength ``clamp((threshold - vel_div) / (threshold - extreme), 0, 1)``, then
    ``min_leverage + (max_leverage - min_leverage) * strength ** convexity``."""
    strength = min(max((threshold - vel_div) / (threshold - extreme), 0.0), 1.0)
    return min_leverage + (max_leverage - min_leverage) * math.pow(strength, convexity)


def base_conviction(vel_div: np.ndarray) -> np.ndarray:
    """Conviction in [min_leverage, max_leverage] for each vel_div (before EsoF and steepener)."""
    values = np.asarray(vel_div, dtype=np.float64)
    return np.array([spec_conviction(float(v), *SPEC_SIZER) for v in values.ravel()],
                    dtype=np.float64).reshape(values.shape)
