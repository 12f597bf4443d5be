"""The version-controlled DDL in ``ddl/*.sql`` and its idempotent application.

Every file is one ``CREATE ... IF NOT EXISTS`` statement, applied in file-name order, so
``violet-sim db init`` can run any number of times against a server or an embedded directory.
"""
from __future__ import annotations

from importlib import resources

from clickhouse_connect.driver.client import Client

from sim.journal.schema import TABLES

#: Journal table name (as in ``sim.journal.schema.TABLES``) -> ClickHouse table.
JOURNAL_TABLES: dict[str, str] = {name: f"violet_{name}" for name in TABLES}
SCANS, SCAN_DATASETS, SCAN_FUNDING = "scans", "scan_datasets", "scan_funding"
TRADE_EVENTS, TRADE_EXIT_LEGS = "trade_events", "trade_exit_legs"
#: One start and one end record per journal run (see ``sim.store.journal_runs``).
JOURNAL_RUNS = "journal_runs"


def ddl_statements() -> list[tuple[str, str]]:
    """(file name, statement) for every DDL file, in application order."""
    files = sorted((f for f in resources.files("sim.store").joinpath("ddl").iterdir() if f.name.endswith(".sql")),
                   key=lambda f: f.name)
    return [(f.name, f.read_text(encoding="utf-8")) for f in files]


def apply_ddl(client: Client) -> list[str]:
    """Create every missing table in the client's database; returns the tables now present."""
    for _, statement in ddl_statements():
        client.command(statement)
    return sorted(row[0] for row in client.query(
        "SELECT name FROM system.tables WHERE database = currentDatabase()").result_rows)
