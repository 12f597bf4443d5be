"""The DDL files: idempotent init, journal tables mirroring the Arrow schemas, clear errors."""
from __future__ import annotations

import pyarrow as pa
import pytest

from sim.journal.schema import TABLES
from sim.store.client import StoreError, connect, require_tables, session
from sim.store.dsn import parse_dsn, with_database
from sim.store.schema import JOURNAL_TABLES, apply_ddl, ddl_statements

KEY = [("run_id", "LowCardinality(String)"), ("batch_seq", "UInt32"), ("row_idx", "UInt32")]


def clickhouse_type(field: pa.Field) -> set[str]:
    """The column types the journal DDL may use for an Arrow field (strings: plain or dictionary)."""
    if field.name.endswith("ts_ms"):
        return {"DateTime64(3, 'UTC')"}
    if pa.types.is_string(field.type):
        return {"String", "LowCardinality(String)"}
    return {{pa.int64(): "Int64", pa.float64(): "Float64", pa.bool_(): "Bool",
             pa.decimal128(38, 18): "Decimal(38, 18)"}[field.type]}


def test_init_is_idempotent(dsn):
    with session(dsn) as client:
        first = apply_ddl(client)
        assert apply_ddl(client) == first
    assert len(first) == len(ddl_statements()) == 12
    assert {"scans", "scan_datasets", "scan_funding", "trade_events", "trade_exit_legs", "journal_runs"} | set(
        JOURNAL_TABLES.values()) == set(first)


@pytest.mark.parametrize("name", sorted(TABLES))
def test_journal_table_mirrors_arrow_schema(dsn, name):
    with session(dsn) as client:
        columns = client.query("SELECT name, type FROM system.columns WHERE database = currentDatabase() "
                               "AND table = %(t)s ORDER BY position", {"t": JOURNAL_TABLES[name]}).result_rows
    assert columns[:3] == KEY
    assert [c[0] for c in columns[3:]] == TABLES[name].names
    for (column, ch_type), field in zip(columns[3:], TABLES[name]):
        assert ch_type in clickhouse_type(field), column


def test_missing_database_and_table_name_the_fix(dsn):
    other = with_database(dsn, f"absent_{parse_dsn(dsn).database}")
    with pytest.raises(StoreError, match=r"does not exist .*\(run `violet-sim db init`\)"):
        connect(other)
    with session(dsn) as client:
        client.command("DROP TABLE trade_exit_legs")
        with pytest.raises(StoreError, match=rf"{parse_dsn(dsn).database}.trade_exit_legs is missing"):
            require_tables(client, ["trade_events", "trade_exit_legs"])
