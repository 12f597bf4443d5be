"""What the engine remembers across a crash: what its own journal holds when it restarts.

A live engine that dies and restarts reads back the recent journal before it acts: the day's
entries (for the V4 trades-per-day count), the day's closed trades (for the daily loss limit),
the trade it had open with the fills booked to it so far, and the sequence of its exit order ids.
This object is that reading; it belongs to the run (the engine host keeps it), not to one engine
process, and only execution writes it. Bounded: a day holds far fewer entries and trades.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.execution.position import Position

KEEP = 4096


@dataclass(frozen=True)
class EntryMemo:
    """A journaled ENTER decision: when, on what, at which (capped) conviction."""

    ts_ms: int
    scan_number: int
    asset: str
    conviction: float


@dataclass(frozen=True)
class TradeMemo:
    """A journaled closed trade: when it closed and its net PnL."""

    exit_ts_ms: int
    pnl: Decimal


@dataclass
class EngineMemory:
    entries: deque[EntryMemo] = field(default_factory=lambda: deque(maxlen=KEEP))
    trades: deque[TradeMemo] = field(default_factory=lambda: deque(maxlen=KEEP))
    open_trade: "Position | None" = None
    trade_fills: list[Any] = field(default_factory=list)
    exit_sequence: int = 0

    def next_exit_sequence(self) -> int:
        self.exit_sequence += 1
        return self.exit_sequence

    def last_entry(self) -> EntryMemo | None:
        return self.entries[-1] if self.entries else None

    def entries_on(self, day: int, day_ms: int) -> int:
        return sum(1 for e in self.entries if e.ts_ms // day_ms == day)

    def day_pnl(self, day: int, day_ms: int) -> float:
        """Net PnL of the trades closed on UTC day ``day``, summed as execution sums it."""
        return sum((float(t.pnl) for t in self.trades if t.exit_ts_ms // day_ms == day), 0.0)
