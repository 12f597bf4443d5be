"""The restart after a crash: rebuild from the engine's memory, reconcile with the venue, act.

A restarted engine knows only what its journal says (``EngineMemory``) and what the venue
answers. It takes the day's counters and the open trade from memory, cancels every working order
(a restarted engine does not resume half-done entries), books a trade that closed while it was
down, adopts the position the venue holds, and honours the operator's halt - before it acts on
anything else.
"""
from __future__ import annotations

from typing import Any, Callable, Generator, Protocol

import simpy

from exchange_mock import from_venue_symbol
from sim.execution.client_ids import OrderPurpose
from sim.execution.memory import EngineMemory
from sim.execution.position import Position
from sim.execution.recovery_paths import RecoveryPath
from sim.execution.replies import HeldPosition, held_positions, open_orders
from sim.execution.session import VenueSession
from sim.kernel.requests import RequestKind
from violet_engine.execution_policy import DAY_MS, DayCounters
from violet_engine.types import ExitReason

Steps = Generator[simpy.Event, Any, None]


class Restarting(Protocol):
    """What the restart needs of the engine it rebuilds (``Execution`` is one)."""

    env: simpy.Environment
    venue: VenueSession
    memory: EngineMemory
    day: DayCounters
    position: Position | None
    halted: bool
    probe: Callable[[str], None]

    def on_reconciled(self, ex: Any, full: bool) -> None: ...
    def adopt(self, pos: Position | None) -> None: ...
    def book_closed(self, pos: Position) -> Steps: ...
    def refresh_capital(self) -> Steps: ...
    def exit(self, reason: ExitReason) -> Steps: ...


def recover(ex: Restarting) -> Generator[simpy.Event, Any, None]:
    ex.probe(RecoveryPath.RESTART)
    memory = ex.memory
    ex.day.roll(ex.env.now)
    today = ex.env.now // DAY_MS
    ex.day.trades = memory.entries_on(today, DAY_MS)
    ex.day.pnl = memory.day_pnl(today, DAY_MS)
    yield from _cancel_working_orders(ex)
    resp = yield from ex.venue.ask(RequestKind.POSITIONS)
    held = held_positions(resp)
    known = memory.open_trade
    if known is not None and not any(p.symbol == known.symbol for p in held):
        yield from ex.book_closed(known.remembered())  # it closed while the engine was down
        known = None
    yield from ex.refresh_capital()
    if held:
        ex.position = _adopted(ex, held[0], known)
        if known is None:
            ex.adopt(ex.position)
        ex.probe(RecoveryPath.RESTART_WITH_POSITION)
    ex.on_reconciled(ex, True)
    if ex.halted:
        ex.probe(RecoveryPath.RESTART_HALTED)
        if ex.position is not None:
            yield from ex.exit(ExitReason.HIBERNATE_HALT)


def _cancel_working_orders(ex: Restarting) -> Generator[simpy.Event, Any, None]:
    resp = yield from ex.venue.ask(RequestKind.OPEN_ORDERS)
    for o in open_orders(resp):
        params = {"symbol": o["symbol"], "orderId": int(o["orderId"])}
        done = yield from ex.venue.cancel(o["symbol"], int(o["orderId"]))
        ex.venue.report(done, params, OrderPurpose.EXIT if o.get("reduceOnly") else OrderPurpose.ENTRY)
        ex.probe(RecoveryPath.RESTART_CANCELLED_ORDERS)


def _adopted(ex: Restarting, p: HeldPosition, known: Position | None) -> Position:
    """The venue's position as execution's: its entry time and conviction from the remembered
    open trade, else from the last journaled entry on the same asset, else unknown (now, 0)."""
    asset = from_venue_symbol(p.symbol)
    last = ex.memory.last_entry()
    mine = last is not None and last.asset == asset
    if known is not None:
        entry_ts, conviction = known.entry_ts_ms, known.conviction
    elif mine:
        assert last is not None
        entry_ts, conviction = int(last.ts_ms), float(last.conviction)
    else:
        entry_ts, conviction = ex.env.now, 0.0
    return Position(p.symbol, asset, p.quantity, p.avg_price, entry_ts, conviction, p.leverage, p.initial_margin,
                    held_since_scan=int(last.scan_number) if mine and last is not None else None)
