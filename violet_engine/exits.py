"""Exit engine (SPEC 5): a bracket stand-in for BLUE's AlphaExitEngineV7.

Checked every scan against the held asset's price. Stop-loss is tested first so that a scan
where several rules fire closes for the protective reason. ``first_exit`` answers the same
question for a run of scans at once (the simulator jumps over the scans where nothing fires);
``check`` is its reference, scan by scan.
"""
from __future__ import annotations

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from violet_engine.constants import MAX_HOLD_SCANS, STOP_LOSS, TAKE_PROFIT
from violet_engine.types import ExitReason


class ExitConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    take_profit: float = Field(default=TAKE_PROFIT, gt=0, lt=1)
    stop_loss: float = Field(default=STOP_LOSS, gt=0)
    max_hold_scans: int = Field(default=MAX_HOLD_SCANS, ge=1)


class ExitEngine:
    """The reference ``ExitRule`` for a SHORT position."""

    def __init__(self, config: ExitConfig) -> None:
        self.config = config

    def check(self, entry_price: float, price: float, scans_held: int) -> ExitReason | None:
        c = self.config
        if price >= entry_price * (1 + c.stop_loss):
            return ExitReason.STOP_LOSS
        if price <= entry_price * (1 - c.take_profit):
            return ExitReason.TAKE_PROFIT
        if scans_held >= c.max_hold_scans:
            return ExitReason.MAX_HOLD
        return None

    def first_exit(self, entry_price: float, prices: np.ndarray,
                   scans_held: np.ndarray) -> tuple[int, ExitReason] | None:
        """The first of consecutive checked scans where ``check`` fires, and its reason (None:
        none does). The thresholds are the same float products ``check`` compares against."""
        c = self.config
        fired = ((prices >= entry_price * (1 + c.stop_loss)) | (prices <= entry_price * (1 - c.take_profit))
                 | (scans_held >= c.max_hold_scans))
        i = int(np.argmax(fired)) if len(fired) else 0
        if not len(fired) or not fired[i]:
            return None
        reason = self.check(entry_price, float(prices[i]), int(scans_held[i]))
        assert reason is not None
        return i, reason
