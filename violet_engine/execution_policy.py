"""L3 / V4 execution policy: which decisions may trade, how big, and with what quantity.

Pure rules with no venue and no clock of their own: the simulator (or the live executor) supplies
the state (slot, day counters, halt) and the instrument's rules, and gets back a verdict. The slot
gates trades, never decisions: a gated decision is still journaled with its reason.
"""
from __future__ import annotations

from decimal import ROUND_DOWN, Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

DAY_MS = 86_400_000


class GateReason(StrEnum):
    """Why a decision did not become an order (journaled as ``gate_reason``)."""

    HALTED = "halted"
    CADENCE = "cadence"
    SLOT_BUSY = "slot_busy"
    ASSET_NOT_ALLOWED = "asset_not_allowed"
    DAILY_TRADE_CAP = "daily_trade_cap"
    DAILY_LOSS_HALT = "daily_loss_halt"
    STALE_DATA = "stale_data"
    BELOW_MIN = "below_min"
    VENUE_REJECTED = "venue_rejected"


class V4Config(BaseModel):
    """V4 single-asset mode and its conservative caps. ``allow_list=None`` trades any asset (parity
    runs); V4 certification requires exactly one allowed asset and checks it was respected."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    allow_list: tuple[str, ...] | None = None
    #: The single-slot rule (SPEC 5). Only ever off to prove that certification catches its loss.
    single_slot: bool = True
    max_notional_usdt: float | None = Field(default=None, gt=0)
    max_conviction: float | None = Field(default=None, gt=0)
    max_trades_per_day: int | None = Field(default=None, ge=0)
    daily_loss_limit_usdt: float | None = Field(default=None, gt=0)

    @field_validator("allow_list")
    @classmethod
    def _non_empty(cls, v: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if v is not None and len(v) == 0:
            raise ValueError("allow_list must name at least one asset, or be omitted")
        return v


class DayCounters:
    """Trades and realised PnL of the current UTC day, for the daily caps."""

    __slots__ = ("day", "trades", "pnl")

    def __init__(self) -> None:
        self.day = -1
        self.trades = 0
        self.pnl = 0.0

    def roll(self, ts_ms: int) -> None:
        day = ts_ms // DAY_MS
        if day != self.day:
            self.day, self.trades, self.pnl = day, 0, 0.0


class ExecutionPolicy:
    """Gates and caps for entries under one ``V4Config``."""

    def __init__(self, config: V4Config) -> None:
        self.config = config
        self._allowed = None if config.allow_list is None else frozenset(config.allow_list)

    def gate(self, asset: str, *, halted: bool, slot_busy: bool, day: DayCounters) -> GateReason | None:
        """The first rule that stops this entry, in a fixed order, or None if it may go."""
        c = self.config
        if halted:
            return GateReason.HALTED
        if slot_busy and c.single_slot:
            return GateReason.SLOT_BUSY
        if self._allowed is not None and asset not in self._allowed:
            return GateReason.ASSET_NOT_ALLOWED
        if c.max_trades_per_day is not None and day.trades >= c.max_trades_per_day:
            return GateReason.DAILY_TRADE_CAP
        if c.daily_loss_limit_usdt is not None and -day.pnl >= c.daily_loss_limit_usdt:
            return GateReason.DAILY_LOSS_HALT
        return None

    def cap(self, conviction: float, notional: float) -> tuple[float, float]:
        """Apply the conviction and notional caps; the notional shrinks with a capped conviction."""
        c = self.config
        if c.max_conviction is not None and conviction > c.max_conviction:
            notional = notional * c.max_conviction / conviction
            conviction = c.max_conviction
        if c.max_notional_usdt is not None and notional > c.max_notional_usdt:
            notional = c.max_notional_usdt
        return conviction, notional


def entry_quantity(notional: float, price: Decimal, step: Decimal, min_qty: Decimal,
                   min_notional: Decimal) -> Decimal | None:
    """Quantity = notional / price rounded DOWN to the step; None when below the venue's minimums."""
    if price <= 0:
        return None
    qty = (Decimal(repr(notional)) / price).quantize(step, rounding=ROUND_DOWN)
    if qty < min_qty or qty * price < min_notional:
        return None
    return qty
