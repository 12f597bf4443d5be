"""The invariant monitor: checks what must always be true, after every event where it can change.

Events are a request sent (``on_request``), the venue executing one (``after_response``, called
by the link at that instant, even when the answer is later lost), the market moving the venue (``after_market``),
execution setting its view from the venue's report (``after_reconcile``), a batch decided
(``on_batch``) and the end of the run (``at_end``). Each check is O(1) or O(open orders); the full
ledger reconciliation runs every ``reconcile_every`` requests and at the end. A breach records
the time, the event (request kind and client order id, or "market", "reconcile", "end") and a
detail; the run fails on any breach and the swarm reports the first.

Invariants: single slot (one position, one working entry, no entry while either exists, across
partial fills and restarts); one order per clientOrderID; every order whose answer was lost is
reconciled by the end, and every order still working at the end is one execution knows; the
ledger reconciles; every position the venue closed is journaled as one trade; execution's view equals the venue's after every reconciliation; no entry on
a rejected, corrupted or stale scan; exchange leverage within the policy cap (set and held); the
V4 allow-list, notional cap, trades per day and daily loss limit; every scan accounted for; the
accounting identity (the ledger's lines and the trades give the final wallet, every fill's price,
quantity and PnL agree: ``accounting``); and the run terminates (no unbounded burst of requests
at one instant).
"""
from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Callable

import numpy as np
import simpy

from exchange_mock import to_venue_symbol
from exchange_mock.errors import Code
from sim.execution.client_ids import decision_scan, is_timeout_fallback
from sim.execution.recovery_paths import no_probe
from sim.kernel.requests import CHANGES_HOLDINGS, RequestKind, VenueState
from sim.observe.accounting import Accounting, OpenPosition, account, fill_pnl_problems
from sim.observe.invariants import Breach, Invariant
from violet_engine.decision_batch import OUTCOME_CODE
from violet_engine.execution_policy import DAY_MS, V4Config
from violet_engine.types import Outcome

if TYPE_CHECKING:
    from sim.execution.trader import Execution

_DECISION = OUTCOME_CODE[Outcome.DECISION]
NOTIONAL_TOLERANCE = 0.005   # a maker fallback fills at a later price than the decision's
SIGNALS_KEPT = 20_000        # decision scans remembered for the entry checks (days of them: recent ones matter)


def _as_view(positions: dict[str, Decimal]) -> tuple[str, Decimal] | str | None:
    """Venue positions in the form of ``Execution.view()``'s position (``"several"``: never a view)."""
    if not positions:
        return None
    return next(iter(positions.items())) if len(positions) == 1 else "several"


def _is_entry(order: dict[str, Any]) -> bool:
    """An order that can open a position: not reduce-only, not a close-position (protective) stop."""
    return not order["reduceOnly"] and not order["closePosition"]


class RunawayRun(RuntimeError):
    """The run stopped making progress in simulated time; raised to end it (it is a breach)."""


class InvariantMonitor:
    """Checks after every event; ``breaches`` in the order found."""

    def __init__(self, env: simpy.Environment, venue: VenueState, leverage_cap: int, *, v4: V4Config | None = None,
                 max_decision_age_ms: int | None = None, corrupted: set[int] | None = None,
                 day_pnl: Callable[[int], float] | None = None, probe: Callable[[str], None] = no_probe,
                 reconcile_every: int = 256, max_requests_per_instant: int = 5_000) -> None:
        self.env = env
        self.venue = venue
        self.leverage_cap = leverage_cap
        self.v4 = v4 or V4Config()
        self.max_decision_age_ms = max_decision_age_ms
        self.corrupted = corrupted if corrupted is not None else set()
        self.day_pnl = day_pnl
        self.probe = probe
        self.reconcile_every = reconcile_every
        self.max_requests_per_instant = max_requests_per_instant
        self.breaches: list[Breach] = []
        self._allowed = None if self.v4.allow_list is None else frozenset(to_venue_symbol(a) for a in self.v4.allow_list)
        self._client_ids: set[str] = set()
        self._signals: dict[int, int] = {}          # DECISION scan number -> its ts_ms
        self._entered: set[int] = set()             # decision scans that sent an entry
        self._entries_per_day: Counter[int] = Counter()
        self._unknown: dict[str, int] = {}           # clientOrderID of an order whose answer was lost -> when
        self._positions: dict[str, Decimal] = {}     # venue positions after the last event
        self._entries_working = 0                    # venue's working entry orders after the last event
        self._snapshot: dict[str, Decimal] = {}      # venue positions when the last positions query ran
        self._held: dict[str, Decimal] = {}
        self._opened: dict[str, OpenPosition] = {}   # held symbol -> where its position began
        self.accounting: Accounting | None = None    # the run's money, line by line (at the end)
        self.closed_positions = 0                    # positions the venue opened and closed
        self._fill_cursor = 0
        self.requests = 0
        self._instant = (-1, 0)                      # (time, requests at that time)
        self._ledger_ok = True

    def _breach(self, invariant: Invariant, detail: str, event: str = "") -> None:
        self.breaches.append(Breach(self.env.now, invariant, detail, event))

    # -- the venue's state -----------------------------------------------------------------------
    def _venue_positions(self) -> dict[str, Decimal]:
        """Open positions (symbol -> size), followed from the venue's fills: reading them through
        the positions endpoint would refresh the venue's last-seen marks, and a monitor must not
        touch what it watches."""
        fills = self.venue.fills
        for i, f in enumerate(fills[self._fill_cursor:], self._fill_cursor):
            if f.position_qty:
                if f.symbol not in self._held:
                    self._opened[f.symbol] = OpenPosition(f.symbol, i, f.ts_ms)
                self._held[f.symbol] = abs(f.position_qty)
            elif self._held.pop(f.symbol, None) is not None:
                self.closed_positions += 1
                del self._opened[f.symbol]
        self._fill_cursor = len(fills)
        return dict(self._held)

    def _open_entries(self) -> list[dict[str, Any]]:
        return [o for o in self.venue.open_orders()["data"]["orders"] if _is_entry(o)]

    def _observe(self, event: str) -> None:
        """After any change at the venue: the slot, then remember the state for the next entry."""
        self._positions = self._venue_positions()
        entries = self._open_entries()
        self._entries_working = len(entries)
        if len(self._positions) > 1:
            self._breach(Invariant.SINGLE_SLOT, f"{len(self._positions)} open positions: {sorted(self._positions)}", event)
        if len(entries) > 1:
            self._breach(Invariant.SINGLE_SLOT, f"{len(entries)} working entry orders", event)
        if self._positions and entries and any(o["symbol"] not in self._positions for o in entries):
            self._breach(Invariant.SINGLE_SLOT, "a working entry on another symbol than the open position", event)

    # -- events ----------------------------------------------------------------------------------
    def after_response(self, kind: RequestKind, params: dict[str, Any], resp: dict[str, Any]) -> None:
        cid = str(params.get("clientOrderID") or params.get("clientOrderId") or "")
        event = f"{kind} {cid}".strip()
        code = resp.get("code")
        if kind == RequestKind.PLACE_ORDER and code == 0:
            order = resp["data"]["order"]
            if order["status"] == "PARTIALLY_FILLED" or (
                    order["status"] == "EXPIRED" and Decimal(order["executedQty"]) > 0):
                self.probe("fault.partial_fill")
            if _is_entry(order):
                self._check_entry(params, order, event)
            if cid:
                self._client_ids.add(cid)
        if kind == RequestKind.SET_LEVERAGE and code == 0 and int(params["leverage"]) > self.leverage_cap:
            self._breach(Invariant.LEVERAGE_CAP, f"leverage {params['leverage']} set on {params['symbol']} above cap "
                                         f"{self.leverage_cap}", event)
        if kind == RequestKind.QUERY_ORDER and cid in self._unknown and code in (0, Code.ORDER_NOT_EXIST):
            del self._unknown[cid]
        if kind in CHANGES_HOLDINGS:
            self._observe(event)
        if kind == RequestKind.POSITIONS:
            self._snapshot = self._venue_positions()

    def after_market(self, events: list[Any]) -> None:
        """The venue moved on a scan (or to a request's arrival) and reported fills or liquidations."""
        for ev in events:
            if ev.kind == "FILL" and ev.order_status == "PARTIALLY_FILLED":
                self.probe("fault.partial_fill")
        self._observe("market")

    def on_unknown(self, kind: RequestKind, params: dict[str, Any]) -> None:
        """The link gave up waiting for this request's answer: its outcome is unknown."""
        if kind == RequestKind.PLACE_ORDER:
            self._unknown.setdefault(str(params.get("clientOrderID", "")), self.env.now)

    def after_reconcile(self, execution: "Execution", full: bool) -> None:
        """Execution just set its view from the venue's report: it must equal the venue's state
        as of that report (``full``, after a restart: and the working orders as of now)."""
        held, working = execution.view()
        truth = self._snapshot
        if _as_view(truth) != held:
            self._breach(Invariant.ENGINE_VIEW_MATCHES_VENUE, f"execution holds {held}, venue held {dict(truth)}",
                         "reconcile")
        if full:
            self._unknown.clear()  # a restart reconciles everything the venue holds
            ids = [int(o["orderId"]) for o in self._open_entries()]
            if ids != ([] if working is None else [working]):
                self._breach(Invariant.ENGINE_VIEW_MATCHES_VENUE,
                             f"execution works order {working}, venue works {ids} after a restart", "reconcile")

    def on_batch(self, batch: Any, decisions: Any) -> None:
        """Every scan of the batch got exactly one outcome; remember the DECISION scans."""
        counts = np.bincount(decisions.outcome, minlength=len(OUTCOME_CODE))
        if int(counts.sum()) != len(batch):
            self._breach(Invariant.SCAN_ACCOUNTING, f"batch of {len(batch)} scans got {int(counts.sum())} outcomes", "batch")
        rows = decisions.signal_rows()
        for sn, ts in zip(decisions.scan_number[rows].tolist(), decisions.ts_ms[rows].tolist()):
            self._signals[sn] = ts
        while len(self._signals) > SIGNALS_KEPT:
            del self._signals[next(iter(self._signals))]

    # -- checks ----------------------------------------------------------------------------------
    def on_request(self, kind: RequestKind) -> None:
        """A request leaves execution (reaching the venue or not): progress and ledger cadence."""
        self.requests += 1
        t, n = self._instant
        self._instant = (t, n + 1) if t == self.env.now else (self.env.now, 1)
        if self._instant[1] > self.max_requests_per_instant:
            self._breach(Invariant.TERMINATES, f"{self._instant[1]} requests at one instant: the run makes no progress", kind)
            raise RunawayRun(kind)
        if self.requests % self.reconcile_every == 0:
            self._check_ledger(kind)

    def _check_ledger(self, event: str) -> None:
        report = self.venue.reconcile(incremental=True)  # the end of the run recomputes everything
        if not report.ok and self._ledger_ok:
            self._ledger_ok = False
            self._breach(Invariant.LEDGER_RECONCILES, "; ".join(report.problems), event)

    def _check_entry(self, params: dict[str, Any], order: dict[str, Any], event: str) -> None:
        """A new opening order the venue accepted: the slot, the clientOrderID, the data it came
        from, and the V4 rules, against the venue's state just before it."""
        cid = str(order.get("clientOrderId") or "")
        symbol = order["symbol"]
        if self._positions:
            self._breach(Invariant.SINGLE_SLOT, f"entry on {symbol} while holding {sorted(self._positions)}", event)
        if self._entries_working:
            self._breach(Invariant.SINGLE_SLOT, f"entry on {symbol} while another entry order works", event)
        if cid in self._client_ids:
            self._breach(Invariant.CLIENT_ORDER_ID_UNIQUE, f"a second order with clientOrderID {cid}", event)
        if int(str(order["leverage"]).rstrip("X")) > self.leverage_cap:
            self._breach(Invariant.LEVERAGE_CAP, f"entry on {symbol} at {order['leverage']} above cap {self.leverage_cap}",
                         event)
        sn = decision_scan(cid)
        ts = self._signals.get(sn) if sn is not None else None
        if ts is None or sn in self.corrupted:
            self._breach(Invariant.NO_ENTRY_ON_BAD_DATA, f"entry {cid} has no accepted DECISION scan behind it", event)
            return
        if self.max_decision_age_ms is not None and not is_timeout_fallback(cid) \
                and int(params["timestamp"]) - ts > self.max_decision_age_ms:
            self._breach(Invariant.NO_ENTRY_ON_STALE_DATA, f"entry {cid} sent {int(params['timestamp']) - ts} ms after "
                                                   f"its scan (limit {self.max_decision_age_ms})", event)
        self._check_v4(sn, ts, symbol, order, event)

    def _check_v4(self, sn: int, ts: int, symbol: str, order: dict[str, Any], event: str) -> None:
        c = self.v4
        if self._allowed is not None and symbol not in self._allowed:
            self._breach(Invariant.V4_ALLOW_LIST, f"entry on {symbol}, allowed {sorted(self._allowed)}", event)
        if c.max_notional_usdt is not None:
            price = Decimal(order["avgPrice"]) or Decimal(order["price"])
            notional = float(Decimal(order["origQty"]) * price)
            if notional > c.max_notional_usdt * (1 + NOTIONAL_TOLERANCE):
                self._breach(Invariant.V4_MAX_NOTIONAL, f"entry notional {notional:.2f} above cap {c.max_notional_usdt}", event)
        day = ts // DAY_MS
        if sn not in self._entered:
            self._entered.add(sn)
            self._entries_per_day[day] += 1
            if c.max_trades_per_day is not None and self._entries_per_day[day] > c.max_trades_per_day:
                self._breach(Invariant.V4_TRADES_PER_DAY, f"entry {self._entries_per_day[day]} of day {day}, cap "
                                                  f"{c.max_trades_per_day}", event)
        if c.daily_loss_limit_usdt is not None and self.day_pnl is not None:
            loss = -self.day_pnl(day)
            if loss >= c.daily_loss_limit_usdt:
                self._breach(Invariant.V4_DAILY_LOSS_LIMIT, f"entry after a day's loss of {loss:.2f} (limit "
                                                    f"{c.daily_loss_limit_usdt})", event)

    # -- the end ---------------------------------------------------------------------------------
    def check_scan_sources(self, source: int, delivered: int, dropped: int, duplicated: int) -> None:
        """Under data faults every source scan is delivered, dropped by a gap, or duplicated."""
        if source != delivered + dropped - duplicated:
            self._breach(Invariant.SCAN_ACCOUNTING, f"source scans {source} != delivered {delivered} + dropped {dropped} "
                                            f"- duplicated {duplicated}", "end")

    def check_journal_delivery(self, delivered: dict[str, int], written: dict[str, int]) -> None:
        """After a sink outage every journal row reached the sink exactly once."""
        for table, rows in written.items():
            if delivered.get(table, 0) != rows:
                self._breach(Invariant.JOURNAL_DELIVERED, f"{table}: {delivered.get(table, 0)} rows delivered, {rows} "
                                                  "written", "end")

    def check_accounting(self, trades_pnl: Decimal, trades_insurance: Decimal) -> None:
        """The run's accounting identity (``accounting``): the ledger's lines and the journaled
        trades' ``trades_pnl`` (with their ``trades_insurance``) both give the final wallet, and
        every fill's price, quantity and realized PnL agree."""
        self._venue_positions()
        self.accounting = account(self.venue.ledger, trades_pnl, trades_insurance, self.venue.fills,
                                  self._opened.values())
        for problem in self.accounting.problems():
            self._breach(Invariant.ACCOUNTING_IDENTITY, problem, "end")
        for problem in fill_pnl_problems(self.venue.fills):
            self._breach(Invariant.FILL_PNL_AGREES, problem, "end")

    def at_end(self, scans_in: int, outcomes: int, trades: int, execution: "Execution | None" = None) -> None:
        """The end of the run: every scan got one of ``outcomes``, the ``trades`` journaled match
        the positions the venue closed, and execution's view is the venue's."""
        accounted = outcomes
        if accounted != scans_in:
            self._breach(Invariant.SCAN_ACCOUNTING, f"scans_in {scans_in} != decided+no_signal+no_pick+rejected {accounted}",
                         "end")
        report = self.venue.reconcile()
        if not report.ok:
            self._breach(Invariant.LEDGER_RECONCILES, "; ".join(report.problems), "end")
        for v in self.venue.violations():
            self._breach(Invariant.VENUE_VIOLATION, f"{v.kind} {v.symbol} ({v.open_positions} open) at {v.ts_ms}", "end")
        truth = self._venue_positions()
        if trades != self.closed_positions:
            self._breach(Invariant.TRADES_BOOKED, f"{self.closed_positions} positions closed at the venue, {trades} "
                                          "trades journaled", "end")
        for cid, since in self._unknown.items():
            self._breach(Invariant.ORDER_RECONCILED, f"order {cid} lost its answer at {since} and was never looked up", "end")
        if execution is not None:
            held, working = execution.view()
            if _as_view(truth) != held:
                self._breach(Invariant.ENGINE_VIEW_MATCHES_VENUE, f"at the end execution holds {held}, venue {truth}", "end")
            for o in self.venue.open_orders()["data"]["orders"]:
                if int(o["orderId"]) not in (working, execution.stop_order_id):
                    self._breach(Invariant.ORDER_TERMINAL, f"order {o['orderId']} ({o['clientOrderId']}) still "
                                                   f"{o['status']} at the end, unknown to execution", "end")
