"""A trade's PnL is what the account gained or lost by it, insurance cover included, and the
trader reads the venue's income in full (every type, past the 1000-row page).

Before, a cross liquidation with bad debt booked the realized loss at the mark as the trade's
PnL while the venue's insurance fund had covered the part beyond the balance (INSURANCE_CLEAR):
the trade lost more than the account had, the trades did not add up to the wallet's change and
the V4 daily loss limit saw the inflated loss. The income query asked for FUNDING_FEE only, with
BingX's default page of 100 rows.
"""
from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "venue"))

from venue_kit import BTC, T0, make_venue, market  # noqa: E402

from exchange_mock import Liquidation  # noqa: E402
from sim.execution.book import TradeBook  # noqa: E402
from sim.execution.memory import EngineMemory  # noqa: E402
from sim.execution.position import Position  # noqa: E402
from sim.execution.replies import trade_income  # noqa: E402
from sim.execution.session import INCOME_PAGE, income_since  # noqa: E402
from sim.kernel.link import AccountStream  # noqa: E402


def _asking(venue):
    """``ask`` for ``income_since`` straight at the venue (the link's retries add nothing here)."""
    def ask(kind, **params):
        assert kind == "income"
        return venue.income(**params)
        yield  # a generator, as VenueSession.ask is
    return ask


def _run(gen):
    try:
        while True:
            next(gen)
    except StopIteration as stop:
        return stop.value


def test_cross_liquidation_with_bad_debt_books_the_accounts_loss_not_the_marks():
    # 10,000 USDT. Short 0.1 BTC at 60,000, 3x cross: taker fee 6,000 x 0.05% = 3, wallet 9,997.
    venue, prices = make_venue()
    venue.set_margin_type(symbol=BTC, marginType="CROSSED")
    venue.set_leverage(symbol=BTC, side="BOTH", leverage="3")
    assert market(venue, "SELL", "0.1")["code"] == 0
    book = TradeBook(EngineMemory(), AccountStream(venue))
    book.take_fills()
    # The mark gaps to 200,000: loss at the mark 0.1 x 140,000 = 14,000 against a balance of
    # 9,997; no closing fee can be taken; the deficit 4,003 is the fund's (INSURANCE_CLEAR +4,003).
    prices[BTC] = 200000.0
    (liq,) = [e for e in venue.advance(T0 + 60_000, prices) if isinstance(e, Liquidation)]
    assert liq.mark_price == liq.bankruptcy_price == Decimal("200000")
    assert liq.realized_pnl == Decimal("-14000") and liq.fee == 0 and liq.insurance == Decimal("-4003")
    book.take_fills()
    rows = _run(income_since(_asking(venue), BTC, T0))
    pos = Position(BTC, "BTCUSDT", Decimal("0.1"), Decimal("60000"), T0, 1.0, 3, Decimal("2000"))
    trade = book.close(pos, book.trade_fills(), trade_income(rows), T0 + 60_000)
    assert trade.exit_price == Decimal("200000") and trade.exit_reason == "LIQUIDATION"
    assert (trade.fees, trade.funding, trade.insurance) == (Decimal("3"), Decimal("0"), Decimal("4003"))
    # -14,000 - 3 + 0 + 4,003 = -10,000: the whole wallet, no more (was -14,003).
    assert trade.pnl == Decimal("-10000")
    assert venue.ledger.balance == Decimal("0") == Decimal(10000) + trade.pnl
    assert book.memory.day_pnl(0, 1 << 62) == -10000.0  # what the V4 daily loss limit sees


def test_income_is_read_in_full_past_the_page_limit():
    # 400 round trips of 0.001 BTC, sold at 60,000 and bought back a millisecond later at 59,990:
    # each books two fees and a realized PnL, 1,200 rows; the first page holds 1,000, the second
    # the 200 after them (the rows of the page's last millisecond are not read twice).
    venue, prices = make_venue()
    for i in range(400):
        prices[BTC] = 60000.0
        venue.advance(T0 + 1 + 2 * i, prices)
        assert market(venue, "SELL", "0.001")["code"] == 0
        prices[BTC] = 59990.0
        venue.advance(T0 + 2 + 2 * i, prices)
        assert market(venue, "BUY", "0.001")["code"] == 0
    ledger = venue.ledger.entries
    assert len(ledger) == 1200 > INCOME_PAGE
    rows = _run(income_since(_asking(venue), BTC, T0))
    assert [int(r["tranId"]) for r in rows] == [e.tran_id for e in ledger]
    assert {r["incomeType"] for r in rows} == {"TRADING_FEE", "REALIZED_PNL"}
