"""Parquet scan archives: the wide columnar layout replays stream from.

Layout: one row per scan with ``ts_ms`` (int64), ``scan_number`` (int64), ``vel_div`` (float64),
``esof_score`` (float64, null = no score), ``esof_ts_ms`` (int64, null = no timestamp), then one
``p.<ASSET>`` float64 column per asset (null = asset not in that scan), optionally ``m.<ASSET>``
mark prices, and optionally ``h.<ASSET>`` and ``l.<ASSET>``: the high and low of the bar that
ended at the scan, so that a replay can look inside the bar. Each optional set has a column for
every asset or none; an archive without extremes has the layout (and the bytes) it had before
they were added, so existing archives and their hashes stay valid. The file's key-value metadata
holds ``violet.assets`` (JSON list, column order), ``violet.provenance`` (free text or JSON
describing where the scans came from) and ``violet.funding`` (JSON ``{symbol: [[ts_ms, rate],
...]}``, absent = no funding series).
Reading goes batch by batch (``iter_batches``), so memory is bounded by the batch size.
"""
from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Callable, Iterable, Iterator, TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from sim.errors import UserError
from sim.scans.source import Funding
from violet_engine.scan_batch import NO_TS, ScanBatch

PRICE_PREFIX = "p."
MARK_PREFIX = "m."
HIGH_PREFIX = "h."
LOW_PREFIX = "l."
ASSETS_KEY = b"violet.assets"
PROVENANCE_KEY = b"violet.provenance"
FUNDING_KEY = b"violet.funding"
T = TypeVar("T")
BASE_FIELDS = [
    ("ts_ms", pa.int64()),
    ("scan_number", pa.int64()),
    ("vel_div", pa.float64()),
    ("esof_score", pa.float64()),
    ("esof_ts_ms", pa.int64()),
]

#: Non-dictionary encodings: counters and timestamps are near-arithmetic sequences, vel_div is
#: noise that a dictionary cannot shrink; prices (on a tick grid) keep the default dictionary.
ENCODINGS = {"ts_ms": "DELTA_BINARY_PACKED", "scan_number": "DELTA_BINARY_PACKED",
             "esof_ts_ms": "DELTA_BINARY_PACKED", "vel_div": "BYTE_STREAM_SPLIT"}


class ArchiveError(UserError):
    """A scan archive that cannot be read as the layout above (names the file and the problem)."""


def archive_schema(assets: tuple[str, ...], with_marks: bool, provenance: str = "",
                   funding: Funding | None = None, with_extremes: bool = False) -> pa.Schema:
    fields = [pa.field(n, t) for n, t in BASE_FIELDS]
    prefixes = [PRICE_PREFIX, *([MARK_PREFIX] if with_marks else []),
                *([HIGH_PREFIX, LOW_PREFIX] if with_extremes else [])]
    fields += [pa.field(prefix + a, pa.float64()) for prefix in prefixes for a in assets]
    meta = {ASSETS_KEY: json.dumps(list(assets)).encode(), PROVENANCE_KEY: provenance.encode()}
    if funding:
        series = {s: [[int(t), float(r)] for t, r in funding[s]] for s in sorted(funding)}
        meta[FUNDING_KEY] = json.dumps(series, separators=(",", ":")).encode()
    return pa.schema(fields, metadata=meta)


def _has_marks(schema: pa.Schema, assets: tuple[str, ...]) -> bool:
    return bool(assets) and schema.get_field_index(MARK_PREFIX + assets[0]) >= 0


def _has_extremes(schema: pa.Schema, assets: tuple[str, ...]) -> bool:
    return bool(assets) and all(schema.get_field_index(p + assets[0]) >= 0 for p in (HIGH_PREFIX, LOW_PREFIX))


def batch_to_record_batch(batch: ScanBatch, schema: pa.Schema) -> pa.RecordBatch:
    """One ScanBatch as Arrow columns (absent prices become nulls). A batch without marks or
    extremes written where the schema has them gets the prices there (what the venue assumes)."""
    def price_cols(values: np.ndarray) -> list[pa.Array]:
        return [pa.array(values[:, j], pa.float64(), mask=~batch.present[:, j]) for j in range(len(batch.assets))]

    cols = [
        pa.array(batch.ts_ms, pa.int64()),
        pa.array(batch.scan_number, pa.int64()),
        pa.array(batch.vel_div, pa.float64()),
        pa.array(batch.esof_score, pa.float64(), mask=np.isnan(batch.esof_score)),
        pa.array(batch.esof_ts_ms, pa.int64(), mask=batch.esof_ts_ms == NO_TS),
    ]
    cols += price_cols(batch.prices)
    if _has_marks(schema, batch.assets):
        cols += price_cols(batch.prices if batch.marks is None else batch.marks)
    if _has_extremes(schema, batch.assets):
        cols += price_cols(batch.prices if batch.highs is None else batch.highs)
        cols += price_cols(batch.prices if batch.lows is None else batch.lows)
    return pa.RecordBatch.from_arrays(cols, schema=schema)


def write_archive(path: str | Path, batches: Iterable[ScanBatch], *, with_marks: bool = False,
                  provenance: str = "", funding: Funding | None = None, with_extremes: bool = False) -> int:
    """Stream batches into a Parquet archive; returns the number of scans written.

    The bytes depend only on the scans, the metadata and the batch boundaries (one row group per
    batch), so rebuilding an archive from the same source gives an identical file. It is written
    under a temporary name beside ``path`` and renamed into place only when complete: an
    interrupted write (Ctrl-C, a full disk, an error in the source) leaves ``path`` as it was,
    never a valid-looking shorter archive. ``with_extremes`` adds the bars' highs and lows.
    """
    final = Path(path)
    partial = final.with_name(f".{final.name}.partial")
    writer: pq.ParquetWriter | None = None
    n = 0
    try:
        for batch in batches:
            if writer is None:
                schema = archive_schema(batch.assets, with_marks, provenance, funding, with_extremes)
                writer = pq.ParquetWriter(str(partial), schema, compression="zstd", compression_level=9,
                                          use_dictionary=[c for c in schema.names if c not in ENCODINGS],
                                          column_encoding=ENCODINGS)
            writer.write_batch(batch_to_record_batch(batch, writer.schema))
            n += len(batch)
        if writer is not None:
            writer.close()
            writer = None
            os.replace(partial, final)
    finally:
        if writer is not None:
            writer.close()
        partial.unlink(missing_ok=True)
    return n


def record_batch_to_scans(rb: pa.RecordBatch | pa.Table, assets: tuple[str, ...]) -> ScanBatch:
    """Arrow columns in the archive layout back to a ScanBatch."""
    def col(name: str) -> pa.Array:
        return rb.column(rb.schema.get_field_index(name))

    def floats(name: str) -> np.ndarray:
        return col(name).to_numpy(zero_copy_only=False).astype(np.float64, copy=False)

    def ints(name: str) -> np.ndarray:
        return np.asarray(col(name).fill_null(NO_TS).to_numpy(zero_copy_only=False), dtype=np.int64)

    def matrix(prefix: str) -> np.ndarray:
        """(rows, assets), stacked in one copy (column by column into a row-major array is ~5x slower)."""
        if not assets:
            return np.empty((n, 0))
        return np.stack([floats(prefix + a) for a in assets], axis=1)

    n = rb.num_rows
    prices = matrix(PRICE_PREFIX)
    present = np.ones((n, len(assets)), dtype=bool)
    for j, a in enumerate(assets):
        column = col(PRICE_PREFIX + a)
        if column.null_count:
            present[:, j] = ~np.asarray(column.is_null().to_numpy(zero_copy_only=False))
    marks = matrix(MARK_PREFIX) if _has_marks(rb.schema, assets) else None
    extremes = _has_extremes(rb.schema, assets)
    return ScanBatch(
        assets=assets,
        ts_ms=ints("ts_ms"),
        scan_number=ints("scan_number"),
        vel_div=floats("vel_div"),
        prices=prices,
        present=present,
        esof_score=floats("esof_score"),
        esof_ts_ms=ints("esof_ts_ms"),
        marks=marks,
        highs=matrix(HIGH_PREFIX) if extremes else None,
        lows=matrix(LOW_PREFIX) if extremes else None,
    )


class ParquetScanSource:
    """Scans from a Parquet archive, streamed in batches of ``batch_size`` rows (a ScanSource).
    With ``extremes`` false the bars' highs and lows are not read even where the archive has them
    (a run that does not look inside the bars would carry two more price arrays for nothing)."""

    def __init__(self, path: str | Path, batch_size: int = 65536, extremes: bool = True) -> None:
        self.path = Path(path)
        self.batch_size = batch_size
        try:  # a damaged footer shows as any of these (UnicodeDecodeError for a bad column name)
            self._file = pq.ParquetFile(str(self.path))
            schema = self._file.schema_arrow
        except (OSError, pa.ArrowException, ValueError) as exc:
            raise ArchiveError(f"{self.path}: not a readable Parquet scan archive ({exc})") from None
        meta = schema.metadata or {}
        if ASSETS_KEY not in meta:
            raise ArchiveError(f"{self.path}: missing metadata key 'violet.assets'")
        self.assets: tuple[str, ...] = _assets_from(self.path, meta[ASSETS_KEY])
        self.provenance: str = meta.get(PROVENANCE_KEY, b"").decode("utf-8", errors="replace")
        self.funding: Funding = _funding_from(self.path, meta.get(FUNDING_KEY, b"{}"))
        names = set(schema.names)
        #: whether the batches carry the bars' highs and lows
        self.has_extremes = _has_extremes(schema, self.assets)
        prefixes = (PRICE_PREFIX, HIGH_PREFIX, LOW_PREFIX) if self.has_extremes else (PRICE_PREFIX,)
        missing = [n for n, _ in BASE_FIELDS if n not in names] + [
            p + a for p in prefixes for a in self.assets if p + a not in names]
        if missing:
            raise ArchiveError(f"{self.path}: missing columns {missing[:5]}")
        skipped = (HIGH_PREFIX, LOW_PREFIX) if self.has_extremes and not extremes else ()
        self._columns = [n for n in schema.names if not n.startswith(skipped)] if skipped else None

    @property
    def num_scans(self) -> int:
        return self._file.metadata.num_rows

    def time_span(self) -> tuple[int, int] | None:
        """Earliest and latest ``ts_ms`` (None for an empty archive); reads that column only."""
        try:
            lo_hi = pc.min_max(self._file.read(columns=["ts_ms"]).column(0)).as_py()
        except (OSError, pa.ArrowException) as exc:
            raise ArchiveError(f"{self.path}: damaged column ts_ms ({exc})") from None
        return None if lo_hi["min"] is None else (lo_hi["min"], lo_hi["max"])

    def batches(self) -> Iterator[ScanBatch]:
        """Consecutive batches of ``batch_size`` scans (the last may be shorter), read one row
        group at a time on this thread (``iter_batches``' reader pool costs more than it gives). A
        damaged page is an ``ArchiveError`` naming the file and the row it was met at, never a bare
        decoder error."""
        yield from regroup(self._row_groups(), self.batch_size, self._scans)

    def _row_groups(self) -> Iterator[pa.Table]:
        """Each row group in turn, let go of before the next is read (a generator's locals live
        while it waits: kept, the spent group would sit beside the one being decoded)."""
        rows_read = 0
        for i in range(self._file.num_row_groups):
            group = self._row_group(i, rows_read)
            rows_read += group.num_rows
            yield group
            del group

    def _row_group(self, i: int, rows_read: int) -> pa.Table:
        try:
            return self._file.read_row_group(i, columns=self._columns, use_threads=False)
        except (OSError, pa.ArrowException, TypeError, ValueError) as exc:
            raise self._damaged(rows_read, exc) from None

    def _scans(self, table: pa.Table, first_row: int) -> ScanBatch:
        try:
            return record_batch_to_scans(table, self.assets)
        except (OSError, pa.ArrowException, TypeError, ValueError) as exc:
            raise self._damaged(first_row, exc) from None

    def _damaged(self, row: int, exc: Exception) -> ArchiveError:
        return ArchiveError(f"{self.path}: damaged data after row {row} ({exc})")


def regroup(tables: Iterable[pa.Table], size: int, convert: Callable[[pa.Table, int], T]) -> Iterator[T]:
    """``convert(table, first_row)`` of consecutive tables of ``size`` rows (the last may be
    shorter) cut from a stream of tables of any lengths: how a reader's own unit (a row group, a
    query page) becomes the batch size a replay asks for. ``first_row`` is where the table starts
    in the stream. A slice keeps its whole table alive, so nothing here holds a spent table: an
    emptied remainder is dropped, and the cut is converted and its table let go before the
    result is handed out (a generator's locals live while it waits). Held, a spent row group sat
    beside the next one, and a ClickHouse batch's Arrow pages beside the whole replay of it."""
    pending: list[pa.Table] = []
    have = rows = 0
    for table in tables:
        pending.append(table)
        have += table.num_rows
        rows += table.num_rows
        del table
        while have >= size:
            joined = pa.concat_tables(pending) if len(pending) > 1 else pending[0]
            have -= size
            pending = [joined.slice(size)] if have else []
            converted = convert(joined.slice(0, size), rows - have - size)
            del joined
            yield converted
            del converted
    if have:
        yield convert(pa.concat_tables(pending) if len(pending) > 1 else pending[0], rows - have)


def _assets_from(path: Path, raw: bytes) -> tuple[str, ...]:
    """``violet.assets``: a JSON list of distinct, non-empty symbol strings."""
    try:
        assets = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        assets = None
    if not (isinstance(assets, list) and assets and all(isinstance(a, str) and a for a in assets)
            and len(set(assets)) == len(assets)):
        raise ArchiveError(f"{path}: metadata violet.assets must be a JSON list of distinct symbols, "
                           f"got {raw[:80]!r}")
    return tuple(assets)


def _funding_from(path: Path, raw: bytes) -> Funding:
    """``violet.funding``: JSON ``{symbol: [[ts_ms, rate], ...]}`` with integer stamps and finite rates."""
    try:
        doc = json.loads(raw)
        funding = {str(s): [(_int_ms(t), _finite(r)) for t, r in rows] for s, rows in doc.items()}
    except (ValueError, TypeError, AttributeError, UnicodeDecodeError):
        raise ArchiveError(f"{path}: metadata violet.funding must be JSON {{symbol: [[ts_ms, rate], ...]}}, "
                           f"got {raw[:80]!r}") from None
    return funding


def _int_ms(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"not an integer ms stamp: {value!r}")
    return value


def _finite(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise TypeError(f"not a finite rate: {value!r}")
    return float(value)
