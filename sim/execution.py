"""V4 execution: decisions become orders under the single slot; the open position is watched by the
exit engine every scan; every outcome is learned from the venue's responses, as live.

Execution is one simpy process reading an inbox in arrival order: scans from the feed, venue
stream events (resting fills, liquidations), operator commands, order timeouts and stray answers.
It talks to the venue only through the ``VenueLink`` with BingX parameters and reads the BingX
envelopes back.

It never acts on a guess of the venue's state. A query the venue cannot answer is asked again; an
order whose answer was lost (or that the venue calls a duplicate clientOrderID) is looked up by
its clientOrderID before anything else happens, never re-sent; a cancel without an answer is
settled by querying the order; an exit that did not flatten the position is sent again; a
decision that waited too long is gated ``stale_data``. After a crash, ``run(recover=True)``
rebuilds the day's counters and the position's context from the journal and takes the position
and working orders from the venue before it acts.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable, Generator, Iterable

import simpy

from exchange_mock import from_venue_symbol, to_venue_symbol
from exchange_mock.errors import Code
from sim.clock import Priority, wake_after
from sim.feed import ScanTick
from sim.recorder import Recorder
from sim.scenario import ExecutionConfig
from sim.venue_link import TIMEOUT, TRANSIENT_CODES, StrayResponse, VenueLink
from violet_engine.cadence import Action, Cadence
from violet_engine.decision_batch import OUTCOME_CODE
from violet_engine.execution_policy import DAY_MS, DayCounters, ExecutionPolicy, GateReason, entry_quantity
from violet_engine.interfaces import ExitRule
from violet_engine.leverage import LeverageConfig, exchange_leverage
from violet_engine.types import Decision, ExitReason, Outcome

_DECISION = OUTCOME_CODE[Outcome.DECISION]
ZERO = Decimal(0)
WORKING_STATES = ("NEW", "PENDING", "PARTIALLY_FILLED")
RETRY_FIRST_MS = 500       # pause before asking again; doubles up to RETRY_MAX_MS
RETRY_MAX_MS = 8_000
EXIT_ROUNDS = 20           # market exits sent back to back while each fills part of the position

#: clientOrderID prefixes: an entry (ve), its market fallback after a post-only reject (vm) or a
#: timeout (vf), an exit (vx). Entries end in the deciding scan's number.
ENTRY_PREFIXES = ("ve", "vm", "vf")


def decision_scan(client_order_id: str) -> int | None:
    """The scan number whose decision an entry's clientOrderID belongs to (None: not an entry)."""
    if client_order_id[:2] in ENTRY_PREFIXES and client_order_id[2:].isdigit():
        return int(client_order_id[2:])
    return None


@dataclass
class Position:
    """What execution believes it holds: set from the venue's position report, never assumed."""

    symbol: str
    asset: str
    quantity: Decimal
    entry_price: Decimal
    entry_ts_ms: int
    conviction: float
    leverage: int
    margin: Decimal
    scans_held: int = 0
    orders: list[dict[str, Any]] = field(default_factory=list)
    exit_reason: ExitReason | None = None
    held_since_scan: int | None = None  # after a restart: count held scans from this scan number


@dataclass
class WorkingEntry:
    """A resting post-only entry and what to do when its time is up."""

    symbol: str
    order_id: int
    decision: Decision
    leverage: int
    quantity: Decimal


@dataclass(frozen=True)
class Operator:
    """An operator command: ``hibernate`` (flatten and halt), ``resume``, or a cadence change."""

    kind: str
    action: str | None = None
    quantum: Any = None


@dataclass(frozen=True)
class VenueEvents:
    """What the venue's private stream reported during a market update (fills, liquidations...)."""

    events: list[Any]


@dataclass(frozen=True)
class EntryTimeout:
    order_id: int


def _order_of(resp: dict[str, Any]) -> dict[str, Any] | None:
    data = resp.get("data")
    return data.get("order") if resp.get("code") == 0 and isinstance(data, dict) else None


class Execution:
    """The slot, the V4 rules and the order lifecycle.

    ``probe(name)`` marks a recovery path taken (coverage only, no behaviour); ``reconciled``
    observers are called as ``observe(execution, full)`` each time the position was just set from
    the venue's report (``full``: after a restart, positions and working orders both).
    """

    def __init__(self, env: simpy.Environment, link: VenueLink, config: ExecutionConfig,
                 leverage: LeverageConfig, exit_rule: ExitRule, cadence: Cadence, recorder: Recorder, *,
                 probe: Callable[[str], None] | None = None) -> None:
        self.env = env
        self.link = link
        self.config = config
        self.leverage_config = leverage
        self.policy = ExecutionPolicy(config.v4)
        self.exit_rule = exit_rule
        self.cadence = cadence
        self.recorder = recorder
        self.probe = probe or (lambda name: None)
        self.reconciled: list[Callable[["Execution", bool], None]] = []
        self.inbox = simpy.Store(env)
        self.capital = config.capital
        self.day = DayCounters()
        self.halted = False
        self.position: Position | None = None
        self.working: WorkingEntry | None = None
        self.contracts: dict[str, dict[str, Any]] = {}
        self._leverage: dict[str, int] = {}
        self._margin_type: dict[str, str] = {}

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
            if cmd.kind in ("hibernate", "resume"):
                self.halted = cmd.kind == "hibernate"
            elif cmd.kind == "cadence":
                self.cadence.schedule(cmd.action, cmd.quantum, at_ms)

    # -- the process -----------------------------------------------------------------------------
    def run(self, recover: bool = False) -> Generator[simpy.Event, Any, None]:
        resp = yield from self._ask("contracts")
        self.contracts = {c["symbol"]: c for c in resp["data"]}
        if recover:
            yield from self._recover()
        else:
            yield from self._ask("set_position_mode", dualSidePosition="false")
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
                self.probe("recovery.stray_response_ignored")  # its request was settled without it

    def _ask(self, kind: str, **params: Any) -> Generator[simpy.Event, Any, dict[str, Any]]:
        """An idempotent request, asked again (after a growing pause) while the venue cannot
        answer it: a lost answer or a busy venue says nothing about its state."""
        pause = RETRY_FIRST_MS
        while True:
            resp = yield from self.link.call(kind, **params)
            if resp.get("code") not in TRANSIENT_CODES:
                return resp
            self.probe("recovery.read_retried")
            yield wake_after(self.env, pause, Priority.ENGINE)
            pause = min(2 * pause, RETRY_MAX_MS)

    def _place(self, params: dict[str, Any], purpose: str) -> Generator[simpy.Event, Any, tuple[dict[str, Any], dict[str, Any] | None]]:
        """Send an order and journal what became of it. Without an answer (TIMEOUT), or with
        101481 (the clientOrderID exists: an earlier copy of this request got through), the order
        may exist: look it up by clientOrderID before acting again. Never re-send it: a second
        order could double the exposure."""
        resp = yield from self.link.call("place_order", **params)
        code = resp.get("code")
        if code in (TIMEOUT, Code.DUPLICATE_CLIENT_ORDER_ID):
            resp = yield from self._ask("query_order", symbol=params["symbol"], clientOrderID=params["clientOrderID"])
            if code == Code.DUPLICATE_CLIENT_ORDER_ID:
                self.probe("recovery.duplicate_client_id_resolved")
            else:
                self.probe("recovery.unknown_order_found" if resp.get("code") == 0 else "recovery.unknown_order_absent")
        return resp, self.recorder.order(resp, params, purpose)

    # -- scans -----------------------------------------------------------------------------------
    def _on_scan(self, tick: ScanTick) -> Generator[simpy.Event, Any, None]:
        ts = tick.ts_ms
        pos = self.position
        if pos is not None:
            if pos.held_since_scan is not None:
                pos.scans_held = max(0, int(tick.batch.scan_number[tick.row]) - pos.held_since_scan)
                pos.held_since_scan = None
            else:
                pos.scans_held += 1
            price = self._price(tick, pos.asset)
            if pos.exit_reason is not None:
                self.probe("recovery.exit_retried")  # decided before and not done: no new verdict needed
                yield from self._exit(pos.exit_reason)
            elif price is not None and self.cadence.due(Action.EXIT_CHECK, tick.scan_index, ts):
                reason = self.exit_rule.check(float(pos.entry_price), price, pos.scans_held)
                if reason is not None:
                    yield from self._exit(reason)
        self.recorder.sample_equity(ts, self.position is not None)
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
            self.probe("recovery.stale_decision_gated")
            return True
        return False

    def _on_decision(self, tick: ScanTick) -> Generator[simpy.Event, Any, None]:
        d = tick.decisions.outcome_at(tick.row, self.capital)
        assert isinstance(d, Decision)
        self.day.roll(d.ts_ms)
        conviction, notional = self.policy.cap(d.conviction, d.notional)
        reason = self._gate(d, tick)
        if reason is None and self._stale(d.ts_ms):
            reason = GateReason.STALE_DATA
        symbol = to_venue_symbol(d.asset)
        qty = None
        if reason is None:
            rules = self.contracts.get(symbol)
            qty = None if rules is None else entry_quantity(
                notional, Decimal(repr(self._price(tick, d.asset) or 0.0)), _step(rules),
                Decimal(str(rules["tradeMinQuantity"])), Decimal(str(rules["tradeMinUSDT"])))
            if qty is None:
                reason = GateReason.BELOW_MIN
        leverage = exchange_leverage(conviction, self.leverage_config)
        if reason is None:
            ok = yield from self._prepare_symbol(symbol, leverage)
            if not ok:
                self.probe("recovery.entry_refused_setting")
                reason = GateReason.VENUE_REJECTED
            elif self._stale(d.ts_ms):
                reason = GateReason.STALE_DATA
        self.recorder.decision(d, conviction, notional, reason)
        if reason is None:
            assert qty is not None
            self.day.trades += 1
            yield from self._enter(d, symbol, qty, conviction, leverage, tick)

    def _gate(self, d: Decision, tick: ScanTick) -> GateReason | None:
        if not self.cadence.due(Action.DECIDE, tick.scan_index, d.ts_ms):
            return GateReason.CADENCE
        reason = self.policy.gate(d.asset, halted=self.halted,
                                  slot_busy=self.position is not None or self.working is not None,
                                  day=self.day)
        if reason is None and not self.cadence.due(Action.ENTER, tick.scan_index, d.ts_ms):
            return GateReason.CADENCE
        return reason

    def _prepare_symbol(self, symbol: str, leverage: int) -> Generator[simpy.Event, Any, bool]:
        """Margin type and leverage set on the venue and confirmed before the first order. Any
        answer but a confirmation (a refusal, no answer) leaves the setting unknown: no entry."""
        if self._margin_type.get(symbol) != self.config.margin_type:
            resp = yield from self.link.call("set_margin_type", symbol=symbol, marginType=self.config.margin_type)
            if resp["code"] != 0:
                return False
            self._margin_type[symbol] = self.config.margin_type
        if self._leverage.get(symbol) != leverage:
            resp = yield from self.link.call("set_leverage", symbol=symbol, side="BOTH", leverage=leverage)
            if resp["code"] != 0 or int(resp["data"]["leverage"]) != leverage:
                return False
            self._leverage[symbol] = leverage
            self.recorder.leverage_confirmed(symbol, leverage)
        return True

    # -- entries ---------------------------------------------------------------------------------
    def _enter(self, d: Decision, symbol: str, qty: Decimal, conviction: float, leverage: int,
               tick: ScanTick) -> Generator[simpy.Event, Any, None]:
        maker = self.config.maker
        params: dict[str, Any] = dict(symbol=symbol, side="SELL", positionSide="BOTH",
                                      quantity=str(qty), clientOrderID=f"ve{d.scan_number}")
        if maker.mode == "post_only":
            price = self._price(tick, d.asset)
            params.update(type="LIMIT", price=repr(price), timeInForce="PostOnly")
        else:
            params.update(type="MARKET")
        resp, order = yield from self._place(params, "ENTRY")
        if resp.get("code") == Code.POST_ONLY_WOULD_TAKE and maker.fallback == "market":
            yield from self._market_entry(symbol, d, qty, leverage, "vm")
            return
        if order is None:
            return
        if order["status"] in WORKING_STATES and maker.mode == "post_only":
            self.working = WorkingEntry(symbol, int(order["orderId"]), d, leverage, qty)
            self.env.process(self._expire_after(int(order["orderId"]), maker.timeout_ms))
        yield from self._sync(symbol, d.asset, conviction, leverage, order)

    def _expire_after(self, order_id: int, timeout_ms: int) -> Generator[simpy.Event, Any, None]:
        yield wake_after(self.env, timeout_ms, Priority.ENGINE)
        self.deliver(EntryTimeout(order_id))

    def _on_entry_timeout(self, order_id: int) -> Generator[simpy.Event, Any, None]:
        w = self.working
        if w is None or w.order_id != order_id:
            return
        order = yield from self._cancel_working()
        rest = w.quantity - (Decimal(order["executedQty"]) if order else ZERO)
        if self.config.maker.fallback == "market" and rest > 0 and self.position is None and not self.halted:
            yield from self._market_entry(w.symbol, w.decision, rest, w.leverage, "vf")

    def _market_entry(self, symbol: str, d: Decision, qty: Decimal, leverage: int,
                      prefix: str) -> Generator[simpy.Event, Any, None]:
        """The maker policy's fallback: take the rest at market."""
        params = dict(symbol=symbol, side="SELL", positionSide="BOTH", type="MARKET",
                      quantity=str(qty), clientOrderID=f"{prefix}{d.scan_number}")
        resp, order = yield from self._place(params, "ENTRY")
        if order is not None:
            yield from self._sync(symbol, d.asset, d.conviction, leverage, order)

    def _cancel(self, symbol: str, order_id: int) -> Generator[simpy.Event, Any, dict[str, Any]]:
        """Cancel an order. Without a usable answer the cancel may or may not have happened: ask
        for the order until its state is known, and cancel again while it is still working."""
        resp = yield from self.link.call("cancel_order", symbol=symbol, orderId=order_id)
        pause = RETRY_FIRST_MS
        while resp.get("code") in TRANSIENT_CODES:
            self.probe("recovery.cancel_settled")
            resp = yield from self._ask("query_order", symbol=symbol, orderId=order_id)
            order = _order_of(resp)
            if order is None or order["status"] not in WORKING_STATES:
                break
            yield wake_after(self.env, pause, Priority.ENGINE)
            pause = min(2 * pause, RETRY_MAX_MS)
            resp = yield from self.link.call("cancel_order", symbol=symbol, orderId=order_id)
        return resp

    def _cancel_working(self) -> Generator[simpy.Event, Any, dict[str, Any] | None]:
        """Cancel the resting entry; whatever part of it filled becomes the position."""
        w = self.working
        assert w is not None
        resp = yield from self._cancel(w.symbol, w.order_id)
        order = self.recorder.order(resp, {"symbol": w.symbol, "orderId": w.order_id}, "ENTRY")
        self.working = None
        yield from self._sync(w.symbol, w.decision.asset, w.decision.conviction, w.leverage, order)
        return order

    # -- exits -----------------------------------------------------------------------------------
    def _exit(self, reason: ExitReason) -> Generator[simpy.Event, Any, None]:
        """Close the position at market; a part left over (a partial fill) is closed at once, a
        refused exit is sent again on the next scan (``exit_reason`` stays set until flat)."""
        pos = self.position
        assert pos is not None
        pos.exit_reason = reason
        for _ in range(EXIT_ROUNDS):
            params = dict(symbol=pos.symbol, side="BUY", positionSide="BOTH", type="MARKET",
                          quantity=str(pos.quantity), reduceOnly="true",
                          clientOrderID=f"vx{self.recorder.next_client_seq()}")
            resp, order = yield from self._place(params, "EXIT")
            yield from self._sync(pos.symbol, pos.asset, pos.conviction, pos.leverage, order)
            if self.position is not pos or order is None or Decimal(order["executedQty"]) == 0:
                return
            self.probe("recovery.partial_exit_completed")

    def _on_venue_events(self, events: list[Any]) -> Generator[simpy.Event, Any, None]:
        for ev in events:
            pos = self.position
            if ev.kind == "LIQUIDATION" and pos is not None and ev.symbol == pos.symbol:
                pos.exit_reason = ExitReason.LIQUIDATION
                yield from self._sync(pos.symbol, pos.asset, pos.conviction, pos.leverage, None)
                if self.position is None:
                    self.probe("recovery.liquidation_synced")
            elif ev.kind == "FILL" and self.working is not None and ev.order_id == self.working.order_id:
                w = self.working
                resp = yield from self._ask("query_order", symbol=w.symbol, orderId=w.order_id)
                order = self.recorder.order(resp, {"symbol": w.symbol, "orderId": w.order_id}, "ENTRY")
                if order is not None and order["status"] == "FILLED":
                    self.working = None
                yield from self._sync(w.symbol, w.decision.asset, w.decision.conviction, w.leverage, order)

    def _on_operator(self, cmd: Operator) -> Generator[simpy.Event, Any, None]:
        if cmd.kind == "hibernate":
            self.halted = True
            if self.working is not None:
                yield from self._cancel_working()
            if self.position is not None:
                yield from self._exit(ExitReason.HIBERNATE_HALT)
        elif cmd.kind == "resume":
            self.halted = False
        elif cmd.kind == "cadence":
            self.cadence.schedule(cmd.action, cmd.quantum, self.env.now)

    # -- the venue's truth -----------------------------------------------------------------------
    def _sync(self, symbol: str, asset: str, conviction: float, leverage: int,
              order: dict[str, Any] | None) -> Generator[simpy.Event, Any, None]:
        """Ask the venue what is held and make the slot agree; a position that went away is a
        closed trade."""
        if order is not None and self.position is not None:
            self.position.orders.append(order)
        resp = yield from self._ask("positions", symbol=symbol)
        held = _held(resp)
        pos = self.position
        if held:
            p = held[0]
            qty, avg = Decimal(str(p["positionAmt"])), Decimal(str(p["avgPrice"]))
            if pos is None:
                self.position = Position(symbol, asset, qty, avg, self.env.now, conviction, leverage,
                                         Decimal(str(p["initialMargin"])),
                                         orders=[order] if order is not None else [])
            else:
                pos.quantity, pos.entry_price = qty, avg
        else:
            self.position = None
        self._reconciled(False)
        if held and pos is None:
            self.recorder.opened(self.position, self.capital)
        elif not held and pos is not None:
            yield from self._book(pos)

    def _book(self, pos: Position) -> Generator[simpy.Event, Any, None]:
        """A position that went away is a closed trade: journal it, count its PnL for the day, and
        size from the equity that is left."""
        pnl = yield from self.recorder.closed(pos, self._ask)
        self.day.roll(self.env.now)
        self.day.pnl += float(pnl)
        bal = yield from self._ask("balance")
        self.capital = self.recorder.capital_from_balance(bal, self.capital)

    def _reconciled(self, full: bool) -> None:
        for observe in self.reconciled:
            observe(self, full)

    def _recover(self) -> Generator[simpy.Event, Any, None]:
        """After a crash: the day's counters and the open trade from the journal, the position and
        working orders from the venue (working orders are cancelled: a restarted engine does not
        resume half-done entries), a trade that closed while the engine was down booked, the
        operator's halt honoured."""
        self.probe("recovery.restart")
        tail = self.recorder.tail
        self.day.roll(self.env.now)
        today = self.env.now // DAY_MS
        self.day.trades = sum(1 for r in tail.entries if r["ts_ms"] // DAY_MS == today)
        self.day.pnl = tail.day_pnl(today, DAY_MS)
        resp = yield from self._ask("open_orders")
        for o in (resp.get("data") or {}).get("orders") or []:
            params = {"symbol": o["symbol"], "orderId": int(o["orderId"])}
            done = yield from self._cancel(o["symbol"], int(o["orderId"]))
            self.recorder.order(done, params, "EXIT" if o.get("reduceOnly") else "ENTRY")
            self.probe("recovery.restart_cancelled_orders")
        resp = yield from self._ask("positions")
        held = _held(resp)
        known = tail.open_trade
        if known is not None and not any(p["symbol"] == known["symbol"] for p in held):
            yield from self._book(Position(**known))  # it closed while the engine was down
            known = None
        bal = yield from self._ask("balance")
        self.capital = self.recorder.capital_from_balance(bal, self.capital)
        if held:
            p = held[0]
            asset = from_venue_symbol(p["symbol"])
            last = tail.last_entry()
            mine = last is not None and last["asset"] == asset
            self.position = Position(
                p["symbol"], asset, Decimal(str(p["positionAmt"])), Decimal(str(p["avgPrice"])),
                known["entry_ts_ms"] if known else int(last["ts_ms"]) if mine else self.env.now,
                known["conviction"] if known else float(last["conviction"]) if mine else 0.0,
                int(p["leverage"]), Decimal(str(p["initialMargin"])),
                held_since_scan=int(last["scan_number"]) if mine else None)
            if known is None:
                self.recorder.opened(self.position, self.capital)
            self.probe("recovery.restart_with_position")
        self._reconciled(True)
        if self.halted:
            self.probe("recovery.restart_halted")
            if self.position is not None:
                yield from self._exit(ExitReason.HIBERNATE_HALT)


def _held(resp: dict[str, Any]) -> list[dict[str, Any]]:
    """The open positions in a positions answer."""
    return [p for p in (resp.get("data") or []) if Decimal(str(p["positionAmt"])) != 0]


def _step(rules: dict[str, Any]) -> Decimal:
    return Decimal(1).scaleb(-int(rules["quantityPrecision"]))
