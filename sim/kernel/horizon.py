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
    """Index of the first True (``len(hit)``: none). Called several times per jump: the array's
    own ``argmax``, not ``np.argmax``'s Python wrapper around it."""
    n = len(hit)
    if n == 0:
        return 0
    i = int(hit.argmax())
    return i if hit[i] else n


def first_trigger(batch: ScanBatch, rows: np.ndarray, cols: dict[str, int], triggers: Iterable[Trigger],
                  walk_bar: bool = False) -> int:
    """Index into ``rows`` of the first scan at which the venue would fill a resting order or
    test a liquidation (``len(rows)``: none of them). With ``walk_bar`` the venue also sees each
    bar's high and low, so a buy or long trigger is tested on the lower of low and price, a sell
    or short trigger on the higher (and so is a mark the scans do not record)."""
    first = len(rows)
    for symbol, buy_at, sell_at, long_at, short_at in triggers:
        j = cols.get(symbol)
        if j is None:
            continue  # not in the scans: the venue sees no price for it
        present = batch.present[rows, j]
        price = np.where(present, batch.prices[rows, j], np.nan)
        low, high = price, price
        if walk_bar and batch.highs is not None and batch.lows is not None:
            low = np.fmin(np.where(present, batch.lows[rows, j], np.nan), price)
            high = np.fmax(np.where(present, batch.highs[rows, j], np.nan), price)
        hit = (low <= buy_at) | (high >= sell_at)
        if batch.marks is not None:
            mark = np.where(present, batch.marks[rows, j], np.nan)
            mark_low, mark_high = np.where(mark == mark, mark, low), np.where(mark == mark, mark, high)
        else:
            mark_low, mark_high = low, high
        hit |= (mark_low <= long_at) | (mark_high >= short_at)
        first = min(first, first_true(hit[:first]))
    return first


def first_at_or_after(values: np.ndarray, bound: float) -> int:
    """Index of the first value ``>= bound`` (``len(values)``: none)."""
    return first_true(values >= bound)
