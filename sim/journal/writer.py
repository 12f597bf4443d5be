"""The run journal: row buffers flushed to Parquet in chunks, and the journal hash.

Rows are buffered per table and written as Parquet row groups every ``flush_rows`` rows, so memory
stays bounded on long replays. The journal hash is computed over a canonical text form of every row
(not over Parquet bytes), so it is the same on any machine and any library version. Rows are turned
into that text when their chunk is flushed, column by column (one converter per column type), and
hashed in one update per chunk: the same bytes in the same order as row by row.
"""
from __future__ import annotations

import functools
import hashlib
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any, Callable, Mapping

import pyarrow as pa
import pyarrow.parquet as pq

from sim.journal.schema import MONEY, TABLES

_Q18 = Decimal(1).scaleb(-18)
_SEP = "\x1f"  # between the cells of a row in the canonical text


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


def _canonical_for(kind: pa.DataType) -> Callable[[Any], str]:
    """``canonical`` for the values a column of ``kind`` holds, with its common type first."""
    if pa.types.is_floating(kind):
        return lambda v: repr(v) if type(v) is float else canonical(v)
    if pa.types.is_integer(kind):
        return lambda v: str(v) if type(v) is int else canonical(v)
    if pa.types.is_string(kind):
        return lambda v: v if type(v) is str else canonical(v)
    return canonical


@functools.lru_cache(maxsize=64)
def _converters(schema: pa.Schema) -> tuple[Callable[[Any], str], ...]:
    """A schema's column converters, once: a run whose journal flushes on a timer (a sink outage)
    hashes hundreds of chunks of a few rows, where choosing them per chunk was most of the work."""
    return tuple(_canonical_for(f.type) for f in schema)


#: ``canonical`` of a value of exactly this type (not a subclass: a numpy float's repr differs).
_PLAIN: dict[type, Callable[[Any], str]] = {float: float.__repr__, int: int.__repr__, str: str.__str__}


def _cells(convert: Callable[[Any], str], column: tuple) -> list[str]:
    """``convert`` over a column; a column of one plain type is mapped by that type's own
    method, without a Python call per cell (the same text: see ``_PLAIN``)."""
    first = type(column[0])
    plain = _PLAIN.get(first)
    if plain is not None and set(map(type, column)) == {first}:
        return list(map(plain, column))
    return list(map(convert, column))


def canonical_text(rows: list[tuple], schema: pa.Schema) -> str:
    """The canonical text of ``rows``: each row's cells joined by US, one line per row."""
    if not rows:
        return ""
    columns = [_cells(convert, col) for convert, col in zip(_converters(schema), zip(*rows))]
    return "".join(_SEP.join(cells) + "\n" for cells in zip(*columns))


class JournalChunk:
    """One flushed chunk of a journal table: its rows, and their Arrow table built on first use
    and then shared by the file and every sink. A sink that only counts rows (the simulated store
    of a sink-outage run) reads ``num_rows``, so a swarm run builds no tables at all: building
    them was a sixth of a crash scenario's run."""

    __slots__ = ("table", "rows", "_arrow")

    def __init__(self, table: str, rows: list[tuple]) -> None:
        self.table, self.rows = table, rows
        self._arrow: pa.Table | None = None

    @property
    def num_rows(self) -> int:
        return len(self.rows)

    def arrow(self) -> pa.Table:
        if self._arrow is None:
            schema = TABLES[self.table]
            self._arrow = pa.Table.from_arrays(
                [pa.array([r[j] for r in self.rows], type=f.type) for j, f in enumerate(schema)], schema=schema)
        return self._arrow


class RunJournal:
    """Buffers journal rows per table, writes ``<table>.parquet`` files, and hashes every row."""

    def __init__(self, out_dir: Path | None, flush_rows: int = 4_096) -> None:
        self.out_dir = out_dir
        self.flush_rows = flush_rows
        self.counts: dict[str, int] = {name: 0 for name in TABLES}
        self._rows: dict[str, list[tuple]] = {name: [] for name in TABLES}
        self._hash = {name: hashlib.sha256() for name in TABLES}
        self._writers: dict[str, pq.ParquetWriter] = {}
        self._sinks: list[tuple[Any, bool]] = []  # (sink, whether it takes the chunk rather than a table)
        self._money = {name: tuple(j for j, f in enumerate(schema) if f.type == MONEY) for name, schema in TABLES.items()}
        self._names = {name: tuple(schema.names) for name, schema in TABLES.items()}
        self._hashed = {name: 0 for name in TABLES}  # rows of the buffer already in the hash

    def add_sink(self, sink: Any, *, counts_rows: bool = False) -> None:
        """Also deliver every flushed chunk to ``sink.write(table, pyarrow.Table)``; with
        ``counts_rows`` the sink reads only ``num_rows`` and is given the ``JournalChunk``."""
        self._sinks.append((sink, counts_rows))

    def append(self, table: str, row: Mapping[str, Any]) -> None:
        values = [row[name] for name in self._names[table]]
        for j in self._money[table]:  # the money columns' positions
            values[j] = money(values[j])
        self._rows[table].append(tuple(values))
        self.counts[table] += 1
        if len(self._rows[table]) >= self.flush_rows:
            self._flush_table(table)

    def flush(self) -> None:
        for table in TABLES:
            self._flush_table(table)

    def _hash_rows(self, table: str) -> None:
        rows = self._rows[table]
        start = self._hashed[table]
        if start < len(rows):
            self._hash[table].update(canonical_text(rows[start:], TABLES[table]).encode())
            self._hashed[table] = len(rows)

    def _flush_table(self, table: str) -> None:
        rows = self._rows[table]
        if not rows:
            return
        self._hash_rows(table)
        self._hashed[table] = 0
        self._rows[table] = []
        if self.out_dir is None and not self._sinks:
            return  # hashed and counted; no file and no sink to build a table for (a swarm run)
        chunk = JournalChunk(table, rows)
        if self.out_dir is not None:
            writer = self._writers.get(table)
            if writer is None:
                writer = self._writers[table] = pq.ParquetWriter(str(self.out_dir / f"{table}.parquet"), TABLES[table])
            writer.write_table(chunk.arrow())
        for sink, counts_rows in self._sinks:
            sink.write(table, chunk if counts_rows else chunk.arrow())

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
            self._hash_rows(table)
            top.update(f"{table}:{self.counts[table]}:{self._hash[table].hexdigest()}\n".encode())
        return top.hexdigest()
