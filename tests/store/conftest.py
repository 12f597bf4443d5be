"""Real ClickHouse for the store tests: a fresh database per test.

The target is embedded ClickHouse (chDB) in a fresh data directory, or, with
``VIOLET_CLICKHOUSE_DSN`` set, a database of the test's own on that target, dropped afterwards
(``sim.store.scratch``). The embedded engine serves one data directory per process and starts
whenever a first client opens; ``dsn`` keeps a client open for the test so the engine stays warm,
while ``released_dsn`` leaves the directory free between sessions, as tests that need another
process on the same target do. ``chdb_dsn`` is always embedded: the outage tests make the outage
with the engine's directory lock, which a server does not have.
"""
from __future__ import annotations

from typing import Callable, Iterator

import numpy as np
import pyarrow as pa
import pytest

from sim.journal.schema import DECISIONS
from sim.store.client import session
from sim.store.schema import apply_ddl
from sim.store.scratch import scratch_database


def initialised(url: str) -> str:
    with session(url, create_database=True) as client:
        apply_ddl(client)
    return url


@pytest.fixture
def fresh_dsn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A target whose database does not exist yet."""
    with scratch_database(tmp_path_factory.mktemp("chdb"), "violet") as url:
        yield url


@pytest.fixture
def released_dsn(fresh_dsn: str) -> str:
    return initialised(fresh_dsn)


@pytest.fixture
def dsn(released_dsn: str) -> Iterator[str]:
    with session(released_dsn):
        yield released_dsn


@pytest.fixture
def chdb_dsn(tmp_path_factory: pytest.TempPathFactory) -> str:
    return initialised(f"chdb://{tmp_path_factory.mktemp('chdb')}?database=violet")


@pytest.fixture
def decisions() -> Callable[[int, int], pa.Table]:
    """``decisions(first, n)``: valid decision rows for scans ``first .. first+n-1``."""
    def build(first: int, n: int) -> pa.Table:
        i = np.arange(first, first + n)
        conviction = 0.5 + (i % 17) * 0.5
        return pa.Table.from_pydict({
            "ts_ms": 1_781_308_800_000 + 5_000 * i,
            "scan_number": i,
            "asset": np.where(i % 2 == 0, "BTCUSDT", "ZECUSDT"),
            "vel_div": -0.02 - (i % 40) * 0.001,
            "conviction_base": conviction,
            "esof_mult": np.ones(n),
            "conviction": conviction,
            "notional_fraction": 0.2 * conviction,
            "capital": np.full(n, 10_000.0),
            "notional": 2_000.0 * conviction,
            "action": np.where(i % 3 == 0, "ENTER", "GATED"),
            "gate_reason": np.where(i % 3 == 0, "", "slot_busy"),
        }, schema=DECISIONS)
    return build
