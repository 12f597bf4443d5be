"""The bundled contracts table: coverage of the data's symbols, public vs assumed rows, tiers."""
from __future__ import annotations

from decimal import Decimal

import pytest

from exchange_mock import Venue, from_venue_symbol, to_venue_symbol
from exchange_mock.contracts import load_contracts

DATA_BASES = ("AAVE ADA ALGO ALICE ALPHA ANKR AR ATOM AUDIO AVAX AXS BAKE BAT BCH BNB BTC CELO CELR CHR CHZ CKB "
              "COMP CRV CTSI DASH DGB DOGE DOT EGLD ENJ EOS ETC ETH IOST LTC MATIC NEO NMR OMG ONE QNT QTUM RVN "
              "SAND SOL SXP THETA TLM TRX USDC WAVES XLM XMR XRP XTZ YFI ZEC ZEN ZIL ZRX 1INCH").split()
STABLE_BASES = "USDC FDUSD TUSD BUSD USDP DAI PYUSD USDD EUR AEUR".split()
CONTRACTS = load_contracts()


def test_every_data_symbol_synthetic_symbol_and_stablecoin_is_listed():
    expected = {f"{b}-USDT" for b in DATA_BASES + STABLE_BASES} | {f"SYN{i:02d}-USDT" for i in range(50)}
    assert expected <= set(CONTRACTS)


def test_btc_row_is_the_public_sample():
    btc = CONTRACTS["BTC-USDT"]
    assert btc.source == "public"
    assert (btc.price_precision, btc.quantity_precision, btc.min_qty, btc.min_notional) == (1, 4, Decimal("0.0001"), 2)
    assert (btc.max_long_leverage, btc.maker_fee, btc.taker_fee) == (125, Decimal("0.0002"), Decimal("0.0005"))
    assert [(t.min_value, t.max_value, t.rate, t.amount, t.source) for t in btc.tiers[:2]] == [
        (0, 150000, Decimal("0.0038"), 0, "public"), (150000, 900000, Decimal("0.004"), 30, "public")]
    assert CONTRACTS["ETH-USDT"].tiers[0].rate == Decimal("0.0033")


@pytest.mark.parametrize("symbol", sorted(CONTRACTS))
def test_rows_are_consistent(symbol):
    c = CONTRACTS[symbol]
    assert c.source in ("public", "assumed")
    assert c.min_notional == 2 and c.min_qty >= c.step
    assert c.tiers[0].min_value == 0
    assert all(t.source in ("public", "assumed") for t in c.tiers)
    assert (c.tiers[0].rate + c.taker_fee) * c.max_long_leverage < 1  # max leverage is not liquidated at entry


def test_symbol_mapping():
    assert to_venue_symbol("BTCUSDT") == "BTC-USDT" and to_venue_symbol("1INCHUSDT") == "1INCH-USDT"
    assert from_venue_symbol("EUR-USDT") == "EURUSDT"
    with pytest.raises(ValueError):
        to_venue_symbol("BTCEUR")


def test_contract_and_tier_endpoints():
    venue = Venue()
    (row,) = venue.contracts(symbol="BTC-USDT")["data"]
    assert row["apiStateOpen"] == "true" and row["quantityPrecision"] == 4 and row["tradeMinUSDT"] == "2"
    assert len(venue.contracts()["data"]) == len(CONTRACTS)
    tiers = venue.maint_margin_ratio(symbol="BTC-USDT")["data"]
    assert tiers[1] == {"tier": "Tier 2", "symbol": "BTC-USDT", "minPositionVal": "150000",
                        "maxPositionVal": "900000", "maintMarginRatio": "0.004", "maintAmount": "30"}
