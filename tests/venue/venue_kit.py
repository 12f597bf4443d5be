"""Helpers for the venue tests: a venue at a fixed time with BTC at 60,000, and order shorthands."""
from __future__ import annotations

from exchange_mock import Venue, VenueConfig

T0 = 1_700_000_000_000  # 2023-11-14 22:13:20 UTC
EIGHT_HOURS = 8 * 3_600_000
BTC = "BTC-USDT"


def make_venue(price: float = 60000.0, **config: object) -> tuple[Venue, dict[str, float]]:
    venue = Venue(VenueConfig(**config))
    prices = {BTC: price, "ETH-USDT": 2000.0, "DOGE-USDT": 0.08}
    venue.advance(T0, prices)
    return venue, prices


def market(venue: Venue, side: str, qty: str, symbol: str = BTC, **kw: object) -> dict:
    return venue.place_order(symbol=symbol, side=side, positionSide="BOTH", type="MARKET", quantity=qty, **kw)


def limit(venue: Venue, side: str, qty: str, price: str, tif: str = "GTC", symbol: str = BTC, **kw: object) -> dict:
    return venue.place_order(symbol=symbol, side=side, positionSide="BOTH", type="LIMIT", quantity=qty,
                             price=price, timeInForce=tif, **kw)
