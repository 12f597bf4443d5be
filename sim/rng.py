"""Named random streams derived from one scenario seed.

Every source of randomness in a run asks for a stream by name; the stream depends only on
(seed, name), never on the order in which streams are created or on ``hash()``, so adding a new
stream cannot perturb existing ones and runs are byte-identical on any machine.
"""
from __future__ import annotations

import hashlib

import numpy as np


def stream_key(name: str) -> int:
    """A stable 64-bit integer for a stream name (sha256, not ``hash()``)."""
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "big")


class RngStreams:
    """Factory of independent ``numpy.random.Generator`` streams keyed by name."""

    def __init__(self, seed: int) -> None:
        if seed < 0:
            raise ValueError(f"seed must be >= 0, got {seed}")
        self.seed = seed

    def stream(self, name: str) -> np.random.Generator:
        """A fresh generator for ``name``; the same (seed, name) always gives the same draws."""
        return np.random.Generator(np.random.PCG64(np.random.SeedSequence([self.seed, stream_key(name)])))

    def child_seed(self, name: str) -> int:
        """A derived integer seed (e.g. for the venue's id counter or a swarm member)."""
        return int(np.random.SeedSequence([self.seed, stream_key(name)]).generate_state(1, np.uint64)[0])
