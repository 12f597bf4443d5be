"""Funding models: which symbols settle when, and the rate each settlement applies.

A symbol settles at the multiples of its funding interval since the Unix epoch: with the default
8 h these are 00:00, 08:00 and 16:00 UTC; a 4 h symbol adds 04:00, 12:00 and 20:00. The venue
steps through the ``tick_ms`` grid (the greatest common divisor of the intervals in use) and
settles, at each tick, the symbols whose interval it is a multiple of. Rates are quantized to
1e-8 as published, which also keeps every funding amount a short exact decimal.

A recorded rate belongs to the settlement it was stamped for: exchanges stamp a settlement a few
ms after the hour (Binance: 1-14 ms), so a row stamped within ``tolerance_ms`` of a settlement is
that settlement's rate, never the next one's or the previous one's.
"""
from __future__ import annotations

from collections import Counter
from decimal import Decimal
from math import gcd
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from exchange_mock.contracts import to_venue_symbol
from exchange_mock.money import ROUND_HALF_EVEN, ROUNDING, quantize

RATE_QUANTUM = Decimal("1e-8")
HOUR_MS = 3_600_000
DEFAULT_TOLERANCE_MS = 1_000

Pairs = tuple[tuple[int, Decimal], ...]


def _rate(value: Decimal) -> Decimal:
    return quantize(value, RATE_QUANTUM, ROUND_HALF_EVEN).normalize(ROUNDING)


def _hours_ok(hours: int) -> int:
    if not 1 <= hours <= 24 or 24 % hours:
        raise ValueError(f"a funding interval must be 1..24 h and divide 24 (got {hours})")
    return hours


class FundingModel(Protocol):
    @property
    def tick_ms(self) -> int:
        """The grid the venue steps through: every settlement of every symbol is on it."""
        ...

    def settles(self, symbol: str, settle_ts_ms: int) -> bool:
        """Whether ``symbol`` settles at the tick ``settle_ts_ms``."""
        ...

    def interval_ms_of(self, symbol: str) -> int:
        """``symbol``'s funding interval."""
        ...

    def rate_at(self, symbol: str, settle_ts_ms: int) -> Decimal:
        """Rate applied at the settlement at ``settle_ts_ms`` (positive: longs pay shorts)."""
        ...

    def describe(self) -> dict[str, object]:
        """The settlement rule, intervals and their origin, as a run summary reports them."""
        ...


def next_settlement(model: FundingModel, ts_ms: int) -> int:
    """First tick strictly after ``ts_ms``."""
    tick = model.tick_ms
    return (ts_ms // tick + 1) * tick


def next_settlement_of(model: FundingModel, symbol: str, ts_ms: int) -> int:
    """``symbol``'s first settlement strictly after ``ts_ms``."""
    interval = model.interval_ms_of(symbol)
    return (ts_ms // interval + 1) * interval


class _Interval(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    interval_hours: int = Field(default=8, ge=1, le=24)

    @field_validator("interval_hours")
    @classmethod
    def _divides_day(cls, v: int) -> int:
        if 24 % v:
            raise ValueError("interval_hours must divide 24")
        return v

    @property
    def interval_ms(self) -> int:
        return self.interval_hours * HOUR_MS


class ConstantFunding(_Interval):
    """The same rate and interval for every symbol and settlement (default: BingX's base 0.01%)."""

    kind: Literal["constant"] = "constant"
    rate: Decimal = Field(default=Decimal("0.0001"), gt=-1, lt=1)

    @field_validator("rate")
    @classmethod
    def _quantized(cls, v: Decimal) -> Decimal:
        return _rate(v)

    @property
    def tick_ms(self) -> int:
        return self.interval_ms

    def settles(self, symbol: str, settle_ts_ms: int) -> bool:
        return settle_ts_ms % self.interval_ms == 0

    def interval_ms_of(self, symbol: str) -> int:
        return self.interval_ms

    def rate_at(self, symbol: str, settle_ts_ms: int) -> Decimal:
        return self.rate

    def describe(self) -> dict[str, object]:
        return {"kind": self.kind, "rate": str(self.rate), "interval_hours": self.interval_hours}


def infer_interval_hours(stamps: list[int]) -> int | None:
    """The funding interval a recorded series settles at: the most common step between consecutive
    stamps, rounded to whole hours (stamps carry ms of jitter), among steps that divide a day;
    ties go to the shorter interval. None with fewer than two stamps or no such step."""
    steps = Counter((b - a + HOUR_MS // 2) // HOUR_MS for a, b in zip(stamps, stamps[1:]))
    usable = [(-n, h) for h, n in steps.items() if 1 <= h <= 24 and 24 % h == 0]
    return min(usable)[1] if usable else None


class SeriesFunding(_Interval):
    """Recorded rates per symbol, each applied at the settlement it was stamped for.

    ``series`` maps a symbol (venue ``BTC-USDT`` or data ``BTCUSDT`` form) to ``(ts_ms, rate)``
    pairs, for example the 8 h funding history of the bundled data. A symbol's interval is
    ``intervals[symbol]`` (hours) if given, else inferred from its recorded stamps, else
    ``interval_hours``. A settlement takes the row stamped within ``tolerance_ms`` of it (the
    nearest); a settlement without one (a symbol without a series, a time outside it, a missing
    row) takes ``default_rate``.
    """

    kind: Literal["series"] = "series"
    series: dict[str, Pairs] = Field(default_factory=dict)
    default_rate: Decimal = Field(default=Decimal("0.0001"), gt=-1, lt=1)
    intervals: dict[str, int] = Field(default_factory=dict)
    tolerance_ms: int = Field(default=DEFAULT_TOLERANCE_MS, ge=0)
    _interval_ms: dict[str, int] = PrivateAttr(default_factory=dict)
    _by_settlement: dict[str, dict[int, Decimal]] = PrivateAttr(default_factory=dict)
    _unmatched: dict[str, int] = PrivateAttr(default_factory=dict)
    _origin: dict[str, str] = PrivateAttr(default_factory=dict)  # where each symbol's interval came from
    _tick_ms: int = PrivateAttr(default=0)

    @field_validator("series")
    @classmethod
    def _sorted(cls, v: dict[str, Pairs]) -> dict[str, Pairs]:
        return {to_venue_symbol(sym): tuple(sorted((int(ts), _rate(r)) for ts, r in pairs))
                for sym, pairs in sorted(v.items())}

    @field_validator("intervals")
    @classmethod
    def _valid_intervals(cls, v: dict[str, int]) -> dict[str, int]:
        return {to_venue_symbol(sym): _hours_ok(int(h)) for sym, h in sorted(v.items())}

    @field_validator("default_rate")
    @classmethod
    def _quantized(cls, v: Decimal) -> Decimal:
        return _rate(v)

    @model_validator(mode="after")
    def _index(self) -> "SeriesFunding":
        for symbol, pairs in self.series.items():
            inferred = infer_interval_hours([t for t, _ in pairs])
            self._interval_ms[symbol] = (inferred or self.interval_hours) * HOUR_MS
            self._origin[symbol] = ("recorded stamps" if inferred is not None
                                    else "funding.interval_hours (too few recorded rows to infer one)")
        for symbol, hours in self.intervals.items():
            self._interval_ms[symbol], self._origin[symbol] = hours * HOUR_MS, "funding.intervals (configured)"
        self._tick_ms = self.interval_ms
        for interval in self._interval_ms.values():
            self._tick_ms = gcd(self._tick_ms, interval)
        shortest = min([self.interval_ms, *self._interval_ms.values()])
        if 2 * self.tolerance_ms >= shortest:
            raise ValueError(f"tolerance_ms {self.tolerance_ms} must be under half the shortest funding "
                             f"interval ({shortest // HOUR_MS} h): a row would belong to two settlements")
        for symbol, pairs in self.series.items():
            self._by_settlement[symbol], self._unmatched[symbol] = self._match(pairs, self._interval_ms[symbol])
        return self

    def _match(self, pairs: Pairs, interval: int) -> tuple[dict[int, Decimal], int]:
        """Each row on the settlement it was stamped for (the nearest row wins); rows further than
        the tolerance from every settlement are counted, not used."""
        best: dict[int, tuple[int, Decimal]] = {}
        unmatched = 0
        for ts, rate in pairs:
            settle = (ts + interval // 2) // interval * interval
            off = abs(ts - settle)
            if off > self.tolerance_ms:
                unmatched += 1
            elif settle not in best or off < best[settle][0]:
                best[settle] = (off, rate)
        return {t: r for t, (_, r) in sorted(best.items())}, unmatched

    @property
    def tick_ms(self) -> int:
        return self._tick_ms

    def interval_ms_of(self, symbol: str) -> int:
        return self._interval_ms.get(symbol, self.interval_ms)

    def settles(self, symbol: str, settle_ts_ms: int) -> bool:
        return settle_ts_ms % self.interval_ms_of(symbol) == 0

    def rate_at(self, symbol: str, settle_ts_ms: int) -> Decimal:
        return self._by_settlement.get(symbol, {}).get(settle_ts_ms, self.default_rate)

    def describe(self) -> dict[str, object]:
        return {"kind": self.kind, "rule": "a recorded rate applies at the settlement it was stamped for, "
                "within tolerance_ms; a settlement without one takes default_rate",
                "tolerance_ms": self.tolerance_ms, "default_rate": str(self.default_rate),
                "default_interval_hours": self.interval_hours, "symbols": self._plan()}

    def _plan(self) -> dict[str, dict[str, object]]:
        """Per symbol with a series or an interval: its interval, where it came from, how many
        recorded rows matched a settlement, and the first and last settlement they cover (outside
        that span every settlement takes ``default_rate``)."""
        out: dict[str, dict[str, object]] = {}
        for symbol in sorted(set(self.series) | set(self.intervals)):
            matched = self._by_settlement.get(symbol, {})
            out[symbol] = {"interval_hours": self.interval_ms_of(symbol) // HOUR_MS, "from": self._origin[symbol],
                           "rows": len(self.series.get(symbol, ())), "rows_matched": len(matched),
                           "rows_unmatched": self._unmatched.get(symbol, 0),
                           "recorded_from_ms": min(matched, default=None), "recorded_to_ms": max(matched, default=None)}
        return out
