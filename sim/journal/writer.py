"""The run journal: row buffers flushed to Parquet in chunks, and the journal hash.

Rows are buffered per table and written as Parquet row groups every ``flush_rows`` rows, so memory
stays bounded on long replays. The journal hash is computed over a canonical text form of every row
(not over Parquet bytes), so it is the same on any machine and any library version.
"""
from __future__ import annotations

import hashlib
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any, Mapping

import pyarrow as pa
import pyarrow.parquet as pq

from sim.journal.schema import MONEY, TABLES

_Q18 = Decimal(1).scaleb(-18)


def money(x: Decimal | str | int | float | None) -> Decimal | None:
    """A money value as the journal stores it: Decimal rounded half-even to 18 places."""
    if x is None:
        return None
    d = x if isinstance(x, Decimal) else Decimal(str(x))
    return d.quantize(_Q18, rounding=ROUND_HALF_EVEN)


def canonical(value: Any) -> str:
    """Text form of one cell for hashing: floats by repr, Decimals normalised, None as empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value else "0"
    return str(value)


class RunJournal:
    """Buffers journal rows per table, writes ``<table>.parquet`` files, and hashes every row."""

    def __init__(self, out_dir: Path | None, flush_rows: int = 4_096) -> None:
        self.out_dir = out_dir
        self.flush_rows = flush_rows
        self.counts: dict[str, int] = {name: 0 for name in TABLES}
        self._rows: dict[str, list[tuple]] = {name: [] for name in TABLES}
        self._hash = {name: hashlib.sha256() for name in TABLES}
        self._writers: dict[str, pq.ParquetWriter] = {}
        self._sinks: list[Any] = []

    def add_sink(self, sink: Any) -> None:
        """Also deliver every flushed chunk to ``sink.write(table, pyarrow.Table)``."""
        self._sinks.append(sink)

    def append(self, table: str, row: Mapping[str, Any]) -> None:
        schema = TABLES[table]
        values = tuple(money(row[f.name]) if f.type == MONEY else row[f.name] for f in schema)
        self._rows[table].append(values)
        self._hash[table].update(("\x1f".join(canonical(v) for v in values) + "\n").encode())
        self.counts[table] += 1
        if len(self._rows[table]) >= self.flush_rows:
            self._flush_table(table)

    def flush(self) -> None:
        for table in TABLES:
            self._flush_table(table)

    def _flush_table(self, table: str) -> None:
        rows = self._rows[table]
        if not rows:
            return
        schema = TABLES[table]
        arrow = pa.Table.from_arrays(
            [pa.array([r[j] for r in rows], type=f.type) for j, f in enumerate(schema)], schema=schema)
        self._rows[table] = []
        if self.out_dir is not None:
            writer = self._writers.get(table)
            if writer is None:
                writer = self._writers[table] = pq.ParquetWriter(str(self.out_dir / f"{table}.parquet"), schema)
            writer.write_table(arrow)
        for sink in self._sinks:
            sink.write(table, arrow)

    def close(self) -> str:
        """Flush everything, write empty tables that saw no rows, and return the journal hash."""
        self.flush()
        if self.out_dir is not None:
            for table, schema in TABLES.items():
                if table not in self._writers:
                    self._writers[table] = pq.ParquetWriter(str(self.out_dir / f"{table}.parquet"), schema)
            for writer in self._writers.values():
                writer.close()
        self._writers = {}
        return self.digest()

    def digest(self) -> str:
        """sha256 over every table's name, row count and row hash, in schema order."""
        top = hashlib.sha256()
        for table in TABLES:
            top.update(f"{table}:{self.counts[table]}:{self._hash[table].hexdigest()}\n".encode())
        return top.hexdigest()
