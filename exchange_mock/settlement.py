"""Funding settlement of one account: kept apart from ``account`` (the account only holds the
positions and the ledger it books to), so that the account module stays a dispatcher."""
from __future__ import annotations

from exchange_mock.account import Account
from exchange_mock.enums import IncomeType
from exchange_mock.events import FundingSettlement


def settle_funding(acct: Account, settle_ts: int) -> None:
    """Book funding for every open position at the settlement ``settle_ts``, at the mark:
    isolated from the position margin, cross from the balance. Only the symbols whose funding
    interval ``settle_ts`` is a multiple of settle then."""
    funding = acct.market.funding
    for pos in list(acct.positions.values()):
        if not funding.settles(pos.symbol, settle_ts):
            continue
        mark = acct.mark_of(pos)
        rate = funding.rate_at(pos.symbol, settle_ts)
        amount = -pos.qty * mark * rate
        if not amount:
            continue
        tran_id = acct.book(IncomeType.FUNDING_FEE, pos.symbol, amount, ts_ms=settle_ts)
        if pos.isolated:
            pos.margin += amount
        acct.events.append(FundingSettlement(acct.key, settle_ts, pos.symbol, pos.position_side, pos.qty,
                                             mark, rate, amount, tran_id))
        acct.invalidate_watch()
