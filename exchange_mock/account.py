"""One account at the venue: its settings, orders, positions, ledger, and the rules that bind them.

Every rule lives here once, whatever front calls it: order validation (position mode,
reduce-only, minimums, leverage, margin), fills, funding, liquidation, and the single-slot
violation record. Margin views, all in USDT:

- ``margin_balance`` = wallet - isolated margins - frozen order margin + cross unrealized PnL:
  what backs the cross positions (BingX's cross-risk denominator);
- ``available`` = margin_balance - cross initial margin: what a new order may use. An order
  needs the initial margin of the part that opens or grows a position, plus its opening fee,
  so that paying the fee can never make the available margin negative.

Isolated liquidation closes at the bankruptcy price: the account loses exactly the position
margin (the clearance fee, at the taker rate on the mark value, comes out of what is left of
it), and the insurance fund books the difference to the mark value: a surplus, or bad debt
when the mark had gapped beyond the bankruptcy price. Cross liquidation cancels the cross
orders, then closes the cross position with the largest loss at the mark until the risk is
below 100%; a deficit left after the last one is covered by the fund (INSURANCE_CLEAR).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, localcontext
from functools import partial
from typing import TYPE_CHECKING, Mapping

from exchange_mock.book import RestingBook
from exchange_mock.contracts import Contract
from exchange_mock.errors import Code, VenueError, bad_request
from exchange_mock.events import Fill, FundingSettlement, Liquidation, OrderEnded, VenueEvent
from exchange_mock.ledger import (
    FUNDING_FEE,
    INSURANCE_CLEAR,
    LIQUIDATION_INFO,
    REALIZED_PNL,
    TRADING_FEE,
    Ledger,
    LedgerEntry,
)
from exchange_mock.matching import mark_threshold
from exchange_mock.money import (
    EXACT,
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_EVEN,
    ZERO,
    divide,
    quantize,
)
from exchange_mock.orders import (
    CANCELLED,
    EXPIRED,
    FILLED,
    FOK,
    IOC,
    LIMIT,
    MARKET,
    POST_ONLY,
    Order,
)
from exchange_mock.positions import Position, initial_margin

if TYPE_CHECKING:
    from exchange_mock.market import Market

BOTH, LONG, SHORT = "BOTH", "LONG", "SHORT"
ISOLATED, CROSSED = "ISOLATED", "CROSSED"
MAKER, TAKER, LIQUIDATION = "MAKER", "TAKER", "LIQUIDATION"
SECOND_OPEN_POSITION = "SECOND_OPEN_POSITION"
SECOND_SYMBOL = "SECOND_SYMBOL"

_INF = float("inf")


@dataclass(frozen=True, slots=True)
class Violation:
    """A rule the venue does not enforce but records: the engine's single slot.

    ``kind`` is SECOND_SYMBOL (a position opened while another symbol had one) or
    SECOND_OPEN_POSITION (the other side of the same symbol, hedge mode)."""

    ts_ms: int
    account: str
    kind: str
    symbol: str
    open_positions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """A syntactically valid order, before the account's rules are applied."""

    contract: Contract
    side: str
    position_side: str
    type: str
    time_in_force: str
    quantity: Decimal | None
    price: Decimal | None
    reduce_only: bool
    close_position: bool
    client_order_id: str

    @property
    def direction(self) -> int:
        return 1 if self.side == "BUY" else -1


@dataclass(frozen=True, slots=True)
class _Plan:
    quantity: Decimal
    price: Decimal | None
    leverage: int
    last: Decimal | None
    bid: Decimal | None
    ask: Decimal | None


class Account:
    def __init__(self, market: Market, key: str, user_id: int) -> None:
        self.market = market
        self.key = key
        self.user_id = user_id
        self.ledger = Ledger()
        self.orders: dict[int, Order] = {}
        self.open_orders: dict[int, Order] = {}
        self.resting = RestingBook()
        self.positions: dict[tuple[str, str], Position] = {}
        self.fills: list[Fill] = []
        self.events: list[VenueEvent] = []
        self.violations: list[Violation] = []
        self.dual_side = market.config.dual_side_position
        self.active: dict[str, None] = {}
        self.realised_total = ZERO
        self._client_ids: dict[str, int] = {}
        self._leverage: dict[str, tuple[int, int]] = {}
        self._margin_type: dict[str, str] = {}
        self._watch: list[tuple[str, float, float, float, float]] = []
        self._watch_all_cross = False
        self._dirty = True

    # ----------------------------------------------------------------- settings

    def leverage(self, contract: Contract, direction: int) -> int:
        pair = self._leverage.get(contract.symbol)
        if pair is None:
            return min(self.market.config.default_leverage, contract.max_leverage(direction))
        return pair[0] if direction > 0 else pair[1]

    def margin_type(self, symbol: str) -> str:
        return self._margin_type.get(symbol, self.market.config.default_margin_type)

    def has_exposure(self, symbol: str | None = None) -> bool:
        if symbol is None:
            return bool(self.positions or self.open_orders)
        return symbol in self.active

    def set_leverage(self, contract: Contract, side: str, leverage: int) -> None:
        if leverage < 1:
            raise VenueError(Code.INVALID_PARAMETER, detail=f"leverage: invalid value {leverage}")
        if self.dual_side and side == BOTH:
            raise bad_request("side must be LONG or SHORT in Hedge mode")
        directions = (1, -1) if side == BOTH else (1,) if side == LONG else (-1,)
        for d in directions:
            if leverage > contract.max_leverage(d):
                raise VenueError(Code.MAX_LEVERAGE, max_leverage=contract.max_leverage(d))
        old = (self.leverage(contract, 1), self.leverage(contract, -1))
        new = (leverage if 1 in directions else old[0], leverage if -1 in directions else old[1])
        available = self.available()
        frozen_before = self.frozen_margin()
        self._leverage[contract.symbol] = new
        needed = self.frozen_margin() - frozen_before
        margins: list[tuple[Position, Decimal]] = []
        for pos in self.positions.values():
            if pos.symbol == contract.symbol and pos.direction in directions:
                required = initial_margin(pos.cost, leverage)
                target = max(required, pos.margin) if pos.isolated else required
                needed += target - pos.margin
                margins.append((pos, target))
        if needed > 0 and needed > available:
            self._leverage[contract.symbol] = old
            raise bad_request("margin is not enough")
        for pos, target in margins:
            pos.margin = target
            pos.leverage = leverage
        self._dirty = True

    def set_margin_type(self, contract: Contract, margin_type: str) -> None:
        if self.has_exposure(contract.symbol):
            raise bad_request("account has positions or pending orders")
        self._margin_type[contract.symbol] = margin_type

    def set_position_mode(self, dual: bool) -> None:
        if self.has_exposure():
            raise VenueError(Code.POSITION_MODE_LOCKED)
        self.dual_side = dual

    # ----------------------------------------------------------------- margin views

    def mark(self, pos: Position, contract: Contract) -> Decimal:
        """The current mark, or the last one seen if this scan has none."""
        mark = self.market.mark_price(contract)
        if mark is not None:
            pos.mark = mark
        return pos.mark

    def _closable(self, symbol: str, position_side: str, direction: int) -> Decimal:
        pos = self.positions.get((symbol, position_side))
        return pos.size if pos is not None and pos.direction == -direction else ZERO

    def _closable_after_orders(self, symbol: str, direction: int) -> Decimal:
        """One-way: what a new order could still close after the working orders ahead of it."""
        left = self._closable(symbol, BOTH, direction)
        for order in self.open_orders.values():
            if left and order.symbol == symbol and order.direction == direction and not order.reduce_only:
                left -= min(left, order.remaining)
        return left

    def _is_closing_side(self, position_side: str, direction: int) -> bool:
        """Hedge mode: SELL+LONG and BUY+SHORT close."""
        return (position_side == LONG and direction < 0) or (position_side == SHORT and direction > 0)

    def _order_margin(self, contract: Contract, qty: Decimal, price: Decimal, leverage: int, post_only: bool) -> Decimal:
        notional = qty * price
        return initial_margin(notional, leverage) + notional * self.market.matcher.fee_rate(contract, maker=post_only)

    def frozen_margin(self, exclude: Order | None = None) -> Decimal:
        """Margin held by working orders for the part of them that would open or grow a position
        (in one-way mode, opposite orders first use up the position they would close)."""
        total = ZERO
        closable_left: dict[tuple[str, int], Decimal] = {}
        contracts = self.market.contracts
        for order in self.open_orders.values():
            if order is exclude or order.reduce_only:
                continue
            d = order.direction
            if self.dual_side:
                if self._is_closing_side(order.position_side, d):
                    continue
                opening = order.remaining
            else:
                key = (order.symbol, d)
                left = closable_left.get(key)
                if left is None:
                    left = self._closable(order.symbol, BOTH, d)
                used = min(left, order.remaining)
                closable_left[key] = left - used
                opening = order.remaining - used
            if opening:
                contract = contracts[order.symbol]
                total += self._order_margin(contract, opening, order.price, self.leverage(contract, d),
                                            order.time_in_force == POST_ONLY)
        return total

    def _cross(self) -> tuple[Decimal, Decimal]:
        """(initial margin, unrealized PnL) of the cross positions."""
        im = upnl = ZERO
        for pos in self.positions.values():
            if not pos.isolated:
                im += pos.margin
                upnl += pos.unrealized(self.mark(pos, self.market.contracts[pos.symbol]))
        return im, upnl

    def isolated_margin(self) -> Decimal:
        return sum((p.margin for p in self.positions.values() if p.isolated), ZERO)

    def margin_balance(self) -> Decimal:
        return self.ledger.balance - self.isolated_margin() - self.frozen_margin() + self._cross()[1]

    def available(self, exclude: Order | None = None) -> Decimal:
        im, upnl = self._cross()
        return self.ledger.balance - self.isolated_margin() - self.frozen_margin(exclude) + upnl - im

    def liquidation_price(self, pos: Position) -> Decimal | None:
        """Exact mark price at which ``pos`` is liquidated (others held at their current marks)."""
        contract = self.market.contracts[pos.symbol]
        if pos.isolated:
            backing = pos.margin
        else:
            backing = self.margin_balance() - pos.unrealized(self.mark(pos, contract))
        taker = self.market.matcher.fee_rate(contract, maker=False)
        return self.market.liquidation.price(pos.direction, pos.size, pos.cost, backing, contract, taker)

    def reported_liquidation_price(self, pos: Position) -> Decimal:
        """The liquidation price on the tick grid: the first tick at which the mark triggers it."""
        exact = self.liquidation_price(pos)
        if exact is None:
            return ZERO
        tick = self.market.contracts[pos.symbol].tick
        return quantize(exact, tick, ROUND_FLOOR if pos.direction > 0 else ROUND_CEILING)

    # ----------------------------------------------------------------- orders

    def validate(self, req: OrderRequest) -> _Plan:
        contract = req.contract
        d = req.direction
        market = self.market
        if self.dual_side:
            if req.position_side == BOTH:
                raise bad_request("positionSide must be LONG or SHORT in Hedge mode")
            if req.reduce_only:
                raise bad_request("In the Hedge mode, the 'ReduceOnly' field can not be filled.")
        elif req.position_side != BOTH:
            raise bad_request("positionSide must be BOTH in one-way mode")
        if req.client_order_id and req.client_order_id in self._client_ids:
            raise VenueError(Code.DUPLICATE_CLIENT_ORDER_ID)
        hedge_close = self.dual_side and self._is_closing_side(req.position_side, d)
        closing = req.reduce_only or req.close_position or hedge_close
        closable = self._closable(contract.symbol, req.position_side, d)
        if req.close_position:
            if req.quantity is not None or req.reduce_only:
                raise VenueError(Code.PARAMETER_REQUIREMENT,
                                 detail="closePosition cannot be combined with quantity or reduceOnly")
            if not closable:
                raise VenueError(Code.NO_POSITION_TO_CLOSE)
            qty = closable
        else:
            if req.quantity is None:
                raise VenueError(Code.INVALID_PARAMETER, detail="parameter quantity is must")
            qty = quantize(req.quantity, contract.step, ROUND_DOWN)
            if qty < contract.min_qty:
                raise VenueError(Code.BELOW_MINIMUM,
                                 detail=f"The minimum order amount is {contract.min_qty} {contract.asset}")
            if closing and qty > closable:
                if req.reduce_only:
                    raise VenueError(Code.REDUCE_ONLY_INCREASES)
                raise VenueError(Code.NO_POSITION_TO_CLOSE)
        leverage = self.leverage(contract, d)
        price = None
        if req.type == LIMIT:
            if req.price is None:
                raise VenueError(Code.INVALID_PARAMETER, detail="parameter price is must")
            price = quantize(req.price, contract.tick, ROUND_DOWN)
            if price <= 0:
                raise VenueError(Code.INVALID_PARAMETER, detail=f"price: invalid value {req.price}")
        last = market.last_price(contract)
        bid = ask = None
        if last is not None:
            bid, ask = market.matcher.quote(contract, last)
        if req.type == MARKET:
            if last is None:
                raise VenueError(Code.BELOW_MINIMUM, detail=f"{contract.symbol} has no price: pair not tradable")
            reference = market.matcher.taker_price(contract, d, qty, bid, ask)
        else:
            reference = price
        if not closing and qty * reference < contract.min_notional:
            raise VenueError(Code.BELOW_MINIMUM, detail=(
                f"The minimum nominal value of the order should be greater than {contract.min_notional}u"))
        post_only = req.type == LIMIT and req.time_in_force == POST_ONLY
        if post_only and last is not None and market.matcher.marketable(d, price, bid, ask):
            raise VenueError(Code.POST_ONLY_WOULD_TAKE)
        if not closing:
            opening = qty if self.dual_side else max(ZERO, qty - self._closable_after_orders(contract.symbol, d))
            if opening and self._order_margin(contract, opening, reference, leverage, post_only) > self.available():
                raise VenueError(Code.INSUFFICIENT_MARGIN)
        return _Plan(qty, price, leverage, last, bid, ask)

    def place(self, req: OrderRequest, *, dry_run: bool = False) -> Order:
        plan = self.validate(req)
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
        )
        if dry_run:
            return order
        self.orders[order.order_id] = order
        if order.client_order_id:
            self._client_ids[order.client_order_id] = order.order_id
        self._on_arrival(order, req.contract, plan)
        if order.is_working:
            self.open_orders[order.order_id] = order
            self.resting.add(order)
            self._dirty = True
        self._refresh_active(order.symbol)
        return order

    def _on_arrival(self, order: Order, contract: Contract, plan: _Plan) -> None:
        matcher = self.market.matcher
        d = order.direction
        if order.type == MARKET:
            qty = matcher.fill_quantity(contract, order.remaining, taker=True)
            self._fill(order, contract, qty, matcher.taker_price(contract, d, qty, plan.bid, plan.ask), TAKER)
            if order.is_working:
                order.end(EXPIRED, self.market.ts_ms, "market order remainder")
            return
        tif = order.time_in_force
        marketable = plan.last is not None and matcher.marketable(d, order.price, plan.bid, plan.ask)
        if not marketable:
            if tif in (IOC, FOK):
                order.end(EXPIRED, self.market.ts_ms, f"{tif} order not marketable")
            return
        qty = matcher.fill_quantity(contract, order.remaining, taker=True)
        if tif == FOK and qty < order.remaining:
            order.end(EXPIRED, self.market.ts_ms, "FOK order not fully fillable")
            return
        price = matcher.taker_price(contract, d, qty, plan.bid, plan.ask, order.price)
        self._fill(order, contract, qty, price, TAKER)
        if tif == IOC and order.is_working:
            order.end(EXPIRED, self.market.ts_ms, "IOC remainder")

    def find_order(self, contract: Contract, order_id: int | None, client_order_id: str) -> Order:
        if order_id is not None:
            order = self.orders.get(order_id)
        elif client_order_id:
            found = self._client_ids.get(client_order_id)
            order = self.orders.get(found) if found is not None else None
        else:
            raise VenueError(Code.INVALID_PARAMETER, detail="orderId or clientOrderId is required")
        if order is None or order.symbol != contract.symbol:
            raise VenueError(Code.ORDER_NOT_EXIST)
        return order

    def cancel(self, order: Order) -> None:
        if order.status == FILLED:
            raise VenueError(Code.ORDER_ALREADY_FILLED)
        if not order.is_working:
            raise VenueError(Code.ORDER_NOT_EXIST)
        self._end(order, CANCELLED, "cancelled by account", notify=False)

    def _end(self, order: Order, status: str, reason: str, *, notify: bool = True) -> None:
        order.end(status, self.market.ts_ms, reason)
        self._unrest(order)
        self._refresh_active(order.symbol)
        if notify:
            self.events.append(OrderEnded(self.key, self.market.ts_ms, order.symbol, order.order_id,
                                          order.client_order_id, status, reason))

    def _unrest(self, order: Order) -> None:
        """Take an order that stopped working out of the open-list and the book together."""
        del self.open_orders[order.order_id]
        self.resting.remove(order)
        self._dirty = True

    def _refresh_active(self, symbol: str) -> None:
        busy = any((symbol, side) in self.positions for side in (BOTH, LONG, SHORT)) or self.resting.holds(symbol)
        if busy:
            self.active[symbol] = None
        else:
            self.active.pop(symbol, None)

    # ----------------------------------------------------------------- fills and money

    def _book(self, income_type: str, symbol: str, amount: Decimal, trade_id: int = 0,
              info: str = "", ts_ms: int | None = None) -> int:
        tran_id = self.market.ids.next("tran")
        ts = self.market.ts_ms if ts_ms is None else ts_ms
        self.ledger.post(LedgerEntry(tran_id, ts, symbol, income_type, amount, info, trade_id))
        if income_type == REALIZED_PNL:
            self.realised_total += amount
        return tran_id

    def deposit(self, amount: Decimal) -> None:
        self.ledger.deposit(self.market.ts_ms, amount)
        self._dirty = True

    def _fill(self, order: Order, contract: Contract, qty: Decimal, price: Decimal, liquidity: str) -> None:
        ts = self.market.ts_ms
        key = (order.symbol, order.position_side)
        pos = self.positions.get(key)
        is_new = pos is None
        leverage = self.leverage(contract, order.direction)
        if pos is None:
            pos = Position(order.symbol, order.position_side, self.market.ids.next("position"),
                           isolated=self.margin_type(order.symbol) == ISOLATED, leverage=leverage, open_ts=ts)
            self.positions[key] = pos
        effect = pos.apply(order.direction, qty, price, leverage, ts)
        if effect.flipped:
            pos.position_id = self.market.ids.next("position")
            pos.open_ts = ts
        fee = qty * price * self.market.matcher.fee_rate(contract, maker=liquidity == MAKER)
        trade_id = self.market.ids.next("trade")
        if fee:
            self._book(TRADING_FEE, order.symbol, -fee, trade_id)
        if effect.realized:
            self._book(REALIZED_PNL, order.symbol, effect.realized, trade_id)
        order.record_fill(qty, price, fee, effect.realized, ts)
        order.position_id = pos.position_id
        if not pos.qty:
            del self.positions[key]
        elif is_new:
            self._record_slot(pos)
        fill = Fill(self.key, ts, order.symbol, order.order_id, order.client_order_id, trade_id, order.side,
                    order.position_side, qty, price, fee, effect.realized, liquidity, order.status, pos.qty)
        self.fills.append(fill)
        self.events.append(fill)
        self._dirty = True

    def _record_slot(self, pos: Position) -> None:
        others = [p for p in self.positions.values() if p is not pos]
        if not others:
            return
        kind = SECOND_OPEN_POSITION if any(p.symbol == pos.symbol for p in others) else SECOND_SYMBOL
        held = tuple(f"{p.symbol}:{p.position_side}" for p in self.positions.values())
        self.violations.append(Violation(self.market.ts_ms, self.key, kind, pos.symbol, held))

    # ----------------------------------------------------------------- time passing

    def settle_funding(self, settle_ts: int) -> None:
        """Book funding for every open position at the settlement ``settle_ts``, at the mark."""
        for pos in list(self.positions.values()):
            contract = self.market.contracts[pos.symbol]
            mark = self.mark(pos, contract)
            rate = self.market.funding.rate_at(pos.symbol, settle_ts)
            amount = -pos.qty * mark * rate
            if not amount:
                continue
            tran_id = self._book(FUNDING_FEE, pos.symbol, amount, ts_ms=settle_ts)
            if pos.isolated:
                pos.margin += amount
            self.events.append(FundingSettlement(self.key, settle_ts, pos.symbol, pos.position_side, pos.qty,
                                                 mark, rate, amount, tran_id))
            self._dirty = True

    def on_prices(self, prices: Mapping[str, float], marks: Mapping[str, float]) -> None:
        """Fill crossed resting orders, then liquidate what must be; exact work only on a hit."""
        if self._dirty:
            with localcontext(EXACT):
                self._rebuild_watch()
        fill_hit = False
        liq_hit = self._watch_all_cross
        for symbol, buy_at, sell_at, long_at, short_at in self._watch:
            p = prices.get(symbol)
            if p is not None and (p <= buy_at or p >= sell_at):
                fill_hit = True
            m = marks.get(symbol, p)
            if m is not None and (m <= long_at or m >= short_at):
                liq_hit = True
        if not (fill_hit or liq_hit):
            return
        with localcontext(EXACT):
            if fill_hit:
                self._match_resting()
                liq_hit = liq_hit or self._dirty
            if liq_hit:
                self._liquidate_due()

    def _rebuild_watch(self) -> None:
        """Float triggers per active symbol: the last prices beyond which no resting buy or sell can
        fill, and the marks beyond which no long or short can be liquidated. A side's threshold
        grows with its limit, so the best price of the side alone gives it."""
        bounds: dict[str, list[float]] = {}
        contracts = self.market.contracts
        matcher = self.market.matcher
        for s in self.active:
            buy, sell = self.resting.best(s, 1), self.resting.best(s, -1)
            bounds[s] = [-_INF if buy is None else matcher.watch_threshold(contracts[s], 1, buy),
                         _INF if sell is None else matcher.watch_threshold(contracts[s], -1, sell),
                         -_INF, _INF]
        n_cross = sum(1 for p in self.positions.values() if not p.isolated)
        self._watch_all_cross = n_cross > 1
        for pos in self.positions.values():
            if not pos.isolated and n_cross > 1:
                continue
            b = bounds[pos.symbol]
            threshold = mark_threshold(contracts[pos.symbol], pos.direction, self.liquidation_price(pos))
            if pos.direction > 0:
                b[2] = max(b[2], threshold)
            else:
                b[3] = min(b[3], threshold)
        self._watch = [(s, *b) for s, b in bounds.items()]
        self._dirty = False

    def _match_resting(self) -> None:
        """Give every resting order the current quote crosses one fill, as a maker at its price.

        Orders fill in price-time priority: symbol by symbol (sorted), buys then sells, each side
        best price first and, at one price, oldest first; only the crossed prefix of each side is
        visited. The order matters: each fill moves the margin the next one is checked against."""
        market = self.market
        matcher = market.matcher
        for symbol in self.resting.symbols():
            contract = market.contracts[symbol]
            last = market.last_price(contract)
            if last is None:
                continue
            bid, ask = matcher.quote(contract, last)
            crosses = partial(matcher.resting_crossed, bid=bid, ask=ask)
            for d in (1, -1):
                for order in self.resting.crossed(symbol, d, crosses):
                    self._fill_resting(order, contract)

    def _fill_resting(self, order: Order, contract: Contract) -> None:
        qty = self.market.matcher.fill_quantity(contract, order.remaining, taker=False)
        hedge_close = self.dual_side and self._is_closing_side(order.position_side, order.direction)
        if order.reduce_only or hedge_close:
            qty = min(qty, self._closable(order.symbol, order.position_side, order.direction))
            if not qty:
                self._end(order, EXPIRED, "nothing left to reduce")
                return
        else:
            opening = qty
            if not self.dual_side:
                opening = max(ZERO, qty - self._closable(order.symbol, BOTH, order.direction))
            if opening and self._order_margin(contract, opening, order.price, self.leverage(contract, order.direction),
                                              order.time_in_force == POST_ONLY) > self.available(exclude=order):
                self._end(order, EXPIRED, "insufficient margin at fill")
                return
        self._fill(order, contract, qty, order.price, MAKER)
        if not order.is_working:
            self._unrest(order)
        self._refresh_active(order.symbol)

    def _liquidate_due(self) -> None:
        market = self.market
        for key, pos in list(self.positions.items()):
            if not pos.isolated:
                continue
            contract = market.contracts[pos.symbol]
            mark = self.mark(pos, contract)
            value = pos.size * mark
            fee = value * market.matcher.fee_rate(contract, maker=False)
            equity = pos.margin + pos.unrealized(mark)
            if market.liquidation.triggered(contract.maintenance_margin(value), fee, equity):
                self._liquidate_isolated(pos, contract, mark, fee, equity)
        if any(not p.isolated for p in self.positions.values()):
            self._liquidate_cross()

    def _cancel_for_liquidation(self, symbols: set[str] | frozenset[str]) -> None:
        for order in list(self.open_orders.values()):
            if order.symbol in symbols:
                self._end(order, CANCELLED, "liquidation")

    def _forced_close(self, pos: Position, contract: Contract, price: Decimal, fee: Decimal,
                      realized: Decimal) -> tuple[Order, int]:
        """Close ``pos`` entirely by a venue order: book fee and PnL, record order and fill."""
        ts = self.market.ts_ms
        order = Order(self.market.ids.next("order"), "", pos.symbol, "SELL" if pos.direction > 0 else "BUY",
                      pos.position_side, MARKET, "", None, pos.size, False, True, pos.leverage, ts, ts,
                      position_id=pos.position_id, liquidation=True)
        self.orders[order.order_id] = order
        trade_id = self.market.ids.next("trade")
        if fee:
            self._book(TRADING_FEE, pos.symbol, -fee, trade_id, LIQUIDATION_INFO)
        if realized:
            self._book(REALIZED_PNL, pos.symbol, realized, trade_id, LIQUIDATION_INFO)
        order.record_fill(pos.size, price, fee, realized, ts)
        del self.positions[(pos.symbol, pos.position_side)]
        fill = Fill(self.key, ts, pos.symbol, order.order_id, "", trade_id, order.side, pos.position_side,
                    pos.size, price, fee, realized, LIQUIDATION, order.status, ZERO)
        self.fills.append(fill)
        self.events.append(fill)
        self._dirty = True
        self._refresh_active(pos.symbol)
        return order, trade_id

    def _liquidate_isolated(self, pos: Position, contract: Contract, mark: Decimal, fee: Decimal,
                            equity: Decimal) -> None:
        self._cancel_for_liquidation({pos.symbol})
        fee_taken = min(fee, max(ZERO, equity))
        realized = fee_taken - pos.margin
        bankruptcy = max(ZERO, divide(pos.cost + pos.direction * realized, pos.size, contract.tick, ROUND_HALF_EVEN))
        surplus = equity - fee_taken
        closed_qty = pos.qty
        margin = pos.margin
        order, trade_id = self._forced_close(pos, contract, bankruptcy, fee_taken, realized)
        self.market.insurance.record(self.market.ts_ms, self.key, pos.symbol, surplus)
        self.events.append(Liquidation(self.key, self.market.ts_ms, pos.symbol, pos.position_side, closed_qty,
                                       mark, bankruptcy, margin, fee_taken, realized, surplus,
                                       order.order_id, trade_id))

    def _liquidate_cross(self) -> None:
        market = self.market
        contracts = market.contracts
        cancelled = False
        while True:
            cross = [p for p in self.positions.values() if not p.isolated]
            if not cross:
                return
            maintenance = fees = upnl = ZERO
            marks: dict[int, Decimal] = {}
            for p in cross:
                c = contracts[p.symbol]
                m = marks[id(p)] = self.mark(p, c)
                value = p.size * m
                maintenance += c.maintenance_margin(value)
                fees += value * market.matcher.fee_rate(c, maker=False)
                upnl += p.unrealized(m)
            balance = self.ledger.balance - self.isolated_margin() - self.frozen_margin() + upnl
            if not market.liquidation.triggered(maintenance, fees, balance):
                return
            if not cancelled:
                cancelled = True
                self._cancel_for_liquidation({p.symbol for p in cross})
                continue
            victim = min(cross, key=lambda p: p.unrealized(marks[id(p)]))
            contract = contracts[victim.symbol]
            mark = marks[id(victim)]
            fee = min(victim.size * mark * market.matcher.fee_rate(contract, maker=False), max(ZERO, balance))
            realized = victim.unrealized(mark)
            closed_qty = victim.qty
            order, trade_id = self._forced_close(victim, contract, mark, fee, realized)
            insurance = ZERO
            after = balance - fee
            if len(cross) == 1 and after < 0:
                self._book(INSURANCE_CLEAR, victim.symbol, -after, trade_id, LIQUIDATION_INFO)
                market.insurance.record(market.ts_ms, self.key, victim.symbol, after)
                insurance = after
            self.events.append(Liquidation(self.key, market.ts_ms, victim.symbol, victim.position_side, closed_qty,
                                           mark, mark, balance, fee, realized, insurance, order.order_id, trade_id))

    # ----------------------------------------------------------------- books

    def check_books(self) -> list[str]:
        """Positions equal the signed sum of their fills; orders equal the sum of theirs; every order
        is in exactly one state and working exactly when listed as open; the resting book holds
        exactly the open orders; fees and PnL on the fills equal the ledger's."""
        problems: list[str] = []
        by_key: dict[tuple[str, str], Decimal] = {}
        by_order: dict[int, Decimal] = {}
        fees = pnl = ZERO
        for f in self.fills:
            signed = f.quantity if f.side == "BUY" else -f.quantity
            key = (f.symbol, f.position_side)
            by_key[key] = by_key.get(key, ZERO) + signed
            by_order[f.order_id] = by_order.get(f.order_id, ZERO) + f.quantity
            fees += f.fee
            pnl += f.realized_pnl
        for key in sorted(set(by_key) | set(self.positions)):
            held = self.positions[key].qty if key in self.positions else ZERO
            if by_key.get(key, ZERO) != held:
                problems.append(f"position {key} {held} != signed fills {by_key.get(key, ZERO)}")
        for order in self.orders.values():
            filled = by_order.get(order.order_id, ZERO)
            if filled != order.executed_qty or filled > order.quantity:
                problems.append(f"order {order.order_id} executed {order.executed_qty} vs fills {filled}")
            if order.is_working != (order.order_id in self.open_orders):
                problems.append(f"order {order.order_id} is {order.status} but open-list says otherwise")
            if (order.status == FILLED) != (order.executed_qty == order.quantity):
                problems.append(f"order {order.order_id} is {order.status} with {order.executed_qty}/{order.quantity}")
        problems += self.resting.mismatches(self.open_orders)
        totals = self.ledger.totals()
        if -totals[TRADING_FEE] != fees:
            problems.append(f"fills paid fees {fees} but ledger has {-totals[TRADING_FEE]}")
        if totals[REALIZED_PNL] != pnl:
            problems.append(f"fills realized {pnl} but ledger has {totals[REALIZED_PNL]}")
        funding = sum((e.amount for e in self.events if isinstance(e, FundingSettlement)), ZERO)
        if totals[FUNDING_FEE] != funding:
            problems.append(f"funding events {funding} but ledger has {totals[FUNDING_FEE]}")
        return problems
