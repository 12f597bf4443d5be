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
from typing import Mapping, Protocol, Sequence

from exchange_mock.book import RestingBook
from exchange_mock.enums import IncomeType, OrderStatus, Side
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


def reconcile(books: Books, insurance: InsuranceFund, *, strict: bool = False) -> ReconcileReport:
    """The report of ``books`` and the fund; with ``strict`` a mismatch raises ``ReconcileError``."""
    with localcontext(EXACT):
        deposits, total, per_type, problems = books.ledger.check()
        problems += check_books(books)
        problems += insurance.check()
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


def check_books(books: Books) -> list[str]:
    """Every mismatch between positions, orders, the resting book, fills, events and ledger."""
    problems = _position_problems(books.fills, books.positions)
    problems += _order_problems(books.fills, books.orders, books.open_orders)
    problems += books.resting.mismatches({k: o for k, o in books.open_orders.items() if not o.is_pending})
    pending = sorted(k for k, o in books.open_orders.items() if o.is_pending)
    if pending != sorted(books.conditional):
        problems.append(f"pending conditional orders {pending} but the conditional book holds {sorted(books.conditional)}")
    problems += _money_problems(books.fills, books.events, books.ledger)
    return problems


def _position_problems(fills: Sequence[Fill], positions: Mapping[tuple[str, str], Position]) -> list[str]:
    by_key: dict[tuple[str, str], Decimal] = {}
    for f in fills:
        key = (f.symbol, f.position_side)
        by_key[key] = by_key.get(key, ZERO) + (f.quantity if f.side == Side.BUY else -f.quantity)
    problems = []
    for key in sorted(set(by_key) | set(positions)):
        held = positions[key].qty if key in positions else ZERO
        if by_key.get(key, ZERO) != held:
            shown = (key[0], str(key[1]))
            problems.append(f"position {shown} {held} != signed fills {by_key.get(key, ZERO)}")
    return problems


def _order_problems(fills: Sequence[Fill], orders: Mapping[int, Order], open_orders: Mapping[int, Order]) -> list[str]:
    by_order: dict[int, Decimal] = {}
    for f in fills:
        by_order[f.order_id] = by_order.get(f.order_id, ZERO) + f.quantity
    problems = []
    for order in orders.values():
        filled = by_order.get(order.order_id, ZERO)
        if filled != order.executed_qty or filled > order.quantity:
            problems.append(f"order {order.order_id} executed {order.executed_qty} vs fills {filled}")
        if order.is_working != (order.order_id in open_orders):
            problems.append(f"order {order.order_id} is {order.status} but open-list says otherwise")
        if (order.status == OrderStatus.FILLED) != (order.executed_qty == order.quantity):
            problems.append(f"order {order.order_id} is {order.status} with {order.executed_qty}/{order.quantity}")
    return problems


def _money_problems(fills: Sequence[Fill], events: Sequence[VenueEvent], ledger: Ledger) -> list[str]:
    fees = sum((f.fee for f in fills), ZERO)
    pnl = sum((f.realized_pnl for f in fills), ZERO)
    funding = sum((e.amount for e in events if isinstance(e, FundingSettlement)), ZERO)
    totals = ledger.totals()
    problems = []
    if -totals[IncomeType.TRADING_FEE] != fees:
        problems.append(f"fills paid fees {fees} but ledger has {-totals[IncomeType.TRADING_FEE]}")
    if totals[IncomeType.REALIZED_PNL] != pnl:
        problems.append(f"fills realized {pnl} but ledger has {totals[IncomeType.REALIZED_PNL]}")
    if totals[IncomeType.FUNDING_FEE] != funding:
        problems.append(f"funding events {funding} but ledger has {totals[IncomeType.FUNDING_FEE]}")
    return problems
