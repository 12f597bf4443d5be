"""Liquidation rules over positions, as pure functions: what backs a position, when it is due,
at which price it closes, and which cross position goes first.

Isolated liquidation closes at the bankruptcy price: the account loses exactly the position
margin (the clearance fee, at the taker rate on the mark value, comes out of what is left of it),
and the insurance fund books the difference to the mark value: a surplus, or bad debt when the
mark had gapped beyond the bankruptcy price. Cross liquidation cancels the cross orders, then
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
from exchange_mock.money import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, ZERO, divide, quantize
from exchange_mock.positions import Position


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
    """How an isolated liquidation settles: the fee actually taken, the PnL booked (exactly minus
    the margin left after the fee), the bankruptcy price it closes at and the fund's surplus."""

    fee: Decimal
    realized: Decimal
    bankruptcy: Decimal
    surplus: Decimal


def isolated_close(pos: Position, fee: Decimal, equity: Decimal, tick: Decimal) -> IsolatedClose:
    fee_taken = min(fee, max(ZERO, equity))
    realized = fee_taken - pos.margin
    bankruptcy = max(ZERO, divide(pos.cost + pos.direction * realized, pos.size, tick, ROUND_HALF_EVEN))
    return IsolatedClose(fee_taken, realized, bankruptcy, equity - fee_taken)


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
