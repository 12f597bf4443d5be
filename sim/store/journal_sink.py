"""The ClickHouse journal sink: a run's tables into ClickHouse in batches, surviving outages.

``write`` validates rows (rejects are counted by reason and dropped), cuts valid rows into
batches of ``batch_rows`` numbered per table, spools each batch to a local file and then tries to
deliver the spool. A batch is keyed ``(run_id, table, batch_seq)``: delivery skips a key already
present and inserts with that key as ``insert_deduplication_token``, so a batch retried after a
lost acknowledgement, or re-sent by a re-run of the same deterministic run, lands exactly once.
When ClickHouse is unreachable the batches stay spooled; later triggers retry with a backoff
counted in triggers (never the wall clock), and ``flush``/``close`` always try.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import pyarrow as pa

from sim.store.client import StoreError, session
from sim.store.journal_rows import keyed_payload, validate
from sim.store.journal_spool import DEFAULT_SPOOL_DIR, Spool, SpooledBatch, check_run_id
from sim.store.schema import JOURNAL_TABLES

DEFAULT_BATCH_ROWS = 10_000
DEFAULT_MAX_BACKOFF = 64


class JournalSink(Protocol):
    """What the simulator writes its journal tables through."""

    def write(self, table: str, rows: pa.Table) -> None: ...

    def flush(self) -> None: ...

    def close(self) -> "SinkReport": ...


@dataclass
class SinkReport:
    delivered: dict[str, int] = field(default_factory=dict)  # journal table -> rows in ClickHouse
    rejected: dict[str, int] = field(default_factory=dict)   # "<column>:<problem>" -> rows
    spooled: int = 0              # rows still waiting in the spool
    retries: int = 0              # delivery attempts made after a failed one
    already_present: int = 0      # batches found delivered before (inserted once, not twice)
    last_error: str | None = None


@dataclass
class Delivery:
    confirmed: list[tuple[SpooledBatch, int, bool]]  # (batch, rows, was already present)
    error: str | None


def deliver_pending(spool: Spool, dsn: str | None = None, run_id: str | None = None) -> Delivery:
    """Send spooled batches oldest first until done or the first failure; confirmed files go."""
    pending = spool.pending(run_id)
    confirmed: list[tuple[SpooledBatch, int, bool]] = []
    if not pending:
        return Delivery(confirmed, None)
    try:
        with session(dsn) as client:
            for batch in pending:
                table = JOURNAL_TABLES[batch.table]
                present = client.command(
                    f"SELECT count() FROM {table} WHERE run_id = %(r)s AND batch_seq = %(s)s",
                    {"r": batch.run_id, "s": batch.seq})
                payload = batch.read()
                if not present:
                    client.insert_arrow(table, payload, settings={
                        "insert_deduplication_token": f"{batch.run_id}/{batch.table}/{batch.seq}"})
                spool.remove(batch)
                confirmed.append((batch, payload.num_rows, bool(present)))
    except StoreError as exc:
        return Delivery(confirmed, str(exc))
    return Delivery(confirmed, None)


class ClickHouseJournalSink:
    """``JournalSink`` into the journal tables of a DSN (see ``ddl/030_violet_decisions.sql``).

    ``run_id`` names one deterministic run: re-running it with the same id re-sends identical
    batches, which the key absorbs. Batches spooled by an earlier attempt of the same run are
    delivered by this sink; other runs' leftovers by ``deliver_pending`` (``db deliver-spool``).
    """

    def __init__(self, run_id: str, dsn: str | None = None, *, spool_dir: str | Path = DEFAULT_SPOOL_DIR,
                 batch_rows: int = DEFAULT_BATCH_ROWS, max_backoff: int = DEFAULT_MAX_BACKOFF) -> None:
        if batch_rows <= 0:
            raise ValueError("batch_rows must be positive")
        self.run_id, self.dsn = check_run_id(run_id), dsn
        self.batch_rows, self.max_backoff = batch_rows, max_backoff
        self.spool = Spool(spool_dir)
        self._buffers: dict[str, list[pa.Table]] = {}
        self._next_seq: Counter[str] = Counter()
        self._confirmed: dict[tuple[str, int], int] = {}
        self._rejected: Counter[str] = Counter()
        self._failures = self._wait = self._retries = self._already_present = 0
        self._last_error: str | None = None
        self._closed = False

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
        for table, buffer in self._buffers.items():
            if buffer:
                self._spool(table, pa.concat_tables(buffer))
        self._buffers = {}
        self._attempt(forced=True)

    def close(self) -> SinkReport:
        if not self._closed:
            self.flush()
            self._closed = True
        delivered: Counter[str] = Counter()
        for (table, _), rows in self._confirmed.items():
            delivered[table] += rows
        return SinkReport(
            delivered=dict(sorted(delivered.items())),
            rejected=dict(sorted(self._rejected.items())),
            spooled=sum(b.num_rows() for b in self.spool.pending(self.run_id)),
            retries=self._retries,
            already_present=self._already_present,
            last_error=self._last_error,
        )

    def _spool(self, table: str, rows: pa.Table) -> None:
        seq = self._next_seq[table]
        self._next_seq[table] += 1
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
        if outcome.error is None:
            self._failures = 0
        else:
            self._failures += 1
            self._wait = min(2 ** self._failures - 1, self.max_backoff)
            self._last_error = outcome.error
