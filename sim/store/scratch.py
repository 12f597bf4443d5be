"""Databases of their own for test suites, on the ClickHouse target the environment names.

With ``VIOLET_CLICKHOUSE_DSN`` set, a scratch database is a new database on that target, named
``<its database>_<name>_<8 hex>`` so that tests and concurrent suites never share one, and
dropped afterwards; without it, a database in a fresh embedded (chDB) directory. The store and
study tests take their targets from here, so the same suite runs on chDB by default and against a
server when one is named.
"""
from __future__ import annotations

import os
import secrets
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sim.store.client import session
from sim.store.dsn import ENV_VAR, parse_dsn, with_database


def scratch_base() -> str | None:
    """The target named by the environment, or None for a fresh embedded directory."""
    return os.environ.get(ENV_VAR) or None


@contextmanager
def scratch_database(directory: Path, name: str) -> Iterator[str]:
    """A DSN for a database called ``name`` (plus a suffix on a named target) that does not exist
    yet; ``directory`` holds the embedded engine's files when no target is named."""
    base = scratch_base()
    if base is None:
        yield f"chdb://{Path(directory).absolute()}?database={name}"
        return
    dsn = with_database(base, f"{parse_dsn(base).database}_{name}_{secrets.token_hex(4)}")
    try:
        yield dsn
    finally:
        with session(dsn, create_database=True) as client:
            client.command(f"DROP DATABASE IF EXISTS {client.database}")
