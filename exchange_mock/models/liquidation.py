"""Liquidation models: when a position is liquidated, and at which mark price that happens.

BingX: risk = (maintenance margin + closing fee) / (margin + unrealized PnL); a position is
liquidated when risk reaches 100% on the mark price. Maintenance margin = position value x MMR -
maintenance amount, from the tier that holds the position value. ``equity`` is the position
margin (isolated) or the cross margin balance available to the position (cross).
"""
from __future__ import annotations

from decimal import Decimal
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict

from exchange_mock.contracts import Contract
from exchange_mock.money import ROUNDING


class LiquidationModel(Protocol):
    def triggered(self, maintenance: Decimal, closing_fee: Decimal, equity: Decimal) -> bool:
        """Whether a position whose margin plus unrealized PnL is ``equity`` is liquidated."""
        ...

    def price(self, direction: int, size: Decimal, cost: Decimal, margin: Decimal,
              contract: Contract, taker_fee: Decimal) -> Decimal | None:
        """Mark price at which ``triggered`` first holds, or None if no positive price does."""
        ...


class RiskRatioLiquidation(BaseModel):
    """BingX's rule (default). ``include_closing_fee=False`` drops the fee from the numerator."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: Literal["risk_ratio"] = "risk_ratio"
    include_closing_fee: bool = True

    def triggered(self, maintenance: Decimal, closing_fee: Decimal, equity: Decimal) -> bool:
        return maintenance + (closing_fee if self.include_closing_fee else 0) >= equity

    def price(self, direction: int, size: Decimal, cost: Decimal, margin: Decimal,
              contract: Contract, taker_fee: Decimal) -> Decimal | None:
        # Within one tier (rate r, amount a) and with N = size * mark, the trigger is linear:
        #   long:  N * (1 - r - f) <= cost - margin - a
        #   short: N * (1 + r + f) >= cost + margin + a
        # Solve per tier and keep the solution whose N lies inside that tier.
        fee = taker_fee if self.include_closing_fee else Decimal(0)
        last = len(contract.tiers) - 1
        for i, tier in enumerate(contract.tiers):
            if direction > 0:
                numerator = cost - margin - tier.amount
                denominator = 1 - tier.rate - fee
            else:
                numerator = cost + margin + tier.amount
                denominator = 1 + tier.rate + fee
            value = ROUNDING.divide(numerator, denominator)
            if value < tier.min_value:
                continue
            if value < tier.max_value or i == last:
                return ROUNDING.divide(value, size) if value > 0 else None
        return None


class NoLiquidation(BaseModel):
    """Never liquidates (for studies that must see the raw PnL path)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: Literal["none"] = "none"

    def triggered(self, maintenance: Decimal, closing_fee: Decimal, equity: Decimal) -> bool:
        return False

    def price(self, direction: int, size: Decimal, cost: Decimal, margin: Decimal,
              contract: Contract, taker_fee: Decimal) -> Decimal | None:
        return None
