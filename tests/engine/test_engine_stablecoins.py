"""Drift guard: the stablecoin list must stay BLUE's exact set of ten pegged symbols."""
from violet_engine import EngineConfig
from violet_engine.constants import STABLECOIN_SYMBOLS
from violet_engine.stablecoins import StablecoinConfig, StablecoinFilter


def test_exactly_blues_ten_pegged_symbols():
    assert STABLECOIN_SYMBOLS == (
        "USDCUSDT", "FDUSDUSDT", "TUSDUSDT", "BUSDUSDT", "USDPUSDT",
        "DAIUSDT", "PYUSDUSDT", "USDDUSDT", "EURUSDT", "AEURUSDT",
    )


def test_engine_uses_the_constant():
    assert EngineConfig().stablecoins.symbols == STABLECOIN_SYMBOLS


def test_filter_masks_only_listed_symbols():
    mask = StablecoinFilter(StablecoinConfig()).excluded(["BTCUSDT", "USDCUSDT", "EURUSDT", "EURCUSDT"])
    assert mask.tolist() == [False, True, True, False]
