"""A held position's quiet scans, in bulk: where its exit rule fires first over a run of scans.

While execution only holds (no working order, nothing in flight, nothing in its inbox), a scan
does three things: it counts as held, it is checked by the exit rule if the asset has a usable
price, and a DECISION on it is gated. ``first_exit_row`` answers, over the batch's arrays, the
first scan of a run where the exit check would fire, with the same ``scans_held`` (every delivered
scan counts, checked or not) and ``held_ms`` the per-scan path would pass.
"""
from __future__ import annotations

import numpy as np

from sim.execution.position import Position
from violet_engine import ScanBatch
from violet_engine.interfaces import BatchExitRule


def asset_column(batch: ScanBatch, asset: str) -> int | None:
    try:
        return batch.assets.index(asset)
    except ValueError:
        return None


def checked_rows(batch: ScanBatch, rows: np.ndarray, col: int | None) -> np.ndarray:
    """Positions in ``rows`` where the held asset has a usable price (what ``_price`` accepts)."""
    if col is None:
        return np.zeros(0, dtype=np.int64)
    prices = batch.prices[rows, col]
    return np.flatnonzero((prices == prices) & (prices > 0))


def first_exit_row(rule: BatchExitRule, pos: Position, batch: ScanBatch, rows: np.ndarray) -> int:
    """Index into ``rows`` of the first scan where the exit check fires (``len(rows)``: none)."""
    col = asset_column(batch, pos.asset)
    checked = checked_rows(batch, rows, col)
    if not len(checked):
        return len(rows)
    held = pos.scans_held + 1 + checked
    held_ms = batch.ts_ms[rows[checked]] - pos.entry_ts_ms
    hit = rule.first_exit(float(pos.entry_price), batch.prices[rows[checked], col], held, held_ms)
    return len(rows) if hit is None else int(checked[hit[0]])
