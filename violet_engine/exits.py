"""Exit engine (SPEC 5): a bracket stand-in for BLUE's AlphaExitEngineV7.

Checked every scan against the held asset's price. Stop-loss is tested first so that a scan
where several rules fire closes for the protective reason. The maximum hold is a scan count
(``max_hold_scans``, written for 5 s scans) or a duration (``max_hold_ms``, the same at any scan
interval: at 1 h scans 120 scans is five days, 600,000 ms stays ten minutes). ``first_exit``
answers the same question for a run of scans at once (the simulator jumps over the scans where
nothing fires); ``check`` is its reference, scan by scan.
"""
from __future__ import annotations

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from violet_engine.constants import MAX_HOLD_SCANS, STOP_LOSS, TAKE_PROFIT
from violet_engine.types import ExitReason


class ExitConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    take_profit: float = Field(default=TAKE_PROFIT, gt=0, lt=1)
    stop_loss: float = Field(default=STOP_LOSS, gt=0)
    max_hold_scans: int = Field(default=MAX_HOLD_SCANS, ge=1)
    max_hold_ms: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _one_max_hold(self) -> "ExitConfig":
        if self.max_hold_ms is not None and "max_hold_scans" in self.model_fields_set:
            raise ValueError("give max_hold_scans or max_hold_ms, not both")
        return self


class ExitEngine:
    """The reference ``ExitRule`` for a SHORT position."""

    def __init__(self, config: ExitConfig) -> None:
        self.config = config

    def check(self, entry_price: float, price: float, scans_held: int, held_ms: int) -> ExitReason | None:
        c = self.config
        if price >= entry_price * (1 + c.stop_loss):
            return ExitReason.STOP_LOSS
        if price <= entry_price * (1 - c.take_profit):
            return ExitReason.TAKE_PROFIT
        held_long = held_ms >= c.max_hold_ms if c.max_hold_ms is not None else scans_held >= c.max_hold_scans
        if held_long:
            return ExitReason.MAX_HOLD
        return None

    def first_exit(self, entry_price: float, prices: np.ndarray, scans_held: np.ndarray,
                   held_ms: np.ndarray) -> tuple[int, ExitReason] | None:
        """The first of consecutive checked scans where ``check`` fires, and its reason (None:
        none does). The thresholds are the same float products ``check`` compares against."""
        c = self.config
        held_long = held_ms >= c.max_hold_ms if c.max_hold_ms is not None else scans_held >= c.max_hold_scans
        fired = (prices >= entry_price * (1 + c.stop_loss)) | (prices <= entry_price * (1 - c.take_profit)) | held_long
        i = int(np.argmax(fired)) if len(fired) else 0
        if not len(fired) or not fired[i]:
            return None
        reason = self.check(entry_price, float(prices[i]), int(scans_held[i]), int(held_ms[i]))
        assert reason is not None
        return i, reason
