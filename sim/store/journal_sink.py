"""The ClickHouse journal sink: a run's tables into ClickHouse in batches, surviving outages.

``write`` validates rows (rejects are counted by reason and dropped), cuts valid rows into
batches of ``batch_rows`` numbered per table, spools each batch to a local file and then tries to
deliver the spool. A batch is keyed ``(run_id, table, batch_seq)``: delivery skips a key already
present and inserts with that key as ``insert_deduplication_token``, so a batch retried after a
lost acknowledgement, or re-sent by a re-run of the same deterministic run, lands exactly once.
When ClickHouse is unreachable the batches stay spooled; later triggers retry with a backoff
counted in triggers (never the wall clock), and ``flush``/``close`` always try.

Each run also gets a start and an end record in ``journal_runs`` (``sim.store.journal_runs``),
spooled like batches; the end record is delivered after all of the run's batches, so
``journal_runs`` says complete only once the run's whole journal is in ClickHouse.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import pyarrow as pa

from clickhouse_connect.driver.client import Client

from sim.store.client import StoreError, session
from sim.store.journal_rows import keyed_payload, validate
from sim.store.journal_runs import END, RUN_RECORDS, START, JournalRun, delivery_order, now_ms, run_record
from sim.store.journal_spool import DEFAULT_SPOOL_DIR, Spool, SpooledBatch
from sim.store.schema import JOURNAL_RUNS, JOURNAL_TABLES

DEFAULT_BATCH_ROWS = 10_000
DEFAULT_MAX_BACKOFF = 64


class JournalSink(Protocol):
    """What the simulator writes its journal tables through."""

    def write(self, table: str, rows: pa.Table) -> None: ...

    def flush(self) -> None: ...

    def close(self, journal_sha256: str = "") -> "SinkReport": ...


@dataclass
class SinkReport:
    run_id: str
    delivered: dict[str, int] = field(default_factory=dict)  # journal table -> rows in ClickHouse
    rejected: dict[str, int] = field(default_factory=dict)   # "<column>:<problem>" -> rows
    spooled: int = 0              # rows still waiting in the spool
    retries: int = 0              # delivery attempts made after a failed one
    already_present: int = 0      # batches found delivered before (inserted once, not twice)
    last_error: str | None = None
    complete: bool = False        # the run's end record is in ClickHouse (so is its whole journal)
    conflict: str | None = None   # ClickHouse already held this run id with another journal hash


@dataclass
class Delivery:
    confirmed: list[tuple[SpooledBatch, int, bool]]  # journal batches: (batch, rows, was already present)
    error: str | None
    completed: list[str] = field(default_factory=list)  # runs whose end record is now in ClickHouse
    conflicts: list[str] = field(default_factory=list)  # one line per run id held with another journal hash


def _present(client: Client, batch: SpooledBatch) -> bool:
    """Whether ClickHouse holds the batch; a start record counts as held once any record of its run is."""
    if batch.table == RUN_RECORDS:
        return bool(client.command(f"SELECT count() FROM {JOURNAL_RUNS} WHERE run_id = %(r)s AND complete >= %(s)s",
                                   {"r": batch.run_id, "s": batch.seq}))
    return bool(client.command(f"SELECT count() FROM {JOURNAL_TABLES[batch.table]} "
                               "WHERE run_id = %(r)s AND batch_seq = %(s)s", {"r": batch.run_id, "s": batch.seq}))


def _conflict(client: Client, batch: SpooledBatch, payload: pa.Table) -> str | None:
    """For an end record already held: a line saying so when the held journal hash differs."""
    sent = payload.column("journal_sha256")[0].as_py()
    held = client.command(f"SELECT journal_sha256 FROM {JOURNAL_RUNS} WHERE run_id = %(r)s AND complete = 1 LIMIT 1",
                          {"r": batch.run_id})
    if not sent or not held or held == sent:
        return None
    return (f"ClickHouse already holds run {batch.run_id} with journal sha256 {held[:16]}..., this one is "
            f"{sent[:16]}...: the code changed without a version change, and the held rows were kept")


def deliver_pending(spool: Spool, dsn: str | None = None, run_id: str | None = None) -> Delivery:
    """Send spooled batches oldest first (each run's end record last) until done or the first
    failure; confirmed files go. Stopping at the first failure is what keeps an end record from
    landing before a batch of its run."""
    pending = sorted(spool.pending(run_id), key=delivery_order)
    delivery = Delivery([], None)
    if not pending:
        return delivery
    try:
        with session(dsn) as client:
            for batch in pending:
                present, payload = _present(client, batch), batch.read()
                table = JOURNAL_RUNS if batch.table == RUN_RECORDS else JOURNAL_TABLES[batch.table]
                if not present:
                    client.insert_arrow(table, payload, settings={
                        "insert_deduplication_token": f"{batch.run_id}/{batch.table}/{batch.seq}"})
                elif batch.table == RUN_RECORDS and batch.seq == END:
                    conflict = _conflict(client, batch, payload)
                    if conflict is not None:
                        delivery.conflicts.append(conflict)
                spool.remove(batch)
                if batch.table != RUN_RECORDS:
                    delivery.confirmed.append((batch, payload.num_rows, present))
                elif batch.seq == END:
                    delivery.completed.append(batch.run_id)
    except StoreError as exc:
        delivery.error = str(exc)
    return delivery


class ClickHouseJournalSink:
    """``JournalSink`` into the journal tables of a DSN (see ``ddl/030_violet_decisions.sql``).

    ``run`` names one deterministic run (``JournalRun.of`` for a scenario run; a bare id string
    leaves the run record's scenario fields blank): re-running it with the same id re-sends
    identical batches, which the key absorbs. Batches spooled by an earlier attempt of the same run
    are delivered by this sink; other runs' leftovers by ``deliver_pending`` (``db deliver-spool``).
    """

    def __init__(self, run: str | JournalRun, dsn: str | None = None, *, spool_dir: str | Path = DEFAULT_SPOOL_DIR,
                 batch_rows: int = DEFAULT_BATCH_ROWS, max_backoff: int = DEFAULT_MAX_BACKOFF) -> None:
        if batch_rows <= 0:
            raise ValueError("batch_rows must be positive")
        self.run = run if isinstance(run, JournalRun) else JournalRun(run)
        self.run_id, self.dsn = self.run.run_id, dsn
        self.batch_rows, self.max_backoff = batch_rows, max_backoff
        self.spool = Spool(spool_dir)
        self._buffers: dict[str, list[pa.Table]] = {}
        self._next_seq: Counter[str] = Counter()
        self._sent: Counter[str] = Counter()
        self._confirmed: dict[tuple[str, int], int] = {}
        self._rejected: Counter[str] = Counter()
        self._failures = self._wait = self._retries = self._already_present = 0
        self._last_error: str | None = None
        self._complete, self._conflict = False, None
        self._closed = False
        self._started_ms = now_ms()
        self.spool.put(self.run_id, RUN_RECORDS, START, run_record(self.run, self._started_ms))

    def write(self, table: str, rows: pa.Table) -> None:
        if self._closed:
            raise RuntimeError("journal sink is closed")
        valid, rejected = validate(table, rows)
        self._rejected.update(rejected)
        buffer = self._buffers.setdefault(table, [])
        if valid.num_rows:
            buffer.append(valid)
        if sum(t.num_rows for t in buffer) >= self.batch_rows:
            pending = pa.concat_tables(buffer)
            cut = pending.num_rows - pending.num_rows % self.batch_rows
            for start in range(0, cut, self.batch_rows):
                self._spool(table, pending.slice(start, self.batch_rows))
            self._buffers[table] = [pending.slice(cut)] if cut < pending.num_rows else []
            self._attempt(forced=False)

    def flush(self) -> None:
        """Spool every partial batch and try to deliver everything pending now."""
        self._spool_buffers()
        self._attempt(forced=True)

    def close(self, journal_sha256: str = "") -> SinkReport:
        """The run's journal is all written: spool what is left and the run's end record (with
        ``journal_sha256``, the journal hash, when known) and try to deliver them."""
        if not self._closed:
            self._spool_buffers()
            self.spool.put(self.run_id, RUN_RECORDS, END, run_record(
                self.run, self._started_ms, finished_ms=now_ms(), rows={t: self._sent[t] for t in JOURNAL_TABLES},
                rejected=sum(self._rejected.values()), journal_sha256=journal_sha256))
            self._attempt(forced=True)
            self._closed = True
        delivered: Counter[str] = Counter()
        for (table, _), rows in self._confirmed.items():
            delivered[table] += rows
        return SinkReport(
            run_id=self.run_id,
            delivered=dict(sorted(delivered.items())),
            rejected=dict(sorted(self._rejected.items())),
            spooled=sum(b.num_rows() for b in self.spool.pending(self.run_id) if b.table != RUN_RECORDS),
            retries=self._retries,
            already_present=self._already_present,
            last_error=self._last_error,
            complete=self._complete,
            conflict=self._conflict,
        )

    def _spool_buffers(self) -> None:
        for table, buffer in self._buffers.items():
            if buffer:
                self._spool(table, pa.concat_tables(buffer))
        self._buffers = {}

    def _spool(self, table: str, rows: pa.Table) -> None:
        seq = self._next_seq[table]
        self._next_seq[table] += 1
        self._sent[table] += rows.num_rows
        self.spool.put(self.run_id, table, seq, keyed_payload(rows, self.run_id, seq))

    def _attempt(self, forced: bool) -> None:
        if self._failures:
            if self._wait and not forced:
                self._wait -= 1
                return
            self._retries += 1
        outcome = deliver_pending(self.spool, self.dsn, self.run_id)
        for batch, rows, present in outcome.confirmed:
            self._confirmed[(batch.table, batch.seq)] = rows
            self._already_present += present
        self._complete = self._complete or self.run_id in outcome.completed
        self._conflict = next(iter(outcome.conflicts), self._conflict)
        if outcome.error is None:
            self._failures = 0
        else:
            self._failures += 1
            self._wait = min(2 ** self._failures - 1, self.max_backoff)
            self._last_error = outcome.error
