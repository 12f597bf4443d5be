"""Latency of the link between the engine and the venue, per request kind.

Each request takes ``out`` ms to reach the venue and ``back`` ms for the response, drawn from a
per-kind base plus seeded jitter, so that latency shapes order timing reproducibly.
"""
from __future__ import annotations

from typing import Annotated

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from sim.kernel.requests import RequestKind


class LatencyConfig(BaseModel):
    """Base one-way latency in ms (default and per request kind) and uniform jitter in ms. A key
    of ``per_kind`` that is not a request kind is refused (a typo would silently mean "default")."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    default_ms: int = Field(default=0, ge=0)
    per_kind: dict[RequestKind, Annotated[int, Field(ge=0)]] = Field(default_factory=dict)
    jitter_ms: int = Field(default=0, ge=0)


#: Jitter values drawn at a time. numpy draws the same bounded integers one by one as in an array
#: (tested), and the model has its stream to itself, so a block changes no value, only the cost:
#: a draw per request was the largest single cost of a run with faults on the link.
JITTER_BLOCK = 256


class LatencyModel:
    def __init__(self, config: LatencyConfig, rng: np.random.Generator) -> None:
        self.config = config
        self._rng = rng
        self._jitter: list[int] = []
        self._next = 0

    def one_way(self, kind: RequestKind) -> int:
        base = self.config.per_kind.get(kind, self.config.default_ms)
        if self.config.jitter_ms:
            if self._next == len(self._jitter):
                self._jitter = self._rng.integers(0, self.config.jitter_ms + 1, size=JITTER_BLOCK).tolist()
                self._next = 0
            base += self._jitter[self._next]
            self._next += 1
        return base
