"""What an account reads about itself: balance, positions, fee rates, income and fills.

Money views are exact (``account_snapshot``) and only formatted on the way out; ``riskRate`` and
``pnlRatio`` are display ratios rounded to 1e-4.
"""
from __future__ import annotations

from decimal import Decimal, localcontext
from typing import Any

from exchange_mock import params
from exchange_mock.contracts import QUOTE
from exchange_mock.endpoints.base import EndpointGroup
from exchange_mock.enums import INCOME_TYPES, PositionSide
from exchange_mock.envelope import endpoint
from exchange_mock.errors import Code, VenueError
from exchange_mock.events import Fill
from exchange_mock.money import EXACT, ROUND_HALF_EVEN, ZERO, divide, fmt, fmt_money
from exchange_mock.positions import Position, initial_margin

_RATIO = Decimal("0.0001")
_DEFAULT_LIMIT = 100
_MAX_LIMIT = 1000


class AccountInfo(EndpointGroup):
    """Read-only views of the account: money, positions, fee rates, ledger and fills."""

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

    def _position(self, pos: Position) -> dict[str, Any]:
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
        ledger = self._account.ledger
        rows = [e for e in (ledger.entries if start is None else ledger.since(start))
                if (contract is None or e.symbol == contract.symbol) and (not kind or e.income_type == kind)
                and (end is None or e.ts_ms <= end)]
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
