"""Next-event horizons over a batch: how many of the coming scans can change nothing at the venue.

The venue acts on a scan only when its prices or marks cross one of the float triggers it keeps
(``exchange_mock.watch``) or a funding settlement falls due. ``first_trigger`` finds the first
scan that crosses a trigger, over the batch's arrays, with exactly the comparisons the venue's
``watch_hits`` makes on the ``RowPrices`` a scan would hand it: a price that is absent or NaN
is no price, and a mark that is absent or NaN falls back to the price.
"""
from __future__ import annotations

from typing import Iterable

import numpy as np

from exchange_mock.watch import Trigger
from violet_engine import ScanBatch


def first_true(hit: np.ndarray) -> int:
    """Index of the first True (``len(hit)``: none)."""
    i = int(np.argmax(hit)) if len(hit) else 0
    return i if len(hit) and hit[i] else len(hit)


def first_trigger(batch: ScanBatch, rows: np.ndarray, cols: dict[str, int], triggers: Iterable[Trigger]) -> int:
    """Index into ``rows`` of the first scan at which the venue would fill a resting order or
    test a liquidation (``len(rows)``: none of them)."""
    first = len(rows)
    for symbol, buy_at, sell_at, long_at, short_at in triggers:
        j = cols.get(symbol)
        if j is None:
            continue  # not in the scans: the venue sees no price for it
        present = batch.present[rows, j]
        price = np.where(present, batch.prices[rows, j], np.nan)
        hit = (price <= buy_at) | (price >= sell_at)
        if batch.marks is not None:
            mark = np.where(present, batch.marks[rows, j], np.nan)
            mark = np.where(mark == mark, mark, price)
        else:
            mark = price
        hit |= (mark <= long_at) | (mark >= short_at)
        first = min(first, first_true(hit[:first]))
    return first


def first_at_or_after(values: np.ndarray, bound: float) -> int:
    """Index of the first value ``>= bound`` (``len(values)``: none)."""
    return first_true(values >= bound)
