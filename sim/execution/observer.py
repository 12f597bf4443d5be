"""What execution tells the run's observers (the recorder journals it; tests may listen too).

Execution decides and owns its state; observers only hear of it, in the order it happens, and
can never change it. This protocol is the whole of what flows from execution to the journal.
"""
from __future__ import annotations

from typing import Any, Protocol

from sim.execution.book import ClosedTrade
from sim.execution.client_ids import OrderPurpose
from sim.execution.position import Position
from violet_engine.execution_policy import GateReason
from violet_engine.types import Decision


class ExecutionObserver(Protocol):
    def decision(self, d: Decision, conviction: float, notional: float, reason: GateReason | None) -> None:
        """A DECISION scan was gated (``reason``) or entered, with its V4-capped values."""

    def order_reply(self, resp: dict[str, Any], params: dict[str, Any], purpose: OrderPurpose) -> None:
        """The venue answered a request about an order (placed, queried or cancelled)."""

    def fills(self, fills: list[Any]) -> None:
        """The venue's fills that execution took from its account stream, in venue order."""

    def leverage_confirmed(self, symbol: str, leverage: int) -> None: ...

    def opened(self, pos: Position, capital: float) -> None:
        """A position was opened (as the venue reports it) while sizing from ``capital``."""

    def closed(self, trade: ClosedTrade) -> None: ...

    def at_scan(self, ts_ms: int, positioned: bool) -> None:
        """Execution handled a scan at ``ts_ms`` (an equity sample may be due)."""
