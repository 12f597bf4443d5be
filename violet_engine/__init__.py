"""VIOLET's L1 decision core: validate, select, size and modulate every scan as BLUE does.

Pure and deterministic: no simulator, no venue, no wall clock.
"""
from violet_engine.config import EngineConfig
from violet_engine.decision_batch import DecisionBatch
from violet_engine.engine import DecisionEngine
from violet_engine.scan_batch import ScanBatch
from violet_engine.types import (
    Decision,
    DecisionOutcome,
    ExitReason,
    NoPick,
    NoSignal,
    Outcome,
    Reject,
    RejectReason,
    Scan,
)

__all__ = [
    "Decision",
    "DecisionBatch",
    "DecisionEngine",
    "DecisionOutcome",
    "EngineConfig",
    "ExitReason",
    "NoPick",
    "NoSignal",
    "Outcome",
    "Reject",
    "RejectReason",
    "Scan",
    "ScanBatch",
]
