"""Public history: klines of the last and mark prices, recent public trades, funding-rate history.

Klines are the market tape's minute bars (every price the venue was advanced to) merged into the
requested interval, each interval starting at a multiple of its length since the epoch (weeks on
Mondays, 00:00 UTC); an interval with no step has no kline. A kline's volume is the quantity the
venue's accounts filled in it. Public trades are those fills: the venue has no other traders.
Funding-rate history lists the settlements the venue crossed while recording, with the rate
the funding model applied at each.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from exchange_mock import params
from exchange_mock.contracts import Contract
from exchange_mock.endpoints.market_quotes import MarketQuotes
from exchange_mock.enums import Liquidity, Side
from exchange_mock.envelope import endpoint
from exchange_mock.errors import bad_request
from exchange_mock.events import Fill
from exchange_mock.money import fmt, price_from_float
from exchange_mock.tape import MINUTE_MS, Bar

_HOUR = 60 * MINUTE_MS
KLINE_INTERVALS: dict[str, int] = {
    "1m": MINUTE_MS, "3m": 3 * MINUTE_MS, "5m": 5 * MINUTE_MS, "15m": 15 * MINUTE_MS, "30m": 30 * MINUTE_MS,
    "1h": _HOUR, "2h": 2 * _HOUR, "4h": 4 * _HOUR, "6h": 6 * _HOUR, "8h": 8 * _HOUR, "12h": 12 * _HOUR,
    "1d": 24 * _HOUR, "3d": 72 * _HOUR, "1w": 168 * _HOUR,
}
_MONDAY_MS = 4 * 24 * _HOUR  # 1970-01-05, the first Monday: weekly klines start on Mondays
MAX_KLINES = 1440
MAX_TRADES = 1000
MAX_FUNDING = 1000


def _limit(value: Any, default: int, most: int) -> int:
    limit = params.integer("limit", value)
    if limit is None:
        return default
    if not 1 <= limit <= most:
        raise bad_request(f"limit must be 1-{most}, got {limit}")
    return limit


def _window(start: Any, end: Any) -> tuple[int, int]:
    first = params.integer("startTime", start)
    last = params.integer("endTime", end)
    low, high = (0 if first is None else first), (2**63 if last is None else last)
    if low > high:
        raise bad_request(f"startTime {low} is after endTime {high}")
    return low, high


def _pick(rows: list[Any], start_given: bool, limit: int) -> list[Any]:
    """The first ``limit`` rows from ``startTime`` if it was given, else the latest ``limit``."""
    return rows[:limit] if start_given else rows[-limit:]


def _buyer_is_maker(fill: Fill) -> bool:
    if fill.liquidity == Liquidity.MAKER:
        return fill.side == Side.BUY
    return fill.side == Side.SELL


def trade_row(fill: Fill) -> dict[str, Any]:
    """A public trade as the trades endpoint lists it (and the trade stream pushes it)."""
    return {"time": fill.ts_ms, "isBuyerMaker": _buyer_is_maker(fill), "price": fmt(fill.price),
            "qty": fmt(fill.quantity), "quoteQty": fmt(fill.quantity * fill.price)}


class MarketHistory(MarketQuotes):
    """History read from the market tape and the venue's fills."""

    def _klines(self, series: str, symbol: Any, interval: Any, start: Any, end: Any, limit: Any,
                extra: dict[str, Any]) -> list[dict[str, Any]]:
        params.check_extra(extra)
        contract = params.symbol(symbol, self._market.contracts)
        length = KLINE_INTERVALS[params.choice("interval", interval, tuple(KLINE_INTERVALS))]
        low, high = _window(start, end)
        count = _limit(limit, 500, MAX_KLINES)
        if not self._tape.recording:
            raise bad_request("klines need the market tape, which this venue does not record")
        offset = _MONDAY_MS if length == KLINE_INTERVALS["1w"] else 0
        bars = [b for b in self._tape.bars(series, contract.symbol, length, offset) if low <= b.open_ms <= high]
        fills = self.public_fills(contract.symbol, bars[0].open_ms) if bars else []
        return [self._kline(contract, b, length, fills) for b in _pick(bars, start is not None, count)]

    @staticmethod
    def _kline(contract: Contract, bar: Bar, length: int, fills: list[Fill]) -> dict[str, Any]:
        volume = sum((f.quantity for f in fills if bar.open_ms <= f.ts_ms < bar.open_ms + length), Decimal(0))
        tick = contract.tick
        return {"open": fmt(price_from_float(bar.open, tick)), "close": fmt(price_from_float(bar.close, tick)),
                "high": fmt(price_from_float(bar.high, tick)), "low": fmt(price_from_float(bar.low, tick)),
                "volume": fmt(volume), "time": bar.open_ms}

    @endpoint
    def klines(self, symbol: str | None = None, interval: str | None = None, startTime: Any = None,
               endTime: Any = None, limit: Any = None, **extra: Any) -> list[dict[str, Any]]:
        return self._klines("last", symbol, interval, startTime, endTime, limit, extra)

    @endpoint
    def mark_klines(self, symbol: str | None = None, interval: str | None = None, startTime: Any = None,
                    endTime: Any = None, limit: Any = None, **extra: Any) -> list[dict[str, Any]]:
        return self._klines("mark", symbol, interval, startTime, endTime, limit, extra)

    @endpoint
    def trades(self, symbol: str | None = None, limit: Any = None, **extra: Any) -> list[dict[str, Any]]:
        params.check_extra(extra)
        contract = params.symbol(symbol, self._market.contracts)
        fills = self.public_fills(contract.symbol)[-_limit(limit, 500, MAX_TRADES):]
        return [trade_row(f) for f in fills]

    @endpoint
    def funding_rate_history(self, symbol: str | None = None, startTime: Any = None, endTime: Any = None,
                             limit: Any = None, **extra: Any) -> list[dict[str, Any]]:
        params.check_extra(extra)
        contract = params.symbol(symbol, self._market.contracts)
        low, high = _window(startTime, endTime)
        count = _limit(limit, 100, MAX_FUNDING)
        if not self._tape.recording:
            raise bad_request("funding-rate history needs the market tape, which this venue does not record")
        funding = self._market.funding  # the tape holds every funding tick; a symbol settles on some
        times = [t for t in self._tape.settlements if low <= t <= high and funding.settles(contract.symbol, t)]
        rate = funding.rate_at
        return [{"symbol": contract.symbol, "fundingRate": fmt(rate(contract.symbol, t)), "fundingTime": t}
                for t in _pick(times, startTime is not None, count)]
