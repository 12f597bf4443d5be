"""The audit: recompute an account's books from their records and list every mismatch.

Positions equal the signed sum of their fills; orders equal the sum of theirs, within their
quantity; every order is in exactly one state and working exactly when listed as open; the resting
book holds exactly the open orders that are not conditional orders waiting for their trigger, and
the conditional book exactly those; fees, PnL and funding on the fills and events equal the
ledger's; wallet = deposits + entries; the insurance fund = its entries. Everything is recomputed
from the records under the exact context, so a rounding anywhere shows up as a problem.
"""
from __future__ import annotations

from decimal import Decimal, localcontext
from itertools import islice
from typing import Mapping, Protocol, Sequence

from exchange_mock.book import RestingBook
from exchange_mock.enums import INCOME_TYPES, IncomeType, OrderStatus, Side
from exchange_mock.events import Fill, FundingSettlement, VenueEvent
from exchange_mock.ledger import InsuranceFund, Ledger, ReconcileError, ReconcileReport
from exchange_mock.money import EXACT, ZERO
from exchange_mock.orders import Order
from exchange_mock.positions import Position


class Books(Protocol):
    ledger: Ledger
    orders: Mapping[int, Order]
    open_orders: Mapping[int, Order]
    resting: RestingBook
    conditional: Mapping[int, Order]
    positions: Mapping[tuple[str, str], Position]
    fills: Sequence[Fill]
    events: Sequence[VenueEvent]


def reconcile(books: Books, insurance: InsuranceFund, *, strict: bool = False,
              running: "RunningAudit | None" = None) -> ReconcileReport:
    """The report of ``books`` and the fund; with ``strict`` a mismatch raises ``ReconcileError``.
    ``running`` carries an audit forward from its last call (a fresh one recomputes everything)."""
    audit = running or RunningAudit()
    with localcontext(EXACT):
        per_type, problems = audit.check(books)
        deposits, total, ledger_problems = books.ledger.check(per_type)
        problems = ledger_problems + problems + insurance.check()
        report = ReconcileReport(
            ok=not problems,
            wallet=books.ledger.balance,
            deposits=deposits,
            entries_total=total,
            by_type=per_type,
            insurance_fund=insurance.balance,
            bad_debt=insurance.bad_debt(),
            problems=tuple(problems),
        )
    if problems and strict:
        raise ReconcileError(report)
    return report


class RunningAudit:
    """The audit of one account's books, carried forward from call to call.

    A check every few hundred requests that recomputed everything from the first record made a
    long replay quadratic. Fills, events and ledger entries are only ever appended, so each is
    folded into the sums once; exact Decimal addition does not depend on grouping, so the sums are
    the ones a fresh audit gets. An order that had ended and agreed with its fills is not looked at
    again (the end-of-run check is a fresh audit, which looks at every record)."""

    def __init__(self) -> None:
        self._fills = self._events = self._entries = self._orders = 0
        self._by_key: dict[tuple[str, str], Decimal] = {}
        self._by_order: dict[int, Decimal] = {}
        self._fees = self._pnl = self._funding = ZERO
        self._per_type = {t: ZERO for t in INCOME_TYPES}
        self._unsettled: dict[int, Order] = {}  # orders still to be checked, in placement order

    def check(self, books: Books) -> tuple[dict[IncomeType, Decimal], list[str]]:
        """(ledger sums per income type, every mismatch) as of now; call under ``EXACT``."""
        self._fold(books)
        problems = self._position_problems(books.positions)
        problems += self._order_problems(books.open_orders)
        problems += books.resting.mismatches({k: o for k, o in books.open_orders.items() if not o.is_pending})
        pending = sorted(k for k, o in books.open_orders.items() if o.is_pending)
        if pending != sorted(books.conditional):
            problems.append(f"pending conditional orders {pending} but the conditional book holds {sorted(books.conditional)}")
        problems += self._money_problems()
        return dict(self._per_type), problems

    def _fold(self, books: Books) -> None:
        for f in books.fills[self._fills:]:
            key = (f.symbol, f.position_side)
            self._by_key[key] = self._by_key.get(key, ZERO) + (f.quantity if f.side == Side.BUY else -f.quantity)
            self._by_order[f.order_id] = self._by_order.get(f.order_id, ZERO) + f.quantity
            self._fees += f.fee
            self._pnl += f.realized_pnl
        self._fills = len(books.fills)
        for e in books.events[self._events:]:
            if isinstance(e, FundingSettlement):
                self._funding += e.amount
        self._events = len(books.events)
        for entry in books.ledger.entries[self._entries:]:
            self._per_type[entry.income_type] += entry.amount
        self._entries = len(books.ledger.entries)
        for order in islice(books.orders.values(), self._orders, None):
            self._unsettled[order.order_id] = order
        self._orders = len(books.orders)

    def _position_problems(self, positions: Mapping[tuple[str, str], Position]) -> list[str]:
        problems = []
        for key in sorted(set(self._by_key) | set(positions)):
            held = positions[key].qty if key in positions else ZERO
            if self._by_key.get(key, ZERO) != held:
                shown = (key[0], str(key[1]))
                problems.append(f"position {shown} {held} != signed fills {self._by_key.get(key, ZERO)}")
        return problems

    def _order_problems(self, open_orders: Mapping[int, Order]) -> list[str]:
        problems, settled = [], []
        for oid, order in self._unsettled.items():
            found = len(problems)
            filled = self._by_order.get(oid, ZERO)
            if filled != order.executed_qty or filled > order.quantity:
                problems.append(f"order {oid} executed {order.executed_qty} vs fills {filled}")
            if order.is_working != (oid in open_orders):
                problems.append(f"order {oid} is {order.status} but open-list says otherwise")
            if (order.status == OrderStatus.FILLED) != (order.executed_qty == order.quantity):
                problems.append(f"order {oid} is {order.status} with {order.executed_qty}/{order.quantity}")
            if len(problems) == found and not order.is_working:
                settled.append(oid)
        for oid in settled:
            del self._unsettled[oid]
        return problems

    def _money_problems(self) -> list[str]:
        totals, problems = self._per_type, []
        if -totals[IncomeType.TRADING_FEE] != self._fees:
            problems.append(f"fills paid fees {self._fees} but ledger has {-totals[IncomeType.TRADING_FEE]}")
        if totals[IncomeType.REALIZED_PNL] != self._pnl:
            problems.append(f"fills realized {self._pnl} but ledger has {totals[IncomeType.REALIZED_PNL]}")
        if totals[IncomeType.FUNDING_FEE] != self._funding:
            problems.append(f"funding events {self._funding} but ledger has {totals[IncomeType.FUNDING_FEE]}")
        return problems
