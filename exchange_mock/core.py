"""What an account reads from the venue core it belongs to, as a Protocol.

The accounts and their rule modules depend on this shape, not on ``Market``: ``Market`` creates
accounts and so imports them, and the dependency runs one way (market -> account -> core).
"""
from __future__ import annotations

from decimal import Decimal
from typing import Mapping, Protocol

from exchange_mock.config import VenueConfig
from exchange_mock.contracts import Contract
from exchange_mock.ids import IdSource
from exchange_mock.ledger import InsuranceFund
from exchange_mock.matching import Matcher
from exchange_mock.models import FundingModel, LiquidationModel


class VenueCore(Protocol):
    config: VenueConfig
    contracts: Mapping[str, Contract]
    ids: IdSource
    matcher: Matcher
    funding: FundingModel
    liquidation: LiquidationModel
    insurance: InsuranceFund
    ts_ms: int

    def last_price(self, contract: Contract) -> Decimal | None:
        """The last trade price on the tick grid, or None when the current scan has none."""
        ...

    def mark_price(self, contract: Contract) -> Decimal | None:
        """The mark price (the last price when no mark is given), or None."""
        ...
