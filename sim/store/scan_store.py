"""Scans in and out of ClickHouse as ``ScanBatch`` batches (layout: ``ddl/010_scans.sql``).

A dataset is one imported archive: its rows in ``scans``, one ``scan_datasets`` row giving the
asset column order, and its funding settlements in ``scan_funding``. Replay reads a time range page by page with a keyset on ``seq`` (each page is
one bounded query), so memory does not grow with the replay and no cursor is held open between
pages; the same queries run on a server and on the embedded engine.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable, Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from clickhouse_connect.driver.client import Client

from sim.scans.archive import ParquetScanSource, regroup, write_archive
from sim.scans.source import Funding
from sim.store.client import StoreError, require_tables, session
from sim.store.heap import hold_mmap_threshold
from sim.instants import parse_instant
from sim.store.instants import in_range, to_timestamps
from sim.store.schema import SCAN_DATASETS, SCAN_FUNDING, SCANS
from violet_engine.scan_batch import NO_TS, ScanBatch

DEFAULT_DATASET = "default"
DEFAULT_BATCH_SIZE = 65_536
#: Rows per replay query (``ClickHouseScanSource._pages``); batches are cut from them.
FETCH_ROWS = 8_192


def _lists(offsets: np.ndarray, values: pa.Array) -> pa.ListArray:
    return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), values)


def scans_to_arrow(batch: ScanBatch, dataset: str, first_seq: int, with_marks: bool) -> pa.Table:
    """One batch as ``scans`` rows; only listed assets go into the per-scan arrays."""
    for name, ms in (("ts_ms", batch.ts_ms), ("esof_ts_ms", batch.esof_ts_ms[batch.esof_ts_ms != NO_TS])):
        if not in_range(ms).all():
            raise ValueError(f"{name} outside the DateTime64 range in dataset {dataset!r}")
    n = len(batch)
    present = batch.present
    offsets = np.concatenate([[0], np.cumsum(present.sum(axis=1))])
    _, cols = np.nonzero(present)  # row-major: scan by scan, assets in column order
    marks = (batch.marks if batch.marks is not None else batch.prices)[present] if with_marks else np.empty(0)
    return pa.table({
        "dataset": pa.array([dataset] * n, pa.string()),
        "seq": pa.array(np.arange(first_seq, first_seq + n, dtype=np.uint64)),
        "ts_ms": to_timestamps(batch.ts_ms),
        "scan_number": pa.array(batch.scan_number, pa.int64()),
        "vel_div": pa.array(batch.vel_div, pa.float64()),
        "esof_score": pa.array(batch.esof_score, pa.float64(), mask=np.isnan(batch.esof_score)),
        "esof_ts_ms": to_timestamps(batch.esof_ts_ms, null=batch.esof_ts_ms == NO_TS),
        "assets": _lists(offsets, pa.array(np.asarray(batch.assets, dtype=object)[cols], pa.string())),
        "prices": _lists(offsets, pa.array(batch.prices[present], pa.float64())),
        "marks": _lists(offsets if with_marks else np.zeros(n + 1, dtype=np.int64), pa.array(marks, pa.float64())),
    })


def arrow_to_scans(page: pa.Table, assets: tuple[str, ...], with_marks: bool) -> ScanBatch:
    """``scans`` rows (times as ``epoch_ms``/``esof_epoch_ms``, each row's assets as ``cols``:
    1-based positions in the dataset's asset list, 0 for an asset not in it) back to a ScanBatch
    with the dataset's asset columns. The engine sends positions rather than names: names are
    most of a page's bytes (about 3 MB of 5 per 8,192 rows of 30 assets) and of the memory a
    batch needs to convert."""
    n, k = page.num_rows, len(assets)
    positions = page.column("cols").combine_chunks()
    rows = np.repeat(np.arange(n), pc.list_value_length(positions).to_numpy(zero_copy_only=False))
    cols = pc.list_flatten(positions).to_numpy(zero_copy_only=False).astype(np.int64) - 1
    if (cols < 0).any():
        raise StoreError("scans row lists an asset missing from its dataset's asset list")

    def spread(column: str) -> np.ndarray:
        out = np.full((n, k), np.nan)
        out[rows, cols] = pc.list_flatten(page.column(column).combine_chunks()).to_numpy(zero_copy_only=False)
        return out

    present = np.zeros((n, k), dtype=bool)
    present[rows, cols] = True
    return ScanBatch(
        assets=assets,
        ts_ms=page.column("epoch_ms").to_numpy().astype(np.int64, copy=False),
        scan_number=page.column("scan_number").to_numpy().astype(np.int64, copy=False),
        vel_div=page.column("vel_div").to_numpy().astype(np.float64, copy=False),
        prices=spread("prices"),
        present=present,
        esof_score=page.column("esof_score").to_numpy(zero_copy_only=False).astype(np.float64),
        esof_ts_ms=np.asarray(page.column("esof_epoch_ms").fill_null(NO_TS).to_numpy(zero_copy_only=False), np.int64),
        marks=spread("marks") if with_marks else None,
    )


def _dataset_rows(client: Client, dataset: str) -> int:
    return int(client.command(f"SELECT count() FROM {SCANS} WHERE dataset = %(d)s", {"d": dataset}))


def _funding_rows(dataset: str, funding: Funding) -> pa.Table:
    rows = [(symbol, ts, rate) for symbol in sorted(funding) for ts, rate in funding[symbol]]
    return pa.table({
        "dataset": pa.array([dataset] * len(rows), pa.string()),
        "symbol": pa.array([r[0] for r in rows], pa.string()),
        "ts_ms": to_timestamps(np.array([r[1] for r in rows], dtype=np.int64)),
        "rate": pa.array([r[2] for r in rows], pa.float64()),
    })


def store_scans(batches: Iterable[ScanBatch], dsn: str | None = None, dataset: str = DEFAULT_DATASET, *,
                provenance: str = "", funding: Funding | None = None, replace: bool = False) -> int:
    """Write a stream of batches as one dataset; returns the number of scans stored.

    The dataset is registered only after its last row, so an interrupted import is never
    replayed as if complete; it must be redone with ``replace``.
    """
    with session(dsn) as client:
        require_tables(client, [SCANS, SCAN_DATASETS, SCAN_FUNDING])
        if replace:
            client.command(f"ALTER TABLE {SCANS} DROP PARTITION %(d)s", {"d": dataset})
            for table in (SCAN_DATASETS, SCAN_FUNDING):
                client.command(f"DELETE FROM {table} WHERE dataset = %(d)s", {"d": dataset})
        elif _dataset_rows(client, dataset) or _registry(client, dataset):
            raise StoreError(f"scan dataset {dataset!r} already exists (use --replace to overwrite it)")
        assets: tuple[str, ...] | None = None
        with_marks = False
        n = 0
        for batch in batches:
            if assets is None:
                assets, with_marks = batch.assets, batch.marks is not None
            elif batch.assets != assets:
                raise StoreError(f"scan dataset {dataset!r}: batches with different asset columns")
            client.insert_arrow(SCANS, scans_to_arrow(batch, dataset, n, with_marks))
            n += len(batch)
        if n:
            # One part per dataset: left to background merges, a first replay after an import read
            # across a dozen parts while the engine merged them (a 90-day peak 10% higher), and
            # the merged part is a third smaller. A dataset is written once, so this is paid once.
            client.command(f"OPTIMIZE TABLE {SCANS} PARTITION %(d)s FINAL", {"d": dataset})
        if funding:
            client.insert_arrow(SCAN_FUNDING, _funding_rows(dataset, funding))
        client.insert(SCAN_DATASETS, [[dataset, list(assets or ()), with_marks, provenance]],
                      column_names=["dataset", "assets", "with_marks", "provenance"])
    return n


def import_scans(path: str | Path, dsn: str | None = None, dataset: str = DEFAULT_DATASET, *,
                 replace: bool = False, batch_size: int = DEFAULT_BATCH_SIZE) -> int:
    """A Parquet scan archive into ClickHouse as one dataset (by default the one a scenario's
    ClickHouse source reads)."""
    source = ParquetScanSource(path, batch_size=batch_size)
    return store_scans(source.batches(), dsn, dataset, provenance=source.provenance,
                       funding=source.funding, replace=replace)


def _registry(client: Client, dataset: str) -> tuple[tuple[str, ...], bool, str] | None:
    rows = client.query(f"SELECT assets, with_marks, provenance FROM {SCAN_DATASETS} FINAL WHERE dataset = %(d)s",
                        {"d": dataset}).result_rows
    return (tuple(rows[0][0]), bool(rows[0][1]), rows[0][2]) if rows else None


class ClickHouseScanSource:
    """Scans of one dataset with ``start <= ts_ms < end`` (epoch ms or ISO 8601; None: unbounded),
    in archive order, as ``ScanBatch`` batches of at most ``batch_size`` scans: a ``ScanSource``
    like ``ParquetScanSource``, with the dataset's funding settlements inside the range."""

    def __init__(self, dsn: str | None = None, start: str | int | None = None, end: str | int | None = None, *,
                 dataset: str = DEFAULT_DATASET, batch_size: int = DEFAULT_BATCH_SIZE) -> None:
        if batch_size <= 0:
            raise ValueError("batch_size must be positive")
        hold_mmap_threshold()
        self.dsn, self.dataset, self.batch_size = dsn, dataset, batch_size
        self._where = "dataset = %(d)s"
        self._params: dict[str, object] = {"d": dataset}
        for name, op, value in (("start", ">=", start), ("end", "<", end)):
            if value is not None:
                self._where += f" AND ts_ms {op} fromUnixTimestamp64Milli(toInt64(%({name})s), 'UTC')"
                self._params[name] = parse_instant(value)
        with session(dsn) as client:
            require_tables(client, [SCANS, SCAN_DATASETS, SCAN_FUNDING])
            registry = _registry(client, dataset)
            if registry is None:
                raise StoreError(f"scan dataset {dataset!r} not found (import it with `violet-sim db import-scans`)")
            self.num_scans = int(client.command(f"SELECT count() FROM {SCANS} WHERE {self._where}", self._params))
            settlements = client.query(
                f"SELECT symbol, toUnixTimestamp64Milli(ts_ms), rate FROM {SCAN_FUNDING} WHERE {self._where} "
                "ORDER BY symbol, ts_ms", self._params).result_rows
        self.assets, self.with_marks, self.provenance = registry
        self.funding: Funding = {}
        for symbol, ts, rate in settlements:
            self.funding.setdefault(symbol, []).append((int(ts), float(rate)))

    def time_span(self) -> tuple[int, int] | None:
        """Earliest and latest ``ts_ms`` in the range (None when it holds no scans)."""
        with session(self.dsn) as client:
            lo, hi, n = client.query(f"SELECT toUnixTimestamp64Milli(min(ts_ms)), toUnixTimestamp64Milli(max(ts_ms)), "
                                     f"count() FROM {SCANS} WHERE {self._where}", self._params).result_rows[0]
        return (int(lo), int(hi)) if n else None

    def batches(self) -> Iterator[ScanBatch]:
        yield from regroup(self._pages(), self.batch_size,
                           lambda page, _: arrow_to_scans(page, self.assets, self.with_marks))

    def _pages(self) -> Iterator[pa.Table]:
        """The range's rows in ``seq`` order, ``FETCH_ROWS`` per query.

        ``ORDER BY dataset, seq`` (the sorting key; the same order, as the dataset is fixed) lets
        the engine read in key order from ``after`` and stop at the limit; ``ORDER BY seq`` alone
        made every page read and sort the rest of the dataset, so memory and time grew with the
        replay. Small pages keep the engine's per-query memory small: at a batch's 65,536 rows
        the embedded engine's resident size kept growing for dozens of pages (about 750 MB after
        24 pages against 530 MB after 2); at 8,192 it holds level from the first page. Each
        freed page would also raise glibc's mmap threshold (``sim.store.heap``)."""
        # The epoch aliases must not reuse the column names: ClickHouse would apply them in WHERE too.
        query = (f"SELECT seq, toUnixTimestamp64Milli(ts_ms) AS epoch_ms, scan_number, vel_div, esof_score, "
                 f"toUnixTimestamp64Milli(esof_ts_ms) AS esof_epoch_ms, "
                 f"arrayMap(a -> toUInt32(indexOf(%(assets)s, a)), assets) AS cols, prices, marks FROM {SCANS} "
                 f"WHERE {self._where} AND seq >= %(after)s ORDER BY dataset, seq LIMIT {FETCH_ROWS}")
        with session(self.dsn) as client:
            after = 0
            while True:
                page = client.query_arrow(query, {**self._params, "assets": list(self.assets), "after": after})
                rows = page.num_rows
                if rows:
                    after = int(page.column("seq")[-1].as_py()) + 1
                    yield page
                del page  # not held while the next page is fetched
                if rows < FETCH_ROWS:
                    return


def export_scans(path: str | Path, dsn: str | None = None, dataset: str = DEFAULT_DATASET,
                 start: str | int | None = None, end: str | int | None = None) -> int:
    """A dataset (or a time range of it) back into a Parquet scan archive, funding included."""
    source = ClickHouseScanSource(dsn, start, end, dataset=dataset)
    if source.num_scans == 0:
        raise StoreError(f"scan dataset {dataset!r} has no scans in the given time range")
    return write_archive(path, source.batches(), with_marks=source.with_marks, provenance=source.provenance,
                         funding=source.funding)
