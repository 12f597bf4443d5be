"""The venue behind a server, the accounts its API keys open, and the lock that serializes them.

The venue is single-threaded by design. A server touches it from its request handlers and from a
price driver (a scan replay thread, or the admin endpoint), so every call goes through ``run`` or
``advance``, which hold one lock. Each API key gets its own account on the shared venue core:
same clock, prices and rules, separate orders, positions and ledger.

Listeners (the WebSocket streams) hear of every change, under the same lock: ``after_call``
once a request of an account was answered, ``after_step`` once the venue moved.
"""
from __future__ import annotations

import threading
from typing import Callable, Iterable, Mapping, Protocol, TypeVar

from exchange_mock.events import VenueEvent
from exchange_mock.rest.accounts import ApiAccount
from exchange_mock.venue import AccountApi, Venue

T = TypeVar("T")

#: Venue account names are the API keys under this prefix, so that no key can collide with the
#: venue's own default account.
ACCOUNT_PREFIX = "api:"


class VenueListener(Protocol):
    def after_call(self, account: AccountApi) -> None:
        """A request of ``account`` was answered (it may have placed, cancelled or filled orders)."""

    def after_step(self) -> None:
        """The venue moved to a new time and prices."""


class VenueHost:
    def __init__(self, venue: Venue, accounts: Iterable[ApiAccount]) -> None:
        self.venue = venue
        venue.record_market()  # klines, tickers and funding history are served from the tape
        self._lock = threading.Lock()
        self.secrets: dict[str, str] = {}
        self.accounts: dict[str, AccountApi] = {}
        for spec in accounts:
            self.secrets[spec.api_key] = spec.secret
            self.accounts[spec.api_key] = venue.open_account(ACCOUNT_PREFIX + spec.api_key, spec.initial_balance)
        self.prices: Mapping[str, float] = {}
        self.marks: Mapping[str, float] | None = None
        self.listeners: list[VenueListener] = []

    def run(self, fn: Callable[[], T], account: AccountApi | None = None) -> T:
        """``fn`` under the lock; with ``account``, the listeners then hear that it was served."""
        with self._lock:
            result = fn()
            if account is not None:
                for listener in self.listeners:
                    listener.after_call(account)
            return result

    def advance(self, ts_ms: int, prices: Mapping[str, float], marks: Mapping[str, float] | None = None,
                *, merge: bool = False) -> list[VenueEvent]:
        """Move the venue to ``ts_ms``. With ``merge`` the prices (and marks) update the last known
        ones instead of replacing them, so a test can move one symbol and keep the others.
        Raises ``ValueError`` if ``ts_ms`` is before the venue's time."""
        with self._lock:
            if merge:
                prices = {**self.prices, **prices}
                if marks is not None or self.marks is not None:
                    marks = {**(self.marks or {}), **(marks or {})}
            events = self.venue.advance(ts_ms, prices, marks)
            self.prices, self.marks = prices, marks
            for listener in self.listeners:
                listener.after_step()
            return events
