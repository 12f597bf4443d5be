"""What must always be true of a run, named once, and a breach of it.

The monitor checks each invariant after every event where it can change; the first breach a
swarm seed finds is its failure, and certification counts breaches by invariant.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Invariant(StrEnum):
    SINGLE_SLOT = "single_slot"                            # one position, one working entry, never both elsewhere
    CLIENT_ORDER_ID_UNIQUE = "client_order_id_unique"
    ORDER_RECONCILED = "order_reconciled"                  # an order whose answer was lost is looked up
    ORDER_TERMINAL = "order_terminal"                      # every order working at the end is one execution knows
    LEDGER_RECONCILES = "ledger_reconciles"
    TRADES_BOOKED = "trades_booked"                        # every position the venue closed is one journaled trade
    ENGINE_VIEW_MATCHES_VENUE = "engine_view_matches_venue"
    NO_ENTRY_ON_BAD_DATA = "no_entry_on_bad_data"          # rejected or corrupted scans
    NO_ENTRY_ON_STALE_DATA = "no_entry_on_stale_data"
    LEVERAGE_CAP = "leverage_cap"
    V4_ALLOW_LIST = "v4_allow_list"
    V4_MAX_NOTIONAL = "v4_max_notional"
    V4_TRADES_PER_DAY = "v4_trades_per_day"
    V4_DAILY_LOSS_LIMIT = "v4_daily_loss_limit"
    SCAN_ACCOUNTING = "scan_accounting"                    # every scan accounted for
    ACCOUNTING_IDENTITY = "accounting_identity"            # wallet = initial + trade pnl (+ open), ledger lines
    FILL_PNL_AGREES = "fill_pnl_agrees"                    # a fill's price x quantity gives its realized PnL
    JOURNAL_DELIVERED = "journal_delivered"                # every journal row reached the sink once
    VENUE_VIOLATION = "venue_violation"                    # the venue's own rules (one position) held
    TERMINATES = "terminates"                              # no unbounded burst of requests at one instant


@dataclass(frozen=True)
class Breach:
    ts_ms: int
    invariant: Invariant
    detail: str
    event: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"ts_ms": self.ts_ms, "invariant": str(self.invariant), "event": self.event, "detail": self.detail}
