"""The single-slot record: a rule the venue does not enforce but writes down.

Single slot is the engine's rule, not BingX's: the venue accepts a second open position and lists
it here, and certification fails on any entry.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from exchange_mock.enums import ViolationKind
from exchange_mock.positions import Position


@dataclass(frozen=True, slots=True)
class Violation:
    """``kind`` is SECOND_SYMBOL (a position opened while another symbol had one) or
    SECOND_OPEN_POSITION (the other side of the same symbol, hedge mode)."""

    ts_ms: int
    account: str
    kind: ViolationKind
    symbol: str
    open_positions: tuple[str, ...]


def slot_violation(opened: Position, held: Iterable[Position], ts_ms: int, account: str) -> Violation | None:
    """The violation of opening ``opened`` while ``held`` (which includes it) are open, if any."""
    positions = list(held)
    others = [p for p in positions if p is not opened]
    if not others:
        return None
    same_symbol = any(p.symbol == opened.symbol for p in others)
    kind = ViolationKind.SECOND_OPEN_POSITION if same_symbol else ViolationKind.SECOND_SYMBOL
    return Violation(ts_ms, account, kind, opened.symbol, tuple(f"{p.symbol}:{p.position_side}" for p in positions))
