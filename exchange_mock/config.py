"""``VenueConfig``: everything that makes one venue behave differently from another.

Frozen and validated up front; models are chosen by their ``kind`` (for example
``{"fill": {"kind": "fraction", "fraction": "0.5"}}`` in a scenario file).
"""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field

from exchange_mock.models import (
    ConstantFunding,
    ConstantSpread,
    ContractFees,
    FixedBpsSlippage,
    FlatFees,
    FractionFill,
    FullFill,
    NoLiquidation,
    NoSlippage,
    NotionalImpactSlippage,
    RandomFill,
    RiskRatioLiquidation,
    SeriesFunding,
)

FeeChoice = Annotated[Union[ContractFees, FlatFees], Field(discriminator="kind")]
FundingChoice = Annotated[Union[ConstantFunding, SeriesFunding], Field(discriminator="kind")]
SpreadChoice = Annotated[Union[ConstantSpread], Field(discriminator="kind")]
SlippageChoice = Annotated[Union[NoSlippage, FixedBpsSlippage, NotionalImpactSlippage], Field(discriminator="kind")]
FillChoice = Annotated[Union[FullFill, FractionFill, RandomFill], Field(discriminator="kind")]
LiquidationChoice = Annotated[Union[RiskRatioLiquidation, NoLiquidation], Field(discriminator="kind")]


class VenueConfig(BaseModel):
    """Venue settings. ``seed`` feeds the id counters and the fill model's random stream."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    seed: int = Field(default=0, ge=0)
    initial_balance: Decimal = Field(default=Decimal(10000), ge=0)
    insurance_fund: Decimal = Field(default=Decimal(0), ge=0)
    default_leverage: int = Field(default=5, ge=1)
    default_margin_type: Literal["ISOLATED", "CROSSED"] = "ISOLATED"
    dual_side_position: bool = False
    contracts_dir: Path | None = None
    #: What a run does with a traded symbol the contract table lacks: stop at start (``fail``), or
    #: give it a template contract derived from its first price (``template``, listed in the summary).
    unknown_symbols: Literal["fail", "template"] = "fail"
    #: Template contracts to add (venue symbol -> reference price), filled in by the simulator.
    templates: dict[str, Decimal] = Field(default_factory=dict)
    fee: FeeChoice = Field(default_factory=ContractFees)
    funding: FundingChoice = Field(default_factory=ConstantFunding)
    spread: SpreadChoice = Field(default_factory=ConstantSpread)
    slippage: SlippageChoice = Field(default_factory=NoSlippage)
    fill: FillChoice = Field(default_factory=FullFill)
    liquidation: LiquidationChoice = Field(default_factory=RiskRatioLiquidation)
