"""The venue core shared by all accounts: contracts, models, clock, prices, ids, insurance fund.

Time and prices enter only through ``advance``. The core keeps a reference to the caller's
price mapping and converts a symbol's float price to Decimal (``repr``, then the tick) only when
something needs it: a market order, a resting order that may fill, a position that may be
liquidated, a funding settlement. So an ``advance`` costs O(symbols with a position or working
order), whatever the size of the mapping.
"""
from __future__ import annotations

import random
from decimal import Decimal, localcontext
from typing import Iterator, Mapping

from exchange_mock.account import Account
from exchange_mock.config import VenueConfig
from exchange_mock.contracts import Contract, load_contracts
from exchange_mock.events import VenueEvent
from exchange_mock.ids import IdSource
from exchange_mock.ledger import InsuranceFund
from exchange_mock.matching import Matcher
from exchange_mock.models.funding import next_settlement
from exchange_mock.money import EXACT, price_from_float
from exchange_mock.settlement import settle_funding
from exchange_mock.watch import QuietWatch

_INF = float("inf")

Prices = Mapping[str, float]
#: The highs and the lows of the bar that ends at an ``advance``.
Extremes = tuple[Prices, Prices]


def _usable(x: object) -> bool:
    return x is not None and 0 < x < _INF  # type: ignore[operator]


class Market:
    def __init__(self, config: VenueConfig) -> None:
        self.config = config
        self.contracts: dict[str, Contract] = load_contracts(config.contracts_dir, config.templates)
        self.ids = IdSource(config.seed)
        self.matcher = Matcher(config.spread, config.slippage, config.fill, config.fee,
                               random.Random(f"exchange_mock/fill/{config.seed}"))
        self.funding = config.funding
        self.liquidation = config.liquidation
        self.insurance = InsuranceFund(config.insurance_fund)
        self.accounts: dict[str, Account] = {}
        self.ts_ms = 0
        self.next_funding_ms: int | None = None
        self.settled_ticks: list[int] = []  # the funding ticks the last ``advance`` settled
        self._prices: Prices = {}
        self._marks: Prices = {}

    def open_account(self, key: str, initial_balance: Decimal) -> Account:
        if key in self.accounts:
            raise ValueError(f"account {key!r} exists")
        account = Account(self, key, user_id=len(self.accounts) + 1)
        with localcontext(EXACT):
            account.deposit(initial_balance)
        self.accounts[key] = account
        return account

    def last_price(self, contract: Contract) -> Decimal | None:
        x = self._prices.get(contract.symbol)
        return price_from_float(x, contract.tick) if _usable(x) else None

    def mark_price(self, contract: Contract) -> Decimal | None:
        x = self._marks.get(contract.symbol)
        if not _usable(x):
            x = self._prices.get(contract.symbol)
        return price_from_float(x, contract.tick) if _usable(x) else None

    def _settle_before(self, end_ms: int) -> None:
        """Every funding tick before ``end_ms``: each account settles the symbols due then."""
        tick = self.funding.tick_ms
        with localcontext(EXACT):
            while self.next_funding_ms is not None and self.next_funding_ms < end_ms:
                for account in self.accounts.values():
                    settle_funding(account, self.next_funding_ms)
                self.settled_ticks.append(self.next_funding_ms)
                self.next_funding_ms += tick

    def quiet_watch(self) -> QuietWatch | None:
        """The triggers of every active account as of the last ``advance`` (None: an account
        changed since, so its triggers are not settled until the next one)."""
        triggers: list = []
        always = False
        for account in self.accounts.values():
            if account.active:
                settled = account.settled_watch()
                if settled is None:
                    return None
                triggers.extend(settled[0])
                always = always or settled[1]
        return QuietWatch(tuple(triggers), always, self._next_timed_ms())

    def _next_timed_ms(self) -> int | None:
        """The next instant an ``advance`` acts whatever the prices: a funding tick, or the
        earliest armed dead man's switch (cancelAllAfter) expiring."""
        due = [a.cancel_after_ms for a in self.accounts.values() if a.cancel_after_ms is not None]
        if self.next_funding_ms is not None:
            due.append(self.next_funding_ms)
        return min(due) if due else None

    def advance(self, ts_ms: int, prices: Prices, mark_prices: Prices | None = None,
                extremes: Extremes | None = None) -> list[VenueEvent]:
        if ts_ms < self.ts_ms:
            raise ValueError(f"time went backwards: {ts_ms} < {self.ts_ms}")
        self.ts_ms = ts_ms
        if self.settled_ticks:
            self.settled_ticks = []
        starts = [len(a.events) for a in self.accounts.values()]
        if self.next_funding_ms is None:
            self.next_funding_ms = next_settlement(self.funding, ts_ms)
        elif ts_ms > self.next_funding_ms:
            self._settle_before(ts_ms)  # at the marks in force then: the previous update's
        if extremes is not None:
            self._walk_bar(prices, mark_prices, extremes)
        self._prices = prices
        self._marks = prices if mark_prices is None else mark_prices
        if self.next_funding_ms == ts_ms:
            self._settle_before(ts_ms + 1)  # a settlement at this instant: at this update's marks
        self._on_prices()
        events: list[VenueEvent] = []
        for start, account in zip(starts, self.accounts.values()):
            if len(account.events) > start:
                events.extend(account.events[start:])
        return events

    def _walk_bar(self, closes: Prices, mark_prices: Prices | None, extremes: Extremes) -> None:
        """The bar that ends at this update, before its close: its high, then its low (a short's
        worst price first, the conservative order for the shorts the engine holds). Resting orders
        fill and positions liquidate at those prices as they would on the way. Recorded marks
        (``mark_prices``) have no extremes here: the mark stays at its recorded value, as a wick in
        the last price does not move BingX's mark; without them the mark walks with the price."""
        for extreme in extremes:
            point = BarPoint(extreme, closes)
            self._prices = point
            self._marks = point if mark_prices is None else mark_prices
            self._on_prices()

    def _on_prices(self) -> None:
        for account in self.accounts.values():
            if account.active:
                account.on_prices(self._prices, self._marks)


class BarPoint(Mapping[str, float]):
    """One point of a bar's path as a price mapping: the bar's extreme where the source has one,
    else the close (a symbol without extremes sits at its close)."""

    __slots__ = ("_extreme", "_close")

    def __init__(self, extreme: Prices, close: Prices) -> None:
        self._extreme, self._close = extreme, close

    def __getitem__(self, symbol: str) -> float:
        value = self._extreme.get(symbol)
        return self._close[symbol] if value is None else value

    def __iter__(self) -> Iterator[str]:
        return iter(self._close)

    def __len__(self) -> int:
        return len(self._close)
