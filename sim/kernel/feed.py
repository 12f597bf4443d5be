"""The scan feed: streams batches, runs the slot-independent decision layer on each whole batch,
and wakes the simulation only at the scans where something can happen.

A scan needs the simulation when it carries a DECISION (it may become an order or a gated row), or
while execution is busy (a position, a working order or a request in flight: exits are checked and
the venue marks the position every scan). All other scans are accounted for in bulk: no simpy event
per scan and none per asset. With a ``hold`` (the jump path), a busy stretch where execution only
holds a position is handed over in one step too, up to its next event (``sim.harness.jump``).
"""
from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Mapping
from typing import Any, Callable, Generator, Iterator

import numpy as np
import simpy

from exchange_mock import to_venue_symbol
from sim.kernel.clock import Priority, wake_at, wake_after
from sim.kernel.requests import Extremes
from violet_engine import DecisionEngine, ScanBatch
from violet_engine.decision_batch import OUTCOME_CODE, DecisionBatch
from violet_engine.types import Outcome

_REJECT = OUTCOME_CODE[Outcome.REJECT]
#: ``hold(batch, decisions, rows, scan_base, cols)``: how many of the coming accepted ``rows`` it
#: accounted for in bulk (0: deliver the first one as usual).
Hold = Callable[[ScanBatch, DecisionBatch, np.ndarray, int, dict[str, int]], int]


@dataclass(frozen=True, slots=True)
class ScanTick:
    """One scan handed to execution: its batch row and the engine's outcome for it."""

    batch: ScanBatch
    decisions: DecisionBatch
    row: int
    scan_index: int  # 0-based position of the scan in the whole replay

    @property
    def ts_ms(self) -> int:
        return int(self.batch.ts_ms[self.row])

    def price(self, col: int) -> float:
        return float(self.batch.prices[self.row, col])


class RowPrices(Mapping[str, float]):
    """A read-only mapping ``venue symbol -> price`` over one batch row of ``values`` (default the
    prices; the marks, highs or lows), resolved lazily so that handing a scan to the venue costs
    nothing for the assets it does not look at."""

    __slots__ = ("_batch", "_row", "_cols", "_src")

    def __init__(self, batch: ScanBatch, row: int, cols: dict[str, int], values: np.ndarray | None = None) -> None:
        self._batch, self._row, self._cols = batch, row, cols
        self._src = batch.prices if values is None else values

    def __getitem__(self, symbol: str) -> float:
        j = self._cols[symbol]
        value = float(self._src[self._row, j])
        if value != value or not self._batch.present[self._row, j]:
            raise KeyError(symbol)
        return value

    def __iter__(self) -> Iterator[str]:
        return (s for s in self._cols if s in self)

    def __len__(self) -> int:
        return sum(1 for _ in self)


#: ``market(ts_ms, prices, marks, extremes)``: one scan reaches the venue.
Market = Callable[[int, RowPrices, "RowPrices | None", "Extremes | None"], None]


def scan_market(batch: ScanBatch, row: int, cols: dict[str, int],
                walk_bar: bool) -> tuple[RowPrices, RowPrices | None, Extremes | None]:
    """What the venue is handed of one scan: its prices, its recorded marks (None: the prices
    are the marks) and, with ``walk_bar`` and a source that has them, its bar's highs and lows."""
    marks = RowPrices(batch, row, cols, batch.marks) if batch.marks is not None else None
    extremes = None
    if walk_bar and batch.highs is not None and batch.lows is not None:
        extremes = (RowPrices(batch, row, cols, batch.highs), RowPrices(batch, row, cols, batch.lows))
    return RowPrices(batch, row, cols), marks, extremes


class ScanFeed:
    """Drives the replay: decide a batch, then hand each scan that matters to the venue's market
    data (``market``) and to execution (``deliver``); with ``walk_bar`` the venue walks each
    scan's bar (its high, then its low) before the scan's prices."""

    def __init__(self, env: simpy.Environment, batches: Iterator[ScanBatch], engine: DecisionEngine,
                 market: Market, deliver: Callable[[ScanTick], None], busy: Callable[[], bool],
                 on_batch: Callable[[ScanBatch, DecisionBatch], None], hold: Hold | None = None,
                 walk_bar: bool = False) -> None:
        self.env = env
        self.batches = batches
        self.engine = engine
        self.market = market
        self.deliver = deliver
        self.busy = busy
        self.on_batch = on_batch
        self.hold = hold
        self.walk_bar = walk_bar
        self._handed = False  # scans just held through: per scan, the last would still sit in the inbox
        self.scans_in = 0

    def run(self) -> Generator[simpy.Event, Any, None]:
        for batch in self.batches:
            decisions = self.engine.decide_batch(batch)
            self.on_batch(batch, decisions)
            yield from self._replay(batch, decisions)
            self.scans_in += len(batch)

    def _replay(self, batch: ScanBatch, decisions: DecisionBatch) -> Generator[simpy.Event, Any, None]:
        cols = {to_venue_symbol(a): j for j, a in enumerate(batch.assets)}
        signal = decisions.signal_rows()
        accepted = np.flatnonzero(decisions.outcome != _REJECT)
        ts = batch.ts_ms
        n, i = len(batch), 0
        while i < n:
            busy = self._handed or self.busy()
            if busy:
                k = int(np.searchsorted(accepted, i))
                if k == len(accepted):
                    break
                j = int(accepted[k])
            else:
                k = int(np.searchsorted(signal, i))
                if k == len(signal):
                    break
                j = int(signal[k])
            self._handed = False
            t = int(ts[j])
            if t > self.env.now:
                yield wake_at(self.env, t, Priority.MARKET)
            if busy and self.hold is not None:
                held = self.hold(batch, decisions, accepted[k:], self.scans_in, cols)
                if held:
                    i, self._handed = int(accepted[k + held - 1]) + 1, True
                    t = int(ts[accepted[k:k + held]].max())
                    if t > self.env.now:  # the clock stands where the last of them left it
                        yield wake_at(self.env, t, Priority.MARKET)
                    continue
            self.market(self.env.now, *scan_market(batch, j, cols, self.walk_bar))
            self.deliver(ScanTick(batch, decisions, j, self.scans_in + j))
            if not self.busy():
                # let execution act on this scan first: it may have just become busy
                yield wake_after(self.env, 0, Priority.MONITOR)
            i = j + 1
