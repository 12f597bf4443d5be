"""Python's ``round(x, ndigits)`` for arrays, bit for bit.

The SC haircut rounds with Python's ``round`` (correctly rounded decimal, half to even);
``numpy.round`` scales, rounds and divides, which differs in the last bit for some inputs. The
batch path must agree with the per-scan path exactly, so it rounds here.
"""
from __future__ import annotations

import numpy as np

# Below this a float64 holds every integer and its fractional part exactly.
_EXACT_INT_LIMIT = 2.0**51


def round_like_python(values: np.ndarray, ndigits: int) -> np.ndarray:
    """Elementwise ``round(v, ndigits)``.

    Fast path: with ``p = v * 10**ndigits`` (one rounding, relative error <= 2**-53), ``rint(p)``
    is the correctly rounded integer unless the exact product lies near a half, and dividing that
    integer by ``10**ndigits`` is the nearest float to the decimal, as ``round`` returns. Elements
    near a half, or too large for the exact-integer range, go through ``round`` itself.
    """
    if not 0 <= ndigits <= 22:  # 10**ndigits must be an exact float64
        raise ValueError(f"ndigits must be in 0..22, got {ndigits}")
    values = np.asarray(values, dtype=np.float64)
    scale = 10.0**ndigits
    with np.errstate(invalid="ignore", over="ignore"):
        scaled = values * scale
        out = np.rint(scaled) / scale
        magnitude = np.abs(scaled)
        distance_to_half = np.abs(np.abs(scaled - np.trunc(scaled)) - 0.5)
        safe = (magnitude < _EXACT_INT_LIMIT) & (distance_to_half > magnitude * 2.0**-50)
    for i in np.flatnonzero(~safe):
        out.flat[i] = round(float(values.flat[i]), ndigits)
    return out
