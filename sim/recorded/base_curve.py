"""The base conviction curve recorded BLUE trades are measured against.

It is ``violet_engine``'s sizer with the pinned SPEC parameters, called rather than restated, so
the generator and the parity study can never drift from the engine under test.
"""
from __future__ import annotations

import numpy as np

from violet_engine.config import pinned_sizer_config
from violet_engine.sizer import AlphaBetSizer

_SIZER = AlphaBetSizer(pinned_sizer_config())


def base_conviction(vel_div: np.ndarray) -> np.ndarray:
    """Conviction in [min_leverage, max_leverage] for each vel_div (before EsoF and steepener)."""
    return _SIZER.size(np.asarray(vel_div, dtype=np.float64))[1]
