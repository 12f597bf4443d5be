"""SPEC 4.4 (reference): the IRP selector, one signal scan at a time.

Kept over accepted scans only (a rejected scan moves nothing): the prices of the last
``lookback + 1`` accepted scans, and per asset how many consecutive accepted scans listed it.
"""
from __future__ import annotations

import math
import statistics
from collections import deque
from typing import Mapping


class IrpWindow:
    def __init__(self, lookback: int, min_alignment: float) -> None:
        self.lookback = lookback
        self.min_alignment = min_alignment
        self.rows: deque[Mapping[str, float]] = deque(maxlen=lookback + 1)
        self.streak: dict[str, int] = {}

    def add(self, prices: Mapping[str, float]) -> None:
        """An accepted scan's prices (stablecoins already dropped; every listed price is valid)."""
        self.rows.append(prices)
        for symbol in list(self.streak):
            if symbol not in prices:
                self.streak[symbol] = 0
        for symbol in prices:
            self.streak[symbol] = self.streak.get(symbol, 0) + 1

    def _down_share(self, symbol: str) -> float:
        path = [row[symbol] for row in self.rows]
        return sum(b < a for a, b in zip(path, path[1:])) / self.lookback

    def pick(self) -> str | None:
        """The asset with the highest short score at the latest scan, ties to the smaller symbol;
        None when no asset has a full window (warm-up): NO_PICK."""
        now, then = self.rows[-1], self.rows[0]
        eligible = sorted(s for s in now if self.streak.get(s, 0) >= self.lookback + 1)
        if not eligible:
            return None
        # ln(p_t / p_{t-L}) as a difference of logs: finite for any two positive finite prices.
        rel = {s: math.log(now[s]) - math.log(then[s]) for s in eligible}
        median = statistics.median(rel.values())
        best, best_score = None, -math.inf
        for s in eligible:  # name order: a later tie never replaces the earlier symbol
            if self.min_alignment > 0.0 and self._down_share(s) < self.min_alignment:
                continue
            score = median - rel[s]
            if score > best_score:
                best, best_score = s, score
        return best
