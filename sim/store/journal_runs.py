"""Which run a journal's rows belong to, and whether that run's journal is all there.

A run id is ``<scenario>-seed<N>-<12 hex>``; the hex is taken from sha256 over the run's config
hash (the scenario's canonical content and the seed) and the violet-sim version. A changed
scenario, seed or version is therefore another run with rows of its own, while the same run sent
again has the same id and batch keys, which delivery absorbs.

``journal_runs`` holds two records per run, both spooled and delivered like the journal's
batches: the start record (``complete = 0``) when the sink opens and the end record
(``complete = 1``, with the rows sent per table and the journal hash) when it closes. Delivery
sends a run's end record only after every one of its batches, so a run that was killed, or whose
batches are still spooled, reads as incomplete. The record's times are the process's wall clock,
metadata only: none of it enters the journal or its hash.
"""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from importlib import metadata
from typing import Mapping

import pyarrow as pa

from sim.store.client import require_tables, session
from sim.store.instants import TIMESTAMP
from sim.store.journal_spool import SpooledBatch, check_run_id
from sim.store.schema import JOURNAL_RUNS, JOURNAL_TABLES

#: The spool's table name for run records, and their sequence numbers.
RUN_RECORDS = "runs"
START, END = 0, 1

RECORD_SCHEMA = pa.schema([
    ("run_id", pa.string()), ("complete", pa.uint8()), ("scenario", pa.string()), ("seed", pa.int64()),
    ("config_hash", pa.string()), ("code_version", pa.string()), ("started", TIMESTAMP),
    ("finished", TIMESTAMP), ("journal_sha256", pa.string()), ("rows", pa.map_(pa.string(), pa.uint64())),
    ("rejected", pa.uint64()),
])


def code_version() -> str:
    try:
        return metadata.version("violet-sim")
    except metadata.PackageNotFoundError:
        return "unknown"


@dataclass(frozen=True)
class JournalRun:
    """What identifies one run in ClickHouse; a bare id (library use) leaves the rest blank."""

    run_id: str
    scenario: str = ""
    seed: int | None = None
    config_hash: str = ""
    code_version: str = ""

    def __post_init__(self) -> None:
        check_run_id(self.run_id)

    @classmethod
    def of(cls, scenario: str, seed: int, config_hash: str, version: str | None = None) -> "JournalRun":
        version = code_version() if version is None else version
        digest = hashlib.sha256(f"{config_hash}\n{version}".encode()).hexdigest()[:12]
        return cls(f"{scenario}-seed{seed}-{digest}", scenario, seed, config_hash, version)


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def run_record(run: JournalRun, started_ms: int, *, finished_ms: int | None = None,
               rows: Mapping[str, int] | None = None, rejected: int = 0, journal_sha256: str = "") -> pa.Table:
    """One ``journal_runs`` row: the start record, or the end record when ``finished_ms`` is given."""
    values = {
        "run_id": run.run_id, "complete": START if finished_ms is None else END, "scenario": run.scenario,
        "seed": run.seed, "config_hash": run.config_hash, "code_version": run.code_version,
        "started": started_ms, "finished": started_ms if finished_ms is None else finished_ms,
        "journal_sha256": journal_sha256, "rows": sorted((rows or {}).items()), "rejected": rejected,
    }
    columns = [pa.array([values[f.name]], pa.int64()).cast(f.type) if f.type == TIMESTAMP
               else pa.array([values[f.name]], f.type) for f in RECORD_SCHEMA]
    return pa.Table.from_arrays(columns, schema=RECORD_SCHEMA)


def delivery_order(batch: SpooledBatch) -> tuple:
    """Per run: the start record, then the journal's batches, then the end record last."""
    if batch.table != RUN_RECORDS:
        phase = 1
    else:
        phase = 0 if batch.seq == START else 2
    return (batch.run_id, phase, batch.table, batch.seq)


@dataclass(frozen=True)
class StoredRun:
    """A run as ClickHouse holds it: its record (if any) and the journal rows found per table."""

    run_id: str
    found: dict[str, int]
    recorded: bool = False
    complete: bool = False
    scenario: str = ""
    seed: int | None = None
    sent: dict[str, int] = field(default_factory=dict)  # rows per table the end record says were sent
    journal_sha256: str = ""

    @property
    def missing(self) -> int:
        return sum(max(n - self.found.get(t, 0), 0) for t, n in self.sent.items())

    @property
    def status(self) -> str:
        """``complete``, or why the run's journal cannot be taken as whole."""
        if not self.recorded:
            return "INCOMPLETE (no run record: written before run records existed)"
        if not self.complete:
            return "INCOMPLETE (no end record: the run was stopped, or its spool is undelivered)"
        if self.missing:
            return f"INCOMPLETE ({self.missing} rows missing against its end record)"
        return "complete"


def stored_runs(dsn: str | None = None) -> list[StoredRun]:
    """Every run with a record or journal rows, recorded runs first in start order."""
    with session(dsn) as client:
        require_tables(client, [JOURNAL_RUNS, *JOURNAL_TABLES.values()])
        found: dict[str, dict[str, int]] = {}
        for name, table in JOURNAL_TABLES.items():
            for run_id, n in client.query(f"SELECT run_id, count() FROM {table} FINAL GROUP BY run_id").result_rows:
                found.setdefault(run_id, {t: 0 for t in JOURNAL_TABLES})[name] = int(n)
        records = client.query(f"SELECT run_id, complete, scenario, seed, rows, journal_sha256 FROM {JOURNAL_RUNS} "
                               "FINAL ORDER BY started, run_id").result_rows
    runs = [StoredRun(run_id, found.pop(run_id, {t: 0 for t in JOURNAL_TABLES}), True, bool(complete), scenario,
                      seed, {t: int(n) for t, n in rows.items()}, sha)
            for run_id, complete, scenario, seed, rows, sha in records]
    return runs + [StoredRun(run_id, counts) for run_id, counts in sorted(found.items())]
