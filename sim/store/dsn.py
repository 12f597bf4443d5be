"""ClickHouse targets named by one DSN string, embedded or server.

Forms: ``chdb:///abs/dir`` or ``chdb:rel/dir`` (the embedded engine on a data directory),
``chdb://memory`` (embedded, in memory), ``http[s]://user:pass@host:8123/db`` (a server). The
database is the URL path for a server and ``?database=NAME`` for chDB; it defaults to
``violet``. With no DSN given, ``VIOLET_CLICKHOUSE_DSN`` applies, else an embedded directory
under the working directory, so a plain checkout needs no server.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from sim.errors import UserError

ENV_VAR = "VIOLET_CLICKHOUSE_DSN"
DEFAULT_DSN = "chdb:.violet/chdb"
DEFAULT_DATABASE = "violet"
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class DsnError(UserError):
    """A DSN that names no usable ClickHouse target (the message says which part is wrong)."""


@dataclass(frozen=True)
class Target:
    """A parsed DSN: ``client_dsn`` is what clickhouse-connect is given (no database part)."""

    kind: str          # "chdb" or "http"
    client_dsn: str
    database: str
    display: str       # the DSN with any password masked, for messages
    path: Path | None  # chDB data directory (None: in memory or a server)


def resolve_dsn(dsn: str | None) -> str:
    """The DSN to use: the explicit one, else the environment's, else the embedded default."""
    return dsn or os.environ.get(ENV_VAR) or DEFAULT_DSN


def _database(name: str | None, dsn: str) -> str:
    name = name or DEFAULT_DATABASE
    if not _IDENTIFIER.match(name):
        raise DsnError(f"bad DSN {dsn!r}: database {name!r} is not a plain identifier")
    return name


def parse_dsn(dsn: str) -> Target:
    """Split a DSN into what the client needs; raises ``DsnError`` naming the bad part."""
    parts = urlsplit(dsn)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    if parts.scheme == "chdb":
        database = _database(query.pop("database", None), dsn)
        if query:
            raise DsnError(f"bad DSN {dsn!r}: unknown option(s) {sorted(query)}")
        if parts.netloc == "memory":
            return Target("chdb", "chdb://memory", database, dsn, None)
        if parts.netloc or not parts.path:
            raise DsnError(f"bad DSN {dsn!r}: use chdb:///abs/dir, chdb:rel/dir or chdb://memory")
        path = Path(unquote(parts.path)).absolute()
        return Target("chdb", f"chdb://{path.as_posix()}", database, dsn, path)
    if parts.scheme in ("http", "https"):
        if not parts.hostname:
            raise DsnError(f"bad DSN {dsn!r}: no host")
        try:
            parts.port
        except ValueError:
            raise DsnError(f"bad DSN {dsn!r}: bad port") from None
        database = _database(unquote(parts.path.strip("/")) or None, dsn)
        display = dsn.replace(f":{parts.password}@", ":***@") if parts.password else dsn
        client_dsn = parts._replace(path="", query="", fragment="").geturl()
        return Target("http", client_dsn, database, display, None)
    raise DsnError(f"bad DSN {dsn!r}: scheme must be chdb, http or https")


def with_database(dsn: str, database: str) -> str:
    """The same target with another database: how a suite or a tool gets a database of its own
    on whatever target the user named, without knowing whether it is a server or chDB."""
    parse_dsn(dsn)  # the target must be valid before it is rewritten
    parts = urlsplit(dsn)
    _database(database, dsn)
    if parts.scheme == "chdb":
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()} | {"database": database}
        return parts._replace(query=urlencode(query)).geturl()
    return parts._replace(path=f"/{database}").geturl()
