"""A mock BingX USDT-M perpetual venue: deterministic, exact in money, driven by the caller's clock.

    from exchange_mock import Venue, VenueConfig
    venue = Venue(VenueConfig(seed=7))
    venue.advance(ts_ms, {"BTC-USDT": 60000.0})
    venue.set_leverage(symbol="BTC-USDT", side="BOTH", leverage="3")
    venue.place_order(symbol="BTC-USDT", side="SELL", positionSide="BOTH", type="MARKET", quantity="0.01")
"""
from exchange_mock.config import VenueConfig
from exchange_mock.contracts import from_venue_symbol, to_venue_symbol
from exchange_mock.events import Fill, FundingSettlement, Liquidation, OrderEnded, VenueEvent
from exchange_mock.ledger import ReconcileError, ReconcileReport
from exchange_mock.venue import AccountApi, Venue

__all__ = [
    "Venue", "VenueConfig", "AccountApi",
    "Fill", "FundingSettlement", "Liquidation", "OrderEnded", "VenueEvent",
    "ReconcileError", "ReconcileReport",
    "to_venue_symbol", "from_venue_symbol",
]
