"""Fee models: which maker and taker rates a fill pays.

BingX charges fees in USDT on the fill's notional; the default perpetual rates are maker 0.02% and
taker 0.05%, which the bundled contracts carry per symbol.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from exchange_mock.contracts import Contract


class FeeModel(Protocol):
    def rates(self, contract: Contract) -> tuple[Decimal, Decimal]:
        """(maker rate, taker rate) for fills on ``contract``."""
        ...


class ContractFees(BaseModel):
    """The rates of the contracts table (default)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: Literal["contract"] = "contract"

    def rates(self, contract: Contract) -> tuple[Decimal, Decimal]:
        return contract.maker_fee, contract.taker_fee


class FlatFees(BaseModel):
    """One pair of rates for every symbol (a VIP tier, or zero fees for a reference run)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: Literal["flat"] = "flat"
    maker: Decimal = Field(default=Decimal("0.0002"), ge=0, lt=1)
    taker: Decimal = Field(default=Decimal("0.0005"), ge=0, lt=1)

    def rates(self, contract: Contract) -> tuple[Decimal, Decimal]:
        return self.maker, self.taker
