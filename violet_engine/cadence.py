"""The cadence control plane (SPEC 5): how often each action runs.

BLUE is scan-quantized; every action gets its own quantum so that it can later be loosened (or
moved to milliseconds) one action at a time, by config or by a scenario event at a given time.
The plane is driven only by the scan index and scan time it is given: no wall clock.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Action(StrEnum):
    DECIDE = "decide"
    ENTER = "enter"
    EXIT_CHECK = "exit_check"
    JOURNAL_FLUSH = "journal_flush"


class Quantum(BaseModel):
    """Run at most once every ``every`` scans, or every ``every`` milliseconds of scan time."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    every: int = Field(default=1, ge=1)
    unit: Literal["scan", "ms"] = "scan"


class CadenceConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    decide: Quantum = Quantum()
    enter: Quantum = Quantum()
    exit_check: Quantum = Quantum()
    journal_flush: Quantum = Quantum()


@dataclass
class _Lane:
    quantum: Quantum
    pending: list[tuple[int, Quantum]]
    last: tuple[int, int] | None = None  # (scan_index, ts_ms) of the last run


class Cadence:
    """Per-action gates. ``due`` answers and records: a True answer means the caller runs the
    action for this scan, and the next run is counted from here."""

    def __init__(self, config: CadenceConfig | None = None) -> None:
        config = config or CadenceConfig()
        self._lanes = {a: _Lane(getattr(config, a.value), []) for a in Action}

    def quantum(self, action: Action | str) -> Quantum:
        return self._lanes[Action(action)].quantum

    def schedule(self, action: Action | str, quantum: Quantum, at_ts_ms: int) -> None:
        """Use ``quantum`` for ``action`` from the first scan at or after ``at_ts_ms``; the next
        run is still counted from the action's last run. Changes at equal times apply in call order."""
        lane = self._lanes[Action(action)]
        lane.pending.append((at_ts_ms, quantum))
        lane.pending.sort(key=lambda change: change[0])

    def due(self, action: Action | str, scan_index: int, ts_ms: int) -> bool:
        lane = self._lanes[Action(action)]
        while lane.pending and lane.pending[0][0] <= ts_ms:
            lane.quantum = lane.pending.pop(0)[1]
        if lane.last is not None:
            q = lane.quantum
            elapsed = scan_index - lane.last[0] if q.unit == "scan" else ts_ms - lane.last[1]
            if elapsed < q.every:
                return False
        lane.last = (scan_index, ts_ms)
        return True

    def every_scan(self, action: Action | str) -> bool:
        """True when ``action`` runs on every scan it is asked about and no change is pending:
        asking about a run of scans is then the same as asking about the last of them."""
        lane = self._lanes[Action(action)]
        return not lane.pending and lane.quantum.unit == "scan" and lane.quantum.every == 1
