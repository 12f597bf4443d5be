"""Elementwise ``log``, ``exp`` and ``power`` that give the same bits on every processor.

numpy chooses its float64 kernels for ``exp``, ``log`` and ``power`` at run time by CPU: on
processors with AVX-512 it runs SIMD kernels whose results differ from the C library's in the
last bit for some inputs (the sizer's ``s ** 3`` is one), so the same scenario and seed would give
different journal bytes on different machines. Every value that reaches a decision or a journal
goes through here instead:

- ``log``, ``log10`` and ``power`` call the C library's function one element at a time (the call Python's
  ``math`` makes, mapped over a list without a Python frame per element; it agrees with the SPEC's
  test vectors). They serve small arrays: the DECISION rows, one price row per candidate scan.
- ``exp`` serves whole price paths (scans x assets), too many for a call per element: it is
  computed from IEEE additions, multiplications and ``ldexp`` only (Cody-Waite reduction by
  ln 2, then a degree-13 polynomial), which every processor rounds the same way; error within
  2 ulp of the true value.
"""
from __future__ import annotations

import itertools
import math

import numpy as np

_EXP_MAX = 709.782712893384  # math.exp overflows above this; numpy answers inf


def _positive_map(fn, x: np.ndarray, at_zero: float) -> np.ndarray:
    """``fn`` (a C library function through ``math``) on the positive elements, one call each;
    ``at_zero`` at 0, NaN below 0 and at NaN."""
    out = np.full(x.shape, np.nan)
    out[x == 0.0] = at_zero
    positive = x > 0.0
    out[positive] = np.fromiter(map(fn, x[positive].tolist()), dtype=np.float64, count=int(positive.sum()))
    return out


_EXP_MIN = -745.1332191019412  # below: 0
_LN2_HI = 6.93147180369123816490e-01  # ln 2 split so that k * _LN2_HI is exact for |k| < 2**20
_LN2_LO = 1.90821492927058770002e-10
_INV_LN2 = 1.44269504088896338700e+00
_TAYLOR = tuple(1.0 / math.factorial(i) for i in range(14))


def log(x: np.ndarray) -> np.ndarray:
    """Natural log: ``-inf`` at 0, NaN below 0 and at NaN, as ``np.log`` without its warnings."""
    return _positive_map(math.log, np.asarray(x, dtype=np.float64), -math.inf)


def log10(x: np.ndarray) -> np.ndarray:
    """Base-10 log of positive values (NaN elsewhere)."""
    return _positive_map(math.log10, np.asarray(x, dtype=np.float64), math.nan)


def exp(x: np.ndarray) -> np.ndarray:
    """``e ** x``: ``inf`` above the float range, 0 below it, NaN at NaN."""
    x = np.asarray(x, dtype=np.float64)
    finite = np.clip(np.nan_to_num(x, nan=0.0), _EXP_MIN, _EXP_MAX)
    k = np.rint(finite * _INV_LN2)
    r = finite - k * _LN2_HI
    r -= k * _LN2_LO
    p = np.full_like(r, _TAYLOR[-1])
    for c in _TAYLOR[-2::-1]:  # Horner in place: the same roundings, no temporary per step
        p *= r
        p += c
    out = np.ldexp(p, k.astype(np.int64))
    out[x > _EXP_MAX] = np.inf
    out[x < _EXP_MIN] = 0.0
    out[np.isnan(x)] = np.nan
    return out


def power(base: np.ndarray, exponent: float) -> np.ndarray:
    """``base ** exponent`` for non-negative bases (what the callers have)."""
    base = np.asarray(base, dtype=np.float64)
    flat = map(math.pow, base.ravel().tolist(), itertools.repeat(float(exponent)))
    return np.fromiter(flat, dtype=np.float64, count=base.size).reshape(base.shape)
