"""Funding models: the rate settled at each funding time.

Settlement times are the multiples of the interval since the Unix epoch: with the default 8 h
these are 00:00, 08:00 and 16:00 UTC. Rates are quantized to 1e-8 as published, which also keeps
every funding amount a short exact decimal.
"""
from __future__ import annotations

from bisect import bisect_right
from decimal import Decimal
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator

from exchange_mock.contracts import to_venue_symbol
from exchange_mock.money import ROUND_HALF_EVEN, ROUNDING, quantize

RATE_QUANTUM = Decimal("1e-8")
HOUR_MS = 3_600_000


def _rate(value: Decimal) -> Decimal:
    return quantize(value, RATE_QUANTUM, ROUND_HALF_EVEN).normalize(ROUNDING)


class FundingModel(Protocol):
    @property
    def interval_ms(self) -> int: ...

    def rate_at(self, symbol: str, settle_ts_ms: int) -> Decimal:
        """Rate applied at the settlement at ``settle_ts_ms`` (positive: longs pay shorts)."""
        ...


def next_settlement(model: FundingModel, ts_ms: int) -> int:
    """First settlement time strictly after ``ts_ms``."""
    interval = model.interval_ms
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
    """The same rate for every symbol and settlement (default: BingX's base 0.01%)."""

    kind: Literal["constant"] = "constant"
    rate: Decimal = Field(default=Decimal("0.0001"), gt=-1, lt=1)

    @field_validator("rate")
    @classmethod
    def _quantized(cls, v: Decimal) -> Decimal:
        return _rate(v)

    def rate_at(self, symbol: str, settle_ts_ms: int) -> Decimal:
        return self.rate


class SeriesFunding(_Interval):
    """Recorded rates per symbol: at a settlement, the latest entry at or before it applies.

    ``series`` maps a symbol (venue ``BTC-USDT`` or data ``BTCUSDT`` form) to ``(ts_ms, rate)``
    pairs, for example the 8 h funding history of the bundled data; symbols or times without an
    entry use ``default_rate``.
    """

    kind: Literal["series"] = "series"
    series: dict[str, tuple[tuple[int, Decimal], ...]] = Field(default_factory=dict)
    default_rate: Decimal = Field(default=Decimal("0.0001"), gt=-1, lt=1)

    @field_validator("series")
    @classmethod
    def _sorted(cls, v: dict[str, tuple[tuple[int, Decimal], ...]]) -> dict[str, tuple[tuple[int, Decimal], ...]]:
        return {to_venue_symbol(sym): tuple(sorted((int(ts), _rate(r)) for ts, r in pairs))
                for sym, pairs in v.items()}

    @field_validator("default_rate")
    @classmethod
    def _quantized(cls, v: Decimal) -> Decimal:
        return _rate(v)

    def rate_at(self, symbol: str, settle_ts_ms: int) -> Decimal:
        pairs = self.series.get(symbol)
        if not pairs:
            return self.default_rate
        i = bisect_right(pairs, (settle_ts_ms, Decimal("Infinity")))
        return pairs[i - 1][1] if i else self.default_rate
