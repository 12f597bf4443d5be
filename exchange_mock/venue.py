"""The venue's Python interface: one method per BingX USDT-M perpetual endpoint, plus the
simulator's side (``advance``, ``deposit``, ``reconcile``, ``violations``, ledger and fills).

Endpoint methods take BingX's parameter names as keyword arguments, with values as an HTTP front
would pass them (strings such as ``quantity="0.0012"``, or Python values), and answer BingX's
envelope ``{"code", "msg", "data"}``. Bad input never raises: it answers an error code. Transport
fields (``timestamp``, ``recvWindow``, ``signature``) are accepted and ignored.

``Venue`` is the core plus its default account ``"main"``; ``open_account`` adds more accounts
on the same core (same clock, prices and rules), each behind its own ``AccountApi``, which is
what a REST front would hold per API key.
"""
from __future__ import annotations

from decimal import Decimal, localcontext
from typing import Any, Mapping

from exchange_mock import audit, params
from exchange_mock.account import Account
from exchange_mock.config import VenueConfig
from exchange_mock.contracts import QUOTE, Contract
from exchange_mock.envelope import NO_DATA, endpoint
from exchange_mock.errors import Code, VenueError, bad_request
from exchange_mock.events import Fill, VenueEvent
from exchange_mock.enums import (
    INCOME_TYPES,
    MARGIN_TYPES,
    ORDER_TYPES,
    POSITION_SIDES,
    SIDES,
    TIME_IN_FORCE,
    UNSUPPORTED_ORDER_TYPES,
    MarginType,
    OrderType,
    PositionSide,
    Side,
    TimeInForce,
)
from exchange_mock.ledger import InsuranceFund, Ledger, ReconcileReport
from exchange_mock.market import Market
from exchange_mock.money import EXACT, ROUND_DOWN, ROUND_HALF_EVEN, ZERO, divide, fmt, fmt_money
from exchange_mock.order_checks import OrderRequest
from exchange_mock.orders import Order
from exchange_mock.positions import initial_margin
from exchange_mock.violations import Violation
_ORDER_EXTRAS = frozenset({"stopPrice", "workingType", "priceRate", "stopLoss", "takeProfit", "stopGuaranteed",
                           "positionId", "activationPrice", "quoteOrderQty"})
_RATIO = Decimal("0.0001")
_DEFAULT_LIMIT = 100
_MAX_LIMIT = 1000


def _tf(value: bool) -> str:
    return "true" if value else "false"


class AccountApi:
    """Endpoints and books of one account."""

    def __init__(self, market: Market, account: Account) -> None:
        self._market = market
        self._account = account

    # ------------------------------------------------------------------ market data

    @endpoint
    def server_time(self, **extra: Any) -> dict[str, int]:
        params.check_extra(extra)
        return {"serverTime": self._market.ts_ms}

    @endpoint
    def contracts(self, symbol: str | None = None, **extra: Any) -> list[dict[str, Any]]:
        params.check_extra(extra)
        contract = params.symbol(symbol, self._market.contracts, needed=False)
        chosen = [contract] if contract else self._market.contracts.values()
        return [c.to_api() for c in chosen]

    @endpoint
    def premium_index(self, symbol: str | None = None, **extra: Any) -> dict[str, Any] | list[dict[str, Any]]:
        params.check_extra(extra)
        contract = params.symbol(symbol, self._market.contracts, needed=False)
        if contract is not None:
            return self._premium(contract)
        return [self._premium(c) for c in self._market.contracts.values()]

    def _premium(self, contract: Contract) -> dict[str, Any]:
        mark = self._market.mark_price(contract)
        shown = fmt(mark) if mark is not None else "0"
        next_time = self._market.funding_time()
        return {
            "symbol": contract.symbol,
            "markPrice": shown,
            "indexPrice": shown,
            "lastFundingRate": fmt(self._market.funding.rate_at(contract.symbol, next_time)),
            "nextFundingTime": next_time,
        }

    @endpoint
    def maint_margin_ratio(self, symbol: str | None = None, **extra: Any) -> list[dict[str, str]]:
        params.check_extra(extra)
        contract = params.symbol(symbol, self._market.contracts)
        return [t.to_api(contract.symbol) for t in contract.tiers]

    # ------------------------------------------------------------------ account

    @endpoint
    def balance(self, **extra: Any) -> list[dict[str, Any]]:
        params.check_extra(extra)
        acct = self._account
        snap = self.account_snapshot()
        return [{
            "userId": str(acct.user_id),
            "asset": QUOTE,
            "balance": fmt_money(snap["wallet"]),
            "equity": fmt_money(snap["equity"]),
            "unrealizedProfit": fmt_money(snap["unrealized"]),
            "realisedProfit": fmt_money(acct.realised_total),
            "availableMargin": fmt_money(max(ZERO, snap["available"])),
            "usedMargin": fmt_money(snap["margin_used"]),
            "freezedMargin": fmt_money(snap["frozen"]),
            "shortUid": str(acct.user_id),
        }]

    @endpoint
    def positions(self, symbol: str | None = None, **extra: Any) -> list[dict[str, Any]]:
        params.check_extra(extra)
        contract = params.symbol(symbol, self._market.contracts, needed=False)
        acct = self._account
        return [self._position(pos) for pos in list(acct.positions.values())
                if contract is None or pos.symbol == contract.symbol]

    def _position(self, pos: Any) -> dict[str, Any]:
        acct = self._account
        contract = self._market.contracts[pos.symbol]
        mark = acct.mark(pos, contract)
        upnl = pos.unrealized(mark)
        value = pos.size * mark
        im = initial_margin(pos.cost, pos.leverage)
        risk_num = contract.maintenance_margin(value) + value * self._market.matcher.fee_rate(contract, maker=False)
        backing = pos.margin + upnl if pos.isolated else acct.margin_balance()
        risk = divide(risk_num, backing, _RATIO, ROUND_HALF_EVEN) if backing > 0 else Decimal(1)
        return {
            "positionId": str(pos.position_id),
            "symbol": pos.symbol,
            "currency": QUOTE,
            "positionAmt": fmt(pos.size),
            "availableAmt": fmt(pos.size),
            "positionSide": pos.position_side if pos.position_side != PositionSide.BOTH else (
                PositionSide.LONG if pos.qty > 0 else PositionSide.SHORT),
            "isolated": pos.isolated,
            "avgPrice": fmt_money(pos.avg_price()),
            "initialMargin": fmt_money(im),
            "margin": fmt_money(pos.margin),
            "leverage": pos.leverage,
            "unrealizedProfit": fmt_money(upnl),
            "realisedProfit": fmt_money(pos.realised),
            "liquidationPrice": float(acct.reported_liquidation_price(pos)),
            "pnlRatio": fmt_money(divide(upnl, im, _RATIO, ROUND_HALF_EVEN)) if im else "0",
            "maxMarginReduction": "0",
            "riskRate": fmt_money(risk),
            "markPrice": fmt(mark),
            "positionValue": fmt_money(value),
            "onlyOnePosition": not acct.dual_side,
            "updateTime": pos.update_ts,
        }

    @endpoint
    def commission_rate(self, symbol: str | None = None, **extra: Any) -> dict[str, Any]:
        """BingX's endpoint takes no symbol; ``symbol`` (default BTC-USDT) picks the row whose
        rates to report when the fee model is the contracts table."""
        params.check_extra(extra)
        contract = params.symbol(symbol or "BTC-USDT", self._market.contracts)
        matcher = self._market.matcher
        return {"commission": {
            "takerCommissionRate": fmt(matcher.fee_rate(contract, maker=False)),
            "makerCommissionRate": fmt(matcher.fee_rate(contract, maker=True)),
        }}

    @endpoint
    def income(self, symbol: str | None = None, incomeType: str | None = None, startTime: Any = None,
               endTime: Any = None, limit: Any = None, **extra: Any) -> list[dict[str, Any]]:
        """Ledger entries, oldest first: from ``startTime`` the first ``limit``, otherwise the last."""
        params.check_extra(extra)
        contract = params.symbol(symbol, self._market.contracts, needed=False)
        kind = params.choice("incomeType", incomeType, INCOME_TYPES) if incomeType else ""
        start = params.integer("startTime", startTime)
        end = params.integer("endTime", endTime)
        count = params.integer("limit", limit) or _DEFAULT_LIMIT
        if not 1 <= count <= _MAX_LIMIT:
            raise VenueError(Code.INVALID_PARAMETER, detail=f"limit must be 1-{_MAX_LIMIT}")
        rows = [e for e in self._account.ledger.entries
                if (contract is None or e.symbol == contract.symbol) and (not kind or e.income_type == kind)
                and (start is None or e.ts_ms >= start) and (end is None or e.ts_ms <= end)]
        rows = rows[:count] if start is not None else rows[-count:]
        return [e.to_api(QUOTE) for e in rows]

    @endpoint
    def fill_history(self, symbol: str | None = None, startTs: Any = None, **extra: Any) -> dict[str, Any]:
        """The account's fills, oldest first (``liquidityIndicator`` MAKER, TAKER or LIQUIDATION)."""
        params.check_extra(extra)
        contract = params.symbol(symbol, self._market.contracts, needed=False)
        start = params.integer("startTs", startTs)
        return {"fill_history_orders": [
            _fill_to_api(f) for f in self._account.fills
            if (contract is None or f.symbol == contract.symbol) and (start is None or f.ts_ms >= start)]}

    # ------------------------------------------------------------------ settings

    @endpoint
    def get_leverage(self, symbol: str | None = None, **extra: Any) -> dict[str, Any]:
        params.check_extra(extra)
        contract = params.symbol(symbol, self._market.contracts)
        acct = self._account
        long_lev, short_lev = acct.leverage(contract, 1), acct.leverage(contract, -1)
        available = max(ZERO, acct.available())
        price = self._market.last_price(contract)
        taker = self._market.matcher.fee_rate(contract, maker=False)

        def volume(leverage: int) -> str:
            """Largest quantity whose initial margin and taker fee at the last price fit."""
            if not price:
                return "0"
            return fmt(divide(available * leverage, price * (1 + leverage * taker), contract.step, ROUND_DOWN))

        cap = fmt(contract.tiers[-1].max_value)
        return {
            "longLeverage": long_lev,
            "shortLeverage": short_lev,
            "maxLongLeverage": contract.max_long_leverage,
            "maxShortLeverage": contract.max_short_leverage,
            "availableLongVol": volume(long_lev),
            "availableShortVol": volume(short_lev),
            "availableLongVal": fmt_money(available * long_lev),
            "availableShortVal": fmt_money(available * short_lev),
            "maxPositionLongVal": cap,
            "maxPositionShortVal": cap,
        }

    @endpoint
    def set_leverage(self, symbol: str | None = None, side: str | None = None, leverage: Any = None,
                     **extra: Any) -> dict[str, Any]:
        params.check_extra(extra)
        contract = params.symbol(symbol, self._market.contracts)
        chosen = params.choice("side", side, POSITION_SIDES)
        value = params.integer("leverage", leverage, needed=True)
        self._account.set_leverage(contract, chosen, value)
        return {"leverage": value, "symbol": contract.symbol}

    @endpoint
    def get_margin_type(self, symbol: str | None = None, **extra: Any) -> dict[str, str]:
        params.check_extra(extra)
        contract = params.symbol(symbol, self._market.contracts)
        return {"marginType": self._account.margin_type(contract.symbol)}

    @endpoint
    def set_margin_type(self, symbol: str | None = None, marginType: str | None = None, **extra: Any) -> object:
        params.check_extra(extra)
        contract = params.symbol(symbol, self._market.contracts)
        chosen = params.choice("marginType", marginType, MARGIN_TYPES)
        if chosen not in tuple(MarginType):
            raise bad_request(f"marginType {chosen} is not supported by this venue")
        self._account.set_margin_type(contract, chosen)
        return NO_DATA

    @endpoint
    def get_position_mode(self, **extra: Any) -> dict[str, str]:
        params.check_extra(extra)
        return {"dualSidePosition": _tf(self._account.dual_side)}

    @endpoint
    def set_position_mode(self, dualSidePosition: Any = None, **extra: Any) -> dict[str, str]:
        params.check_extra(extra)
        if dualSidePosition is None or dualSidePosition == "":
            raise params.required("dualSidePosition")
        self._account.set_position_mode(params.flag("dualSidePosition", dualSidePosition))
        return {"dualSidePosition": _tf(self._account.dual_side)}

    # ------------------------------------------------------------------ orders

    def _order_request(self, symbol: Any, side: Any, positionSide: Any, type: Any, quantity: Any, price: Any,
                       timeInForce: Any, reduceOnly: Any, closePosition: Any, clientOrderID: Any,
                       clientOrderId: Any, extra: Mapping[str, Any]) -> OrderRequest:
        params.check_extra(extra, _ORDER_EXTRAS)
        contract = params.symbol(symbol, self._market.contracts)
        chosen_side = params.choice("side", side, SIDES)
        default_side = None if self._account.dual_side else PositionSide.BOTH
        position_side = params.choice("positionSide", positionSide, POSITION_SIDES, default=default_side)
        order_type = params.choice("type", type, ORDER_TYPES + UNSUPPORTED_ORDER_TYPES)
        if order_type not in ORDER_TYPES:
            raise bad_request(f"order type {order_type} is not supported by this venue")
        tif = params.choice("timeInForce", timeInForce, TIME_IN_FORCE, default=TimeInForce.GTC) \
            if order_type == OrderType.LIMIT else ""
        qty = params.number("quantity", quantity)
        if qty is not None and qty <= 0:
            raise params.invalid("quantity", quantity)
        limit_price = params.number("price", price)
        if limit_price is not None and limit_price <= 0:
            raise params.invalid("price", price)
        return OrderRequest(
            contract=contract,
            side=chosen_side,
            position_side=position_side,
            type=order_type,
            time_in_force=tif,
            quantity=qty,
            price=limit_price if order_type == OrderType.LIMIT else None,
            reduce_only=params.flag("reduceOnly", reduceOnly),
            close_position=params.flag("closePosition", closePosition),
            client_order_id=params.client_order_id(clientOrderID, clientOrderId),
        )

    @endpoint
    def place_order(self, *, symbol: Any = None, side: Any = None, positionSide: Any = None, type: Any = None,
                    quantity: Any = None, price: Any = None, timeInForce: Any = None, reduceOnly: Any = None,
                    closePosition: Any = None, clientOrderID: Any = None, clientOrderId: Any = None,
                    **extra: Any) -> dict[str, Any]:
        req = self._order_request(symbol, side, positionSide, type, quantity, price, timeInForce, reduceOnly,
                                  closePosition, clientOrderID, clientOrderId, extra)
        return {"order": self._account.place(req).to_api()}

    @endpoint
    def test_order(self, *, symbol: Any = None, side: Any = None, positionSide: Any = None, type: Any = None,
                   quantity: Any = None, price: Any = None, timeInForce: Any = None, reduceOnly: Any = None,
                   closePosition: Any = None, clientOrderID: Any = None, clientOrderId: Any = None,
                   **extra: Any) -> dict[str, Any]:
        """Validates like ``place_order`` (margin included) and places nothing; ``orderId`` is 0."""
        req = self._order_request(symbol, side, positionSide, type, quantity, price, timeInForce, reduceOnly,
                                  closePosition, clientOrderID, clientOrderId, extra)
        return {"order": self._account.place(req, dry_run=True).to_api()}

    def _find(self, symbol: Any, orderId: Any, clientOrderID: Any, clientOrderId: Any) -> Any:
        contract = params.symbol(symbol, self._market.contracts)
        order_id = params.integer("orderId", orderId)
        client_id = params.client_order_id(clientOrderID, clientOrderId)
        return self._account.find_order(contract, order_id, client_id)

    @endpoint
    def cancel_order(self, *, symbol: Any = None, orderId: Any = None, clientOrderID: Any = None,
                     clientOrderId: Any = None, **extra: Any) -> dict[str, Any]:
        params.check_extra(extra)
        order = self._find(symbol, orderId, clientOrderID, clientOrderId)
        self._account.cancel(order)
        return {"order": order.to_api()}

    def _working(self, symbol: Any, type: Any) -> list[Order]:
        """The working orders, optionally of one symbol and one order type."""
        contract = params.symbol(symbol, self._market.contracts, needed=False)
        order_type = params.choice("type", type, ORDER_TYPES) if type else ""
        return [o for o in self._account.open_orders.values()
                if (contract is None or o.symbol == contract.symbol) and (not order_type or o.type == order_type)]

    @endpoint
    def cancel_all_orders(self, *, symbol: Any = None, type: Any = None, **extra: Any) -> dict[str, Any]:
        params.check_extra(extra)
        chosen = self._working(symbol, type)
        for order in chosen:
            self._account.cancel(order)
        return {"success": [o.to_api() for o in chosen], "failed": None}

    @endpoint
    def query_order(self, *, symbol: Any = None, orderId: Any = None, clientOrderID: Any = None,
                    clientOrderId: Any = None, **extra: Any) -> dict[str, Any]:
        params.check_extra(extra)
        return {"order": self._find(symbol, orderId, clientOrderID, clientOrderId).to_api()}

    @endpoint
    def open_orders(self, *, symbol: Any = None, type: Any = None, **extra: Any) -> dict[str, Any]:
        params.check_extra(extra)
        return {"orders": [o.to_api() for o in self._working(symbol, type)]}

    @endpoint
    def close_all_positions(self, *, symbol: Any = None, **extra: Any) -> dict[str, Any]:
        """Market-close every position (of ``symbol``); refusals are listed under ``failed``."""
        params.check_extra(extra)
        contract = params.symbol(symbol, self._market.contracts, needed=False)
        acct = self._account
        success: list[int] = []
        failed: list[dict[str, Any]] = []
        for pos in list(acct.positions.values()):
            if contract is not None and pos.symbol != contract.symbol:
                continue
            req = OrderRequest(self._market.contracts[pos.symbol], Side.of(-pos.direction),
                               pos.position_side, OrderType.MARKET, "", None, None, False, True, "")
            try:
                success.append(acct.place(req).order_id)
            except VenueError as exc:
                failed.append({"orderId": 0, "clientOrderId": "", "errorCode": int(exc.code),
                               "errorMessage": exc.msg})
        return {"success": success, "failed": failed or None}

    # ------------------------------------------------------------------ simulator side

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

    def account_snapshot(self) -> dict[str, Decimal]:
        """Exact money view at the current marks: wallet, equity, unrealized, margin_used
        (position margins), frozen (working orders), available (before the floor at zero)."""
        acct = self._account
        with localcontext(EXACT):
            upnl = used = ZERO
            for pos in acct.positions.values():
                upnl += pos.unrealized(acct.mark(pos, self._market.contracts[pos.symbol]))
                used += pos.margin
            wallet = acct.ledger.balance
            return {"wallet": wallet, "equity": wallet + upnl, "unrealized": upnl, "margin_used": used,
                    "frozen": acct.frozen_margin(), "available": acct.available()}

    def reconcile(self, *, strict: bool = False) -> ReconcileReport:
        """Recompute the books from their records. A mismatch sets ``ok=False`` and lists the
        ``problems``; with ``strict=True`` it raises ``ReconcileError`` instead.

        Checks: wallet = deposits + entries (exact); positions = signed sums of fills; every
        order's executed quantity = its fills, within its quantity, in exactly one state; fees,
        PnL and funding on the fills and events = the ledger's; insurance fund = its entries."""
        return audit.reconcile(self._account, self._market.insurance, strict=strict)


def _fill_to_api(f: Fill) -> dict[str, Any]:
    return {
        "symbol": f.symbol,
        "orderId": f.order_id,
        "tradeId": f.trade_id,
        "clientOrderId": f.client_order_id,
        "side": f.side,
        "positionSide": f.position_side,
        "price": fmt(f.price),
        "volume": fmt(f.quantity),
        "amount": fmt_money(f.quantity * f.price),
        "commission": fmt_money(-f.fee),
        "currency": QUOTE,
        "realisedPNL": fmt_money(f.realized_pnl),
        "liquidityIndicator": f.liquidity,
        "filledTm": f.ts_ms,
    }


class Venue(AccountApi):
    """A mock BingX USDT-M perpetual venue with its default account ``"main"``."""

    def __init__(self, config: VenueConfig | None = None) -> None:
        market = Market(config or VenueConfig())
        super().__init__(market, market.open_account("main", market.config.initial_balance))

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
        return AccountApi(self._market, self._market.open_account(key, amount))

    def account(self, key: str) -> AccountApi:
        return AccountApi(self._market, self._market.accounts[key])

    def advance(self, ts_ms: int, prices: Mapping[str, float],
                mark_prices: Mapping[str, float] | None = None) -> list[VenueEvent]:
        """Move the clock to ``ts_ms`` with the latest prices (venue symbols, e.g. ``BTC-USDT``).

        In this order: funding settlements crossed since the last call (at the current marks),
        resting orders crossed by the last prices, liquidations on the marks (``mark_prices``,
        default ``prices``). Returns the events of this call, for every account. The mapping is
        kept by reference and read only for symbols that need it; call ``advance`` before placing
        orders so that the venue knows the time and prices."""
        return self._market.advance(ts_ms, prices, mark_prices)
