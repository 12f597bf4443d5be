"""Data faults: a transform of the scan batches before the engine sees them.

Gaps, duplicated and out-of-order scans, corrupt fields, vel_div spikes, a stalled EsoF plane,
price gaps and a mark price that leaves the last price. Each fault draws exactly one pair of
values per source scan from its own named streams, in scan order, and every window, level and
held-back scan carries from one batch to the next, so the output is the same scan sequence
however the source cuts batches. Corrupted scans are remembered (``corrupted``) so that the
monitor can prove no entry came from one; price-gap times (``gap_ts``) so that it can tell when
a gap hit an open position.

Scans that carry their bar's high and low (``highs``, ``lows``) keep a whole bar through every
fault: a price gap moves the bar with the price, a corrupted price widens it to take the price in
(a price made NaN makes the bar NaN). Scans without them are transformed exactly as before, so
fault runs over such sources, and their hashes, do not change.
"""
from __future__ import annotations

import dataclasses
import math
from typing import Any, Iterator

import numpy as np

from sim.faults.config import (CorruptFieldFault, DuplicateScanFault, MarkDivergenceFault, OutOfOrderScanFault,
                               PriceGapFault, ScanGapFault, StaleEsofFault, VelDivSpikeFault, of_family)
from sim.faults.probes import Probes, fault_probe
from sim.faults.schedule import Gate, WindowClock
from sim.rng import RngStreams
from violet_engine.constants import STABLECOIN_SYMBOLS
from violet_engine.portable_math import exp
from violet_engine.scan_batch import ScanBatch

_STABLE = frozenset(STABLECOIN_SYMBOLS)
_FIELDS = ("ts_ms", "scan_number", "vel_div", "prices", "present", "esof_score", "esof_ts_ms")
_OPTIONAL = ("marks", "highs", "lows")  # None: the source has none


def _take(batch: ScanBatch, rows: list[int]) -> ScanBatch:
    idx = np.asarray(rows, dtype=np.intp)
    optional = {f: None if getattr(batch, f) is None else getattr(batch, f)[idx] for f in _OPTIONAL}
    return ScanBatch(assets=batch.assets, **optional, **{f: getattr(batch, f)[idx] for f in _FIELDS})


def _concat(a: ScanBatch, b: ScanBatch) -> ScanBatch:
    if (a.marks is None) != (b.marks is None):
        a, b = (x if x.marks is not None else _with_marks(x) for x in (a, b))
    if (a.highs is None) != (b.highs is None):
        a, b = (x if x.highs is not None else _with_extremes(x) for x in (a, b))
    optional = {f: None if getattr(a, f) is None else np.concatenate([getattr(a, f), getattr(b, f)])
                for f in _OPTIONAL}
    return ScanBatch(assets=a.assets, **optional,
                     **{f: np.concatenate([getattr(a, f), getattr(b, f)]) for f in _FIELDS})


def _with_marks(batch: ScanBatch) -> ScanBatch:
    """The same scans with explicit marks equal to the prices (what the venue assumes without)."""
    return dataclasses.replace(batch, marks=batch.prices.copy())


def _with_extremes(batch: ScanBatch) -> ScanBatch:
    """The same scans with bars of one price: high = low = the price (what a scan without a bar is)."""
    return dataclasses.replace(batch, highs=batch.prices.copy(), lows=batch.prices.copy())


class DataFaults:
    """``apply(batches)`` yields the faulty scan stream; counters say what was done to it."""

    def __init__(self, faults: tuple[Any, ...], streams: RngStreams, probes: Probes) -> None:
        self.specs = of_family(faults, "data")
        self.probes = probes
        self._streams = streams
        self._gates: list[tuple[Any, Gate, np.random.Generator]] = []
        self._clocks: list[tuple[Any, WindowClock]] = []
        self._held: ScanBatch | None = None        # a scan held back to arrive after the next one
        self._level = 1.0                           # cumulative price-gap factor
        self._frozen: dict[int, tuple[float, int]] = {}  # stale EsoF: window start -> (score, ts)
        self._last_esof: tuple[float, int] | None = None
        self.corrupted: set[int] = set()
        self.gap_ts: dict[int, str] = {}  # scan time -> 'stop' | 'liquidation'
        self.source_scans = 0
        self.dropped = 0
        self.duplicated = 0

    def at_market(self, ts_ms: int, holding: bool) -> None:
        """A scan reaches the venue; a price gap that meets an open position is what the gap faults
        are for (probed, so a swarm shows whether it ever happened)."""
        through = self.gap_ts.get(ts_ms)
        if through is not None and holding:
            self.probes.hit(f"fault.price_gap.{through}.while_held")

    def at_market_span(self, times_ms: list[int], holding: bool) -> None:
        """``at_market`` for scans reaching the venue at ``times_ms``, in order, in one call."""
        if self.gap_ts and holding:
            for ts_ms in times_ms:
                self.at_market(ts_ms, holding)

    def _setup(self, start_ms: int) -> None:
        for i, spec in self.specs:
            rng = self._streams.stream(f"faults.{i}.{spec.kind}")
            if isinstance(spec, (ScanGapFault, StaleEsofFault, MarkDivergenceFault)):
                self._clocks.append((spec, WindowClock(spec, rng, start_ms, spec.duration_ms)))
            else:
                self._gates.append((spec, Gate(spec, rng, start_ms),
                                    self._streams.stream(f"faults.{i}.{spec.kind}.values")))

    def apply(self, batches: Iterator[ScanBatch]) -> Iterator[ScanBatch]:
        started = False
        for batch in batches:
            if not len(batch):
                continue
            if not started:
                self._setup(int(batch.ts_ms[0]))
                started = True
            if self._held is not None and self._held.assets != batch.assets:
                held, self._held = self._held, None  # a new asset layout: no swap across it
                yield held
            out = self._transform(batch)
            if out is not None:
                yield out
        if self._held is not None:
            held, self._held = self._held, None
            yield held

    # -- one batch -------------------------------------------------------------------------------
    def _transform(self, batch: ScanBatch) -> ScanBatch | None:
        n = len(batch)
        self.source_scans += n
        ts = batch.ts_ms
        fired: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        for spec, gate, vals in self._gates:
            hit, u = gate.fires_many(ts), vals.random((n, 2))
            if hit.any():
                fired[id(spec)] = (hit, u)
        inside: dict[int, np.ndarray] = {}
        starts: dict[int, np.ndarray] = {}
        for spec, clock in self._clocks:
            flags, first = np.zeros(n, dtype=bool), np.full(n, -1, dtype=np.int64)
            for i, t in enumerate(ts.tolist()):
                if clock.active(t):
                    flags[i], first[i] = True, clock.started_at(t)
            inside[id(spec)], starts[id(spec)] = flags, first
        if fired or self._level != 1.0 or any(w.any() for w in inside.values()):
            batch = self._edit(batch, fired, inside, starts)
        else:
            self._last_esof = (float(batch.esof_score[-1]), int(batch.esof_ts_ms[-1]))
        return self._restructure(batch, fired, inside)

    def _edit(self, batch: ScanBatch, fired: dict, inside: dict, starts: dict) -> ScanBatch:
        vel_div, prices, present = batch.vel_div.copy(), batch.prices.copy(), batch.present.copy()
        esof, esof_ts = batch.esof_score.copy(), batch.esof_ts_ms.copy()
        marks = None if batch.marks is None else batch.marks.copy()
        bars = None if batch.highs is None or batch.lows is None else (batch.highs.copy(), batch.lows.copy())
        traded = np.flatnonzero([a not in _STABLE for a in batch.assets])
        jumps = np.ones(len(batch))
        for spec, _, _ in self._gates:
            if id(spec) not in fired:
                continue
            hit, u = fired[id(spec)]
            rows = np.flatnonzero(hit)
            if not isinstance(spec, CorruptFieldFault):
                self.probes.hit(fault_probe(spec), len(rows))
            if isinstance(spec, VelDivSpikeFault):
                lo, hi = math.log(spec.min_size), math.log(spec.max_size)
                vel_div[rows] = -exp(lo + (hi - lo) * u[rows, 0])
            elif isinstance(spec, PriceGapFault):
                jumps[rows] *= 1.0 + spec.jump
                self.gap_ts.update((int(t), spec.through) for t in batch.ts_ms[rows].tolist())
        if self._level != 1.0 or (jumps != 1.0).any():
            levels = np.cumprod(np.concatenate([[self._level], jumps]))[1:]  # left to right, as across batches
            self._level = float(levels[-1])
            for arr in (prices, marks, *(bars or ())):  # a gap moves the whole bar with the price
                if arr is not None:
                    arr[:, traded] *= levels[:, None]
        for spec, _ in self._clocks:
            rows = np.flatnonzero(inside[id(spec)])
            if isinstance(spec, MarkDivergenceFault) and len(rows):
                marks = prices.copy() if marks is None else marks
                marks[np.ix_(rows, traded)] *= 1.0 + spec.size
                self.probes.hit(fault_probe(spec), len(rows))
            elif isinstance(spec, StaleEsofFault):
                self._stall(esof, esof_ts, inside[id(spec)], starts[id(spec)], spec)
        if not any(isinstance(s, StaleEsofFault) for s, _ in self._clocks):
            self._last_esof = (float(esof[-1]), int(esof_ts[-1]))
        for spec, _, _ in self._gates:  # last, so that no other fault writes a corrupted field back
            if isinstance(spec, CorruptFieldFault) and id(spec) in fired:
                hit, u = fired[id(spec)]
                for i in np.flatnonzero(hit).tolist():
                    how = spec.fields[int(u[i, 0] * len(spec.fields))]
                    _corrupt(how, i, int(u[i, 1] * len(batch.assets)), vel_div, prices, present, marks, bars)
                    self.corrupted.add(int(batch.scan_number[i]))
                    self.probes.hit(fault_probe(spec))
                    self.probes.hit(f"fault.corrupt_field.{how}")
        return ScanBatch(assets=batch.assets, ts_ms=batch.ts_ms, scan_number=batch.scan_number, vel_div=vel_div,
                         prices=prices, present=present, esof_score=esof, esof_ts_ms=esof_ts, marks=marks,
                         highs=None if bars is None else bars[0], lows=None if bars is None else bars[1])

    def _stall(self, esof: np.ndarray, esof_ts: np.ndarray, inside: np.ndarray, starts: np.ndarray,
               spec: StaleEsofFault) -> None:
        """Inside a window every scan repeats the score and timestamp of the last scan before it."""
        for i in range(len(esof)):
            if inside[i]:
                start = int(starts[i])
                if start not in self._frozen:
                    self._frozen[start] = self._last_esof or (float(esof[i]), int(esof_ts[i]))
                    self.probes.hit(fault_probe(spec))
                esof[i], esof_ts[i] = self._frozen[start]
            else:
                self._last_esof = (float(esof[i]), int(esof_ts[i]))

    def _restructure(self, batch: ScanBatch, fired: dict, inside: dict) -> ScanBatch | None:
        """Drop, repeat and swap rows; a row held back at the end of a batch opens the next one,
        exactly as if the two batches had been one."""
        drop = dup = ooo = None
        for spec, _, _ in self._gates:
            if id(spec) in fired and isinstance(spec, DuplicateScanFault):
                dup = fired[id(spec)][0]
            elif id(spec) in fired and isinstance(spec, OutOfOrderScanFault):
                ooo = fired[id(spec)][0]
        for spec, _ in self._clocks:
            if isinstance(spec, ScanGapFault) and inside[id(spec)].any():
                drop = inside[id(spec)] if drop is None else drop | inside[id(spec)]
        if drop is None and dup is None and ooo is None and self._held is None:
            return batch
        held_row: int | None = None
        first = 0
        if self._held is not None:  # the held scan becomes row 0, waiting for the next kept row
            batch, held_row, first = _concat(self._held, batch), 0, 1
            self._held = None
        order: list[int] = []
        for i in range(first, len(batch)):
            j = i - first
            if drop is not None and drop[j]:
                self.dropped += 1
                self.probes.hit("fault.scan_gap")
                continue
            if held_row is not None:
                order.extend((i, held_row))
                held_row = None
            elif ooo is not None and ooo[j]:
                held_row = i
            else:
                order.append(i)
                if dup is not None and dup[j]:
                    order.append(i)
                    self.duplicated += 1
        if held_row is not None:
            self._held = _take(batch, [held_row])
        return _take(batch, order) if order else None


def _corrupt(how: str, i: int, col: int, vel_div: np.ndarray, prices: np.ndarray, present: np.ndarray,
             marks: np.ndarray | None, bars: tuple[np.ndarray, np.ndarray] | None = None) -> None:
    """Break one field of scan ``i`` (a price: column ``col``, in the marks as well; the bar's high
    and low take the broken price in, NaN where the price is NaN)."""
    if how == "vel_div_nan":
        vel_div[i] = np.nan
    elif how == "vel_div_inf":
        vel_div[i] = -np.inf
    elif how == "prices_missing":
        present[i, :] = False
        prices[i, :] = np.nan
        if marks is not None:
            marks[i, :] = np.nan
        for extreme in bars or ():
            extreme[i, :] = np.nan
    else:
        present[i, col] = True
        value = prices[i, col]
        prices[i, col] = {"price_nan": np.nan, "price_inf": np.inf, "price_missing": np.nan,
                          "price_negative": -abs(float(value)) if value == value else -1.0}[how]
        if marks is not None:
            marks[i, col] = prices[i, col]
        if bars is not None:
            high, low, price = bars[0], bars[1], prices[i, col]
            high[i, col] = np.nan if np.isnan(price) else np.fmax(high[i, col], price)
            low[i, col] = np.nan if np.isnan(price) else np.fmin(low[i, col], price)
