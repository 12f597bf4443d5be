"""Connecting to a ClickHouse target by DSN, with failures turned into one-line ``StoreError``s.

Server and embedded engine go through the same ``clickhouse_connect.get_client`` call; only the
DSN differs. The embedded engine locks its data directory per process, so a directory in use by
another process is reported as such rather than as an engine stack trace.
"""
from __future__ import annotations

import logging
import re
from contextlib import contextmanager
from typing import Iterator, Sequence

import clickhouse_connect
from clickhouse_connect.driver.client import Client
from clickhouse_connect.driver.exceptions import ClickHouseError, DatabaseError, OperationalError

from sim.errors import UserError
from sim.store.dsn import DsnError, Target, parse_dsn, resolve_dsn
from sim.store.server_version import probe_version, too_old, too_old_message

# The driver logs each failed HTTP attempt as a warning; without a handler Python would print it
# to stderr on top of our one-line error. Applications that configure logging still receive it.
logging.getLogger("clickhouse_connect").addHandler(logging.NullHandler())
_SOCKET_ERROR = re.compile(r"\[Errno -?\d+\] ([^\"')]+)")

#: Seconds to wait for a server to accept the connection (an embedded engine has no network).
CONNECT_TIMEOUT_S = 5


class StoreError(UserError):
    """A ClickHouse target that cannot be used as asked (bad DSN, unreachable, missing table):
    a problem with what the user named, so every command reports it as one line."""


def describe(exc: BaseException) -> str:
    """The first meaningful line of a driver or engine error."""
    text = str(exc).strip()
    for marker in ("Cannot lock file", "already initialized with path", "Error initializing EmbeddedServer"):
        if marker in text:
            return "its data directory is in use by another process (or this process has another one open)"
    socket_error = _SOCKET_ERROR.search(text)
    if socket_error:
        return socket_error.group(1).strip()
    if "timed out" in text.lower():
        return "connection timed out"
    return text.splitlines()[0][:300] if text else type(exc).__name__


def _connect_error(target: Target, exc: BaseException) -> StoreError:
    """The one line for a failed connect: a server that answered is not called unreachable."""
    answered = isinstance(exc, DatabaseError) and not isinstance(exc, OperationalError)
    version = probe_version(target.client_dsn, CONNECT_TIMEOUT_S) if answered and target.kind == "http" else None
    if version is None:
        return StoreError(f"ClickHouse at {target.display} is unreachable: {describe(exc)}")
    if too_old(version):
        return StoreError(too_old_message(target.display, version))
    return StoreError(f"ClickHouse server at {target.display} (version {version}) refused the connection "
                      f"setup: {describe(exc)}")


def _open(target: Target) -> Client:
    extra = {"connect_timeout": CONNECT_TIMEOUT_S, "autogenerate_session_id": False} if target.kind == "http" else {}
    try:
        client = clickhouse_connect.get_client(dsn=target.client_dsn, **extra)
    except (ClickHouseError, OSError) as exc:
        raise _connect_error(target, exc) from None
    if too_old(client.server_version or ""):
        client.close()
        raise StoreError(too_old_message(target.display, client.server_version))
    return client


def connect(dsn: str | None = None, *, create_database: bool = False) -> Client:
    """A client on the DSN's database; the database is created only when asked (``db init``)."""
    try:
        target = parse_dsn(resolve_dsn(dsn))
    except DsnError as exc:
        raise StoreError(str(exc)) from None
    client = _open(target)
    try:
        if create_database:
            client.command(f"CREATE DATABASE IF NOT EXISTS {target.database}")
        elif not client.command("SELECT count() FROM system.databases WHERE name = %(n)s", {"n": target.database}):
            raise StoreError(f"database {target.database!r} does not exist at {target.display} "
                             "(run `violet-sim db init`)")
        client.database = target.database
    except ClickHouseError as exc:
        client.close()
        raise StoreError(f"ClickHouse at {target.display}: {describe(exc)}") from None
    except StoreError:
        client.close()
        raise
    return client


@contextmanager
def session(dsn: str | None = None, *, create_database: bool = False) -> Iterator[Client]:
    """``connect`` as a context manager; driver errors inside become ``StoreError``.

    Closing matters for the embedded engine: it holds its data directory only while a client is
    open, so short sessions let other processes use the same directory in between.
    """
    client = connect(dsn, create_database=create_database)
    try:
        yield client
    except ClickHouseError as exc:
        raise StoreError(f"ClickHouse query failed: {describe(exc)}") from None
    finally:
        client.close()


def require_tables(client: Client, names: Sequence[str]) -> None:
    """Fail with one line naming the first missing table."""
    present = {row[0] for row in client.query(
        "SELECT name FROM system.tables WHERE database = currentDatabase()").result_rows}
    for name in names:
        if name not in present:
            raise StoreError(f"table {client.database}.{name} is missing (run `violet-sim db init`)")
