"""One account at the venue: its state (settings, orders, positions, fills, ledger, events) and the
steps that change it.

The rules live in their own modules and read the account's data: order validation in
``order_checks``, margin arithmetic in ``margin``, liquidation rules in ``risk`` (and the run
that applies them in ``liquidator``), the resting and liquidation triggers in ``watch``, conditional
orders in ``conditional`` (and their placement rules in ``stop_checks``), funding in ``settlement``, the
single-slot record in ``violations`` and the books' audit in ``audit``. The account orchestrates: it places and ends orders, applies fills, books money,
settles funding, and runs matching and liquidation when prices move. Every step that could move
a trigger marks the watch dirty, so it is rebuilt before the next price check.
"""
from __future__ import annotations

from decimal import Decimal, localcontext
from typing import Mapping

from exchange_mock import margin, risk
from exchange_mock.book import RestingBook
from exchange_mock.conditional import expire_closing, fire_due, protect, stop_watch
from exchange_mock.contracts import Contract
from exchange_mock.core import VenueCore
from exchange_mock.enums import (
    IncomeType,
    Liquidity,
    OrderStatus,
    OrderType,
    PositionSide,
    TimeInForce,
)
from exchange_mock.errors import Code, VenueError, bad_request
from exchange_mock.events import Fill, OrderEnded, VenueEvent
from exchange_mock.ledger import Ledger, LedgerEntry
from exchange_mock.liquidator import liquidate_due
from exchange_mock.money import EXACT, ZERO
from exchange_mock.order_checks import OrderPlan, OrderRequest, validate
from exchange_mock.orders import Order
from exchange_mock.positions import Position
from exchange_mock.resting_fills import match_resting
from exchange_mock.settings import AccountSettings
from exchange_mock.violations import Violation, slot_violation
from exchange_mock.watch import Trigger, build_watch, watch_hits

_POSITION_SIDES = tuple(PositionSide)


class Account:
    def __init__(self, market: VenueCore, key: str, user_id: int) -> None:
        self.market = market
        self.key = key
        self.user_id = user_id
        self.settings = AccountSettings(market.config)
        self.ledger = Ledger()
        self.orders: dict[int, Order] = {}
        self.open_orders: dict[int, Order] = {}
        self.resting = RestingBook()
        self.conditional: dict[int, Order] = {}  # pending conditional orders, in id order
        self.positions: dict[tuple[str, str], Position] = {}
        self.fills: list[Fill] = []
        self.events: list[VenueEvent] = []
        self.violations: list[Violation] = []
        self.active: dict[str, None] = {}
        self.realised_total = ZERO
        self.client_ids: dict[str, int] = {}
        self.cancel_after_ms: int | None = None  # the dead man's switch (cancelAllAfter): market time
        self._watch: list[Trigger] = []
        self._watch_all_cross = False
        self._watch_trailing = False
        self._dirty = True

    # ----------------------------------------------------------------- settings

    @property
    def dual_side(self) -> bool:
        return self.settings.dual_side

    def leverage(self, contract: Contract, direction: int) -> int:
        return self.settings.leverage(contract, direction)

    def margin_type(self, symbol: str) -> str:
        return self.settings.margin_type(symbol)

    def has_exposure(self, symbol: str | None = None) -> bool:
        if symbol is None:
            return bool(self.positions or self.open_orders)
        return symbol in self.active

    def set_leverage(self, contract: Contract, side: str, leverage: int) -> None:
        """Change the leverage, refused when the margin it needs (working orders and positions of
        the symbol at the new initial margin) exceeds the available margin."""
        directions = self.settings.leverage_directions(contract, side, leverage)
        old = self.settings.leverage_pair(contract)
        new = (leverage if 1 in directions else old[0], leverage if -1 in directions else old[1])
        available = self.available()
        frozen_before = self.frozen_margin()
        self.settings.store_leverage(contract, new)
        needed = self.frozen_margin() - frozen_before
        extra, targets = margin.releverage(self.positions.values(), contract.symbol, directions, leverage)
        needed += extra
        if needed > 0 and needed > available:
            self.settings.store_leverage(contract, old)
            raise bad_request("margin is not enough")
        for pos, target in targets:
            pos.margin = target
            pos.leverage = leverage
        self._dirty = True

    def set_margin_type(self, contract: Contract, margin_type: str) -> None:
        if self.has_exposure(contract.symbol):
            raise bad_request("account has positions or pending orders")
        self.settings.store_margin_type(contract.symbol, margin_type)

    def set_position_mode(self, dual: bool) -> None:
        if self.has_exposure():
            raise VenueError(Code.POSITION_MODE_LOCKED)
        self.settings.dual_side = dual

    # ----------------------------------------------------------------- margin views

    def mark(self, pos: Position, contract: Contract) -> Decimal:
        """The current mark, or the last one seen if this scan has none."""
        mark = self.market.mark_price(contract)
        if mark is not None:
            pos.mark = mark
        return pos.mark

    def mark_of(self, pos: Position) -> Decimal:
        return self.mark(pos, self.market.contracts[pos.symbol])

    def frozen_margin(self, exclude: Order | None = None) -> Decimal:
        return margin.frozen_margin(self.open_orders.values(), self.positions, self.settings,
                                    self.market.contracts, self.market.matcher, exclude)

    def isolated_margin(self) -> Decimal:
        return margin.isolated_margin(self.positions.values())

    def margin_balance(self) -> Decimal:
        upnl = margin.cross_totals(self.positions.values(), self.mark_of)[1]
        return self.ledger.balance - self.isolated_margin() - self.frozen_margin() + upnl

    def available(self, exclude: Order | None = None) -> Decimal:
        im, upnl = margin.cross_totals(self.positions.values(), self.mark_of)
        return self.ledger.balance - self.isolated_margin() - self.frozen_margin(exclude) + upnl - im

    def liquidation_price(self, pos: Position) -> Decimal | None:
        """Exact mark price at which ``pos`` is liquidated (others held at their current marks)."""
        contract = self.market.contracts[pos.symbol]
        if pos.isolated:
            backing = pos.margin
        else:
            backing = self.margin_balance() - pos.unrealized(self.mark(pos, contract))
        return risk.liquidation_price(pos, backing, contract, self.market.matcher, self.market.liquidation)

    def reported_liquidation_price(self, pos: Position) -> Decimal:
        tick = self.market.contracts[pos.symbol].tick
        return risk.on_tick_grid(self.liquidation_price(pos), pos.direction, tick)

    # ----------------------------------------------------------------- orders

    def place(self, req: OrderRequest, *, dry_run: bool = False) -> Order:
        """Validate and place ``req``: it trades at once as far as it can, and rests if it may."""
        plan = validate(req, self)
        ts = self.market.ts_ms
        order = Order(
            order_id=0 if dry_run else self.market.ids.next("order"),
            client_order_id=req.client_order_id,
            symbol=req.contract.symbol,
            side=req.side,
            position_side=req.position_side,
            type=req.type,
            time_in_force=req.time_in_force,
            price=plan.price,
            quantity=plan.quantity,
            reduce_only=req.reduce_only,
            close_position=req.close_position,
            leverage=plan.leverage,
            time=ts,
            update_time=ts,
            stop=plan.stop,
            attached=req.attached,
        )
        if dry_run:
            return order
        if plan.stop is not None:
            self.queue(order)
            return order
        self._register(order)
        self.execute(order, req.contract, plan)
        return order

    def _register(self, order: Order) -> None:
        self.orders[order.order_id] = order
        if order.client_order_id:
            self.client_ids[order.client_order_id] = order.order_id

    def execute(self, order: Order, contract: Contract, plan: OrderPlan) -> None:
        """Trade ``order`` on arrival (placed, or a conditional order triggered) and rest what may."""
        self._on_arrival(order, contract, plan)
        if order.is_working:
            self.open_orders[order.order_id] = order
            self.resting.add(order)
            self._dirty = True
        self.refresh_active(order.symbol)

    def queue(self, order: Order) -> None:
        """Book a conditional order to wait for its trigger."""
        self._register(order)
        self.open_orders[order.order_id] = order
        self.conditional[order.order_id] = order
        self._dirty = True
        self.refresh_active(order.symbol)

    def _on_arrival(self, order: Order, contract: Contract, plan: OrderPlan) -> None:
        """Take what the quote allows: market orders fully or expire the rest; limits by their TIF."""
        matcher = self.market.matcher
        d = order.direction
        if order.executes_as == OrderType.MARKET:
            qty = matcher.fill_quantity(contract, order.remaining, taker=True)
            self.apply_fill(order, contract, qty, matcher.taker_price(contract, d, qty, plan.bid, plan.ask), Liquidity.TAKER)
            if order.is_working:
                order.end(OrderStatus.EXPIRED, self.market.ts_ms, "market order remainder")
            return
        tif = order.time_in_force
        marketable = plan.last is not None and matcher.marketable(d, order.price, plan.bid, plan.ask)
        if not marketable:
            if tif in (TimeInForce.IOC, TimeInForce.FOK):
                order.end(OrderStatus.EXPIRED, self.market.ts_ms, f"{tif} order not marketable")
            return
        qty = matcher.fill_quantity(contract, order.remaining, taker=True)
        if tif == TimeInForce.FOK and qty < order.remaining:
            order.end(OrderStatus.EXPIRED, self.market.ts_ms, "FOK order not fully fillable")
            return
        price = matcher.taker_price(contract, d, qty, plan.bid, plan.ask, order.price)
        self.apply_fill(order, contract, qty, price, Liquidity.TAKER)
        if tif == TimeInForce.IOC and order.is_working:
            order.end(OrderStatus.EXPIRED, self.market.ts_ms, "IOC remainder")

    def find_order(self, contract: Contract, order_id: int | None, client_order_id: str) -> Order:
        if order_id is not None:
            order = self.orders.get(order_id)
        elif client_order_id:
            found = self.client_ids.get(client_order_id)
            order = self.orders.get(found) if found is not None else None
        else:
            raise VenueError(Code.INVALID_PARAMETER, detail="orderId or clientOrderId is required")
        if order is None or order.symbol != contract.symbol:
            raise VenueError(Code.ORDER_NOT_EXIST)
        return order

    def cancel(self, order: Order) -> None:
        if order.status == OrderStatus.FILLED:
            raise VenueError(Code.ORDER_ALREADY_FILLED)
        if not order.is_working:
            raise VenueError(Code.ORDER_NOT_EXIST)
        self.end_order(order, OrderStatus.CANCELLED, "cancelled by account", notify=False)

    def end_order(self, order: Order, status: OrderStatus, reason: str, *, notify: bool = True) -> None:
        order.end(status, self.market.ts_ms, reason)
        self.unrest(order)
        self.refresh_active(order.symbol)
        if notify:
            self.events.append(OrderEnded(self.key, self.market.ts_ms, order.symbol, order.order_id,
                                          order.client_order_id, status, reason))

    def unrest(self, order: Order) -> None:
        """Take an order that stopped working out of the open-list and the book together."""
        del self.open_orders[order.order_id]
        if self.conditional.pop(order.order_id, None) is None:
            self.resting.remove(order)
        self._dirty = True

    def invalidate_watch(self) -> None:
        """Rebuild the price triggers on the next step (a position's margin changed by hand)."""
        self._dirty = True

    def refresh_active(self, symbol: str) -> None:
        busy = any((symbol, side) in self.positions for side in _POSITION_SIDES) or self.resting.holds(symbol) \
            or any(o.symbol == symbol for o in self.conditional.values())
        if busy:
            self.active[symbol] = None
        else:
            self.active.pop(symbol, None)

    # ----------------------------------------------------------------- fills and money

    def book(self, income_type: IncomeType, symbol: str, amount: Decimal, trade_id: int = 0,
              info: str = "", ts_ms: int | None = None) -> int:
        tran_id = self.market.ids.next("tran")
        ts = self.market.ts_ms if ts_ms is None else ts_ms
        self.ledger.post(LedgerEntry(tran_id, ts, symbol, income_type, amount, info, trade_id))
        if income_type == IncomeType.REALIZED_PNL:
            self.realised_total += amount
        return tran_id

    def deposit(self, amount: Decimal) -> None:
        self.ledger.deposit(self.market.ts_ms, amount)
        self._dirty = True

    def apply_fill(self, order: Order, contract: Contract, qty: Decimal, price: Decimal, liquidity: Liquidity) -> None:
        """Apply one execution: position, fee and PnL entries, order, single-slot record, fill event."""
        ts = self.market.ts_ms
        key = (order.symbol, order.position_side)
        pos = self.positions.get(key)
        is_new = pos is None
        leverage = self.leverage(contract, order.direction)
        if pos is None:
            pos = Position(order.symbol, order.position_side, self.market.ids.next("position"),
                           isolated=self.settings.isolated(order.symbol), leverage=leverage, open_ts=ts)
            self.positions[key] = pos
        effect = pos.apply(order.direction, qty, price, leverage, ts)
        if effect.flipped:
            pos.position_id = self.market.ids.next("position")
            pos.open_ts = ts
        fee = qty * price * self.market.matcher.fee_rate(contract, maker=liquidity == Liquidity.MAKER)
        trade_id = self.market.ids.next("trade")
        if fee:
            self.book(IncomeType.TRADING_FEE, order.symbol, -fee, trade_id)
        if effect.realized:
            self.book(IncomeType.REALIZED_PNL, order.symbol, effect.realized, trade_id)
        order.record_fill(qty, price, fee, effect.realized, ts)
        order.position_id = pos.position_id
        if not pos.qty:
            del self.positions[key]
        elif is_new:
            self._record_slot(pos)
        self.record_fill(Fill(self.key, ts, order.symbol, order.order_id, order.client_order_id, trade_id, order.side,
                               order.position_side, qty, price, fee, effect.realized, liquidity, order.status, pos.qty))
        if not pos.qty or effect.flipped:
            expire_closing(self, *key)
        if order.attached:
            protect(self, order)

    def record_fill(self, fill: Fill) -> None:
        self.fills.append(fill)
        self.events.append(fill)
        self._dirty = True

    def _record_slot(self, pos: Position) -> None:
        violation = slot_violation(pos, self.positions.values(), self.market.ts_ms, self.key)
        if violation is not None:
            self.violations.append(violation)

    # ----------------------------------------------------------------- time passing

    def on_prices(self, prices: Mapping[str, float], marks: Mapping[str, float]) -> None:
        """Fill crossed resting orders, liquidate what must be, then trigger the conditional orders
        the prices reached (and liquidate again after their fills); exact work only on a hit."""
        if self._dirty:
            self._rebuild_watch()
        fill_hit, liq_hit = watch_hits(self._watch, prices, marks)
        liq_hit = liq_hit or self._watch_all_cross
        if not (fill_hit or liq_hit or self._watch_trailing):
            return  # a pending conditional's level is folded into the same bounds
        with localcontext(EXACT):
            if fill_hit:
                match_resting(self)
            if liq_hit or self._dirty:
                liquidate_due(self)  # first: a price past a position's liquidation liquidates it
            if self.conditional and fire_due(self):
                liquidate_due(self)

    def _rebuild_watch(self) -> None:
        with localcontext(EXACT):
            watch, self._watch_all_cross = build_watch(
                self.active, self.resting, self.positions.values(), self.market.contracts,
                self.market.matcher, self.liquidation_price)
            self._watch, self._watch_trailing = stop_watch(watch, self.conditional.values(), self.market.contracts)
            self._dirty = False

    def settled_watch(self) -> tuple[list[Trigger], bool] | None:
        """The triggers ``on_prices`` tests, as built on the last prices (None: something changed
        since, and the next ``on_prices`` rebuilds them): prices and marks on the quiet side of
        every trigger change nothing at this account."""
        return None if self._dirty else (self._watch, self._watch_all_cross or self._watch_trailing)
