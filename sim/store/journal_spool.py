"""The journal spool: every batch is written to a local file before delivery is attempted.

One Arrow IPC file per batch, named ``<run_id>~<table>~<batch_seq>.arrow`` and holding the exact
keyed payload to insert; it is written atomically (temp file, fsync, rename) and deleted only once
ClickHouse holds the batch. Whatever is in the directory is therefore exactly what has not been
confirmed, and survives the process: a later sink or ``violet-sim db deliver-spool`` sends it.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

DEFAULT_SPOOL_DIR = Path(".violet/spool")
_RUN_ID = re.compile(r"^[A-Za-z0-9._-]+$")
_SUFFIX = ".arrow"


def check_run_id(run_id: str) -> str:
    if not _RUN_ID.match(run_id):
        raise ValueError(f"run_id {run_id!r} must be letters, digits, '.', '_' or '-'")
    return run_id


@dataclass(frozen=True, order=True)
class SpooledBatch:
    run_id: str
    table: str
    seq: int
    path: Path

    def read(self) -> pa.Table:
        with pa.memory_map(str(self.path)) as source:
            return pa.ipc.open_file(source).read_all()

    def num_rows(self) -> int:
        with pa.memory_map(str(self.path)) as source:
            reader = pa.ipc.open_file(source)
            return sum(reader.get_batch(i).num_rows for i in range(reader.num_record_batches))


class Spool:
    def __init__(self, directory: str | Path = DEFAULT_SPOOL_DIR) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)

    def put(self, run_id: str, table: str, seq: int, payload: pa.Table) -> SpooledBatch:
        path = self.directory / f"{check_run_id(run_id)}~{table}~{seq:010d}{_SUFFIX}"
        tmp = path.with_suffix(".tmp")
        with open(tmp, "wb") as sink:
            with pa.ipc.new_file(sink, payload.schema) as writer:
                writer.write_table(payload)
            sink.flush()
            os.fsync(sink.fileno())
        os.replace(tmp, path)
        return SpooledBatch(run_id, table, seq, path)

    def pending(self, run_id: str | None = None) -> list[SpooledBatch]:
        """Unconfirmed batches (of one run, or all), oldest first within each run and table."""
        found = []
        for path in self.directory.glob(f"*{_SUFFIX}"):
            run, table, seq = path.name[: -len(_SUFFIX)].split("~")
            if run_id is None or run == run_id:
                found.append(SpooledBatch(run, table, int(seq), path))
        return sorted(found)

    @staticmethod
    def remove(batch: SpooledBatch) -> None:
        batch.path.unlink(missing_ok=True)
