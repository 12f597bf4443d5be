"""Execution's settings, as a scenario's ``execution:`` section gives them."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from violet_engine.execution_policy import V4Config


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MakerConfig(_Strict):
    """Entry order style: taker market (default) or post-only at the best ask with a timeout."""

    mode: Literal["market", "post_only"] = "market"
    timeout_ms: int = Field(default=15_000, gt=0)
    fallback: Literal["market", "skip"] = "market"


class ExecutionConfig(_Strict):
    capital: float = Field(default=10_000.0, gt=0)
    margin_type: Literal["ISOLATED", "CROSSED"] = "ISOLATED"
    v4: V4Config = V4Config()
    maker: MakerConfig = MakerConfig()
    equity_interval_ms: int = Field(default=300_000, gt=0)
    max_decision_age_ms: int = Field(default=5_000, gt=0, description=(
        "a decision older than this when execution gets to it (lag: retries, a restart) is gated stale_data"))
    protective_stop: bool = Field(default=False, description=(
        "every position also gets a venue-side STOP_MARKET closePosition on the mark at the exit rule's "
        "stop-loss level, so it is closed there while the engine is down; cancelled when the engine exits"))
    engine_path: Literal["jump", "per-scan"] = Field(default="jump", description=(
        "jump: a held position's quiet scans are accounted in bulk up to the next event; per-scan: every "
        "scan is delivered on its own (the reference; same outputs, slower). Not part of the config hash"))
