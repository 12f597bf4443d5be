"""The run's accounting identity: the trades explain the wallet, and every fill explains its PnL.

At the end of every run, from the venue's ledger (by income type) and the journaled trades:

    final wallet = initial + realized + funding - fees + insurance          (the ledger's lines)
    final wallet = initial + sum(trade pnl) + booked on the position still open

where a trade's pnl is realized - fees + funding + insurance (insurance: the fund's INSURANCE_CLEAR
cover of a cross deficit, its own ledger line and its own trades column), and what the open
position booked so far is its fills' realized PnL and fees and the funding it settled. And every
fill's price, quantity and realized PnL agree: replaying the fills through the venue's position
arithmetic gives each one's realized PnL to the last digit (a liquidation fill too). Everything
is summed exactly; a difference of one digit is a breach.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Any, Iterable, Sequence

from exchange_mock.enums import IncomeType, Side
from exchange_mock.money import EXACT, ZERO
from exchange_mock.positions import Position as VenuePosition


@dataclass(frozen=True)
class OpenPosition:
    """A position the venue still holds at the end: from which fill on (its index in the
    venue's fills) and since when."""

    symbol: str
    first_fill: int
    since_ms: int


@dataclass(frozen=True)
class Accounting:
    """The run's money, line by line (fees as paid, positive)."""

    initial: Decimal
    realized: Decimal
    funding: Decimal
    fees: Decimal
    insurance: Decimal
    final_wallet: Decimal
    trades_pnl: Decimal
    trades_insurance: Decimal
    open_booked: Decimal

    def problems(self) -> list[str]:
        lines = self.initial + self.realized + self.funding - self.fees + self.insurance
        by_trades = self.initial + self.trades_pnl + self.open_booked
        out = []
        if lines != self.final_wallet:
            out.append(f"final wallet {self.final_wallet} != initial {self.initial} + realized {self.realized} + "
                       f"funding {self.funding} - fees {self.fees} + insurance {self.insurance} = {lines}")
        if by_trades != self.final_wallet:
            out.append(f"final wallet {self.final_wallet} != initial {self.initial} + trade pnl {self.trades_pnl} + "
                       f"booked on the open position {self.open_booked} = {by_trades}")
        if self.trades_insurance != self.insurance:
            out.append(f"insurance on the trades {self.trades_insurance} != the ledger's {self.insurance}")
        return out

    def as_dict(self) -> dict[str, str]:
        """The summary's ``accounting`` block (exact decimals as text)."""
        return {k: str(v) for k, v in self.__dict__.items()}


def account(ledger: Any, trades_pnl: Decimal, trades_insurance: Decimal, fills: Sequence[Any],
            still_open: Iterable[OpenPosition]) -> Accounting:
    """The identity's lines from the venue's ``ledger``, the trades' sums and its fills."""
    with localcontext(EXACT):
        per_type = ledger.totals()
        initial = sum((d.amount for d in ledger.deposits), ZERO)
        open_booked = sum((_booked_on(ledger.entries, fills, p) for p in still_open), ZERO)
        return Accounting(initial, per_type[IncomeType.REALIZED_PNL], per_type[IncomeType.FUNDING_FEE],
                          -per_type[IncomeType.TRADING_FEE], per_type[IncomeType.INSURANCE_CLEAR], ledger.balance,
                          trades_pnl, trades_insurance, open_booked)


def _booked_on(entries: Sequence[Any], fills: Sequence[Any], pos: OpenPosition) -> Decimal:
    """What the ledger booked for an open position: its fills' entries and its funding."""
    trade_ids = {f.trade_id for f in fills[pos.first_fill:] if f.symbol == pos.symbol}
    return sum((e.amount for e in entries if e.symbol == pos.symbol and (
        e.trade_id in trade_ids or (e.income_type == IncomeType.FUNDING_FEE and e.ts_ms >= pos.since_ms))), ZERO)


def fill_pnl_problems(fills: Sequence[Any]) -> list[str]:
    """Fills whose realized PnL is not what their price and quantity give against the position's
    cost basis (replayed with the venue's own position arithmetic)."""
    positions: dict[tuple[str, str], VenuePosition] = {}
    out = []
    with localcontext(EXACT):
        for f in fills:
            key = (f.symbol, str(f.position_side))
            pos = positions.setdefault(key, VenuePosition(f.symbol, key[1], 0, False, 1, f.ts_ms))
            direction = 1 if f.side == Side.BUY else -1
            realized = pos.apply(direction, f.quantity, f.price, 1, f.ts_ms).realized
            if realized != f.realized_pnl:
                out.append(f"{f.liquidity} fill {f.trade_id} ({f.symbol} {f.side} {f.quantity} at {f.price}) "
                           f"realized {f.realized_pnl}, its price and quantity give {realized}")
    return out
