"""Scans in columnar form: the unit that flows from every scan source into the engine.

A replay is a stream of ``ScanBatch`` objects of bounded size, so memory does not grow with the
length of the replay and the slot-independent decision layer can run as array code per batch.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np

#: ``esof_ts_ms`` value meaning "no EsoF timestamp in this scan".
NO_TS = -1


@dataclass(frozen=True, slots=True)
class ScanBatch:
    """Consecutive scans as parallel arrays.

    ``prices[i, j]`` is the price of ``assets[j]`` in scan ``i``; ``present[i, j]`` says whether the
    scan listed that asset at all (an unlisted asset is NaN and not present; a listed NaN/inf/0/negative
    price is present and makes the scan a reject). ``marks`` are venue mark prices (None: use prices).
    ``highs`` and ``lows`` are the extremes of the bar that ended at the scan (None: the source has
    none; a scan is then one price), for a venue and exit rule that look inside the bar.
    """

    assets: tuple[str, ...]
    ts_ms: np.ndarray
    scan_number: np.ndarray
    vel_div: np.ndarray
    prices: np.ndarray
    present: np.ndarray
    esof_score: np.ndarray
    esof_ts_ms: np.ndarray
    marks: np.ndarray | None = None
    highs: np.ndarray | None = None
    lows: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.ts_ms.shape[0])

    def row(self, i: int) -> dict[str, Any]:
        """Scan ``i`` as the dict a live scanner would emit (for the per-scan path and journals)."""
        prices = {a: float(self.prices[i, j]) for j, a in enumerate(self.assets) if self.present[i, j]}
        esof = float(self.esof_score[i])
        esof_ts = int(self.esof_ts_ms[i])
        return {
            "ts_ms": int(self.ts_ms[i]),
            "scan_number": int(self.scan_number[i]),
            "vel_div": float(self.vel_div[i]),
            "prices": prices,
            "esof_score": None if np.isnan(esof) else esof,
            "esof_ts_ms": None if esof_ts == NO_TS else esof_ts,
        }

    def slice(self, start: int, stop: int) -> "ScanBatch":
        """Rows ``start:stop`` as a new batch sharing the same asset columns."""
        return ScanBatch(
            assets=self.assets,
            ts_ms=self.ts_ms[start:stop],
            scan_number=self.scan_number[start:stop],
            vel_div=self.vel_div[start:stop],
            prices=self.prices[start:stop],
            present=self.present[start:stop],
            esof_score=self.esof_score[start:stop],
            esof_ts_ms=self.esof_ts_ms[start:stop],
            marks=None if self.marks is None else self.marks[start:stop],
            highs=None if self.highs is None else self.highs[start:stop],
            lows=None if self.lows is None else self.lows[start:stop],
        )

    @classmethod
    def from_rows(cls, rows: Sequence[Mapping[str, Any]], assets: Sequence[str] | None = None) -> "ScanBatch":
        """Build a batch from scan dicts (well-typed ones; schema errors are the validator's job).

        Asset columns are ``assets`` if given, else the sorted union of the rows' price keys. A price
        value of None is kept as present-and-NaN so that validation still rejects the scan.
        """
        if assets is None:
            assets = sorted({a for r in rows for a in (r.get("prices") or {})})
        col = {a: j for j, a in enumerate(assets)}
        n, k = len(rows), len(assets)
        prices = np.full((n, k), np.nan)
        present = np.zeros((n, k), dtype=bool)
        for i, r in enumerate(rows):
            for a, p in (r.get("prices") or {}).items():
                j = col[a]
                present[i, j] = True
                prices[i, j] = np.nan if p is None else float(p)
        esof = [r.get("esof_score") for r in rows]
        esof_ts = [r.get("esof_ts_ms") for r in rows]
        return cls(
            assets=tuple(assets),
            ts_ms=np.array([int(r["ts_ms"]) for r in rows], dtype=np.int64),
            scan_number=np.array([int(r["scan_number"]) for r in rows], dtype=np.int64),
            vel_div=np.array([float(r["vel_div"]) for r in rows], dtype=np.float64),
            prices=prices,
            present=present,
            esof_score=np.array([np.nan if e is None else float(e) for e in esof], dtype=np.float64),
            esof_ts_ms=np.array([NO_TS if t is None else int(t) for t in esof_ts], dtype=np.int64),
        )
