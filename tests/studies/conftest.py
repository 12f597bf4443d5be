"""Recorded trades from the generator's default configuration, in memory and in embedded ClickHouse.

Generated once per test session; the studies read them back through the same loader as real
tables, from a real chDB data directory (the engine is opened and closed per session of use).
"""
from __future__ import annotations

import pytest

from sim.recorded.generator import Recorded, generate
from sim.recorded.tables import store_recorded
from sim.store.client import session
from sim.store.schema import apply_ddl
from sim.studies.trades import Trades, load_trades


@pytest.fixture(scope="session")
def recorded() -> Recorded:
    return generate()


@pytest.fixture(scope="session")
def recorded_dsn(tmp_path_factory: pytest.TempPathFactory, recorded: Recorded) -> str:
    dsn = f"chdb://{tmp_path_factory.mktemp('recorded')}?database=blue"
    with session(dsn, create_database=True) as client:
        apply_ddl(client)
    store_recorded(recorded.events, recorded.legs, dsn)
    return dsn


@pytest.fixture(scope="session")
def trades(recorded_dsn: str) -> Trades:
    return load_trades(recorded_dsn)
