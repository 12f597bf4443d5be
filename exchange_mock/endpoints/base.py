"""What every endpoint group holds: the venue core, the one account it answers for, and the
market tape (the prices served so far, for klines and 24 h statistics).

``AccountApi`` (in ``exchange_mock.venue``) is all the groups together; splitting them keeps each
file about one part of BingX's API: market data, account reads, settings, orders.
"""
from __future__ import annotations

from exchange_mock.account import Account
from exchange_mock.market import Market
from exchange_mock.tape import MarketTape


class EndpointGroup:
    def __init__(self, market: Market, account: Account, tape: MarketTape) -> None:
        self._market = market
        self._account = account
        self._tape = tape
