"""The ledger proves itself: reconcile recomputes every book from its records and flags any drift."""
from __future__ import annotations

from decimal import Decimal

import pytest
from venue_kit import BTC, T0, make_venue, market

from exchange_mock import ReconcileError


def _traded():
    venue, prices = make_venue()
    market(venue, "SELL", "0.1")
    prices[BTC] = 59000.0
    venue.advance(T0 + 28_800_000, prices)
    market(venue, "BUY", "0.05", reduceOnly="true")
    return venue


def test_report_adds_up_to_the_last_digit():
    venue = _traded()
    report = venue.reconcile()
    assert report.ok and report.problems == ()
    assert report.wallet == report.deposits + report.entries_total == venue.ledger.balance
    assert report.by_type["TRADING_FEE"] == Decimal("-3") - Decimal("1.475")
    assert report.by_type["REALIZED_PNL"] == Decimal("50")
    assert report.by_type["FUNDING_FEE"] == Decimal("0.59")  # 0.1 x 59,000 (mark at the 00:00 settlement)


def test_drift_is_flagged_and_strict_raises():
    venue = _traded()
    venue.ledger._balance += Decimal("0.000000001")  # a movement without an entry
    report = venue.reconcile()
    assert not report.ok and "wallet" in report.problems[0]
    with pytest.raises(ReconcileError):
        venue.reconcile(strict=True)


def test_incremental_audit_reads_each_record_once_and_still_sees_new_drift():
    """The audit carried from call to call gives a fresh audit's report, and a mismatch made after
    its last call (a fee booked twice, an order that claims more than its fills) still shows."""
    venue = _traded()
    first = venue.reconcile(incremental=True)
    assert first == venue.reconcile() and first.by_type["TRADING_FEE"] == Decimal("-4.475")
    market(venue, "SELL", "0.02")
    assert venue.reconcile(incremental=True) == venue.reconcile()
    venue._account.ledger.post(venue.ledger.entries[-1])  # the last fill's fee posted a second time
    report = venue.reconcile(incremental=True)
    assert not report.ok and report == venue.reconcile()
    assert any(p.startswith("fills paid fees") for p in report.problems)


def test_fill_without_position_change_is_flagged():
    venue = _traded()
    venue._account.positions[(BTC, "BOTH")].qty -= Decimal("0.0001")
    assert any("signed fills" in p for p in venue.reconcile().problems)


def test_snapshot_and_position_count(venue):
    market(venue, "SELL", "0.1")
    snap = venue.account_snapshot()
    assert snap["wallet"] == Decimal("9997") and snap["margin_used"] == Decimal("1200")
    assert snap["available"] == Decimal("8797") and venue.open_position_count() == 1


def test_deposit_is_not_income(venue):
    venue.deposit("250.5")
    assert venue.ledger.balance == Decimal("10250.5") and venue.income()["data"] == []
    assert venue.reconcile().deposits == Decimal("10250.5")
    with pytest.raises(ValueError):
        venue.deposit("-1")


def test_ledger_since_finds_the_same_entries_in_or_out_of_time_order():
    from exchange_mock.enums import IncomeType
    from exchange_mock.ledger import Ledger, LedgerEntry

    def entry(tran_id: int, ts_ms: int) -> LedgerEntry:
        return LedgerEntry(tran_id, ts_ms, "BTC-USDT", IncomeType.TRADING_FEE, Decimal("-1"), "", 0)

    ordered = Ledger()
    for i, ts in enumerate([10, 20, 20, 30, 40]):
        ordered.post(entry(i, ts))
    assert [e.tran_id for e in ordered.since(20)] == [1, 2, 3, 4]
    assert [e.tran_id for e in ordered.since(21)] == [3, 4]
    assert ordered.since(41) == [] and len(ordered.since(0)) == 5
    backdated = Ledger()  # a settlement booked at an earlier time than the entry before it
    for i, ts in enumerate([10, 30, 20, 40]):
        backdated.post(entry(i, ts))
    assert [e.tran_id for e in backdated.since(20)] == [1, 2, 3]
    assert [e.tran_id for e in backdated.since(25)] == [1, 3]
