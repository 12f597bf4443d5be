"""The selector's memory: prices of the last accepted scans, carried from one batch to the next.

Columns are symbols in sorted order (so "ties to the smallest symbol" is "leftmost column"). A
batch may list other symbols than the kept tail: the two are aligned by name, and a symbol that
has left the feed is dropped once no kept scan has a price for it.
"""
from __future__ import annotations

import numpy as np


class PriceHistory:
    def __init__(self, keep: int) -> None:
        self._keep = keep
        self._columns: tuple[str, ...] = ()
        self._tail = np.empty((0, 0))

    def extend(self, columns: tuple[str, ...], rows: np.ndarray) -> tuple[tuple[str, ...], np.ndarray, int]:
        """Append accepted scans ``rows`` (NaN = no price; ``columns`` sorted).

        Returns (columns, history, offset): the kept tail stacked on ``rows`` over the union of
        symbols, ``history[offset:]`` being ``rows``.
        """
        if columns == self._columns or len(self._tail) == 0:
            union, tail = columns, self._tail.reshape(len(self._tail), len(columns))
        else:
            union = tuple(sorted({*columns, *self._columns}))
            tail, rows = _reindex(self._tail, self._columns, union), _reindex(rows, columns, union)
        history = np.concatenate([tail, rows])
        kept = history[-self._keep:]
        if union != columns:
            listed = frozenset(columns)
            live = np.isfinite(kept).any(axis=0) | np.array([c in listed for c in union], dtype=bool)
            self._columns = tuple(c for c, alive in zip(union, live) if alive)
            self._tail = kept[:, live]
        else:
            self._columns, self._tail = union, kept.copy()
        return union, history, len(tail)


def _reindex(rows: np.ndarray, columns: tuple[str, ...], to: tuple[str, ...]) -> np.ndarray:
    out = np.full((len(rows), len(to)), np.nan)
    position = {c: j for j, c in enumerate(to)}
    out[:, [position[c] for c in columns]] = rows
    return out
