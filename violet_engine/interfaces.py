"""The organ interfaces: what a plugged-in implementation (e.g. a wrapper around a live BLUE
organ) must provide. Array-shaped so that one implementation serves the per-scan path (one row)
and the batch path (many rows) with the same arithmetic."""
from __future__ import annotations

from typing import Protocol, Sequence, runtime_checkable

import numpy as np

from violet_engine.types import ExitReason


@runtime_checkable
class AssetFilter(Protocol):
    def excluded(self, assets: Sequence[str]) -> np.ndarray:
        """Boolean mask over ``assets``: True for symbols that must never be selected."""


@runtime_checkable
class AssetSelector(Protocol):
    @property
    def lookback(self) -> int:
        """How many earlier accepted scans a score needs; the engine keeps that many."""

    def scores(self, history: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Short scores for ``history[rows]``.

        ``history`` is (scans, assets): prices of consecutive accepted scans, columns sorted by
        symbol, NaN where an asset was absent. Returns (len(rows), assets), NaN = not eligible.
        The engine picks the highest score, ties to the smallest symbol.
        """


@runtime_checkable
class BetSizer(Protocol):
    def is_signal(self, vel_div: np.ndarray) -> np.ndarray:
        """Boolean mask: which scans carry a SHORT signal."""

    def size(self, vel_div: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(strength, conviction) for signal scans."""


@runtime_checkable
class Steepener(Protocol):
    def apply(self, vel_div: np.ndarray, conviction: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(multiplier applied, conviction after it)."""


@runtime_checkable
class SizeModulator(Protocol):
    def multipliers(self, score: np.ndarray, score_ts_ms: np.ndarray, now_ms: np.ndarray) -> np.ndarray:
        """Size multiplier per scan from the EsoF score (NaN / negative timestamp = missing)."""


@runtime_checkable
class ExitRule(Protocol):
    def check(self, entry_price: float, price: float, scans_held: int, held_ms: int) -> ExitReason | None:
        """The reason to close a SHORT now, or None to keep holding (``held_ms``: scan time since
        the entry fill)."""


@runtime_checkable
class BatchExitRule(ExitRule, Protocol):
    def first_exit(self, entry_price: float, prices: np.ndarray, scans_held: np.ndarray,
                   held_ms: np.ndarray) -> tuple[int, ExitReason] | None:
        """Over consecutive scans where ``check`` would be asked (``prices`` of the held asset,
        ``scans_held`` and ``held_ms`` at each): the index of the first where ``check`` returns a
        reason, and that reason; None when it returns None on all of them. A rule with it lets the
        simulator jump over a held position's quiet scans; one with only ``check`` is asked scan by
        scan."""
