"""Fill models: how much of an order's remaining quantity trades when it can trade.

The venue asks the model each time an order meets the price: on arrival as a taker, and on every
``advance`` that crosses a resting limit. The answer is on the quantity step, at least one step
and at most the remainder. ``on_touch`` says whether a resting limit fills when the price merely
touches it (True) or only when it trades through (False, a queue-position stand-in).
Randomness comes from the venue's seeded generator, never from a global one.
"""
from __future__ import annotations

import random
from decimal import Decimal
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from exchange_mock.money import ROUND_DOWN, quantize


class FillModel(Protocol):
    on_touch: bool

    def fill_quantity(self, remaining: Decimal, step: Decimal, *, taker: bool, rng: random.Random) -> Decimal:
        """Quantity to fill now, in (0, remaining], on the step grid."""
        ...


def _portion(remaining: Decimal, step: Decimal, fraction: Decimal) -> Decimal:
    qty = quantize(remaining * fraction, step, ROUND_DOWN)
    return min(remaining, max(step, qty))


class FullFill(BaseModel):
    """Everything fills at once (default)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: Literal["full"] = "full"
    on_touch: bool = True

    def fill_quantity(self, remaining: Decimal, step: Decimal, *, taker: bool, rng: random.Random) -> Decimal:
        return remaining


class FractionFill(BaseModel):
    """A fixed fraction of the remainder per match; takers fill fully unless ``takers``."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: Literal["fraction"] = "fraction"
    fraction: Decimal = Field(gt=0, le=1)
    takers: bool = False
    on_touch: bool = True

    def fill_quantity(self, remaining: Decimal, step: Decimal, *, taker: bool, rng: random.Random) -> Decimal:
        if taker and not self.takers:
            return remaining
        return _portion(remaining, step, self.fraction)


class RandomFill(BaseModel):
    """With probability ``partial_probability`` a match fills a random fraction of the remainder,
    at least ``min_fraction``; otherwise it fills fully."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: Literal["random"] = "random"
    partial_probability: float = Field(default=0.5, ge=0, le=1)
    min_fraction: Decimal = Field(default=Decimal("0.1"), gt=0, le=1)
    takers: bool = False
    on_touch: bool = True

    def fill_quantity(self, remaining: Decimal, step: Decimal, *, taker: bool, rng: random.Random) -> Decimal:
        if (taker and not self.takers) or rng.random() >= self.partial_probability:
            return remaining
        # Only ``random()`` is promised stable across Python versions: derive everything from it.
        span = 1 - self.min_fraction
        fraction = self.min_fraction + span * Decimal(int(rng.random() * 10_001)) / 10_000
        return _portion(remaining, step, fraction)
