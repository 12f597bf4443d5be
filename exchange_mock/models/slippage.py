"""Slippage models: how much worse than the touch a taker fill executes.

A model returns a fraction of the price (0.0005 = 5 bps); the venue moves a buy up and a sell
down by it and rounds the result to the tick against the taker. Resting (maker) fills never slip.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from exchange_mock.contracts import Contract
from exchange_mock.money import ROUND_HALF_EVEN, divide

BPS = Decimal("0.0001")


class SlippageModel(Protocol):
    def slippage(self, contract: Contract, quantity: Decimal, price: Decimal) -> Decimal:
        """Adverse fraction of ``price`` for a taker fill of ``quantity``."""
        ...


class NoSlippage(BaseModel):
    """Fills at the touch (default: the SPEC's reference fills)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: Literal["none"] = "none"

    def slippage(self, contract: Contract, quantity: Decimal, price: Decimal) -> Decimal:
        return Decimal(0)


class FixedBpsSlippage(BaseModel):
    """A constant number of basis points on every taker fill."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: Literal["fixed_bps"] = "fixed_bps"
    bps: Decimal = Field(ge=0, le=1000)

    def slippage(self, contract: Contract, quantity: Decimal, price: Decimal) -> Decimal:
        return self.bps * BPS


class NotionalImpactSlippage(BaseModel):
    """Impact growing linearly with size: ``bps_per_unit`` per ``unit_notional`` USDT, capped."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: Literal["notional_impact"] = "notional_impact"
    bps_per_unit: Decimal = Field(ge=0)
    unit_notional: Decimal = Field(default=Decimal(10000), gt=0)
    max_bps: Decimal = Field(default=Decimal(100), ge=0, le=1000)

    def slippage(self, contract: Contract, quantity: Decimal, price: Decimal) -> Decimal:
        bps = divide(quantity * price * self.bps_per_unit, self.unit_notional, Decimal("1e-6"), ROUND_HALF_EVEN)
        return min(bps, self.max_bps) * BPS
