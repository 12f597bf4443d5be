"""The account ledger and the insurance fund: every movement of money, as exact decimals.

The wallet balance changes only through ``Ledger.deposit`` and ``Ledger.post``, and ``check``
recomputes it from the records: wallet = deposits + sum of entries, to the last digit (sums run
under a context that raises on any rounding). Entry types are BingX's income types
(``IncomeType``); ``info`` marks liquidation entries. Margin moved into a position is not an entry: it stays part of
the wallet balance, as on BingX.
"""
from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from exchange_mock.enums import INCOME_TYPES, FundEntryKind, IncomeType
from exchange_mock.money import EXACT, ZERO, fmt_money


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    tran_id: int
    ts_ms: int
    symbol: str
    income_type: IncomeType
    amount: Decimal
    info: str
    trade_id: int

    def to_api(self, asset: str) -> dict[str, Any]:
        return {
            "symbol": self.symbol,
            "incomeType": self.income_type,
            "income": fmt_money(self.amount),
            "asset": asset,
            "info": self.info,
            "time": self.ts_ms,
            "tranId": str(self.tran_id),
            "tradeId": str(self.trade_id) if self.trade_id else "",
        }


@dataclass(frozen=True, slots=True)
class Deposit:
    ts_ms: int
    amount: Decimal


class Ledger:
    def __init__(self) -> None:
        self.entries: list[LedgerEntry] = []
        self.deposits: list[Deposit] = []
        self._balance = ZERO
        self._in_time_order = True  # every entry so far posted at or after the one before it

    @property
    def balance(self) -> Decimal:
        return self._balance

    def deposit(self, ts_ms: int, amount: Decimal) -> None:
        self.deposits.append(Deposit(ts_ms, amount))
        self._balance = EXACT.add(self._balance, amount)

    def post(self, entry: LedgerEntry) -> None:
        if self.entries and entry.ts_ms < self.entries[-1].ts_ms:
            self._in_time_order = False
        self.entries.append(entry)
        self._balance = EXACT.add(self._balance, entry.amount)

    def since(self, ts_ms: int) -> list[LedgerEntry]:
        """The entries at or after ``ts_ms``, in posting order: found by binary search while they
        were posted in time order (a query per closed trade stays O(log n) on long runs)."""
        if self._in_time_order:
            return self.entries[bisect_left(self.entries, ts_ms, key=lambda e: e.ts_ms):]
        return [e for e in self.entries if e.ts_ms >= ts_ms]

    def totals(self) -> dict[IncomeType, Decimal]:
        """Sum per income type, recomputed from the entries."""
        sums = {t: ZERO for t in INCOME_TYPES}
        for e in self.entries:
            sums[e.income_type] = EXACT.add(sums[e.income_type], e.amount)
        return sums

    def check(self, per_type: dict[IncomeType, Decimal]) -> tuple[Decimal, Decimal, list[str]]:
        """(deposits, entries total, problems): the deposits recomputed from the records, and the
        wallet against them plus ``per_type``, the entries' sums as the audit folded them."""
        deposits = ZERO
        for d in self.deposits:
            deposits = EXACT.add(deposits, d.amount)
        total = ZERO
        for t in INCOME_TYPES:
            total = EXACT.add(total, per_type[t])
        problems = []
        if EXACT.add(deposits, total) != self._balance:
            problems.append(f"wallet {self._balance} != deposits {deposits} + entries {total}")
        return deposits, total, problems


@dataclass(frozen=True, slots=True)
class FundEntry:
    """``amount`` > 0: a liquidation surplus the fund took in; < 0: bad debt it covered."""

    ts_ms: int
    account: str
    symbol: str
    kind: FundEntryKind
    amount: Decimal


class InsuranceFund:
    def __init__(self, initial: Decimal) -> None:
        self.initial = initial
        self.entries: list[FundEntry] = []
        self._balance = initial

    @property
    def balance(self) -> Decimal:
        return self._balance

    def record(self, ts_ms: int, account: str, symbol: str, amount: Decimal) -> None:
        kind = FundEntryKind.SURPLUS if amount >= 0 else FundEntryKind.BAD_DEBT
        self.entries.append(FundEntry(ts_ms, account, symbol, kind, amount))
        self._balance = EXACT.add(self._balance, amount)

    def bad_debt(self) -> Decimal:
        total = ZERO
        for e in self.entries:
            if e.kind == FundEntryKind.BAD_DEBT:
                total = EXACT.add(total, -e.amount)
        return total

    def check(self) -> list[str]:
        total = self.initial
        for e in self.entries:
            total = EXACT.add(total, e.amount)
        return [] if total == self._balance else [f"insurance fund {self._balance} != {total}"]


@dataclass(frozen=True)
class ReconcileReport:
    """Result of ``Venue.reconcile``: ``ok`` is False exactly when ``problems`` is non-empty."""

    ok: bool
    wallet: Decimal
    deposits: Decimal
    entries_total: Decimal
    by_type: dict[IncomeType, Decimal] = field(default_factory=dict)
    insurance_fund: Decimal = ZERO
    bad_debt: Decimal = ZERO
    problems: tuple[str, ...] = ()


class ReconcileError(AssertionError):
    """Raised by ``Venue.reconcile`` when the books do not add up; carries the report."""

    def __init__(self, report: ReconcileReport) -> None:
        self.report = report
        super().__init__("; ".join(report.problems))
