"""One decision's entry, carried whole through every path an entry can take.

The V4 cap lowers a decision's conviction (and so its leverage and notional). Every path an entry
can take - the market order, the post-only order, its fallbacks, a resting fill reported later -
must open the position with the same capped values; so they travel together in one frozen
``TradeContext`` and are never passed by hand.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from violet_engine.types import Decision


@dataclass(frozen=True)
class TradeContext:
    """What a position is opened with: the venue symbol, the engine's asset, the conviction after
    the V4 cap, and the exchange leverage that conviction maps to."""

    symbol: str
    asset: str
    conviction: float
    leverage: int


@dataclass(frozen=True)
class EntryIntent:
    """A gated-through decision, ready to become orders: its context, the capped notional and
    the quantity at the scan's price."""

    decision: Decision
    context: TradeContext
    notional: float
    quantity: Decimal

    @property
    def scan_number(self) -> int:
        return self.decision.scan_number


@dataclass
class WorkingEntry:
    """A resting post-only entry and what to do when its time is up."""

    intent: EntryIntent
    order_id: int

    @property
    def symbol(self) -> str:
        return self.intent.context.symbol
