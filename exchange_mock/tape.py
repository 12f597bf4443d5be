"""The market as the venue was served it: one-minute bars of the last and mark prices, and the
funding settlement times crossed, recorded on every ``Venue.advance`` once recording is on.

The REST front's klines, 24 h tickers and funding-rate history are read from here, so they show
exactly the prices the venue traded on (the scans served so far), not a second data source.
Recording is off by default: a simulation run reads its prices from the scans itself and keeps
``advance`` O(symbols with a position or working order); a server turns it on.

Bars keep the float prices as given; readers turn them into tick-rounded decimals with
``money.price_from_float``, the same conversion the venue applies to a fill price.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

MINUTE_MS = 60_000
_INF = float("inf")


@dataclass(slots=True)
class Bar:
    """One interval's open, high, low and close (floats as recorded); ``open_ms`` is its start."""

    open_ms: int
    open: float
    high: float
    low: float
    close: float

    def take(self, price: float) -> None:
        self.high = max(self.high, price)
        self.low = min(self.low, price)
        self.close = price

    def merge(self, later: Bar) -> None:
        self.high = max(self.high, later.high)
        self.low = min(self.low, later.low)
        self.close = later.close


def _usable(x: object) -> bool:
    return isinstance(x, (int, float)) and 0 < x < _INF


def _take(series: dict[str, list[Bar]], symbol: str, minute: int, price: float) -> None:
    bars = series.setdefault(symbol, [])
    if bars and bars[-1].open_ms == minute:
        bars[-1].take(price)
    else:
        bars.append(Bar(minute, price, price, price, price))


class MarketTape:
    """Minute bars per symbol for two series, ``last`` and ``mark``, and funding settlement times."""

    def __init__(self) -> None:
        self.recording = False
        self.first_ms: int | None = None
        self.settlements: list[int] = []
        self._series: dict[str, dict[str, list[Bar]]] = {"last": {}, "mark": {}}

    def record(self, ts_ms: int, prices: Mapping[str, float], marks: Mapping[str, float] | None,
               settled: Iterable[int]) -> None:
        """One venue step: the symbols with a usable last price at ``ts_ms``; a symbol's mark
        falls back to its last price, as ``Market.mark_price`` does."""
        if not self.recording:
            return
        if self.first_ms is None:
            self.first_ms = ts_ms
        self.settlements.extend(settled)
        minute = ts_ms - ts_ms % MINUTE_MS
        last_bars, mark_bars = self._series["last"], self._series["mark"]
        for symbol, price in prices.items():
            if not _usable(price):
                continue
            mark = price if marks is None else marks.get(symbol, price)
            _take(last_bars, symbol, minute, price)
            _take(mark_bars, symbol, minute, mark if _usable(mark) else price)

    def bars(self, series: str, symbol: str, interval_ms: int, offset_ms: int = 0) -> list[Bar]:
        """The symbol's bars of ``interval_ms`` (a multiple of a minute), each starting at a
        multiple of the interval after ``offset_ms``, oldest first; only intervals with a price."""
        out: list[Bar] = []
        for minute in self._series[series].get(symbol, ()):
            start = minute.open_ms - (minute.open_ms - offset_ms) % interval_ms
            if out and out[-1].open_ms == start:
                out[-1].merge(minute)
            else:
                out.append(Bar(start, minute.open, minute.high, minute.low, minute.close))
        return out
