"""Each swappable model on its own: fee, fill, funding, slippage, spread, liquidation."""
from __future__ import annotations

import random
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from exchange_mock import VenueConfig
from exchange_mock.contracts import load_contracts
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
from exchange_mock.models.funding import next_settlement

CONTRACTS = load_contracts()
BTC = CONTRACTS["BTC-USDT"]
STEP = Decimal("0.0001")


def test_fee_models():
    assert ContractFees().rates(BTC) == (Decimal("0.0002"), Decimal("0.0005"))
    assert FlatFees(maker="0", taker="0.0004").rates(BTC) == (Decimal(0), Decimal("0.0004"))
    with pytest.raises(ValidationError):
        FlatFees(taker="-0.1")


def test_full_and_fraction_fill():
    rng = random.Random(1)
    assert FullFill().fill_quantity(Decimal("0.5"), STEP, taker=False, rng=rng) == Decimal("0.5")
    model = FractionFill(fraction="0.25")
    assert model.fill_quantity(Decimal("0.0100"), STEP, taker=False, rng=rng) == Decimal("0.0025")
    assert model.fill_quantity(Decimal("0.0002"), STEP, taker=False, rng=rng) == Decimal("0.0001")  # >= a step
    assert model.fill_quantity(Decimal("0.0100"), STEP, taker=True, rng=rng) == Decimal("0.0100")


@given(remaining=st.integers(1, 10**6), seed=st.integers(0, 2**32))
@settings(max_examples=200)
def test_random_fill_is_on_the_step_and_within_the_remainder(remaining, seed):
    qty = Decimal(remaining) * STEP
    model = RandomFill(partial_probability=0.7, min_fraction="0.2")
    got = model.fill_quantity(qty, STEP, taker=False, rng=random.Random(seed))
    assert STEP <= got <= qty and got % STEP == 0
    again = model.fill_quantity(qty, STEP, taker=False, rng=random.Random(seed))
    assert again == got


def test_constant_and_series_funding():
    assert ConstantFunding().rate_at("BTC-USDT", 0) == Decimal("0.0001")
    assert ConstantFunding(rate=0.000123456789).rate == Decimal("0.00012346")  # quantized to 1e-8
    h8 = 8 * 3_600_000
    series = SeriesFunding(series={"BTC-USDT": [(2 * h8 - 3, "0.0002"), (h8 + 7, "0.0001")]}, default_rate="0.00005")
    # each row is the rate of the settlement it was stamped for (7 ms late, 3 ms early); none at 0 or 3 x 8 h
    assert [series.rate_at("BTC-USDT", t) for t in (0, h8, 2 * h8, 3 * h8)] == [
        Decimal("0.00005"), Decimal("0.0001"), Decimal("0.0002"), Decimal("0.00005")]
    assert series.rate_at("ETH-USDT", h8) == Decimal("0.00005")
    assert next_settlement(ConstantFunding(), 0) == 8 * 3_600_000
    assert next_settlement(ConstantFunding(interval_hours=4), 4 * 3_600_000) == 8 * 3_600_000
    with pytest.raises(ValidationError):
        ConstantFunding(interval_hours=5)


def test_slippage_models():
    price = Decimal("60000")
    assert NoSlippage().slippage(BTC, Decimal(1), price) == 0
    assert FixedBpsSlippage(bps="3").slippage(BTC, Decimal(1), price) == Decimal("0.0003")
    impact = NotionalImpactSlippage(bps_per_unit="1", unit_notional="10000", max_bps="5")
    assert impact.slippage(BTC, Decimal("0.5"), price) == Decimal("0.0003")  # 30,000 USDT: 3 bps
    assert impact.slippage(BTC, Decimal("10"), price) == Decimal("0.0005")  # capped


def test_spread_model():
    assert ConstantSpread().half_spread(BTC) == 0
    model = ConstantSpread(bps="4", per_symbol={"BTC-USDT": "2"})
    assert model.half_spread(BTC) == Decimal("0.0001")
    assert model.half_spread(CONTRACTS["ETH-USDT"]) == Decimal("0.0002")


@given(
    direction=st.sampled_from([1, -1]),
    size=st.integers(1, 300_000).map(lambda n: Decimal(n) * STEP),
    entry=st.integers(100_000, 1_000_000).map(lambda n: Decimal(n) / 10),
    leverage=st.integers(1, 125),
)
@settings(max_examples=300)
def test_liquidation_price_is_where_the_trigger_switches(direction, size, entry, leverage):
    model = RiskRatioLiquidation()
    cost = size * entry
    margin = cost / leverage
    price = model.price(direction, size, cost, margin, BTC, BTC.taker_fee)

    def triggered(mark: Decimal) -> bool:
        value = size * mark
        return model.triggered(BTC.maintenance_margin(value), value * BTC.taker_fee,
                               margin + direction * (value - cost))

    if price is None:
        assert direction > 0 and not triggered(BTC.tick)
        return
    beyond = price * (1 - direction * Decimal("1e-9"))  # just past the price, on the losing side
    before = price * (1 + direction * Decimal("1e-9"))
    assert triggered(beyond) and not triggered(before)


def test_no_liquidation_model():
    assert not NoLiquidation().triggered(Decimal(10), Decimal(1), Decimal(-5))
    assert NoLiquidation().price(-1, Decimal(1), Decimal(1), Decimal(1), BTC, BTC.taker_fee) is None


def test_config_is_frozen_and_strict():
    config = VenueConfig(fill={"kind": "random", "partial_probability": 0.3})
    assert isinstance(config.fill, RandomFill)
    with pytest.raises(ValidationError):
        VenueConfig(unknown_knob=1)
    with pytest.raises(ValidationError):
        VenueConfig(fill={"kind": "magic"})
    with pytest.raises(ValidationError):
        config.seed = 3  # type: ignore[misc]
