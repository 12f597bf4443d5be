"""The swarm's results: one ``SeedResult`` per run, the determinism ``Rerun``s, and the
``SwarmReport`` over them (``swarm.json``, the printed table).

``swarm.json`` also names the swarm itself (``swarm``: its scenario files and their digests, its
seeds, its rerun fraction, the violet-sim that ran it) and whether it is ``complete``: a swarm
writes the file as runs finish, and ``--resume`` completes one from it.
"""
from __future__ import annotations

import json
import os
import shlex
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any


def replay_command(scenario_file: str, seed: int) -> str:
    """The one line that reproduces a swarm run exactly (same journal hash, same breach)."""
    return f"violet-sim run {shlex.quote(scenario_file)} --seed {seed} --swarm"


@dataclass(frozen=True)
class SeedResult:
    """One swarm run: its verdict, its first failure and everything needed to replay it."""

    scenario: str
    name: str
    seed: int
    passed: bool
    journal_sha256: str
    faults: tuple[str, ...]
    first_breach: dict[str, Any] | None = None
    failed_expectations: tuple[str, ...] = ()
    probes: dict[str, int] = field(default_factory=dict)
    error: str | None = None
    ran: bool = True          # False: the infrastructure failed (a worker died), not the seed

    @property
    def first_failure(self) -> str:
        if self.error is not None:
            return f"error: {self.error}"
        if self.first_breach is not None:
            b = self.first_breach
            return f"{b['invariant']} at {b['ts_ms']} ({b.get('event') or '-'}): {b['detail']}"
        if self.failed_expectations:
            return f"expectation {self.failed_expectations[0]}"
        return ""

    @property
    def replay(self) -> str:
        return replay_command(self.scenario, self.seed)

    def as_dict(self) -> dict[str, Any]:
        # Field by field rather than ``asdict``, whose deep copies were most of the cost of each
        # streamed rewrite of swarm.json; the values are plain (the two dicts copied one level).
        doc = {f.name: getattr(self, f.name) for f in fields(self)}
        doc.update(faults=list(self.faults), failed_expectations=list(self.failed_expectations),
                   first_breach=None if self.first_breach is None else dict(self.first_breach),
                   probes=dict(self.probes), first_failure=self.first_failure, replay=self.replay)
        return doc

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> "SeedResult":
        """The inverse of ``as_dict`` (its derived keys, first_failure and replay, dropped)."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in doc.items() if k in known}
        return cls(**{**values, "faults": tuple(values["faults"]),
                      "failed_expectations": tuple(values["failed_expectations"])})


@dataclass(frozen=True)
class Rerun:
    scenario: str
    seed: int
    journal_sha256: str
    rerun_sha256: str

    @property
    def same(self) -> bool:
        return self.journal_sha256 == self.rerun_sha256


@dataclass
class SwarmReport:
    """Per-seed results sorted by (scenario, seed), the determinism reruns and probe coverage;
    ``header`` names the swarm (``swarm`` in swarm.json), ``complete`` is False while it runs."""

    results: list[SeedResult]
    reruns: list[Rerun]
    expected_probes: list[str]
    header: dict[str, Any] | None = None
    complete: bool = True

    @property
    def failures(self) -> list[SeedResult]:
        return [r for r in self.results if not r.passed]

    @property
    def nondeterministic(self) -> list[Rerun]:
        return [r for r in self.reruns if not r.same]

    @property
    def not_run(self) -> list[SeedResult]:
        return [r for r in self.results if not r.ran]

    @property
    def passed(self) -> bool:
        return not self.failures and not self.nondeterministic

    @property
    def probes(self) -> dict[str, int]:
        total: dict[str, int] = {}
        for r in self.results:
            for name, n in r.probes.items():
                total[name] = total.get(name, 0) + n
        return dict(sorted(total.items()))

    @property
    def unreached(self) -> list[str]:
        """Probes some configured fault should reach that no seed reached."""
        reached = self.probes
        return [p for p in self.expected_probes if not reached.get(p)]

    def to_json(self) -> dict[str, Any]:
        return {
            "passed": self.passed if self.complete else None, "complete": self.complete,
            "swarm": self.header,
            "runs": len(self.results), "failures": len(self.failures),
            "results": [r.as_dict() for r in self.results],
            "reruns": [{**asdict(r), "same": r.same} for r in self.reruns],
            "probes": self.probes, "probes_expected": self.expected_probes, "probes_unreached": self.unreached,
        }

    def write(self, out_dir: Path, rows: str = "all") -> None:
        """``swarm.json`` (every run, reruns, probe coverage) and ``swarm.txt`` (the table) in ``out_dir``."""
        write_atomic(out_dir / "swarm.json", json.dumps(self.to_json(), indent=2) + "\n")
        write_atomic(out_dir / "swarm.txt", self.table(rows) + "\n")

    def table(self, rows: str = "auto") -> str:
        """The report as text: ``rows`` all | failures | auto (all up to 200 runs)."""
        shown = self.results if rows == "all" or (rows == "auto" and len(self.results) <= 200) else self.failures
        width = max([len(r.scenario) for r in self.results] + [8])
        lines = [f"{'scenario':<{width}}  {'seed':>6}  result  journal    first failing invariant"]
        for r in shown:
            verdict = "pass" if r.passed else "FAIL"
            lines.append(f"{r.scenario:<{width}}  {r.seed:>6}  {verdict:<6}  {r.journal_sha256[:8] or '-':<9}  "
                         f"{r.first_failure}")
        if shown is not self.results:
            lines.append(f"({len(self.results) - len(shown)} passing runs not listed; --table all lists them)")
        by_scenario: dict[str, list[SeedResult]] = {}
        for r in self.results:
            by_scenario.setdefault(r.scenario, []).append(r)
        lines.append("")
        for name, rs in by_scenario.items():
            lines.append(f"{name}: {sum(r.passed for r in rs)}/{len(rs)} seeds passed")
        if self.failures:
            lines.append("")
            lines.append("replay a failure exactly:")
            lines += [f"  {r.replay}" for r in self.failures]
        lines.append("")
        if self.reruns:
            bad = self.nondeterministic
            lines.append(f"determinism: {len(self.reruns)} passing seeds rerun, "
                         + ("all reproduced their journal hash" if not bad else
                            f"{len(bad)} did NOT: " + ", ".join(f"{r.scenario} seed {r.seed}" for r in bad)))
        unreached = self.unreached
        lines.append(f"probes: {len(self.expected_probes) - len(unreached)}/{len(self.expected_probes)} reached"
                     + (f"; never reached: {', '.join(unreached)}" if unreached else ""))
        lines.append(f"swarm {'PASSED' if self.passed else 'FAILED'}: {len(self.results) - len(self.failures)}"
                     f"/{len(self.results)} runs passed")
        return "\n".join(lines)


def write_atomic(path: Path, text: str) -> None:
    """``path`` holds either its old content or ``text``, never a torn mix: a killed swarm leaves
    a whole swarm.json."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)
