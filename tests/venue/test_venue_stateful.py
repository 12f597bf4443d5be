"""Random sequences of orders, cancels, leverage and margin changes, deposits, price moves and funding;
after every step the books must hold exactly.

Besides the venue's own reconciliation, a reference ledger kept by the test checks the venue from
outside: it books the deposits it makes and, from the fills, funding settlements and liquidations
the venue reports, the realized PnL, fees, funding and insurance cover, and sums the signed fill
quantities per symbol. The wallet, the realized profit and the positions the endpoints answer must
equal it to the last digit. It keeps each position's cost basis too (a partial close releases it
pro rata on a 1e-12 grid), so every fill's realized PnL, a liquidation's included, must be what its
price and quantity give."""
from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, localcontext

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from exchange_mock import Fill, FundingSettlement, Liquidation, Venue, VenueConfig
from exchange_mock.orders import STATES, WORKING

T0 = 1_700_000_000_000
BASE = {"BTC-USDT": 60000.0, "ETH-USDT": 2000.0, "DOGE-USDT": 0.08}
SYMBOLS = tuple(BASE)
ACCEPTED_ORDER_CODES = {0, 80014, 101204, 101205, 101215, 101290, 101400, 101481, 110400, 110411, 110412, 110413}
CONDITIONAL_TYPES = ("STOP_MARKET", "TAKE_PROFIT_MARKET", "STOP", "TAKE_PROFIT", "TRIGGER_MARKET", "TRIGGER_LIMIT",
                     "TRAILING_STOP_MARKET")

symbols = st.sampled_from(SYMBOLS)
sides = st.sampled_from(["BUY", "SELL"])
notionals = st.sampled_from([1, 5, 50, 500, 2000, 8000, 30000, 80000])
INITIAL_BALANCE = Decimal(10000)


class ReferenceLedger:
    """An independent model of the account's money and positions, fed only with what the venue
    reports (events) and what the test itself deposits."""

    def __init__(self, initial_balance: Decimal) -> None:
        self.deposits = initial_balance
        self.realized = self.fees = self.funding = self.insurance_cover = Decimal(0)
        self.positions: dict[str, Decimal] = {}
        self.costs: dict[str, Decimal] = {}
        self.crossed: set[str] = set()

    @property
    def wallet(self) -> Decimal:
        return self.deposits + self.realized - self.fees + self.funding + self.insurance_cover

    def apply(self, event: object) -> None:
        if isinstance(event, Fill):
            self.realized += event.realized_pnl
            self.fees += event.fee
            signed = event.quantity if event.side == "BUY" else -event.quantity
            assert event.realized_pnl == self._realized_by_price(event.symbol, signed, event.price)
            self.positions[event.symbol] = self.positions.get(event.symbol, Decimal(0)) + signed
        elif isinstance(event, FundingSettlement):
            self.funding += event.amount
        elif isinstance(event, Liquidation) and event.symbol in self.crossed and event.insurance < 0:
            self.insurance_cover -= event.insurance  # the fund covers a cross deficit into the wallet

    def _realized_by_price(self, symbol: str, signed: Decimal, price: Decimal) -> Decimal:
        """The PnL a fill of ``signed`` at ``price`` realizes against the cost basis; books the cost."""
        held, cost = self.positions.get(symbol, Decimal(0)), self.costs.get(symbol, Decimal(0))
        realized = closed = Decimal(0)
        with localcontext() as ctx:
            ctx.prec = 80
            if held and (held > 0) != (signed > 0):
                closed = min(abs(signed), abs(held))
                out = cost if closed == abs(held) else (cost * closed / abs(held)).quantize(
                    Decimal("1e-12"), rounding=ROUND_HALF_EVEN)
                realized = (1 if held > 0 else -1) * (closed * price - out)
                cost -= out
            self.costs[symbol] = cost + (abs(signed) - closed) * price
        return realized

    def open_positions(self) -> dict[str, Decimal]:
        return {symbol: qty for symbol, qty in self.positions.items() if qty}


class VenueMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.prices = dict(BASE)
        self.ts = T0
        self.order_ids: list[tuple[str, int]] = []
        self.liquidated_this_step = False
        self.model = ReferenceLedger(INITIAL_BALANCE)
        self.events_seen = 0

    @initialize(seed=st.integers(0, 1000), crossed=st.sets(symbols), partial=st.floats(0, 1))
    def start(self, seed: int, crossed: set[str], partial: float) -> None:
        self.venue = Venue(VenueConfig(
            seed=seed,
            initial_balance=INITIAL_BALANCE,
            fill={"kind": "random", "partial_probability": partial, "takers": True},
            spread={"kind": "constant", "bps": "2"},
            slippage={"kind": "fixed_bps", "bps": "1"},
        ))
        self.venue.advance(self.ts, self.prices)
        for symbol in sorted(crossed):
            assert self.venue.set_margin_type(symbol=symbol, marginType="CROSSED")["code"] == 0
            self.model.crossed.add(symbol)

    def _qty(self, symbol: str, notional: int) -> str:
        return f"{notional / self.prices[symbol]:.8f}"

    def _placed(self, symbol: str, reply: dict) -> None:
        assert reply["code"] in ACCEPTED_ORDER_CODES, reply
        if reply["code"] == 0:
            self.order_ids.append((symbol, reply["data"]["order"]["orderId"]))

    @rule(symbol=symbols, side=sides, notional=notionals, reduce=st.booleans())
    def market_order(self, symbol, side, notional, reduce):
        self.liquidated_this_step = False
        self._placed(symbol, self.venue.place_order(symbol=symbol, side=side, positionSide="BOTH", type="MARKET",
                                                    quantity=self._qty(symbol, notional), reduceOnly=reduce))

    @rule(symbol=symbols, side=sides, notional=notionals, offset_bps=st.integers(-300, 300),
          tif=st.sampled_from(["GTC", "IOC", "FOK", "PostOnly"]), reduce=st.booleans())
    def limit_order(self, symbol, side, notional, offset_bps, tif, reduce):
        self.liquidated_this_step = False
        price = self.prices[symbol] * (1 + offset_bps / 10_000)
        self._placed(symbol, self.venue.place_order(
            symbol=symbol, side=side, positionSide="BOTH", type="LIMIT", quantity=self._qty(symbol, notional),
            price=f"{price:.8f}", timeInForce=tif, reduceOnly=reduce))

    @rule(symbol=symbols, side=sides, order_type=st.sampled_from(CONDITIONAL_TYPES), notional=notionals,
          stop_bps=st.integers(-80, 80), limit_bps=st.integers(-100, 100),
          closing=st.sampled_from(["", "reduceOnly", "closePosition"]),
          working=st.sampled_from(["MARK_PRICE", "CONTRACT_PRICE"]))
    def conditional_order(self, symbol, side, order_type, notional, stop_bps, limit_bps, closing, working):
        """A conditional order of any type; its trigger and limit are offsets from the price."""
        self.liquidated_this_step = False
        stop = self.prices[symbol] * (1 + stop_bps / 10_000)
        fields = {"workingType": working}
        if order_type == "TRAILING_STOP_MARKET":
            fields["priceRate"] = f"{abs(stop_bps) / 10_000 + 0.0001:.4f}"
        else:
            fields["stopPrice"] = f"{stop:.8f}"
        if order_type in ("STOP", "TAKE_PROFIT", "TRIGGER_LIMIT"):
            fields["price"] = f"{stop * (1 + limit_bps / 10_000):.8f}"
        if closing == "closePosition":
            fields["closePosition"] = "true"
        else:
            fields.update(quantity=self._qty(symbol, notional), reduceOnly=closing == "reduceOnly")
        self._placed(symbol, self.venue.place_order(symbol=symbol, side=side, positionSide="BOTH", type=order_type,
                                                    **fields))

    @rule(symbol=symbols, side=sides, notional=notionals, sl_bps=st.integers(1, 400), tp_bps=st.integers(1, 400))
    def entry_with_stop_loss_and_take_profit(self, symbol, side, notional, sl_bps, tp_bps):
        self.liquidated_this_step = False
        d = 1 if side == "BUY" else -1
        price = self.prices[symbol]
        sl = {"type": "STOP_MARKET", "stopPrice": f"{price * (1 - d * sl_bps / 10_000):.8f}"}
        tp = {"type": "TAKE_PROFIT_MARKET", "stopPrice": f"{price * (1 + d * tp_bps / 10_000):.8f}"}
        self._placed(symbol, self.venue.place_order(symbol=symbol, side=side, positionSide="BOTH", type="MARKET",
                                                    quantity=self._qty(symbol, notional), stopLoss=sl, takeProfit=tp))

    @rule(symbol=symbols, side=sides)
    def all_in(self, symbol, side):
        """The largest order the venue says fits: probes the margin check at its boundary."""
        self.liquidated_this_step = False
        data = self.venue.get_leverage(symbol=symbol)["data"]
        qty = data["availableLongVol" if side == "BUY" else "availableShortVol"]
        self._placed(symbol, self.venue.place_order(symbol=symbol, side=side, positionSide="BOTH", type="MARKET",
                                                    quantity=qty))

    @rule(pick=st.integers(0, 10_000))
    def cancel(self, pick):
        self.liquidated_this_step = False
        if not self.order_ids:
            return
        symbol, order_id = self.order_ids[pick % len(self.order_ids)]
        assert self.venue.cancel_order(symbol=symbol, orderId=order_id)["code"] in (0, 80016, 80018)

    @rule(symbol=st.none() | symbols)
    def cancel_all(self, symbol):
        self.liquidated_this_step = False
        assert self.venue.cancel_all_orders(symbol=symbol)["code"] == 0

    @rule(symbol=symbols, side=st.sampled_from(["BOTH", "LONG", "SHORT"]), leverage=st.integers(1, 150))
    def set_leverage(self, symbol, side, leverage):
        self.liquidated_this_step = False
        reply = self.venue.set_leverage(symbol=symbol, side=side, leverage=str(leverage))
        assert reply["code"] in (0, 101414, 109400), reply

    @rule(symbol=symbols, margin_type=st.sampled_from(["ISOLATED", "CROSSED"]))
    def set_margin_type(self, symbol, margin_type):
        self.liquidated_this_step = False
        code = self.venue.set_margin_type(symbol=symbol, marginType=margin_type)["code"]
        assert code in (0, 109400)
        if code == 0 and margin_type == "CROSSED":
            self.model.crossed.add(symbol)
        elif code == 0:
            self.model.crossed.discard(symbol)

    @rule(amount=st.sampled_from(["0.01", "1", "250", "5000"]))
    def deposit(self, amount):
        self.liquidated_this_step = False
        self.venue.deposit(amount)
        self.model.deposits += Decimal(amount)

    @rule()
    def close_all(self):
        self.liquidated_this_step = False
        assert self.venue.close_all_positions()["code"] == 0

    @rule(symbol=symbols, move_bps=st.integers(-4000, 4000), others_bps=st.integers(-50, 50),
          dt=st.sampled_from([1_000, 300_000, 3_600_000, 9 * 3_600_000]))
    def move_prices(self, symbol, move_bps, others_bps, dt):
        for s in SYMBOLS:
            self.prices[s] *= 1 + (move_bps if s == symbol else others_bps) / 10_000
        self.ts += dt
        events = self.venue.advance(self.ts, self.prices)
        self.liquidated_this_step = any(isinstance(e, Liquidation) for e in events)

    @rule(moves=st.lists(st.integers(-300, 300), min_size=3, max_size=3), dt=st.integers(1, 600_000))
    def nudge_prices(self, moves, dt):
        for s, bps in zip(SYMBOLS, moves):
            self.prices[s] *= 1 + bps / 10_000
        self.ts += dt
        events = self.venue.advance(self.ts, self.prices)
        self.liquidated_this_step = any(isinstance(e, Liquidation) for e in events)

    @invariant()
    def matches_the_reference_ledger(self):
        events = self.venue.events
        for event in events[self.events_seen:]:
            self.model.apply(event)
        self.events_seen = len(events)
        balance = self.venue.balance()["data"][0]
        assert Decimal(balance["balance"]) == self.model.wallet
        assert Decimal(balance["realisedProfit"]) == self.model.realized
        held = {}
        for pos in self.venue.positions()["data"]:
            size = Decimal(pos["positionAmt"])
            held[pos["symbol"]] = size if pos["positionSide"] == "LONG" else -size
        assert held == self.model.open_positions()

    @invariant()
    def books_reconcile(self):
        report = self.venue.reconcile(strict=True)  # wallet, positions vs fills, orders vs fills, fees, funding, fund
        assert report.wallet == report.deposits + report.entries_total
        assert self.venue.reconcile(incremental=True) == report  # carried on step by step: the same report

    @invariant()
    def every_order_in_exactly_one_state(self):
        working = {o["orderId"] for o in self.venue.open_orders()["data"]["orders"]}
        for symbol, order_id in self.order_ids:
            order = self.venue.query_order(symbol=symbol, orderId=order_id)["data"]["order"]
            assert order["status"] in STATES
            assert (order["status"] in WORKING) == (order_id in working)
            assert Decimal(order["executedQty"]) <= Decimal(order["origQty"])

    @invariant()
    def margin_never_negative_unless_liquidated(self):
        assert self.venue.margin_balance() >= 0 or self.liquidated_this_step
        if not any(not p["isolated"] for p in self.venue.positions()["data"]):
            assert self.venue.available_margin() >= 0 or self.liquidated_this_step

    @invariant()
    def leverage_within_range(self):
        for symbol in SYMBOLS:
            data = self.venue.get_leverage(symbol=symbol)["data"]
            assert 1 <= data["longLeverage"] <= data["maxLongLeverage"]
            assert 1 <= data["shortLeverage"] <= data["maxShortLeverage"]
        for pos in self.venue.positions()["data"]:
            assert 1 <= pos["leverage"] <= self.venue.contract(pos["symbol"]).max_long_leverage


TestVenueMachine = VenueMachine.TestCase
TestVenueMachine.settings = settings(max_examples=200, stateful_step_count=50, deadline=None)
