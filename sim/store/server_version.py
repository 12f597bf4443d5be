"""Telling a ClickHouse server that is too old apart from one that is unreachable.

At connect, clickhouse-connect asks ``SELECT version(), timezone()`` and then reads
``name, value, readonly`` from ``system.settings``. A server from before that column (Debian's
18.16, for one) answers the first query and fails the second with ``Unknown identifier:
readonly``, which the driver raises like any failed request. So when the server did answer but
the connection setup failed, it is asked its version with one plain HTTP query, and an old server
is named as such. A server new enough for the driver but older than the floor is refused too.

The floor is 22.2 because the journal inserts with ``insert_deduplication_token``, which
arrived in that release; everything else the DDL uses is older.
"""
from __future__ import annotations

import base64
import re
import urllib.error
import urllib.request
from urllib.parse import unquote, urlsplit

MIN_VERSION = (22, 2)
_VERSION = re.compile(r"^(\d+)\.(\d+)(?:\.\d+)*$")


def parse_version(text: str) -> tuple[int, int] | None:
    """(major, minor) of a ``version()`` answer such as ``18.16.1``; None if it is not one."""
    match = _VERSION.match(text.strip())
    return (int(match.group(1)), int(match.group(2))) if match else None


def too_old(version: str) -> bool:
    parsed = parse_version(version)
    return parsed is not None and parsed < MIN_VERSION


def too_old_message(display: str, version: str) -> str:
    floor = ".".join(map(str, MIN_VERSION))
    return (f"ClickHouse server at {display} is version {version}, too old for clickhouse-connect and the "
            f"journal (needs {floor} or newer)")


def probe_version(client_dsn: str, timeout_s: float) -> str | None:
    """The server's ``version()`` over plain HTTP, or None when it does not give one."""
    parts = urlsplit(client_dsn)
    port = f":{parts.port}" if parts.port else ""
    request = urllib.request.Request(f"{parts.scheme}://{parts.hostname}{port}/", data=b"SELECT version()")
    if parts.username:
        token = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
        request.add_header("Authorization", "Basic " + base64.b64encode(token).decode())
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            text = response.read(200).decode("utf-8", "replace").strip()
    except (OSError, ValueError):  # URLError and HTTPError are OSErrors
        return None
    return text if parse_version(text) else None
