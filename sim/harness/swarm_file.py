"""``swarm.json`` while the swarm runs: streamed as runs finish, read back by ``--resume``.

The file is rewritten whole (a temporary file renamed over it), so it is always a complete JSON
document: a swarm killed at any point leaves every run that had been written. Rewriting a large
report after every run would cost more than the runs, so a rewrite waits until the time since the
last one is ``WRITE_SHARE`` times what that one took: at most about 1/50 of the swarm's time goes
to writing, which on a machine whose cores all run workers is time taken from them (a 1,600-run
report takes some tens of ms, so it is rewritten every second or two; a small swarm writes after
every run). An interrupted or failed swarm writes once more on its way out, with every finished
run.

Its ``swarm`` header names what the swarm is: the scenario files with the sha256 of their bytes and
of the data they read, the seeds, the rerun fraction and the violet-sim (version and source
digest). ``--resume`` runs only what the file lacks, and refuses when any of these changed, since
the completed report would mix two swarms.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from sim.errors import UserError
from sim.harness.swarm_job import SwarmScenario
from sim.harness.swarm_report import Rerun, SeedResult, SwarmReport, write_atomic

WRITE_SHARE = 50
REPORT_NAME = "swarm.json"


def seeds_doc(seeds: Sequence[int]) -> dict[str, Any]:
    """Seeds as ``{first, count}`` when they are a range (the CLI's always are), else listed."""
    if list(seeds) == list(range(seeds[0], seeds[0] + len(seeds))):
        return {"first": seeds[0], "count": len(seeds)}
    return {"list": list(seeds)}


def seeds_from(doc: dict[str, Any]) -> list[int]:
    return list(doc["list"]) if "list" in doc else list(range(doc["first"], doc["first"] + doc["count"]))


def swarm_header(specs: Sequence[SwarmScenario], seeds: Sequence[int], rerun_fraction: float) -> dict[str, Any]:
    code = specs[0].code
    return {"scenarios": [{"file": s.file, "sha256": s.file_sha256, "data_sha256": s.data_sha256} for s in specs],
            "seeds": seeds_doc(seeds), "rerun_fraction": rerun_fraction,
            "violet_sim": {"version": code.version, "source_sha256": code.source_sha256}}


@dataclass(frozen=True)
class Previous:
    """What an earlier, interrupted run of the same swarm left in its swarm.json."""

    header: dict[str, Any]
    results: list[SeedResult]       # the runs that ran (a run a dead worker lost runs again)
    reruns: list[Rerun]


def read_previous(out_dir: Path) -> Previous:
    """The swarm.json in ``out_dir``, as ``--resume`` continues it (one line when unusable)."""
    path = out_dir / REPORT_NAME
    try:
        doc = json.loads(path.read_text())
        header = doc["swarm"]
        results = [SeedResult.from_dict(r) for r in doc["results"]]
        reruns = [Rerun(r["scenario"], r["seed"], r["journal_sha256"], r["rerun_sha256"]) for r in doc["reruns"]]
    except FileNotFoundError:
        raise UserError(f"{path}: nothing to resume (no such file)") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise UserError(f"{path}: not a swarm report this violet-sim can resume ({type(exc).__name__}: {exc})") from None
    if not isinstance(header, dict):
        raise UserError(f"{path}: not a swarm report this violet-sim can resume (no swarm header)")
    return Previous(header, [r for r in results if r.ran], reruns)


def check_same_swarm(path: Path, recorded: dict[str, Any], now: dict[str, Any]) -> None:
    """Refuse to resume a swarm whose scenarios, data, seeds, fraction or code have changed."""
    if recorded == now:
        return
    then_files = {s["file"]: s for s in recorded.get("scenarios", [])}
    for s in now["scenarios"]:
        old = then_files.get(s["file"])
        for key, what in (("sha256", "changed"), ("data_sha256", "reads changed data")):
            if old is not None and old.get(key) != s[key]:
                raise UserError(f"{path}: {s['file']} {what} since the swarm started ({key} {old.get(key, '-')[:12]} "
                                f"then, {s[key][:12]} now): resuming would mix two swarms; start a new one")
    for key, what in (("violet_sim", "violet-sim"), ("scenarios", "scenario files"), ("seeds", "seeds"),
                      ("rerun_fraction", "rerun fraction")):
        if recorded.get(key) != now[key]:
            raise UserError(f"{path}: the {what} differ from the swarm's ({recorded.get(key)} then, {now[key]} now): "
                            "resuming would mix two swarms; start a new one")


class StreamedReport:
    """Writes the report-so-far to ``out_dir/swarm.json`` as results arrive (when it is due)."""

    def __init__(self, out_dir: Path | None, build: Callable[[], SwarmReport]) -> None:
        self.out_dir, self.build = out_dir, build
        self._next_due = 0.0

    def changed(self) -> None:
        if self.out_dir is not None and time.monotonic() >= self._next_due:
            self.write()

    def write(self) -> None:
        if self.out_dir is None:
            return
        started = time.monotonic()
        write_atomic(self.out_dir / REPORT_NAME, json.dumps(self.build().to_json(), indent=2) + "\n")
        ended = time.monotonic()
        self._next_due = ended + WRITE_SHARE * (ended - started)
