"""Prices at which orders trade: the quote around the last price, taker prices with slippage,
when a resting limit is crossed, and how much fills (the fill model).

Taker fills execute at the touch (ask for a buy, bid for a sell) moved by the slippage model and
rounded to the tick against the taker, never beyond the order's limit. Resting limits fill at
their own price as makers. ``watch_threshold`` gives a float bound on the last price beyond
which a resting order cannot fill, so ``advance`` can skip the exact check on most calls.
"""
from __future__ import annotations

import random
from decimal import Decimal

from exchange_mock.contracts import Contract
from exchange_mock.models import FeeModel, FillModel, SlippageModel, SpreadModel
from exchange_mock.money import ROUND_CEILING, ROUND_FLOOR, quantize

_FLOAT_SLACK = 1e-9


class Matcher:
    def __init__(self, spread: SpreadModel, slippage: SlippageModel, fill: FillModel,
                 fee: FeeModel, rng: random.Random) -> None:
        self.spread = spread
        self.slippage = slippage
        self.fill = fill
        self.fee = fee
        self.rng = rng

    def quote(self, contract: Contract, last: Decimal) -> tuple[Decimal, Decimal]:
        """(bid, ask) around the last price."""
        half = self.spread.half_spread(contract)
        if not half:
            return last, last
        bid = quantize(last * (1 - half), contract.tick, ROUND_FLOOR)
        ask = quantize(last * (1 + half), contract.tick, ROUND_CEILING)
        return bid, ask

    def taker_price(self, contract: Contract, direction: int, qty: Decimal, bid: Decimal, ask: Decimal,
                    limit: Decimal | None = None) -> Decimal:
        touch = ask if direction > 0 else bid
        slip = self.slippage.slippage(contract, qty, touch)
        price = touch
        if slip:
            if direction > 0:
                price = quantize(touch * (1 + slip), contract.tick, ROUND_CEILING)
            else:
                price = quantize(touch * (1 - slip), contract.tick, ROUND_FLOOR)
        if limit is not None:
            price = min(price, limit) if direction > 0 else max(price, limit)
        return price

    @staticmethod
    def marketable(direction: int, limit: Decimal, bid: Decimal, ask: Decimal) -> bool:
        """Whether a limit order would take liquidity on arrival."""
        return limit >= ask if direction > 0 else limit <= bid

    def resting_crossed(self, direction: int, limit: Decimal, bid: Decimal, ask: Decimal) -> bool:
        if self.fill.on_touch:
            return ask <= limit if direction > 0 else bid >= limit
        return ask < limit if direction > 0 else bid > limit

    def fill_quantity(self, contract: Contract, remaining: Decimal, *, taker: bool) -> Decimal:
        return self.fill.fill_quantity(remaining, contract.step, taker=taker, rng=self.rng)

    def fee_rate(self, contract: Contract, *, maker: bool) -> Decimal:
        maker_rate, taker_rate = self.fee.rates(contract)
        return maker_rate if maker else taker_rate

    def watch_threshold(self, contract: Contract, direction: int, limit: Decimal) -> float:
        """Float bound on the last price: a buy can fill only at or below it, a sell at or above.

        Allows for the half-even rounding of the float price to the tick and for float error.
        """
        half = float(self.spread.half_spread(contract))
        if direction > 0:
            return (float(limit) / (1 + half) + contract.tick_f) * (1 + _FLOAT_SLACK)
        return (float(limit) / (1 - half) - contract.tick_f) * (1 - _FLOAT_SLACK)


def mark_threshold(contract: Contract, direction: int, liquidation_price: Decimal | None) -> float:
    """Float bound on the mark: a long can be liquidated only at or below it, a short at or above."""
    if liquidation_price is None:
        return float("-inf") if direction > 0 else float("inf")
    if direction > 0:
        return (float(liquidation_price) + contract.tick_f) * (1 + _FLOAT_SLACK)
    return (float(liquidation_price) - contract.tick_f) * (1 - _FLOAT_SLACK)
