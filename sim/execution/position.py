"""What execution believes it holds: set from the venue's position report, never assumed."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sim.execution.intent import TradeContext
from violet_engine.types import ExitReason


@dataclass
class Position:
    symbol: str
    asset: str
    quantity: Decimal
    entry_price: Decimal
    entry_ts_ms: int
    conviction: float
    leverage: int
    margin: Decimal
    scans_held: int = 0
    orders: list[dict[str, Any]] = field(default_factory=list)
    exit_reason: ExitReason | None = None
    held_since_scan: int | None = None  # after a restart: count held scans from this scan number

    @property
    def context(self) -> TradeContext:
        return TradeContext(self.symbol, self.asset, self.conviction, self.leverage)

    def remembered(self) -> "Position":
        """The copy the engine's memory keeps: what the journal says of the open trade."""
        return Position(self.symbol, self.asset, self.quantity, self.entry_price, self.entry_ts_ms,
                        self.conviction, self.leverage, self.margin)
