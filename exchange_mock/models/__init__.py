"""Swappable venue models, each behind one Protocol and chosen by ``kind`` in ``VenueConfig``."""
from exchange_mock.models.fee import ContractFees, FeeModel, FlatFees
from exchange_mock.models.fill import FillModel, FractionFill, FullFill, RandomFill
from exchange_mock.models.funding import ConstantFunding, FundingModel, SeriesFunding
from exchange_mock.models.liquidation import LiquidationModel, NoLiquidation, RiskRatioLiquidation
from exchange_mock.models.slippage import FixedBpsSlippage, NoSlippage, NotionalImpactSlippage, SlippageModel
from exchange_mock.models.spread import ConstantSpread, SpreadModel

__all__ = [
    "ContractFees", "FeeModel", "FlatFees",
    "FillModel", "FractionFill", "FullFill", "RandomFill",
    "ConstantFunding", "FundingModel", "SeriesFunding",
    "LiquidationModel", "NoLiquidation", "RiskRatioLiquidation",
    "FixedBpsSlippage", "NoSlippage", "NotionalImpactSlippage", "SlippageModel",
    "ConstantSpread", "SpreadModel",
]
