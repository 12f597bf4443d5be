"""V4 execution: decisions become orders under the single slot; the open position is watched by
the exit engine every scan; every outcome is learned from the venue's answers, as live.

Execution is one simpy process reading an inbox in arrival order: scans from the feed, venue
stream events (resting fills, liquidations), operator commands, order timeouts and stray answers.
It talks to the venue only through its ``VenueSession`` (which crosses the ``VenueLink``) with
BingX parameters and reads the BingX envelopes back (``replies``). A decision that passes the
gates becomes one ``EntryIntent`` carrying the V4-capped conviction and leverage; every entry
path opens the position from it. A position that went away is a closed trade in the trade book.
After a crash, ``run(recover=True)`` rebuilds from the engine's memory (``recovery``).
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Callable, Generator, Iterable

import numpy as np
import simpy

from exchange_mock import to_venue_symbol
from sim.execution.book import TradeBook
from sim.execution.client_ids import OrderPurpose, exit_id
from sim.execution.config import ExecutionConfig
from sim.execution.entries import EntryOrders
from sim.execution.hold import asset_column, checked_rows, exit_verdict
from sim.execution.intent import EntryIntent, TradeContext, WorkingEntry
from sim.execution.memory import EngineMemory, EntryMemo
from sim.execution.observer import ExecutionObserver
from sim.execution.position import Position
from sim.execution.protective import drop_stop, place_stop
from sim.execution.recovery import recover as rebuild
from sim.execution.recovery_paths import RecoveryPath, no_probe
from sim.execution.replies import equity_of, executed, held_positions, quantity_step, trade_income
from sim.execution.session import VenueSession
from sim.kernel.feed import ScanTick
from sim.kernel.link import VenueLink
from sim.kernel.messages import EntryTimeout, Operator, OperatorKind, StrayResponse, VenueEvents
from sim.kernel.requests import RequestKind
from violet_engine.cadence import Action, Cadence
from violet_engine.decision_batch import OUTCOME_CODE
from violet_engine.execution_policy import DayCounters, ExecutionPolicy, GateReason, entry_quantity
from violet_engine.interfaces import BatchExitRule, ExitRule
from violet_engine import ScanBatch
from violet_engine.decision_batch import DecisionBatch
from violet_engine.leverage import LeverageConfig, exchange_leverage
from violet_engine.types import Decision, ExitReason, Outcome

_DECISION = OUTCOME_CODE[Outcome.DECISION]
EXIT_ROUNDS = 20           # market exits sent back to back while each fills part of the position
Reconciled = Callable[["Execution", bool], None]


class Execution(EntryOrders):
    """The slot, the V4 rules and the order lifecycle (entry orders in ``EntryOrders``).

    ``probe(path)`` marks a recovery path taken (coverage only, no behaviour); ``on_reconciled``
    is called as ``observe(execution, full)`` each time the position was just set from the
    venue's report (``full``: after a restart, positions and working orders both). ``stop_loss``
    (the exit rule's stop-loss fraction) gives every position a venue-side stop (``protective``).
    """

    def __init__(self, env: simpy.Environment, link: VenueLink, config: ExecutionConfig, leverage: LeverageConfig,
                 exit_rule: ExitRule, cadence: Cadence, observer: ExecutionObserver, memory: EngineMemory, *,
                 probe: Callable[[str], None] = no_probe, on_reconciled: Reconciled = lambda ex, full: None,
                 bar_exits: bool = False, stop_loss: float | None = None) -> None:
        self.env = env
        self.bar_exits = bar_exits
        self.config = config
        self.leverage_config = leverage
        self.policy = ExecutionPolicy(config.v4)
        self.exit_rule = exit_rule
        self.batch_exit_rule = exit_rule if isinstance(exit_rule, BatchExitRule) else None
        self.cadence = cadence
        self.observer = observer
        self.memory = memory
        self.book = TradeBook(memory, link.stream)
        self.venue = VenueSession(env, link, self.book, observer, probe)
        self.link = link
        self.probe = probe
        self.on_reconciled = on_reconciled
        self.inbox = simpy.Store(env)
        self.capital = config.capital
        self.day = DayCounters()
        self.halted = False
        self.position: Position | None = None
        self.working: WorkingEntry | None = None
        self.contracts: dict[str, dict[str, Any]] = {}
        self.stop_loss = stop_loss
        self.stop_order_id: int | None = None  # the protective stop working at the venue

    # -- what the feed and the monitor need to know ----------------------------------------------
    def busy(self) -> bool:
        """True while anything can happen without a new decision: a position, a working order,
        a request in flight, or messages not yet handled."""
        return (self.position is not None or self.working is not None or self.link.in_flight > 0
                or len(self.inbox.items) > 0)

    def deliver(self, message: Any) -> None:
        self.inbox.put(message)

    def view(self) -> tuple[tuple[str, Decimal] | None, int | None]:
        """What execution believes the venue holds: (symbol, quantity) and the working entry's id."""
        pos = None if self.position is None else (self.position.symbol, self.position.quantity)
        return pos, None if self.working is None else self.working.order_id

    def restore_operator(self, commands: Iterable[tuple[int, Operator]]) -> None:
        """The operator's standing commands (halt, cadence quanta) outlive an engine restart: take
        them over, at the times they were given, before acting."""
        for at_ms, cmd in commands:
            if cmd.kind in (OperatorKind.HIBERNATE, OperatorKind.RESUME):
                self.halted = cmd.kind == OperatorKind.HIBERNATE
            elif cmd.kind == OperatorKind.CADENCE:
                self.cadence.schedule(cmd.action, cmd.quantum, at_ms)

    # -- the process -----------------------------------------------------------------------------
    def run(self, recover: bool = False) -> Generator[simpy.Event, Any, None]:
        resp = yield from self.venue.ask(RequestKind.CONTRACTS)
        self.contracts = {c["symbol"]: c for c in resp["data"]}
        if recover:
            yield from rebuild(self)
            yield from place_stop(self)  # the restart cancelled the old one
        else:
            yield from self.venue.ask(RequestKind.SET_POSITION_MODE, dualSidePosition="false")
        while True:
            msg = yield self.inbox.get()
            if isinstance(msg, ScanTick):
                yield from self._on_scan(msg)
            elif isinstance(msg, VenueEvents):
                yield from self._on_venue_events(msg.events)
            elif isinstance(msg, EntryTimeout):
                yield from self._on_entry_timeout(msg.order_id)
            elif isinstance(msg, Operator):
                yield from self._on_operator(msg)
            elif isinstance(msg, StrayResponse):
                self.probe(RecoveryPath.STRAY_RESPONSE_IGNORED)  # its request was settled without it

    # -- scans -----------------------------------------------------------------------------------
    def _on_scan(self, tick: ScanTick) -> Generator[simpy.Event, Any, None]:
        pos = self.position
        if pos is not None:
            if pos.held_since_scan is not None:
                pos.scans_held = max(0, int(tick.batch.scan_number[tick.row]) - pos.held_since_scan)
                pos.held_since_scan = None
            else:
                pos.scans_held += 1
            price = self._price(tick, pos.asset)
            if pos.exit_reason is not None:
                self.probe(RecoveryPath.EXIT_RETRIED)  # decided before and not done: no new verdict needed
                yield from self.exit(pos.exit_reason)
            elif price is not None and self.cadence.due(Action.EXIT_CHECK, tick.scan_index, tick.ts_ms):
                reason = exit_verdict(self.exit_rule, pos, tick.batch, tick.row, price, self.bar_exits)
                if reason is not None:
                    yield from self.exit(reason)
        self.observer.at_scan(tick.ts_ms, self.position is not None)
        if tick.decisions.outcome[tick.row] == _DECISION:
            yield from self._on_decision(tick)

    @staticmethod
    def _price(tick: ScanTick, asset: str) -> float | None:
        try:
            col = tick.batch.assets.index(asset)
        except ValueError:
            return None
        p = tick.price(col)
        return p if p == p and p > 0 else None

    def _stale(self, ts_ms: int) -> bool:
        """A decision older than ``max_decision_age_ms`` (the engine lagged: retries, a restart)
        no longer describes the market an order would meet."""
        if self.env.now - ts_ms > self.config.max_decision_age_ms:
            self.probe(RecoveryPath.STALE_DECISION_GATED)
            return True
        return False

    # -- scans in bulk (the jump path) -----------------------------------------------------------
    def quiet_hold(self) -> bool:
        """True when the coming scans can only be held through (flat, or holding a position whose
        exits are checked every scan by a rule with ``first_exit``) with nothing else going on."""
        if self.working is not None or self.link.in_flight > 0 or self.inbox.items:
            return False
        pos = self.position
        return pos is None or (pos.exit_reason is None and pos.held_since_scan is None
                               and self.batch_exit_rule is not None and self.cadence.every_scan(Action.EXIT_CHECK))

    def decisions_gated(self) -> bool:
        """Every DECISION is gated now, without a request (halted, or the single slot is taken)."""
        return self.halted or (self.position is not None and self.policy.config.single_slot)

    def hold_through(self, batch: ScanBatch, decisions: DecisionBatch, rows: np.ndarray, scan_base: int) -> None:
        """What ``_on_scan`` does on each of ``rows`` while ``quiet_hold``, when none of them fires
        the exit rule and each DECISION among them is gated: they count as held, the exit cadence
        runs on the last checked one, the observer hears of the last, the DECISIONs are gated."""
        pos = self.position
        if pos is not None:
            pos.scans_held += len(rows)
            checked = checked_rows(batch, rows, asset_column(batch, pos.asset))
            if len(checked):
                last = int(rows[checked[-1]])
                self.cadence.due(Action.EXIT_CHECK, scan_base + last, int(batch.ts_ms[last]))
        self.observer.at_scan(int(batch.ts_ms[rows[-1]]), pos is not None)
        for row in rows[decisions.outcome[rows] == _DECISION].tolist():
            gated = self._on_decision(ScanTick(batch, decisions, row, scan_base + row))
            if next(gated, None) is not None:
                raise RuntimeError("a DECISION held through must be gated, without a request")

    def _on_decision(self, tick: ScanTick) -> Generator[simpy.Event, Any, None]:
        d = tick.decisions.outcome_at(tick.row, self.capital)
        assert isinstance(d, Decision)
        self.day.roll(d.ts_ms)
        conviction, notional = self.policy.cap(d.conviction, d.notional)
        context = TradeContext(to_venue_symbol(d.asset), d.asset, conviction,
                               exchange_leverage(conviction, self.leverage_config))
        reason = self._gate(d, tick)
        if reason is None and self._stale(d.ts_ms):
            reason = GateReason.STALE_DATA
        qty = self._quantity(context, notional, tick) if reason is None else None
        if reason is None and qty is None:
            reason = GateReason.BELOW_MIN
        if reason is None:
            ok = yield from self.venue.prepare_symbol(context.symbol, self.config.margin_type, context.leverage)
            if not ok:
                self.probe(RecoveryPath.ENTRY_REFUSED_SETTING)
                reason = GateReason.VENUE_REJECTED
            elif self._stale(d.ts_ms):
                reason = GateReason.STALE_DATA
        self.observer.decision(d, conviction, notional, reason)
        if reason is None:
            assert qty is not None
            self.memory.entries.append(EntryMemo(int(d.ts_ms), int(d.scan_number), d.asset, conviction))
            self.day.trades += 1
            yield from self._enter(EntryIntent(d, context, notional, qty), tick)

    def _quantity(self, context: TradeContext, notional: float, tick: ScanTick) -> Decimal | None:
        """The entry quantity at the scan's price under the contract's step and minimums (None:
        below them, or no contract for the symbol)."""
        rules = self.contracts.get(context.symbol)
        if rules is None:
            return None
        price = Decimal(repr(self._price(tick, context.asset) or 0.0))
        return entry_quantity(notional, price, quantity_step(rules), Decimal(str(rules["tradeMinQuantity"])),
                              Decimal(str(rules["tradeMinUSDT"])))

    def _gate(self, d: Decision, tick: ScanTick) -> GateReason | None:
        if not self.cadence.due(Action.DECIDE, tick.scan_index, d.ts_ms):
            return GateReason.CADENCE
        reason = self.policy.gate(d.asset, halted=self.halted,
                                  slot_busy=self.position is not None or self.working is not None,
                                  day=self.day)
        if reason is None and not self.cadence.due(Action.ENTER, tick.scan_index, d.ts_ms):
            return GateReason.CADENCE
        return reason

    # -- exits -----------------------------------------------------------------------------------
    def exit(self, reason: ExitReason) -> Generator[simpy.Event, Any, None]:
        """Close the position at market; a part left over (a partial fill) is closed at once, a
        refused exit is sent again on the next scan (``exit_reason`` stays set until flat)."""
        pos = self.position
        assert pos is not None
        pos.exit_reason = reason
        yield from drop_stop(self)
        if self.position is not pos:
            return  # the protective stop closed it first
        for _ in range(EXIT_ROUNDS):
            params = dict(symbol=pos.symbol, side="BUY", positionSide="BOTH", type="MARKET",
                          quantity=str(pos.quantity), reduceOnly="true",
                          clientOrderID=exit_id(self.memory.next_exit_sequence()))
            resp, order = yield from self.venue.place(params, OrderPurpose.EXIT)
            yield from self.sync(pos.context, order)
            if self.position is not pos or order is None or executed(order) == 0:
                return
            self.probe(RecoveryPath.PARTIAL_EXIT_COMPLETED)

    def _on_venue_events(self, events: list[Any]) -> Generator[simpy.Event, Any, None]:
        for ev in events:
            pos = self.position
            if ev.kind == "LIQUIDATION" and pos is not None and ev.symbol == pos.symbol:
                pos.exit_reason = ExitReason.LIQUIDATION
                yield from self.sync(pos.context, None)
                if self.position is None:
                    self.probe(RecoveryPath.LIQUIDATION_SYNCED)
            elif ev.kind == "FILL" and pos is not None and ev.order_id == self.stop_order_id:
                yield from self.sync(pos.context, None)  # the protective stop closed the position
            elif ev.kind == "FILL" and self.working is not None and ev.order_id == self.working.order_id:
                w = self.working
                order = yield from self.venue.query(w.symbol, w.order_id, OrderPurpose.ENTRY)
                if order is not None and order["status"] == "FILLED":
                    self.working = None
                yield from self.sync(w.intent.context, order)

    def _on_operator(self, cmd: Operator) -> Generator[simpy.Event, Any, None]:
        if cmd.kind in (OperatorKind.HIBERNATE, OperatorKind.END_OF_DATA):
            yield from self._halt_flat(ExitReason.HIBERNATE_HALT if cmd.kind == OperatorKind.HIBERNATE
                                       else ExitReason.END_OF_DATA)
        elif cmd.kind == OperatorKind.RESUME:
            self.halted = False
        elif cmd.kind == OperatorKind.CADENCE:
            self.cadence.schedule(cmd.action, cmd.quantum, self.env.now)

    def _halt_flat(self, reason: ExitReason) -> Generator[simpy.Event, Any, None]:
        """Stop entering, cancel the working entry, close the position (hibernate, end of data)."""
        self.halted = True
        if self.working is not None:
            yield from self.cancel_working()
        if self.position is not None:
            yield from self.exit(reason)

    # -- the venue's truth -----------------------------------------------------------------------
    def sync(self, context: TradeContext, order: dict[str, Any] | None) -> Generator[simpy.Event, Any, None]:
        """Ask the venue what is held and make the slot agree; a position that opened is opened
        with ``context``, one that went away is a closed trade."""
        if order is not None and self.position is not None:
            self.position.orders.append(order)
        resp = yield from self.venue.ask(RequestKind.POSITIONS, symbol=context.symbol)
        held = held_positions(resp)
        pos = self.position
        if held:
            p = held[0]
            if pos is None:
                self.position = Position(context.symbol, context.asset, p.quantity, p.avg_price, self.env.now,
                                         context.conviction, context.leverage, p.initial_margin,
                                         orders=[order] if order is not None else [])
            else:
                pos.quantity, pos.entry_price = p.quantity, p.avg_price
        else:
            self.position = self.stop_order_id = None  # the venue ends a stop whose position closed
        self.on_reconciled(self, False)
        if held and pos is None:
            self.adopt(self.position)
            yield from place_stop(self)
        elif not held and pos is not None:
            yield from self.book_closed(pos)

    def adopt(self, pos: Position | None) -> None:
        """A position the venue reports as newly held: remembered as the open trade, reported."""
        assert pos is not None
        self.memory.open_trade = pos.remembered()
        self.observer.opened(pos, self.capital)

    def book_closed(self, pos: Position) -> Generator[simpy.Event, Any, None]:
        """A position that went away is a closed trade: priced from its fills and the funding and
        insurance cover the venue's income reports, journaled, counted in the day's PnL; then size
        from the equity left."""
        self.observer.fills(self.book.take_fills())
        fills = self.book.trade_fills()
        rows = yield from self.venue.income_since(pos.symbol, pos.entry_ts_ms)
        trade = self.book.close(pos, fills, trade_income(rows), self.env.now)
        self.observer.closed(trade)
        self.day.roll(self.env.now)
        self.day.pnl += float(trade.pnl)
        yield from self.refresh_capital()

    def refresh_capital(self) -> Generator[simpy.Event, Any, None]:
        bal = yield from self.venue.ask(RequestKind.BALANCE)
        self.capital = equity_of(bal, self.capital)
