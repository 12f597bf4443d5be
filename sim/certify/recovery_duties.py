"""The execution's recovery duties (SPEC 9, fault injection), checked over traced runs rather
than only counted as coverage probes: what execution asked after every unclear answer, and what a
restarted engine did with the working orders it found.

The duties, each owed by the engine incarnation that got the unclear answer (a crash hands it to
the restarted engine, whose own rows show whether it settled what it found):

- ``lost_answer``: a placement answered TIMEOUT or 101481 is looked up by its clientOrderID before
  that incarnation places anything else;
- ``unanswered_cancel``: a cancel without a usable answer is settled by a query of that order
  before that incarnation places anything else;
- ``restart_working_order``: a restarted engine asks for the open orders before its first
  placement and cancels every working order the answer lists before that placement;
- ``reject_journaled``: every refused placement has its row, with its code, in ``orders``;
- ``partial_exit_completed``: an exit that filled only part of its quantity is followed by another
  exit placement on the same symbol.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import pyarrow as pa

from exchange_mock.errors import Code
from sim.kernel.link import TIMEOUT, TRANSIENT_CODES
from sim.kernel.requests import RequestKind

UNCLEAR_PLACEMENT = frozenset({TIMEOUT, int(Code.DUPLICATE_CLIENT_ORDER_ID)})
WORKING_OR_FILLED = frozenset({"FILLED", "NEW", "PENDING", "PARTIALLY_FILLED"})


class Duty(StrEnum):
    LOST_ANSWER = "lost_answer"
    UNANSWERED_CANCEL = "unanswered_cancel"
    RESTART_WORKING_ORDER = "restart_working_order"
    REJECT_JOURNALED = "reject_journaled"
    PARTIAL_EXIT_COMPLETED = "partial_exit_completed"


@dataclass
class Duties:
    """Per duty: how many times it arose and the first few times it was not met."""

    owed: Counter[str] = field(default_factory=Counter)
    missed: dict[str, list[str]] = field(default_factory=dict)

    def owe(self, duty: Duty, met: bool, where: str) -> None:
        self.owed[duty] += 1
        if not met:
            self.missed.setdefault(duty, []).append(where)

    def merge(self, other: "Duties", label: str) -> None:
        self.owed.update(other.owed)
        for duty, where in other.missed.items():
            self.missed.setdefault(duty, []).extend(f"{label}: {w}" for w in where)


def _settled_before_next_place(rows: list[dict[str, Any]], i: int, kind: RequestKind, key: str) -> bool:
    """A ``kind`` request with the same ``key`` as row ``i`` follows in the same incarnation before
    its next placement (or the incarnation ends first: the restart owns it then)."""
    me = rows[i]
    for row in rows[i + 1:]:
        if row["incarnation"] != me["incarnation"]:
            return True
        if row["kind"] == kind and row[key] == me[key]:
            return True
        if row["kind"] == RequestKind.PLACE_ORDER:
            return False
    return False


def _restart_duties(rows: list[dict[str, Any]], duties: Duties) -> None:
    """Each restarted incarnation: open orders asked first, every one listed cancelled before it
    places anything. One that crashed again before placing anything hands what it found on to
    the next (which lists it again); the last one owes it by the end of the run."""
    by_incarnation: dict[int, list[dict[str, Any]]] = {}
    for r in rows:
        by_incarnation.setdefault(r["incarnation"], []).append(r)
    restarts = sorted(n for n in by_incarnation if n > 0)
    for n in restarts:
        mine = by_incarnation[n]
        first_place = next((k for k, r in enumerate(mine) if r["kind"] == RequestKind.PLACE_ORDER), len(mine))
        if first_place == len(mine) and n != restarts[-1]:
            continue
        before = mine[:first_place]
        listed = next((r["open_order_ids"] for r in before if r["kind"] == RequestKind.OPEN_ORDERS and r["code"] == 0),
                      None)
        if listed is None:
            if first_place < len(mine):
                duties.owe(Duty.RESTART_WORKING_ORDER, False, f"restart {n} placed without asking for open orders")
            continue
        cancelled = {r["order_id"] for r in before if r["kind"] == RequestKind.CANCEL_ORDER}
        for order_id in listed:
            duties.owe(Duty.RESTART_WORKING_ORDER, order_id in cancelled,
                       f"restart {n} left working order {order_id} uncancelled")


def trace_duties(requests: pa.Table, orders: pa.Table) -> Duties:
    """Every duty one traced run owed, and where it was not met."""
    rows = sorted(requests.to_pylist(), key=lambda r: r["seq"])
    order_rows = orders.to_pylist()
    duties = Duties()
    journaled = Counter((o["client_order_id"], o["code"]) for o in order_rows)
    refused: Counter[tuple[str, int]] = Counter()
    for i, r in enumerate(rows):
        at = f"{r['kind']} at {r['sent_ms']}"
        if r["kind"] == RequestKind.PLACE_ORDER and r["code"] in UNCLEAR_PLACEMENT:
            duties.owe(Duty.LOST_ANSWER, _settled_before_next_place(rows, i, RequestKind.QUERY_ORDER,
                                                                    "client_order_id"), f"{at} never looked up")
        elif r["kind"] == RequestKind.PLACE_ORDER and r["code"] != 0:
            refused[(r["client_order_id"], r["code"])] += 1
        if r["kind"] == RequestKind.CANCEL_ORDER and r["code"] in TRANSIENT_CODES:
            duties.owe(Duty.UNANSWERED_CANCEL, _settled_before_next_place(rows, i, RequestKind.QUERY_ORDER,
                                                                          "order_id"), f"{at} never settled")
    for (cid, code), n in sorted(refused.items()):
        duties.owe(Duty.REJECT_JOURNALED, journaled[(cid, code)] >= n, f"refusal {code} of {cid} not journaled")
    _restart_duties(rows, duties)
    _partial_exits(rows, order_rows, duties)
    return duties


def _partial_exits(rows: list[dict[str, Any]], orders: list[dict[str, Any]], duties: Duties) -> None:
    """An exit that ended with part of its quantity unfilled (``orders``): the next placement of
    the incarnation that read it is a reduce-only order on the same symbol (its refusal counts:
    retrying a refusal is its own path); an incarnation that never places again hands the rest to
    the restart, which reconciles with the venue's position."""
    partial = {o["client_order_id"] for o in orders if o["purpose"] == "EXIT" and o["side"] and o["code"] == 0
               and o["status"] not in WORKING_OR_FILLED and 0 < o["executed_qty"] < o["quantity"]}
    last = {r["client_order_id"]: i for i, r in enumerate(rows)
            if r["client_order_id"] in partial and r["kind"] in (RequestKind.PLACE_ORDER, RequestKind.QUERY_ORDER)}
    for cid, i in sorted(last.items(), key=lambda item: item[1]):
        me = rows[i]
        nxt = next((r for r in rows[i + 1:] if r["incarnation"] != me["incarnation"]
                    or r["kind"] == RequestKind.PLACE_ORDER), None)
        met = nxt is None or nxt["incarnation"] != me["incarnation"] or (nxt["symbol"] == me["symbol"]
                                                                          and nxt["reduce_only"])
        duties.owe(Duty.PARTIAL_EXIT_COMPLETED, met, f"exit {cid} left part open at {me['answered_ms']}")
