"""SPEC 5 over one run: the single slot, the V4 gates and caps, the entry minimums and the exit
engine, replayed scan by scan next to the journal.

What the venue decides is taken from the journal as a fact: a trade's fill prices, its PnL (the
daily loss), the capital a decision was sized on. Everything the engine decides is replayed: which
decisions were gated and why, which entries were made, at which scan each position was closed and
for what reason. A position is the slot's from the ENTER decision until its trade's exit.
"""
from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable, Mapping

from exchange_mock import to_venue_symbol
from exchange_mock.contracts import Contract
from sim.certify.spec_replay import rules
from sim.certify.spec_replay.settings import Settings
from sim.scenario.schema import Scenario

DAY_MS = 86_400_000
#: Exits the exit engine decides on a scan; the others happen between scans (operator, venue, end).
RULE_EXITS = frozenset({"STOP_LOSS", "TAKE_PROFIT", "MAX_HOLD"})
Report = Callable[[int | None, int | None, str, Any, Any], None]


@dataclass
class Held:
    """The slot's occupant: the ENTER decision and the journal trade it became (None: no trade)."""

    asset: str
    entered_ts: int
    trade: dict[str, Any] | None
    held: int = 0


class Slot:
    def __init__(self, settings: Settings, scenario: Scenario, trades: list[dict[str, Any]],
                 fills: list[dict[str, Any]], contracts: Callable[[str], Contract | None], start_ms: int, report: Report) -> None:
        self.settings = settings
        self.v4 = scenario.execution.v4
        self.trades = sorted(trades, key=lambda t: t["entry_ts_ms"])
        self.next_trade = 0
        self.maker_fills = {(f["symbol"], f["ts_ms"]) for f in fills if f["side"] == "SELL" and f["liquidity"] == "MAKER"}
        self.contracts = contracts
        self.report = report
        self.held: Held | None = None
        self.day_trades: Counter[int] = Counter()
        self.day_pnl: defaultdict[int, Decimal] = defaultdict(Decimal)
        self.halts = sorted((ev.at(start_ms), ev.kind == "hibernate") for ev in scenario.events
                            if ev.kind in ("hibernate", "resume"))
        self.gates: Counter[str] = Counter()
        self.exits: Counter[str] = Counter()

    # -- exits ------------------------------------------------------------------------------------
    def on_scan(self, ts: int, scan_number: int, prices: Mapping[str, float]) -> None:
        """An accepted scan: first what closed the position since the last one, then the exit engine."""
        h = self.held
        if h is None:
            return
        t = h.trade
        if t is not None and t["exit_reason"] not in RULE_EXITS and t["exit_ts_ms"] <= ts:
            self._close_between_scans(t)
            return
        if t is None or ts < t["entry_ts_ms"] or (ts == t["entry_ts_ms"] and not self._opened_by_scan(t)):
            if t is None:
                h.held += 1
            return  # an entry still working, or the scan the position opened on
        h.held += 1
        price = prices.get(h.asset)
        reason = None
        if price is not None:
            reason = rules.exit_reason(float(t["entry_price"]), price, h.held, ts - t["entry_ts_ms"],
                                       self.settings.exits)
        if reason is None:
            if t["exit_ts_ms"] <= ts:
                self.report(scan_number, ts, f"trade entered {t['entry_ts_ms']}: exit", "still held", t["exit_reason"])
                self._close(t)
            return
        for name, want, got in (("exit_ts_ms", ts, t["exit_ts_ms"]), ("exit_reason", reason, t["exit_reason"]),
                                ("bars_held", h.held, t["bars_held"])):
            if want != got:
                self.report(scan_number, ts, f"trade entered {t['entry_ts_ms']}: {name}", want, got)
                break
        self._close(t)

    def _opened_by_scan(self, t: dict[str, Any]) -> bool:
        """A resting entry filled by this scan's own price (a MAKER fill at its time) is held when
        the scan reaches the exit engine; one the engine sent itself opens after the scan."""
        return (t["symbol"], t["entry_ts_ms"]) in self.maker_fills

    def _close_between_scans(self, t: dict[str, Any]) -> None:
        """A hibernate, a liquidation or the end of the data closed the position, not a scan."""
        reason, at = t["exit_reason"], t["exit_ts_ms"]
        if reason == "HIBERNATE_HALT" and not any(halt and t["entry_ts_ms"] <= when <= at for when, halt in self.halts):
            self.report(None, at, f"trade entered {t['entry_ts_ms']}: exit_reason", "no hibernate", reason)
        elif reason not in ("HIBERNATE_HALT", "LIQUIDATION", "END_OF_DATA"):
            self.report(None, at, f"trade entered {t['entry_ts_ms']}: exit_reason", "a SPEC exit reason", reason)
        self._close(t)

    def _close(self, t: dict[str, Any]) -> None:
        self.exits[t["exit_reason"]] += 1
        self.day_pnl[t["exit_ts_ms"] // DAY_MS] += Decimal(t["pnl"])
        self.held = None

    def finish(self, last_ts: int, open_at_end: Mapping[str, Any] | None) -> None:
        """After the last scan: the slot's position ended with the data, or is reported open."""
        h = self.held
        if h is not None and h.trade is not None:
            t = h.trade
            if t["exit_reason"] == "END_OF_DATA" and t["exit_ts_ms"] < last_ts:
                self.report(None, t["exit_ts_ms"], "END_OF_DATA exit", f"after {last_ts}", t["exit_ts_ms"])
            self._close_between_scans(t)
        elif h is not None and open_at_end is None:
            self.report(None, h.entered_ts, "ENTER", "a position or a trade", "neither")
        for t in self.trades[self.next_trade:]:
            self.report(None, t["entry_ts_ms"], "trade", "no ENTER decision before it", t["symbol"])

    # -- entries ----------------------------------------------------------------------------------
    def _halted(self, ts: int) -> bool:
        state = False
        for when, halt in self.halts:
            if when > ts:
                break
            state = halt
        return state

    def _gate(self, ts: int, asset: str) -> str | None:
        v4, day = self.v4, ts // DAY_MS
        stops = {
            "halted": self._halted(ts),
            "slot_busy": v4.single_slot and self.held is not None,
            "asset_not_allowed": v4.allow_list is not None and asset not in v4.allow_list,
            "daily_trade_cap": v4.max_trades_per_day is not None and self.day_trades[day] >= v4.max_trades_per_day,
            "daily_loss_halt": (v4.daily_loss_limit_usdt is not None
                                and -self.day_pnl[day] >= Decimal(repr(v4.daily_loss_limit_usdt))),
        }
        return next((g for g in self.settings.gate_order if stops[g]), None)

    def _below_min(self, asset: str, price: float, notional: float) -> bool:
        contract = self.contracts(to_venue_symbol(asset))
        if contract is None or not (math.isfinite(price) and price > 0):
            return True
        return rules.entry_quantity(notional, price, contract.step, contract.min_qty, contract.min_notional) is None

    def decide(self, ts: int, scan_number: int, asset: str, price: float, notional: float) -> str:
        """The gate reason of a decision ("" = ENTER), and the slot taken on ENTER."""
        reason = self._gate(ts, asset)
        if reason is None and self._below_min(asset, price, notional):
            reason = "below_min"
        if reason is not None:
            self.gates[reason] += 1
            return reason
        self.day_trades[ts // DAY_MS] += 1
        while self.next_trade < len(self.trades) and self.trades[self.next_trade]["entry_ts_ms"] < ts:
            orphan = self.trades[self.next_trade]
            self.report(None, orphan["entry_ts_ms"], "trade", "no ENTER decision before it", orphan["symbol"])
            self.next_trade += 1
        trade = None
        if self.next_trade < len(self.trades) and self.trades[self.next_trade]["entry_ts_ms"] >= ts:
            trade = self.trades[self.next_trade]
            self.next_trade += 1
            if trade["symbol"] != to_venue_symbol(asset):
                self.report(scan_number, ts, "trade symbol", to_venue_symbol(asset), trade["symbol"])
        self.held = Held(asset, ts, trade)
        return ""
