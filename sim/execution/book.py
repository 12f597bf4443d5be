"""The trade book: a position that went away becomes one closed trade, priced from its fills.

With one slot, every fill between a position's opening and its closing belongs to that trade.
The book takes the venue's fills from the link's private stream (as a live engine takes them
from its account stream), keeps them in the engine's memory until the trade closes, and then
prices the trade: exit price (quantity-weighted over the closing fills), fees, realized PnL, and
the funding and insurance cover the venue's income reports for the holding period. The trade's
PnL is what the account gained or lost by it: realized - fees + funding + insurance, where
insurance is the INSURANCE_CLEAR the venue books when its fund covers a cross deficit (the
realized loss of a cross liquidation at the mark can exceed the balance; the account never loses
more than it had). So the trades add up to the wallet's change, as a backtester's trade list does
(Freqtrade's profit_abs, NautilusTrader's realized PnL with commissions), and the V4 daily loss
limit sees what the account lost. The closed trade is what the recorder journals.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from exchange_mock.enums import Liquidity, Side
from sim.execution.client_ids import ClientIdPrefix
from sim.execution.memory import EngineMemory, TradeMemo
from sim.execution.position import Position
from sim.execution.replies import TradeIncome
from violet_engine.types import ExitReason

ZERO = Decimal(0)
LIQUIDATION = str(Liquidity.LIQUIDATION)
UNKNOWN_EXIT = "UNKNOWN"


class FillStream(Protocol):
    def take(self) -> list[Any]: ...


@dataclass(frozen=True)
class ClosedTrade:
    """One row of the trades table."""

    entry_ts_ms: int
    exit_ts_ms: int
    symbol: str
    side: str
    quantity: Decimal
    entry_price: Decimal
    exit_price: Decimal
    conviction: float
    exchange_leverage: int
    margin: Decimal
    fees: Decimal
    funding: Decimal
    insurance: Decimal    # the fund's cover of a deficit the trade left (INSURANCE_CLEAR), >= 0
    pnl: Decimal          # realized - fees + funding + insurance: the account's gain by this trade
    exit_reason: str
    bars_held: int

    @property
    def liquidated(self) -> bool:
        return self.exit_reason == LIQUIDATION

    def row(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


class TradeBook:
    def __init__(self, memory: EngineMemory, stream: FillStream) -> None:
        self.memory = memory
        self.stream = stream

    def take_fills(self) -> list[Any]:
        """The venue's fills since the last look, booked to the trade in progress."""
        fills = self.stream.take()
        self.memory.trade_fills.extend(fills)
        return fills

    def trade_fills(self) -> list[Any]:
        return list(self.memory.trade_fills)

    def close(self, pos: Position, fills: list[Any], income: TradeIncome, now_ms: int) -> ClosedTrade:
        """Price the trade from ``fills`` (taken before the income query, so a restart in
        between books the same trade again) and the ``income`` the venue reports; forget the fills."""
        exits = [f for f in fills if f.side == Side.BUY]  # execution only shorts: buys close
        fees = sum((f.fee for f in fills), ZERO)
        realized = sum((f.realized_pnl for f in fills), ZERO)
        qty = sum((f.quantity for f in exits), ZERO)
        exit_price = sum((f.quantity * f.price for f in exits), ZERO) / qty if qty else ZERO
        liquidated = any(f.liquidity == LIQUIDATION for f in fills)
        stopped = any(f.client_order_id.startswith(ClientIdPrefix.PROTECTIVE_STOP) for f in exits)
        reason = LIQUIDATION if liquidated else (pos.exit_reason.value if pos.exit_reason else
                                                 ExitReason.STOP_LOSS.value if stopped else UNKNOWN_EXIT)
        trade = ClosedTrade(pos.entry_ts_ms, now_ms, pos.symbol, "SHORT", qty or pos.quantity, pos.entry_price,
                            exit_price, pos.conviction, pos.leverage, pos.margin, fees, income.funding,
                            income.insurance, realized - fees + income.funding + income.insurance, reason,
                            pos.scans_held)
        del self.memory.trade_fills[:len(fills)]
        self.memory.open_trade = None
        self.memory.trades.append(TradeMemo(trade.exit_ts_ms, trade.pnl))
        return trade
