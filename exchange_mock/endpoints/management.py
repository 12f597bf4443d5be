"""Order and position management: cancel-replace, isolated position margin, the dead man's switch.

Cancel-replace cancels first and then places the new order: with ``STOP_ON_FAILURE`` (the
default) a failed cancel places nothing; with ``ALLOW_FAILURE`` the new order is placed anyway. A
refused replacement answers the placement's code, with a message that says whether the old
order was cancelled, so that a client never loses an order without an error.

Position margin moves money between the available balance and one isolated position: adding
needs that much available margin (101204 otherwise); reducing may take the margin down to the
position's initial margin plus any unrealized loss, so it never brings the position nearer
liquidation than opening it at the current loss would have.

The dead man's switch counts in the venue's market time: armed with ``timeOut`` seconds (10-120)
at market time T, the step that reaches T + timeOut first cancels every working order of the
account, each with an ``OrderEnded`` event, then moves prices. ``CLOSE`` disarms it.
"""
from __future__ import annotations

from decimal import ROUND_DOWN, Decimal, localcontext
from typing import Any

from exchange_mock import params
from exchange_mock.endpoints.trading import Trading
from exchange_mock.enums import POSITION_SIDES, OrderStatus, PositionSide
from exchange_mock.envelope import endpoint, error, ok
from exchange_mock.errors import Code, VenueError
from exchange_mock.events import VenueEvent
from exchange_mock.market import Market
from exchange_mock.money import EXACT, MARGIN_QUANTUM, ZERO, fmt_money, quantize
from exchange_mock.positions import Position, initial_margin

REPLACE_MODES = ("STOP_ON_FAILURE", "ALLOW_FAILURE")
MARGIN_CHANGES = {"1": "add", "2": "reduce"}
SWITCH_TYPES = ("ACTIVATE", "CLOSE")
MIN_TIMEOUT_S, MAX_TIMEOUT_S = 10, 120


def fire_dead_man_switches(market: Market, ts_ms: int) -> list[VenueEvent]:
    """Before a step to ``ts_ms``: cancel the working orders of every account whose switch expires
    by then, earliest switch first, with the market clock moved to that switch's time (so the
    cancellations carry it and the orders cannot fill at the step's prices); their events."""
    due = sorted((a.cancel_after_ms, n, a) for n, a in enumerate(market.accounts.values())
                 if a.cancel_after_ms is not None and market.ts_ms <= a.cancel_after_ms <= ts_ms)
    events: list[VenueEvent] = []
    for deadline, _, account in due:
        market.ts_ms = deadline
        account.cancel_after_ms = None
        start = len(account.events)
        with localcontext(EXACT):
            for order in list(account.open_orders.values()):
                account.end_order(order, OrderStatus.CANCELLED, "cancelAllAfter timeout")
        events.extend(account.events[start:])
    return events


class Management(Trading):
    """Cancel-replace, position margin and the dead man's switch of one account."""

    def cancel_replace(self, *, cancelOrderId: Any = None, cancelClientOrderID: Any = None,
                       cancelClientOrderId: Any = None, cancelReplaceMode: Any = None,
                       **fields: Any) -> dict[str, Any]:
        """POST cancelReplace: the fields of ``place_order`` plus the order to cancel."""
        try:
            mode = params.choice("cancelReplaceMode", cancelReplaceMode, REPLACE_MODES, default=REPLACE_MODES[0])
        except VenueError as exc:
            return error(exc.code, exc.msg)
        cancelled = self.cancel_order(symbol=fields.get("symbol"), orderId=cancelOrderId,
                                      clientOrderID=cancelClientOrderID, clientOrderId=cancelClientOrderId)
        if cancelled["code"] != 0 and mode == "STOP_ON_FAILURE":
            return cancelled
        placed = self.place_order(**fields)
        if placed["code"] != 0:
            state = "was cancelled" if cancelled["code"] == 0 else f"was not cancelled ({cancelled['msg']})"
            return error(placed["code"], f"{placed['msg']}; the order to replace {state}")
        return ok({"cancelResult": "true" if cancelled["code"] == 0 else "false",
                   "cancelMsg": cancelled["msg"], "cancelResponse": cancelled.get("data", {}).get("order"),
                   "replaceResult": "true", "replaceMsg": "", "newOrderResponse": placed["data"]["order"]})

    def _isolated_position(self, symbol: Any, positionSide: Any) -> Position:
        contract = params.symbol(symbol, self._market.contracts)
        default = None if self._account.dual_side else PositionSide.BOTH
        side = params.choice("positionSide", positionSide, POSITION_SIDES, default=default)
        pos = self._account.positions.get((contract.symbol, side))
        if pos is None:
            raise VenueError(Code.POSITION_NOT_EXIST)
        if not pos.isolated:
            raise VenueError(Code.REQUEST_FAILED, detail="position is not isolated")
        return pos

    def max_margin_reduction(self, pos: Position) -> Decimal:
        """What ``reduce`` may take: the margin above initial margin plus the unrealized loss."""
        loss = min(pos.unrealized(self._account.mark_of(pos)), ZERO)
        spare = pos.margin + loss - initial_margin(pos.cost, pos.leverage)
        return max(quantize(spare, MARGIN_QUANTUM, ROUND_DOWN), ZERO)

    @endpoint
    def position_margin(self, *, symbol: Any = None, amount: Any = None, type: Any = None, positionSide: Any = None,
                        positionId: Any = None, **extra: Any) -> dict[str, Any]:
        """POST positionMargin (type 1 add, 2 reduce). The REST front lifts the reply's fields to
        the envelope's top level, where BingX puts them and ccxt reads them."""
        params.check_extra(extra)
        change = MARGIN_CHANGES[params.choice("type", None if type is None else str(type), tuple(MARGIN_CHANGES))]
        value = params.number("amount", amount, needed=True)
        assert value is not None
        if value <= 0 or value != quantize(value, MARGIN_QUANTUM, ROUND_DOWN):
            raise VenueError(Code.INVALID_PARAMETER, detail=f"amount must be positive with at most 8 decimals: {amount!r}")
        pos = self._isolated_position(symbol, positionSide)
        wanted = params.integer("positionId", positionId)
        if wanted is not None and wanted != pos.position_id:
            raise VenueError(Code.POSITION_NOT_EXIST)
        if change == "add" and value > self._account.available():
            raise VenueError(Code.INSUFFICIENT_MARGIN)
        if change == "reduce" and value > self.max_margin_reduction(pos):
            raise VenueError(Code.REQUEST_FAILED,
                             detail=f"amount exceeds the max margin reduction {fmt_money(self.max_margin_reduction(pos))}")
        pos.margin += value if change == "add" else -value
        self._account.invalidate_watch()
        return {"amount": fmt_money(value), "type": 1 if change == "add" else 2, "margin": fmt_money(pos.margin),
                "symbol": pos.symbol, "positionSide": pos.position_side}

    @endpoint
    def cancel_all_after(self, *, type: Any = None, timeOut: Any = None, **extra: Any) -> dict[str, Any]:
        params.check_extra(extra)
        kind = params.choice("type", type, SWITCH_TYPES)
        if kind == "CLOSE":
            self._account.cancel_after_ms = None
            return {"triggerTime": 0, "status": "CLOSED", "note": "the switch is off"}
        seconds = params.integer("timeOut", timeOut, needed=True)
        assert seconds is not None
        if not MIN_TIMEOUT_S <= seconds <= MAX_TIMEOUT_S:
            raise VenueError(Code.INVALID_REQUEST, detail=f"timeOut must be {MIN_TIMEOUT_S}-{MAX_TIMEOUT_S} s")
        self._account.cancel_after_ms = self._market.ts_ms + seconds * 1000
        return {"triggerTime": self._account.cancel_after_ms, "status": "ACTIVATED",
                "note": f"all working orders are cancelled at market time {self._account.cancel_after_ms}"}
