"""What arrives in the engine's inbox besides scans (``ScanTick``, from the feed).

The engine is one process reading its inbox in arrival order; each message is a frozen record
of one thing that happened: an operator command, the venue's private stream reporting fills or
liquidations, a post-only entry's time running out, or an answer nobody waits for any more.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sim.kernel.requests import Envelope, RequestKind


class OperatorKind(StrEnum):
    HIBERNATE = "hibernate"    # flatten and halt
    RESUME = "resume"
    CADENCE = "cadence"        # a new cadence quantum for an action
    END_OF_DATA = "end_of_data"  # the data ended: close what is open (``end_of_data: close``)


@dataclass(frozen=True)
class Operator:
    """An operator command: ``hibernate`` (flatten and halt), ``resume``, or a cadence change."""

    kind: OperatorKind
    action: str | None = None
    quantum: Any = None


@dataclass(frozen=True)
class VenueEvents:
    """What the venue's private stream reported during a market update (fills, liquidations...)."""

    events: list[Any]


@dataclass(frozen=True)
class EntryTimeout:
    order_id: int


@dataclass(frozen=True)
class StrayResponse:
    """An answer that reached the engine when no request was waiting for it (late or duplicate)."""

    request_id: int
    kind: RequestKind
    response: Envelope
