"""The per-seed fault draw of swarm testing.

From the scenario's own faults (or ``DEFAULT_SWARM_FAULTS`` when it has none) each seed keeps a
random subset at random rates, so that across a swarm every fault meets every other in many
mixes (swarm testing, as TigerBeetle's VOPR does it). The draw depends on the seed and the list
only.
"""
from __future__ import annotations

import math
from typing import Any

from sim.faults.config import FaultSettings, injecting, parse_faults
from sim.rng import RngStreams

DEFAULT_SWARM_FAULTS: tuple[Any, ...] = parse_faults([
    {"kind": "reject", "code": 80012, "rate": 0.03},
    {"kind": "reject", "code": 110500, "rate": 0.03},
    {"kind": "reject", "code": 429, "rate": 0.03, "requests": ["place_order", "positions", "cancel_order"]},
    {"kind": "reject", "code": 101204, "rate": 0.02},
    {"kind": "refuse_setting", "setting": "leverage", "rate": 0.1},
    {"kind": "latency_spike", "rate": 0.02},
    {"kind": "lost_response", "rate": 0.03},
    {"kind": "late_response", "rate": 0.02},
    {"kind": "duplicate_response", "rate": 0.03},
    {"kind": "duplicate_request", "rate": 0.03},
    {"kind": "disconnect", "rate": 0.002, "duration_ms": 30_000},
    {"kind": "duplicate_scan", "rate": 0.002},
    {"kind": "out_of_order_scan", "rate": 0.002},
    {"kind": "corrupt_field", "rate": 0.002},
    {"kind": "vel_div_spike", "rate": 0.001},
    {"kind": "scan_gap", "rate": 0.001, "duration_ms": 120_000},
    {"kind": "stale_esof", "rate": 0.0005},
    {"kind": "crash", "rate": 0.0005},
])

#: A kept fault's rate is multiplied by a factor log-uniform in this range (capped at 1).
SWARM_RATE_RANGE = (0.25, 2.0)


def swarm_faults(faults: tuple[Any, ...], seed: int) -> tuple[Any, ...]:
    """The faults one swarm seed runs with: each injecting fault kept with probability 1/2 (at
    least one), its rate scaled by a random factor; ``settings`` are kept as they are. Depends on
    the seed and the list only."""
    pool = injecting(faults) or injecting(DEFAULT_SWARM_FAULTS)
    rng = RngStreams(seed).stream("swarm.faults")
    keep = rng.random(len(pool)) < 0.5
    if not keep.any():
        keep[int(rng.integers(len(pool)))] = True
    lo, hi = (math.log(x) for x in SWARM_RATE_RANGE)
    factors = rng.random(len(pool))
    drawn: list[Any] = [f for f in faults if isinstance(f, FaultSettings)]
    for (_, spec), kept, u in zip(pool, keep.tolist(), factors.tolist()):
        if not kept:
            continue
        if spec.rate is not None:
            rate = round(min(1.0, spec.rate * math.exp(lo + (hi - lo) * u)), 9)
            spec = spec.model_copy(update={"rate": rate})
        drawn.append(spec)
    return tuple(drawn)
