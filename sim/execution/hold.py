"""A held position's quiet scans, in bulk: where its exit rule fires first over a run of scans.

While execution only holds (no working order, nothing in flight, nothing in its inbox), a scan
does three things: it counts as held, it is checked by the exit rule if the asset has a usable
price, and a DECISION on it is gated. ``first_exit_row`` answers, over the batch's arrays, the
first scan of a run where the exit check would fire, with the same ``scans_held`` (every delivered
scan counts, checked or not) and ``held_ms`` the per-scan path would pass. With bar exits the
rule is asked at each bar's high and low as well (``bar_path``); the first row where it fires at
any of them is a row to deliver scan by scan (stopping early there is exact: that row is then
checked as the per-scan path checks it).
"""
from __future__ import annotations

import numpy as np

from sim.execution.position import Position
from violet_engine import ScanBatch
from violet_engine.interfaces import BatchExitRule, ExitRule
from violet_engine.types import ExitReason

#: Verdicts a price inside a bar can give: the others wait for the bar's close.
PRICE_TOUCHES = (ExitReason.STOP_LOSS, ExitReason.TAKE_PROFIT)


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


def bar_path(batch: ScanBatch, row: int, col: int) -> tuple[float, ...]:
    """The prices a held short meets inside the bar that closes at scan ``row``, worst first: its
    high, then its low (an extreme the source lacks, or cannot use, is left out)."""
    if batch.highs is None or batch.lows is None:
        return ()
    path = (float(batch.highs[row, col]), float(batch.lows[row, col]))
    return tuple(p for p in path if p == p and p > 0)


def exit_verdict(rule: ExitRule, pos: Position, batch: ScanBatch, row: int, close: float,
                 walk_bar: bool) -> ExitReason | None:
    """The exit rule's verdict at scan ``row`` (``close``: the held asset's usable price). With
    ``walk_bar`` it is asked first at the bar's high, then its low; there only a price touch
    (stop-loss, take-profit) counts, as the bar's inside lies before its close, where the hold is
    counted and every other rule is asked."""
    entry, scans, held_ms = float(pos.entry_price), pos.scans_held, int(batch.ts_ms[row]) - pos.entry_ts_ms
    if walk_bar:
        for price in bar_path(batch, row, batch.assets.index(pos.asset)):
            reason = rule.check(entry, price, scans, held_ms)
            if reason in PRICE_TOUCHES:
                return reason
    return rule.check(entry, close, scans, held_ms)


def first_exit_row(rule: BatchExitRule, pos: Position, batch: ScanBatch, rows: np.ndarray,
                   walk_bar: bool = False) -> int:
    """Index into ``rows`` of the first scan where the exit check fires (``len(rows)``: none)."""
    col = asset_column(batch, pos.asset)
    checked = checked_rows(batch, rows, col)
    if not len(checked):
        return len(rows)
    assert col is not None
    at_rows = rows[checked]
    held = pos.scans_held + 1 + checked
    held_ms = batch.ts_ms[at_rows] - pos.entry_ts_ms
    closes = batch.prices[at_rows, col]
    paths = [closes]
    if walk_bar and batch.highs is not None and batch.lows is not None:
        for extreme in (batch.highs, batch.lows):
            at = extreme[at_rows, col]
            paths.append(np.where((at == at) & (at > 0), at, closes))
    first = len(rows)
    for prices in paths:
        hit = rule.first_exit(float(pos.entry_price), prices, held, held_ms)
        if hit is not None:
            first = min(first, int(checked[hit[0]]))
    return first
