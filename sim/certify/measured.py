"""What every certification check returns (``Measured``) and the row it becomes (``CheckResult``),
with the helpers every check module uses to name its evidence files and run boundary probes."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from sim.certify.evidence import Evidence, Run
from violet_engine import EngineConfig

#: Checks that guard against change, not against a wrong meaning (see ``CheckResult.regression``).
REGRESSION = frozenset({"golden"})


@dataclass(frozen=True)
class CheckResult:
    id: str
    title: str
    mandatory: bool
    threshold: dict[str, Any]
    measured: dict[str, Any]
    passed: bool
    evidence: list[str]
    available: bool = True

    @property
    def regression(self) -> bool:
        """A regression check says that outputs changed since they were last reviewed, not that
        the engine is wrong: it is reported apart and the verdict does not hinge on it."""
        return self.id in REGRESSION

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "mandatory": self.mandatory, "threshold": self.threshold,
                "measured": self.measured, "passed": self.passed, "available": self.available,
                "regression": self.regression, "evidence": self.evidence}


@dataclass
class Measured:
    """What a check function returns; the wrapper adds id, title, mandatory flag and threshold."""

    values: dict[str, Any]
    passed: bool
    evidence: list[str] = field(default_factory=list)


def probed(ev: Evidence, failures: Callable[[EngineConfig], list[str]]) -> list[str]:
    """Boundary probe failures of every engine configuration that ran (``boundary``)."""
    return [f for engine in ev.engines() for f in failures(engine)]


def run_files(ev: Evidence, runs: list[Run], *files: str) -> list[str]:
    return [ev.rel(r.dir / f) for r in runs for f in (files or ("summary.json",))]


