"""V4 execution: decisions become orders under the single slot; the open position is watched by the
exit engine every scan; every outcome is learned from the venue's responses, as live.

Execution is one simpy process reading an inbox in arrival order: scans from the feed, venue
stream events (resting fills, liquidations), operator commands and order timeouts. It talks to the
venue only through the ``VenueLink`` with BingX parameters and reads the BingX envelopes back.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Generator

import simpy

from sim.clock import Priority, wake_after
from exchange_mock import to_venue_symbol
from sim.feed import ScanTick
from sim.recorder import Recorder
from sim.scenario import ExecutionConfig
from sim.venue_link import VenueLink
from violet_engine.cadence import Action, Cadence
from violet_engine.decision_batch import OUTCOME_CODE
from violet_engine.execution_policy import DayCounters, ExecutionPolicy, GateReason, entry_quantity
from violet_engine.interfaces import ExitRule
from violet_engine.leverage import LeverageConfig, exchange_leverage
from violet_engine.types import Decision, ExitReason, Outcome

_DECISION = OUTCOME_CODE[Outcome.DECISION]
ZERO = Decimal(0)
POST_ONLY_WOULD_TAKE = 101215


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


class Execution:
    """The slot, the V4 rules and the order lifecycle."""

    def __init__(self, env: simpy.Environment, link: VenueLink, config: ExecutionConfig,
                 leverage: LeverageConfig, exit_rule: ExitRule, cadence: Cadence, recorder: Recorder) -> None:
        self.env = env
        self.link = link
        self.config = config
        self.leverage_config = leverage
        self.policy = ExecutionPolicy(config.v4)
        self.exit_rule = exit_rule
        self.cadence = cadence
        self.recorder = recorder
        self.inbox = simpy.Store(env)
        self.capital = config.capital
        self.day = DayCounters()
        self.halted = False
        self.position: Position | None = None
        self.working: WorkingEntry | None = None
        self.contracts: dict[str, dict[str, Any]] = {}
        self._leverage: dict[str, int] = {}
        self._margin_type: dict[str, str] = {}

    # -- what the feed needs to know -------------------------------------------------------------
    def busy(self) -> bool:
        """True while anything can happen without a new decision: a position, a working order,
        a request in flight, or messages not yet handled."""
        return (self.position is not None or self.working is not None or self.link.in_flight > 0
                or len(self.inbox.items) > 0)

    def deliver(self, message: Any) -> None:
        self.inbox.put(message)

    # -- the process -----------------------------------------------------------------------------
    def run(self) -> Generator[simpy.Event, Any, None]:
        resp = yield from self.link.call("contracts")
        self.contracts = {c["symbol"]: c for c in resp["data"]}
        yield from self.link.call("set_position_mode", dualSidePosition="false")
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

    # -- scans -----------------------------------------------------------------------------------
    def _on_scan(self, tick: ScanTick) -> Generator[simpy.Event, Any, None]:
        ts = tick.ts_ms
        pos = self.position
        if pos is not None:
            pos.scans_held += 1
            price = self._price(tick, pos.asset)
            if price is not None and self.cadence.due(Action.EXIT_CHECK, tick.scan_index, ts):
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

    def _on_decision(self, tick: ScanTick) -> Generator[simpy.Event, Any, None]:
        d = tick.decisions.outcome_at(tick.row, self.capital)
        assert isinstance(d, Decision)
        self.day.roll(d.ts_ms)
        conviction, notional = self.policy.cap(d.conviction, d.notional)
        reason = self._gate(d, tick)
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
                reason = GateReason.VENUE_REJECTED
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
        """Margin type and leverage set on the venue and confirmed before the first order."""
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
        resp = yield from self.link.call("place_order", **params)
        order = self.recorder.order(resp, params, "ENTRY")
        if resp.get("code") == POST_ONLY_WOULD_TAKE and maker.fallback == "market":
            yield from self._market_entry(symbol, d, qty, leverage, "vm")
            return
        if order is None:
            return
        if order["status"] in ("NEW", "PENDING", "PARTIALLY_FILLED") and maker.mode == "post_only":
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
        resp = yield from self.link.call("place_order", **params)
        order = self.recorder.order(resp, params, "ENTRY")
        if order is not None:
            yield from self._sync(symbol, d.asset, d.conviction, leverage, order)

    def _cancel_working(self) -> Generator[simpy.Event, Any, dict[str, Any] | None]:
        """Cancel the resting entry; whatever part of it filled becomes the position."""
        w = self.working
        assert w is not None
        resp = yield from self.link.call("cancel_order", symbol=w.symbol, orderId=w.order_id)
        order = self.recorder.order(resp, {"symbol": w.symbol, "orderId": w.order_id}, "ENTRY")
        self.working = None
        yield from self._sync(w.symbol, w.decision.asset, w.decision.conviction, w.leverage, order)
        return order

    # -- exits -----------------------------------------------------------------------------------
    def _exit(self, reason: ExitReason) -> Generator[simpy.Event, Any, None]:
        pos = self.position
        assert pos is not None
        pos.exit_reason = reason
        params = dict(symbol=pos.symbol, side="BUY", positionSide="BOTH", type="MARKET",
                      quantity=str(pos.quantity), reduceOnly="true",
                      clientOrderID=f"vx{self.recorder.next_client_seq()}")
        resp = yield from self.link.call("place_order", **params)
        order = self.recorder.order(resp, params, "EXIT")
        yield from self._sync(pos.symbol, pos.asset, pos.conviction, pos.leverage, order)

    def _on_venue_events(self, events: list[Any]) -> Generator[simpy.Event, Any, None]:
        for ev in events:
            pos = self.position
            if ev.kind == "LIQUIDATION" and pos is not None and ev.symbol == pos.symbol:
                pos.exit_reason = ExitReason.LIQUIDATION
                yield from self._sync(pos.symbol, pos.asset, pos.conviction, pos.leverage, None)
            elif ev.kind == "FILL" and self.working is not None and ev.order_id == self.working.order_id:
                w = self.working
                resp = yield from self.link.call("query_order", symbol=w.symbol, orderId=w.order_id)
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
        resp = yield from self.link.call("positions", symbol=symbol)
        held = [p for p in (resp.get("data") or []) if Decimal(str(p["positionAmt"])) != 0]
        pos = self.position
        if held:
            p = held[0]
            qty, avg = Decimal(str(p["positionAmt"])), Decimal(str(p["avgPrice"]))
            if pos is None:
                self.position = Position(symbol, asset, qty, avg, self.env.now, conviction, leverage,
                                         Decimal(str(p["initialMargin"])),
                                         orders=[order] if order is not None else [])
                self.recorder.opened(self.position, self.capital)
            else:
                pos.quantity, pos.entry_price = qty, avg
        elif pos is not None:
            self.position = None
            pnl = yield from self.recorder.closed(pos, self.link)
            self.day.pnl += float(pnl)
            bal = yield from self.link.call("balance")
            self.capital = self.recorder.capital_from_balance(bal, self.capital)


def _step(rules: dict[str, Any]) -> Decimal:
    return Decimal(1).scaleb(-int(rules["quantityPrecision"]))
