"""What every endpoint group holds: the venue core and the one account it answers for.

``AccountApi`` (in ``exchange_mock.venue``) is all the groups together; splitting them keeps each
file about one part of BingX's API: market data, account reads, settings, orders.
"""
from __future__ import annotations

from exchange_mock.account import Account
from exchange_mock.market import Market


class EndpointGroup:
    def __init__(self, market: Market, account: Account) -> None:
        self._market = market
        self._account = account
