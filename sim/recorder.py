"""The recorder: turns what happens in a run into journal rows and measured facts.

It observes; it never decides. Decision-layer facts (outcome counts, stablecoin picks, spike
saturation) are computed per batch as array code; execution facts (orders, fills, trades, margin
use) as they happen. ``facts()`` is what scenario expectations and certification read.
"""
from __future__ import annotations

from collections import Counter, deque
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Callable, Generator

import numpy as np
import simpy

from exchange_mock import to_venue_symbol
from exchange_mock.errors import Code
from sim.journal.writer import RunJournal
from violet_engine import ScanBatch
from violet_engine.constants import (BASE_FRACTION, ESOF_STALE_FB, EXTREME, MAX_LEVERAGE, STABLECOIN_SYMBOLS,
                                     THRESHOLD)
from violet_engine.decision_batch import OUTCOME_CODE, OUTCOMES, REJECT_REASONS, DecisionBatch
from violet_engine.execution_policy import GateReason
from violet_engine.types import Decision, Outcome

if TYPE_CHECKING:
    from sim.execution import Position

_STABLE = frozenset(to_venue_symbol(s) for s in STABLECOIN_SYMBOLS) | frozenset(STABLECOIN_SYMBOLS)
_DECISION = OUTCOME_CODE[Outcome.DECISION]
_REJECT = OUTCOME_CODE[Outcome.REJECT]
ZERO = Decimal(0)


def _d(x: Any) -> Decimal:
    return Decimal(str(x)) if x not in (None, "") else ZERO


class JournalTail:
    """The recent journal an engine restarting after a crash rebuilds its state from: its entries
    (ENTER decisions) and closed trades, bounded (a day holds far fewer of either), and the trade
    it has open (its entry fills are journaled; its trade row is written when it closes)."""

    def __init__(self, keep: int = 4096) -> None:
        self.entries: deque[dict[str, Any]] = deque(maxlen=keep)
        self.trades: deque[dict[str, Any]] = deque(maxlen=keep)
        self.open_trade: dict[str, Any] | None = None

    def last_entry(self) -> dict[str, Any] | None:
        return self.entries[-1] if self.entries else None

    def day_pnl(self, day: int, day_ms: int) -> float:
        """Net PnL of the trades closed on UTC day ``day``, summed as execution sums it."""
        return sum((float(t["pnl"]) for t in self.trades if t["exit_ts_ms"] // day_ms == day), 0.0)


class Recorder:
    """Journal rows and facts for one run."""

    def __init__(self, env: simpy.Environment, venue: Any, journal: RunJournal, equity_interval_ms: int) -> None:
        self.env = env
        self.venue = venue
        self.journal = journal
        self.equity_interval_ms = equity_interval_ms
        self.outcomes: Counter[str] = Counter()
        self.rejects: Counter[str] = Counter()
        self.gated: Counter[str] = Counter()
        self.exits: Counter[str] = Counter()
        self.venue_codes: Counter[int] = Counter()
        self.stablecoin_decisions = 0
        self.stablecoin_orders = 0
        self.spike_decisions = 0
        self.spike_unsaturated = 0
        self.stale_esof_decisions = 0
        self.max_esof_mult = 0.0
        self.not_short_below_threshold = 0
        self.entries = 0
        self.orders = 0
        self.trades = 0
        self.liquidations = 0
        self.leverages: set[int] = set()
        self.confirmed: dict[str, int] = {}
        self.traded_assets: set[str] = set()
        self.max_margin_utilization = 0.0
        self.max_open_positions = 0
        self._client_seq = 0
        self._fill_cursor = 0
        self._trade_fills: list[Any] = []
        self._last_equity_ts: int | None = None
        self.tail = JournalTail()

    # -- decision layer, per batch ---------------------------------------------------------------
    def on_batch(self, batch: ScanBatch, decisions: DecisionBatch) -> None:
        for outcome, n in decisions.counts().items():
            self.outcomes[outcome.value] += n
        rows = decisions.signal_rows()
        if len(rows):
            assets = np.array(batch.assets, dtype=object)[decisions.asset[rows]]
            self.stablecoin_decisions += int(sum(a in _STABLE for a in assets))
            vd = decisions.vel_div[rows]
            spike = vd <= EXTREME
            self.spike_decisions += int(spike.sum())
            self.spike_unsaturated += int(np.sum(spike & ((decisions.conviction_base[rows] != MAX_LEVERAGE)
                                                          | (decisions.notional_fraction[rows] != MAX_LEVERAGE * BASE_FRACTION))))
            self.not_short_below_threshold += int(np.sum(~(vd < THRESHOLD)))
            mult = decisions.esof_mult[rows]
            self.stale_esof_decisions += int(np.sum(mult == ESOF_STALE_FB))
            self.max_esof_mult = max(self.max_esof_mult, float(mult.max()))
        for i in np.flatnonzero(decisions.outcome == _REJECT):
            reason = REJECT_REASONS[decisions.reject_reason[i]].value
            self.rejects[reason] += 1
            self.journal.append("rejects", {
                "ts_ms": int(decisions.ts_ms[i]), "scan_number": int(decisions.scan_number[i]),
                "reason": reason, "field": decisions.reject_field[i], "value": decisions.reject_value[i]})

    # -- execution -------------------------------------------------------------------------------
    def decision(self, d: Decision, conviction: float, notional: float, reason: GateReason | None) -> None:
        if reason is not None:
            self.gated[reason.value] += 1
        else:
            self.entries += 1
        row = {
            "ts_ms": d.ts_ms, "scan_number": d.scan_number, "asset": d.asset, "vel_div": d.vel_div,
            "conviction_base": d.conviction_base, "esof_mult": d.esof_mult, "conviction": conviction,
            "notional_fraction": d.notional_fraction, "capital": d.capital, "notional": notional,
            "action": "GATED" if reason is not None else "ENTER",
            "gate_reason": reason.value if reason is not None else ""}
        self.journal.append("decisions", row)
        if reason is None:
            self.tail.entries.append(row)

    def next_client_seq(self) -> int:
        self._client_seq += 1
        return self._client_seq

    def leverage_confirmed(self, symbol: str, leverage: int) -> None:
        self.confirmed[symbol] = leverage

    def order(self, resp: dict[str, Any], params: dict[str, Any], purpose: str) -> dict[str, Any] | None:
        """Journal a venue response about an order; the order object, or None if refused."""
        code = int(resp.get("code", -1))
        data = resp.get("data") or {}
        order = data.get("order") if isinstance(data, dict) else None
        symbol = str(params.get("symbol", ""))
        if "side" in params:  # a new order, not a query or cancel of one
            self.orders += 1
            self.stablecoin_orders += int(symbol in _STABLE)
        if code != 0:
            self.venue_codes[code] += 1
        o = order or {}
        self.journal.append("orders", {
            "ts_ms": self.env.now, "order_id": int(o.get("orderId") or params.get("orderId") or 0),
            "client_order_id": str(o.get("clientOrderId") or params.get("clientOrderID") or ""),
            "symbol": symbol, "side": str(o.get("side") or params.get("side") or ""),
            "type": str(o.get("type") or params.get("type") or ""),
            "time_in_force": str(o.get("timeInForce") or params.get("timeInForce") or ""),
            "reduce_only": str(params.get("reduceOnly", "false")) == "true", "purpose": purpose,
            "quantity": _d(o.get("origQty") or params.get("quantity")), "price": _d(o.get("price") or params.get("price")),
            "status": str(o.get("status") or ("REJECTED" if code != 0 else "")),
            "executed_qty": _d(o.get("executedQty")), "avg_price": _d(o.get("avgPrice")),
            "code": code, "msg": str(resp.get("msg", ""))})
        self._pull_fills()
        return order if code == 0 and order is not None else None

    def _pull_fills(self) -> None:
        """Journal the venue's new fills; they also belong to the trade in progress (one slot)."""
        fills = self.venue.fills
        for f in fills[self._fill_cursor:]:
            self._trade_fills.append(f)
            self.journal.append("fills", {
                "ts_ms": f.ts_ms, "trade_id": f.trade_id, "order_id": f.order_id, "symbol": f.symbol,
                "side": f.side, "quantity": f.quantity, "price": f.price, "fee": f.fee,
                "liquidity": f.liquidity, "realized_pnl": f.realized_pnl})
        self._fill_cursor = len(fills)

    def opened(self, pos: "Position", capital: float) -> None:
        self.tail.open_trade = {k: getattr(pos, k) for k in ("symbol", "asset", "quantity", "entry_price", "entry_ts_ms",
                                                             "conviction", "leverage", "margin")}
        self.traded_assets.add(pos.asset)
        self.leverages.add(pos.leverage)
        self.max_margin_utilization = max(self.max_margin_utilization, float(pos.margin) / capital)
        self._observe_positions()
        self._equity_row()

    def closed(self, pos: "Position", ask: Callable[..., Generator[simpy.Event, Any, dict[str, Any]]]
               ) -> Generator[simpy.Event, Any, Decimal]:
        """Book the closed trade from the venue's fills and funding income (``ask(kind, **params)``
        queries the venue); returns its net PnL. Nothing changes before the query's answer, so an
        engine that dies waiting for it books the same trade again after its restart."""
        self._pull_fills()
        fills = list(self._trade_fills)
        exit_fills = [f for f in fills if f.side == "BUY"]
        fees = sum((f.fee for f in fills), ZERO)
        realized = sum((f.realized_pnl for f in fills), ZERO)
        qty = sum((f.quantity for f in exit_fills), ZERO)
        exit_price = sum((f.quantity * f.price for f in exit_fills), ZERO) / qty if qty else ZERO
        resp = yield from ask("income", symbol=pos.symbol, incomeType="FUNDING_FEE", startTime=pos.entry_ts_ms)
        funding = sum((_d(r["income"]) for r in (resp.get("data") or [])), ZERO)
        self._trade_fills = self._trade_fills[len(fills):]
        self.tail.open_trade = None
        liquidated = any(f.liquidity == "LIQUIDATION" for f in fills)
        reason = "LIQUIDATION" if liquidated else (pos.exit_reason.value if pos.exit_reason else "UNKNOWN")
        pnl = realized - fees + funding
        self.trades += 1
        self.liquidations += int(liquidated)
        self.exits[reason] += 1
        row = {
            "entry_ts_ms": pos.entry_ts_ms, "exit_ts_ms": self.env.now, "symbol": pos.symbol, "side": "SHORT",
            "quantity": qty or pos.quantity, "entry_price": pos.entry_price, "exit_price": exit_price,
            "conviction": pos.conviction, "exchange_leverage": pos.leverage, "margin": pos.margin,
            "fees": fees, "funding": funding, "pnl": pnl, "exit_reason": reason, "bars_held": pos.scans_held}
        self.journal.append("trades", row)
        self.tail.trades.append(row)
        self._equity_row()
        return pnl

    def capital_from_balance(self, resp: dict[str, Any], fallback: float) -> float:
        rows = resp.get("data") or []
        return float(_d(rows[0]["equity"])) if resp.get("code") == 0 and rows else fallback

    def sample_equity(self, ts_ms: int, positioned: bool) -> None:
        self._observe_positions()
        if positioned and (self._last_equity_ts is None or ts_ms - self._last_equity_ts >= self.equity_interval_ms):
            self._equity_row()

    def _observe_positions(self) -> None:
        self.max_open_positions = max(self.max_open_positions, self.venue.open_position_count())

    def _equity_row(self) -> None:
        snap = self.venue.account_snapshot()
        self._last_equity_ts = self.env.now
        self.journal.append("equity", {"ts_ms": self.env.now, "wallet": snap["wallet"],
                                       "equity": snap["equity"], "margin_used": snap["margin_used"]})

    def start(self) -> None:
        self._equity_row()

    # -- the summary -----------------------------------------------------------------------------
    def facts(self) -> dict[str, Any]:
        outcomes = {o.value: self.outcomes.get(o.value, 0) for o in OUTCOMES}
        return {
            "decided": outcomes[Outcome.DECISION.value], "no_signal": outcomes[Outcome.NO_SIGNAL.value],
            "no_pick": outcomes[Outcome.NO_PICK.value], "rejected": outcomes[Outcome.REJECT.value],
            "gated": sum(self.gated.values()), "entries": self.entries, "orders": self.orders,
            "fills": self.journal.counts["fills"], "trades": self.trades, "liquidations": self.liquidations,
            "max_open_positions": self.max_open_positions,
            "exchange_leverages": sorted(self.leverages), "leverage_confirmed": dict(sorted(self.confirmed.items())),
            "stablecoin_decisions": self.stablecoin_decisions, "stablecoin_orders": self.stablecoin_orders,
            "spike_decisions": self.spike_decisions, "spike_unsaturated": self.spike_unsaturated,
            "stale_esof_decisions": self.stale_esof_decisions, "max_esof_mult": self.max_esof_mult,
            "decisions_not_short_below_threshold": self.not_short_below_threshold,
            "traded_assets": sorted(self.traded_assets), "max_margin_utilization": round(self.max_margin_utilization, 12),
            "insufficient_margin_rejects": self.venue_codes.get(Code.INSUFFICIENT_MARGIN, 0),
            "gated_by_reason": dict(sorted(self.gated.items())), "rejects_by_reason": dict(sorted(self.rejects.items())),
            "exit_reasons": dict(sorted(self.exits.items())),
            "venue_error_codes": {str(k): v for k, v in sorted(self.venue_codes.items())},
        }
