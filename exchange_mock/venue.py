"""The venue's Python interface: one method per BingX USDT-M perpetual endpoint, plus the
simulator's side (``advance``, ``deposit``, ``reconcile``, ``violations``, ledger and fills).

Endpoint methods take BingX's parameter names as keyword arguments, with values as an HTTP front
would pass them (strings such as ``quantity="0.0012"``, or Python values), and answer BingX's
envelope ``{"code", "msg", "data"}``. Bad input never raises: it answers an error code. Transport
fields (``timestamp``, ``recvWindow``, ``signature``) are accepted and ignored.

The endpoints live in ``exchange_mock.endpoints``, one module per group of BingX's API.
``Venue`` is the core plus its default account ``"main"``; ``open_account`` adds more accounts
on the same core (same clock, prices and rules), each behind its own ``AccountApi``, which is
what a REST front would hold per API key.
"""
from __future__ import annotations

from decimal import Decimal, localcontext
from typing import Mapping

from exchange_mock import audit
from exchange_mock.config import VenueConfig
from exchange_mock.contracts import Contract
from exchange_mock.endpoints.account_info import AccountInfo
from exchange_mock.endpoints.account_settings import AccountSettingsApi
from exchange_mock.endpoints.history import History
from exchange_mock.endpoints.management import Management, fire_dead_man_switches
from exchange_mock.endpoints.market_data import MarketData
from exchange_mock.endpoints.market_history import MarketHistory
from exchange_mock.endpoints.trading import Trading
from exchange_mock.enums import PositionSide
from exchange_mock.events import Fill, VenueEvent
from exchange_mock.ledger import InsuranceFund, Ledger, ReconcileReport
from exchange_mock.market import Extremes, Market
from exchange_mock.money import EXACT
from exchange_mock.tape import MarketTape
from exchange_mock.violations import Violation
from exchange_mock.watch import QuietWatch


class AccountApi(MarketData, MarketHistory, AccountInfo, History, AccountSettingsApi, Management):
    """Endpoints and books of one account: the endpoint groups, plus the simulator's side."""

    _running_audit: audit.RunningAudit | None = None  # made by the first incremental reconcile

    @property
    def key(self) -> str:
        return self._account.key

    @property
    def ledger(self) -> Ledger:
        """The account's ledger: ``ledger.entries`` (LedgerEntry), ``ledger.deposits``, ``ledger.balance``."""
        return self._account.ledger

    @property
    def fills(self) -> list[Fill]:
        """Every fill of the account, in order (append-only: keep an index to read new ones)."""
        return self._account.fills

    @property
    def events(self) -> list[VenueEvent]:
        """Every event of the account, including fills of orders placed through ``place_order``."""
        return self._account.events

    def violations(self) -> list[Violation]:
        return list(self._account.violations)

    def deposit(self, amount: Decimal | str | int) -> None:
        value = Decimal(str(amount)) if not isinstance(amount, Decimal) else amount
        if not value.is_finite() or value <= 0:
            raise ValueError(f"deposit must be positive: {amount!r}")
        with localcontext(EXACT):
            self._account.deposit(value)

    def liquidation_price(self, symbol: str, positionSide: str = PositionSide.BOTH) -> Decimal | None:
        """Exact liquidation mark price of the position, before rounding to the tick (None: none)."""
        pos = self._account.positions.get((symbol, positionSide))
        if pos is None:
            return None
        with localcontext(EXACT):
            return self._account.liquidation_price(pos)

    def available_margin(self) -> Decimal:
        """Available margin before the reply's floor at zero (negative only under a cross loss)."""
        with localcontext(EXACT):
            return self._account.available()

    def margin_balance(self) -> Decimal:
        """Wallet - isolated margins - frozen + cross unrealized PnL: never negative after a step."""
        with localcontext(EXACT):
            return self._account.margin_balance()

    def open_position_count(self) -> int:
        return len(self._account.positions)

    def reconcile(self, *, strict: bool = False, incremental: bool = False) -> ReconcileReport:
        """Recompute the books from their records. A mismatch sets ``ok=False`` and lists the
        ``problems``; with ``strict=True`` it raises ``ReconcileError`` instead.

        Checks: wallet = deposits + entries (exact); positions = signed sums of fills; every
        order's executed quantity = its fills, within its quantity, in exactly one state; fees,
        PnL and funding on the fills and events = the ledger's; insurance fund = its entries.
        ``incremental``: carry this account's audit on from its last incremental call (records
        added since then, orders not yet settled), so that checking every few hundred requests
        stays linear in the length of a run; without it every record is recomputed."""
        if incremental and self._running_audit is None:
            self._running_audit = audit.RunningAudit()
        running = self._running_audit if incremental else None
        return audit.reconcile(self._account, self._market.insurance, strict=strict, running=running)


class Venue(AccountApi):
    """A mock BingX USDT-M perpetual venue with its default account ``"main"``."""

    def __init__(self, config: VenueConfig | None = None) -> None:
        market = Market(config or VenueConfig())
        super().__init__(market, market.open_account("main", market.config.initial_balance), MarketTape())

    @property
    def config(self) -> VenueConfig:
        return self._market.config

    @property
    def insurance_fund(self) -> InsuranceFund:
        return self._market.insurance

    def contract(self, symbol: str) -> Contract:
        return self._market.contracts[symbol]

    def open_account(self, key: str, initial_balance: Decimal | str | int | None = None) -> AccountApi:
        amount = self.config.initial_balance if initial_balance is None else Decimal(str(initial_balance))
        return AccountApi(self._market, self._market.open_account(key, amount), self._tape)

    def account(self, key: str) -> AccountApi:
        return AccountApi(self._market, self._market.accounts[key], self._tape)

    def record_market(self) -> None:
        """Record every later step on the market tape, which klines, 24 h tickers and funding-rate
        history are read from (a server's venue does; a simulation's need not)."""
        self._tape.recording = True

    def advance(self, ts_ms: int, prices: Mapping[str, float],
                mark_prices: Mapping[str, float] | None = None,
                extremes: Extremes | None = None) -> list[VenueEvent]:
        """Move the clock to ``ts_ms`` with the latest prices (venue symbols, e.g. ``BTC-USDT``).

        In this order: funding settlements crossed since the last call (at the current marks),
        resting orders crossed by the last prices, liquidations on the marks (``mark_prices``,
        default ``prices``), then the conditional orders whose trigger price was reached. Returns the events of this call, for every account. The mapping is
        kept by reference and read only for symbols that need it; call ``advance`` before placing
        orders so that the venue knows the time and prices. An account's expired dead man's switch
        (cancelAllAfter) cancels its working orders first. With ``record_market`` on, the step
        and the funding settlements it crossed go on the market tape. ``extremes`` (the highs and
        the lows of the bar that ends at ``ts_ms``) walks the bar first: resting orders and
        liquidations meet its high, then its low, then ``prices``."""
        events = fire_dead_man_switches(self._market, ts_ms)
        events += self._market.advance(ts_ms, prices, mark_prices, extremes)
        self._tape.record(ts_ms, prices, mark_prices, self._market.settled_ticks)
        return events

    def quiet_watch(self) -> QuietWatch | None:
        """What can make the next ``advance`` act (fill, liquidate, trigger, settle funding), as float
        triggers over the prices it will be given; None while they are not settled (an order,
        fill or settlement since the last ``advance``) and while the market tape records every
        step. A simulator may skip ``advance`` calls whose prices cross none of them and that come
        before ``next_timed_ms``: the venue's state is the same."""
        if self._tape.recording:
            return None
        return self._market.quiet_watch()
