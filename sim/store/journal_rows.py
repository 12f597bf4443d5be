"""Reject-at-source validation of journal rows, and the keyed payload that goes to ClickHouse.

A row is checked against its table's Arrow schema in ``sim.journal.schema`` (column present and
castable, no nulls, finite floats, times DateTime64 can hold, the documented enum values); the
first failing check names the row's reason, ``<column>:<problem>``. Invalid rows are counted,
never inserted, so a bad row can neither poison a batch nor reach the table.
"""
from __future__ import annotations

from collections import Counter

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sim.journal.schema import TABLES
from sim.store.instants import TIMESTAMP, in_range

#: Columns holding epoch-millisecond instants (stored as DateTime64): the ``*ts_ms`` naming rule.
TIME_SUFFIX = "ts_ms"
#: The enum columns the journal schema documents, with their allowed values.
ALLOWED: dict[tuple[str, str], frozenset[str]] = {
    ("decisions", "action"): frozenset({"ENTER", "GATED"}),
    ("orders", "purpose"): frozenset({"ENTRY", "EXIT"}),
    ("fills", "liquidity"): frozenset({"MAKER", "TAKER", "LIQUIDATION"}),
}


def journal_schema(table: str) -> pa.Schema:
    try:
        return TABLES[table]
    except KeyError:
        raise ValueError(f"unknown journal table {table!r} (one of {sorted(TABLES)})") from None


def _problems(table: str, name: str, column: pa.ChunkedArray) -> list[tuple[np.ndarray, str]]:
    """(bad-row mask, problem) pairs for one column, in the order they are checked."""
    checks = [(column.is_null().to_numpy(zero_copy_only=False), "null")]
    if pa.types.is_floating(column.type):
        checks.append((~np.isfinite(column.to_numpy(zero_copy_only=False)), "not_finite"))
    if name.endswith(TIME_SUFFIX):
        checks.append((~in_range(column.fill_null(0).to_numpy(zero_copy_only=False)), "out_of_range"))
    allowed = ALLOWED.get((table, name))
    if allowed is not None:
        ok = pc.is_in(column, value_set=pa.array(sorted(allowed))).fill_null(False)
        checks.append((~ok.to_numpy(zero_copy_only=False), "not_allowed"))
    return checks


def validate(table: str, rows: pa.Table) -> tuple[pa.Table, Counter[str]]:
    """(the valid rows, conformed to the table's schema; rejected row counts by reason)."""
    schema = journal_schema(table)
    n = rows.num_rows
    reason = np.full(n, -1)  # index into labels; -1 = valid so far
    labels: list[str] = []
    columns = []
    for field in schema:
        try:
            column = rows.column(field.name).cast(field.type)
        except KeyError:
            return schema.empty_table(), Counter({f"{field.name}:missing": n} if n else {})
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
            return schema.empty_table(), Counter({f"{field.name}:type": n} if n else {})
        for bad, problem in _problems(table, field.name, column):
            reason[bad & (reason < 0)] = len(labels)
            labels.append(f"{field.name}:{problem}")
        columns.append(column)
    valid = reason < 0
    codes, counts = np.unique(reason[~valid], return_counts=True)
    conformed = pa.Table.from_arrays(columns, schema=schema)
    return conformed.filter(pa.array(valid)), Counter({labels[c]: int(k) for c, k in zip(codes, counts)})


def keyed_payload(rows: pa.Table, run_id: str, batch_seq: int) -> pa.Table:
    """Valid rows as the ClickHouse table receives them: the delivery key first, times as
    DateTime64-compatible timestamps."""
    n = rows.num_rows
    columns = {
        "run_id": pa.array([run_id] * n, pa.string()),
        "batch_seq": pa.array(np.full(n, batch_seq, dtype=np.uint32)),
        "row_idx": pa.array(np.arange(n, dtype=np.uint32)),
    }
    for name in rows.column_names:
        column = rows.column(name)
        columns[name] = column.cast(TIMESTAMP) if name.endswith(TIME_SUFFIX) else column
    return pa.table(columns)
