"""Spread models: the bid and ask the venue quotes around the last price.

A model returns the half-spread as a fraction of the price; the ask is rounded up and the bid
down to the tick. Zero (the default) makes bid = ask = last price, the SPEC's reference fills.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from exchange_mock.contracts import Contract

_HALF_BPS = Decimal("0.00005")


class SpreadModel(Protocol):
    def half_spread(self, contract: Contract) -> Decimal:
        """Half of the bid-ask spread as a fraction of the last price."""
        ...


class ConstantSpread(BaseModel):
    """Full spread in basis points, the same for every symbol unless listed in ``per_symbol``."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: Literal["constant"] = "constant"
    bps: Decimal = Field(default=Decimal(0), ge=0, le=1000)
    per_symbol: dict[str, Decimal] = Field(default_factory=dict)

    def half_spread(self, contract: Contract) -> Decimal:
        return self.per_symbol.get(contract.symbol, self.bps) * _HALF_BPS
