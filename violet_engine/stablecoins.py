"""Stablecoin exclusion (SPEC 4.2): BLUE drops pegged symbols before selection; so do we, with
the same list, so that a pegged coin can never be picked nor move the cross-sectional median."""
from __future__ import annotations

from typing import Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict

from violet_engine.constants import STABLECOIN_SYMBOLS


class StablecoinConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    symbols: tuple[str, ...] = STABLECOIN_SYMBOLS


class StablecoinFilter:
    """The reference ``AssetFilter``."""

    def __init__(self, config: StablecoinConfig) -> None:
        self._symbols = frozenset(config.symbols)

    def is_stablecoin(self, symbol: str) -> bool:
        return symbol in self._symbols

    def excluded(self, assets: Sequence[str]) -> np.ndarray:
        return np.array([a in self._symbols for a in assets], dtype=bool)
