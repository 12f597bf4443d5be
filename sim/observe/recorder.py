"""The recorder: turns what happens in a run into journal rows and measured facts.

It only observes and writes: it never decides, owns no state that execution reads, and sends no
request. Decision-layer facts (outcome counts, stablecoin picks, spike saturation) are computed
per batch as array code; execution facts (orders, fills, trades, margin use) as execution
reports them (it is an ``ExecutionObserver``). Equity rows read the venue's account snapshot,
which moves nothing. ``facts()`` is what scenario expectations and certification read.
"""
from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

import numpy as np
import simpy

from exchange_mock import to_venue_symbol
from exchange_mock.errors import Code
from exchange_mock.money import EXACT
from sim.execution.book import ClosedTrade
from sim.execution.client_ids import OrderPurpose
from sim.execution.position import Position
from sim.execution.replies import decimal_of
from sim.journal.writer import RunJournal
from sim.kernel.requests import VenueState
from sim.observe.facts import RunFacts
from violet_engine import ScanBatch
from violet_engine.constants import (BASE_FRACTION, ESOF_STALE_FB, EXTREME, MAX_LEVERAGE, STABLECOIN_SYMBOLS,
                                     THRESHOLD)
from violet_engine.decision_batch import OUTCOME_CODE, OUTCOMES, REJECT_REASONS, DecisionBatch
from violet_engine.execution_policy import GateReason
from violet_engine.types import Decision, Outcome

_STABLE = frozenset(to_venue_symbol(s) for s in STABLECOIN_SYMBOLS) | frozenset(STABLECOIN_SYMBOLS)
_DECISION = OUTCOME_CODE[Outcome.DECISION]
_REJECT = OUTCOME_CODE[Outcome.REJECT]


class Recorder:
    """Journal rows and facts for one run."""

    def __init__(self, env: simpy.Environment, venue: VenueState, journal: RunJournal, equity_interval_ms: int) -> None:
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
        self.trades_pnl = Decimal(0)           # the journaled trades' pnl and insurance, summed exactly
        self.trades_insurance = Decimal(0)
        self.trades = 0
        self.liquidations = 0
        self.leverages: set[int] = set()
        self.confirmed: dict[str, int] = {}
        self.traded_assets: set[str] = set()
        self.max_margin_utilization = 0.0
        self.max_open_positions = 0
        self._last_equity_ts: int | None = None

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

    def leverage_confirmed(self, symbol: str, leverage: int) -> None:
        self.confirmed[symbol] = leverage

    def order_reply(self, resp: dict[str, Any], params: dict[str, Any], purpose: OrderPurpose) -> None:
        """Journal a venue answer about an order (placed, queried or cancelled)."""
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
            "reduce_only": str(params.get("reduceOnly", "false")) == "true", "purpose": str(purpose),
            "quantity": decimal_of(o.get("origQty") or params.get("quantity")),
            "price": decimal_of(o.get("price") or params.get("price")),
            "status": str(o.get("status") or ("REJECTED" if code != 0 else "")),
            "executed_qty": decimal_of(o.get("executedQty")), "avg_price": decimal_of(o.get("avgPrice")),
            "code": code, "msg": str(resp.get("msg", ""))})

    def fills(self, fills: list[Any]) -> None:
        for f in fills:
            self.journal.append("fills", {
                "ts_ms": f.ts_ms, "trade_id": f.trade_id, "order_id": f.order_id, "symbol": f.symbol,
                "side": f.side, "quantity": f.quantity, "price": f.price, "fee": f.fee,
                "liquidity": f.liquidity, "realized_pnl": f.realized_pnl})

    def opened(self, pos: Position, capital: float) -> None:
        self.traded_assets.add(pos.asset)
        self.leverages.add(pos.leverage)
        self.max_margin_utilization = max(self.max_margin_utilization, float(pos.margin) / capital)
        self._observe_positions()
        self._equity_row()

    def closed(self, trade: ClosedTrade) -> None:
        self.trades += 1
        self.trades_pnl = EXACT.add(self.trades_pnl, trade.pnl)
        self.trades_insurance = EXACT.add(self.trades_insurance, trade.insurance)
        self.liquidations += int(trade.liquidated)
        self.exits[trade.exit_reason] += 1
        self.journal.append("trades", trade.row())
        self._equity_row()

    def at_scan(self, ts_ms: int, positioned: bool) -> None:
        self._observe_positions()
        if positioned and (self._last_equity_ts is None or ts_ms - self._last_equity_ts >= self.equity_interval_ms):
            self._equity_row()

    def next_equity_ms(self) -> int | None:
        """The scan time from which ``at_scan`` samples equity again while positioned (None: at once)."""
        return None if self._last_equity_ts is None else self._last_equity_ts + self.equity_interval_ms

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
    def facts(self) -> RunFacts:
        outcomes = {o.value: self.outcomes.get(o.value, 0) for o in OUTCOMES}
        return RunFacts(**{
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
        })
