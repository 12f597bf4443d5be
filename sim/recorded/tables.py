"""``trade_events`` and ``trade_exit_legs`` as Arrow tables, in and out of ClickHouse or Parquet.

The Arrow schemas mirror ``ddl/020_trade_events.sql`` and ``ddl/021_trade_exit_legs.sql``. A
source is either a ClickHouse DSN (real recorded tables or generated ones are read the same way)
or a directory holding ``trade_events.parquet`` / ``trade_exit_legs.parquet``.
"""
from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from sim.store.client import StoreError, require_tables, session
from sim.store.instants import TIMESTAMP
from sim.store.schema import TRADE_EVENTS, TRADE_EXIT_LEGS

MONEY = pa.decimal128(38, 18)

TRADE_EVENTS_SCHEMA = pa.schema([
    ("trade_id", pa.string()),
    ("asset", pa.string()),
    ("side", pa.string()),
    ("entry_time", TIMESTAMP),
    ("exit_time", TIMESTAMP),
    ("entry_price", pa.float64()),
    ("exit_price", pa.float64()),
    ("quantity", pa.float64()),
    ("capital_before", MONEY),
    ("leverage", pa.float64()),
    ("notional", MONEY),
    ("pnl", MONEY),
    ("exit_reason", pa.string()),
    ("bars_held", pa.int32()),
    ("vel_div_entry", pa.float64()),
    ("esof_mult", pa.float64()),
    ("btc_price", pa.float64()),
    ("btc_ma99", pa.float64()),
    ("dvol", pa.float64()),
])

TRADE_EXIT_LEGS_SCHEMA = pa.schema([
    ("trade_id", pa.string()),
    ("leg", pa.uint16()),
    ("exit_time", TIMESTAMP),
    ("exit_price", pa.float64()),
    ("quantity", pa.float64()),
    ("pnl", MONEY),
    ("exit_reason", pa.string()),
])

_SCHEMAS = {TRADE_EVENTS: TRADE_EVENTS_SCHEMA, TRADE_EXIT_LEGS: TRADE_EXIT_LEGS_SCHEMA}
#: A total row order (duplicate rows are identical), so every read returns the same table.
_ORDER = {TRADE_EVENTS: "entry_time, trade_id, exit_time", TRADE_EXIT_LEGS: "trade_id, leg"}


def is_dsn(source: str) -> bool:
    return source.split(":", 1)[0] in ("chdb", "http", "https")


def store_recorded(events: pa.Table, legs: pa.Table, dsn: str | None = None, *, replace: bool = False) -> None:
    """Insert both tables; refuses to add to non-empty tables unless ``replace`` (truncate first)."""
    with session(dsn) as client:
        require_tables(client, list(_SCHEMAS))
        for table, rows in ((TRADE_EVENTS, events), (TRADE_EXIT_LEGS, legs)):
            if replace:
                client.command(f"TRUNCATE TABLE {table}")
            elif client.command(f"SELECT count() FROM {table}"):
                raise StoreError(f"table {client.database}.{table} is not empty (use --replace to overwrite it)")
            client.insert_arrow(table, rows.cast(_SCHEMAS[table]))


def write_parquet(events: pa.Table, legs: pa.Table, directory: str | Path) -> None:
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for table, rows in ((TRADE_EVENTS, events), (TRADE_EXIT_LEGS, legs)):
        pq.write_table(rows.cast(_SCHEMAS[table]), directory / f"{table}.parquet", compression="zstd")


def load_table(source: str | None, table: str = TRADE_EVENTS) -> pa.Table:
    """One recorded table, in its Arrow schema, from a DSN (None: the default one) or a directory."""
    schema = _SCHEMAS[table]
    if source is not None and not is_dsn(source):
        path = Path(source) / f"{table}.parquet"
        if not path.is_file():
            raise StoreError(f"{path}: no such file (a source is a ClickHouse DSN or a directory of Parquet tables)")
        return pq.read_table(path).select(schema.names).cast(schema)
    with session(source) as client:
        require_tables(client, [table])
        rows = client.query_arrow(f"SELECT {', '.join(schema.names)} FROM {table} ORDER BY {_ORDER[table]}")
    return rows.cast(schema)
