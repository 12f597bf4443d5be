"""Public quotes of the current step: 24 h tickers, the book ticker, the synthetic depth, open
interest. Prices are the venue's own (``Market.last_price`` / ``mark_price``, the spread model's
bid and ask); the 24 h statistics come from the market tape and the venue's fills.

The venue has no order book of other traders, so depth is synthetic, documented and
deterministic: level 0 is the spread model's bid and ask (the prices a market order fills at
before slippage), each further level one tick worse, and every level holds ``LEVEL_NOTIONAL``
USDT at the best price, rounded down to the step and at least the contract's minimum quantity.
"""
from __future__ import annotations

from decimal import ROUND_FLOOR, ROUND_HALF_EVEN, Decimal
from typing import Any

from exchange_mock import params
from exchange_mock.contracts import Contract
from exchange_mock.endpoints.base import EndpointGroup
from exchange_mock.envelope import endpoint
from exchange_mock.errors import bad_request
from exchange_mock.events import Fill
from exchange_mock.money import divide, fmt, price_from_float, quantize

LEVEL_NOTIONAL = Decimal(10_000)
DEPTH_LIMITS = ("5", "10", "20", "50", "100", "500", "1000")
DAY_MS = 86_400_000


class MarketQuotes(EndpointGroup):
    """Quotes read from the venue core and its tape."""

    def _last(self, contract: Contract) -> Decimal:
        last = self._market.last_price(contract)
        if last is None:
            raise bad_request(f"no price for {contract.symbol} at {self._market.ts_ms}")
        return last

    def _quote(self, contract: Contract) -> tuple[Decimal, Decimal]:
        return self._market.matcher.quote(contract, self._last(contract))

    def public_fills(self, symbol: str, start_ms: int = 0) -> list[Fill]:
        """Every account's fills of ``symbol`` from ``start_ms``, in time then trade-id order:
        the venue's public trades (each fill traded against the venue's synthetic book)."""
        fills = [f for a in self._market.accounts.values() for f in a.fills
                 if f.symbol == symbol and f.ts_ms >= start_ms]
        return sorted(fills, key=lambda f: (f.ts_ms, f.trade_id))

    def _level_qty(self, contract: Contract, price: Decimal) -> Decimal:
        return max(divide(LEVEL_NOTIONAL, price, contract.step, ROUND_FLOOR), contract.min_qty)

    @endpoint
    def ticker(self, symbol: str | None = None, **extra: Any) -> dict[str, Any] | list[dict[str, Any]]:
        params.check_extra(extra)
        contract = params.symbol(symbol, self._market.contracts, needed=False)
        if contract is not None:
            return self._ticker(contract)
        priced = [c for c in self._market.contracts.values() if self._market.last_price(c) is not None]
        return [self._ticker(c) for c in priced]

    def _ticker(self, contract: Contract) -> dict[str, Any]:
        if not self._tape.recording:
            raise bad_request("24 h statistics need the market tape, which this venue does not record")
        now = self._market.ts_ms
        last = self._last(contract)
        bid, ask = self._quote(contract)
        day = [b for b in self._tape.bars("last", contract.symbol, 60_000) if b.open_ms > now - DAY_MS]
        tick = contract.tick
        open_ = price_from_float(day[0].open, tick) if day else last
        high = max([price_from_float(b.high, tick) for b in day] + [last])
        low = min([price_from_float(b.low, tick) for b in day] + [last])
        fills = self.public_fills(contract.symbol, now - DAY_MS + 1)
        change = last - open_
        return {
            "symbol": contract.symbol, "priceChange": fmt(change),
            "priceChangePercent": fmt(divide(change * 100, open_, Decimal("0.01"), ROUND_HALF_EVEN)),
            "lastPrice": fmt(last), "lastQty": fmt(fills[-1].quantity) if fills else "0",
            "highPrice": fmt(high), "lowPrice": fmt(low), "openPrice": fmt(open_),
            "volume": fmt(sum((f.quantity for f in fills), Decimal(0))),
            "quoteVolume": fmt(sum((f.quantity * f.price for f in fills), Decimal(0))),
            "openTime": max(now - DAY_MS, self._tape.first_ms or now), "closeTime": now,
            "bidPrice": fmt(bid), "bidQty": fmt(self._level_qty(contract, bid)),
            "askPrice": fmt(ask), "askQty": fmt(self._level_qty(contract, ask)),
        }

    @endpoint
    def book_ticker(self, symbol: str | None = None, **extra: Any) -> dict[str, Any]:
        params.check_extra(extra)
        contract = params.symbol(symbol, self._market.contracts)
        bid, ask = self._quote(contract)
        return {"book_ticker": {
            "symbol": contract.symbol, "bid_price": fmt(bid), "bid_qty": fmt(self._level_qty(contract, bid)),
            "ask_price": fmt(ask), "ask_qty": fmt(self._level_qty(contract, ask)), "time": self._market.ts_ms}}

    @endpoint
    def depth(self, symbol: str | None = None, limit: str | None = None, **extra: Any) -> dict[str, Any]:
        params.check_extra(extra)
        contract = params.symbol(symbol, self._market.contracts)
        levels = int(params.choice("limit", None if limit is None else str(limit), DEPTH_LIMITS, default="20"))
        bid, ask = self._quote(contract)
        bid_qty, ask_qty = fmt(self._level_qty(contract, bid)), fmt(self._level_qty(contract, ask))
        bids = [[fmt(bid - i * contract.tick), bid_qty] for i in range(levels) if bid - i * contract.tick > 0]
        asks = [[fmt(ask + i * contract.tick), ask_qty] for i in range(levels)]
        return {"T": self._market.ts_ms, "bids": bids, "asks": asks}

    @endpoint
    def open_interest(self, symbol: str | None = None, **extra: Any) -> dict[str, Any]:
        """Open interest from the venue's own open positions: the summed size of every account's
        positions in the symbol, long and short (each traded against the venue's book, not against
        another account), valued in USDT at the mark."""
        params.check_extra(extra)
        contract = params.symbol(symbol, self._market.contracts)
        mark = self._market.mark_price(contract)
        if mark is None:
            raise bad_request(f"no price for {contract.symbol} at {self._market.ts_ms}")
        size = sum((p.size for a in self._market.accounts.values() for p in a.positions.values()
                    if p.symbol == contract.symbol), Decimal(0))
        return {"openInterest": fmt(size * mark), "symbol": contract.symbol, "time": self._market.ts_ms}
