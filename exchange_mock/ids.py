"""Deterministic 19-digit ids, like BingX's: a per-kind base derived from the seed, plus a counter.

No clock and no hash: the same seed yields the same ids in the same order on every machine. All
ids stay below 2**63 so that they fit a signed 64-bit column.
"""
from __future__ import annotations

_KINDS = ("order", "trade", "tran", "position")
_SEED_SPAN = 10**8
_PER_SEED = 10**10


class IdSource:
    def __init__(self, seed: int) -> None:
        seed_part = (seed % _SEED_SPAN) * _PER_SEED
        self._next = {kind: (i + 1) * 10**18 + seed_part + 1 for i, kind in enumerate(_KINDS)}

    def next(self, kind: str) -> int:
        value = self._next[kind]
        self._next[kind] = value + 1
        return value
