"""Liquidation rules over positions, as pure functions: what backs a position, when it is due,
at which price it closes, and which cross position goes first.

Isolated liquidation closes at the bankruptcy price: the account loses its position margin (the
clearance fee, at the taker rate on the mark value, comes out of what is left of it), and the
insurance fund books the difference to the mark value: a surplus, or bad debt when the mark had
gapped beyond the bankruptcy price. The fill's price is the bankruptcy price itself, not a
tick-rounded display of it (BingX reports a fill's ``avgPrice`` with more digits than the tick), so
price x quantity gives the realized PnL to the last digit. Where the exact price does not end
within ``FILL_PRICE_QUANTUM`` it is rounded in the account's favour and the realized PnL is the
one of that price: the account keeps the remainder (under size x 1e-12 USDT, the size of the
rounding a partial close's pro-rata cost already has) and the fund's entry carries it. Cross liquidation cancels the cross orders, then
closes the cross position with the largest loss at the mark until the risk is below 100%; a
deficit left after the last one is covered by the fund. When the trigger holds is the
liquidation model's rule (``models.liquidation``).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Mapping

from exchange_mock.contracts import Contract
from exchange_mock.matching import Matcher
from exchange_mock.models import LiquidationModel
from exchange_mock.money import ROUND_CEILING, ROUND_FLOOR, SHARE_QUANTUM, ZERO, divide, quantize
from exchange_mock.positions import Position

#: The grid of a liquidation fill's price: the venue's finest money quantum, coarse enough that
#: price x quantity (at most 4 quantity decimals) stays within the journal's 18 money decimals.
FILL_PRICE_QUANTUM = SHARE_QUANTUM


def liquidation_price(pos: Position, backing: Decimal, contract: Contract, matcher: Matcher,
                      model: LiquidationModel) -> Decimal | None:
    """Exact mark at which ``pos``, backed by ``backing`` (its margin, or the cross balance left
    for it), is liquidated; None if no positive price does."""
    taker = matcher.fee_rate(contract, maker=False)
    return model.price(pos.direction, pos.size, pos.cost, backing, contract, taker)


def on_tick_grid(exact: Decimal | None, direction: int, tick: Decimal) -> Decimal:
    """The liquidation price as reported: the first tick at which the mark triggers it (0: none)."""
    if exact is None:
        return ZERO
    return quantize(exact, tick, ROUND_FLOOR if direction > 0 else ROUND_CEILING)


@dataclass(frozen=True, slots=True)
class Exposure:
    """A position (or the cross book) at the mark: maintenance margin and closing fee."""

    maintenance: Decimal
    closing_fee: Decimal


def exposure(pos: Position, contract: Contract, mark: Decimal, matcher: Matcher) -> Exposure:
    value = pos.size * mark
    return Exposure(contract.maintenance_margin(value), value * matcher.fee_rate(contract, maker=False))


@dataclass(frozen=True, slots=True)
class IsolatedClose:
    """How an isolated liquidation settles: the fee actually taken, the bankruptcy price it closes
    at, the PnL of closing there (minus the margin left after the fee) and the fund's surplus
    (negative: bad debt)."""

    fee: Decimal
    realized: Decimal
    bankruptcy: Decimal
    surplus: Decimal


def isolated_close(pos: Position, fee: Decimal, equity: Decimal) -> IsolatedClose:
    """The close of ``pos`` at its bankruptcy price, with ``equity`` (margin + uPnL at the mark)
    left to pay the clearance ``fee``."""
    fee_taken = min(fee, max(ZERO, equity))
    target = fee_taken - pos.margin  # the PnL that leaves nothing of the margin after the fee
    favour = ROUND_CEILING if pos.direction > 0 else ROUND_FLOOR
    bankruptcy = max(ZERO, divide(pos.cost + pos.direction * target, pos.size, FILL_PRICE_QUANTUM, favour))
    realized = pos.direction * (pos.size * bankruptcy - pos.cost)
    upnl = equity - pos.margin
    return IsolatedClose(fee_taken, realized, bankruptcy, upnl - realized)


def cross_exposure(cross: list[Position], marks: Mapping[int, Decimal], contracts: Mapping[str, Contract],
                   matcher: Matcher) -> tuple[Exposure, Decimal]:
    """The cross book's summed exposure and unrealized PnL; ``marks`` is keyed by ``id(position)``."""
    maintenance = fees = upnl = ZERO
    for p in cross:
        m = marks[id(p)]
        e = exposure(p, contracts[p.symbol], m, matcher)
        maintenance += e.maintenance
        fees += e.closing_fee
        upnl += p.unrealized(m)
    return Exposure(maintenance, fees), upnl


def cross_victim(cross: list[Position], marks: Mapping[int, Decimal]) -> Position:
    """The cross position closed first: the largest loss at the mark (the first of equal ones)."""
    return min(cross, key=lambda p: p.unrealized(marks[id(p)]))
