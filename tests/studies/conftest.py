"""Recorded trades from the generator's default configuration, in memory and in ClickHouse.

Generated once per test session; the studies read them back through the same loader as real
tables, from a real chDB data directory (the engine is opened and closed per session of use), or
from a database of the suite's own on the server ``VIOLET_CLICKHOUSE_DSN`` names.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Iterator

import pyarrow as pa
import pytest

from sim.recorded.generator import Recorded, generate
from sim.recorded.tables import TRADE_EVENTS_SCHEMA, store_recorded
from sim.store.client import session
from sim.store.schema import apply_ddl
from sim.store.scratch import scratch_database
from sim.studies.trades import Trades, load_trades

T0 = 1_781_308_800_000


@pytest.fixture(scope="session")
def recorded() -> Recorded:
    return generate()


@pytest.fixture(scope="session")
def recorded_dsn(tmp_path_factory: pytest.TempPathFactory, recorded: Recorded) -> Iterator[str]:
    with scratch_database(tmp_path_factory.mktemp("recorded"), "blue") as dsn:
        with session(dsn, create_database=True) as client:
            apply_ddl(client)
        store_recorded(recorded.events, recorded.legs, dsn)
        yield dsn


@pytest.fixture(scope="session")
def trades(recorded_dsn: str) -> Trades:
    return load_trades(recorded_dsn)


@pytest.fixture
def make_events():
    """``make_events(rows)``: a trade_events table from a few fields per row (the rest defaulted)."""
    def build(rows: list[dict]) -> pa.Table:
        defaults = {"asset": "ZECUSDT", "side": "SHORT", "entry_price": 10.0, "exit_price": 10.0, "quantity": 100.0,
                    "capital_before": Decimal("10000"), "leverage": 1.0, "notional": Decimal("1000"),
                    "pnl": Decimal("0"), "exit_reason": "TAKE_PROFIT", "bars_held": 10, "vel_div_entry": -0.03,
                    "esof_mult": 1.0, "btc_price": None, "btc_ma99": None, "dvol": None}
        full = [defaults | {"entry_time": T0 + 60_000 * i, "exit_time": T0 + 60_000 * i + 5_000} | row
                for i, row in enumerate(rows)]
        columns = {name: [r[name] for r in full] for name in TRADE_EVENTS_SCHEMA.names}
        for name in ("entry_time", "exit_time"):
            columns[name] = pa.array(columns[name], pa.int64()).cast(TRADE_EVENTS_SCHEMA.field(name).type)
        return pa.Table.from_pydict(columns, schema=TRADE_EVENTS_SCHEMA)
    return build
