"""A server too old for clickhouse-connect is named as such, not called unreachable.

The server here is a stand-in: a ClickHouse 18.16 server cannot be installed for the test suite,
so a real HTTP server on 127.0.0.1 answers the driver's connect-time queries with the status,
content type and bodies a real ClickHouse 18.16.1 (Debian's package) gave to the same requests.
``SELECT version(), timezone()`` succeeds; reading ``system.settings.readonly`` fails, because
that column did not exist yet.
"""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator

import pytest
from click.testing import CliRunner

from sim.cli import main
from sim.store.client import StoreError, connect
from sim.store.server_version import too_old

VERSION = "18.16.1"
TSV = "text/tab-separated-values; charset=UTF-8"
UNKNOWN_READONLY = "Code: 47, e.displayText() = DB::Exception: Unknown identifier: readonly, e.what() = DB::Exception\n"


class OldServer(BaseHTTPRequestHandler):
    """Answers as 18.16.1 did: the version queries, and error 47 (HTTP 404) for anything else."""

    def do_POST(self) -> None:
        query = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode().strip()
        if query == "SELECT version(), timezone()":
            self.answer(200, TSV, f"{VERSION}\tEtc/UTC\n")
        elif query == "SELECT version()":
            self.answer(200, TSV, f"{VERSION}\n")
        else:
            self.answer(404, "text/plain; charset=UTF-8", UNKNOWN_READONLY)

    def answer(self, status: int, content_type: str, body: str) -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def old_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), OldServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://default:secret@127.0.0.1:{server.server_port}/violet"
    finally:
        server.shutdown()
        thread.join()


def test_old_server_is_named_too_old(old_server):
    with pytest.raises(StoreError) as info:
        connect(old_server)
    message = str(info.value)
    assert message == (f"ClickHouse server at {old_server.replace('secret', '***')} is version 18.16.1, too old for "
                       "clickhouse-connect and the journal (needs 22.2 or newer)")
    assert "unreachable" not in message and "secret" not in message


def test_old_server_is_one_line_exit_2_from_the_cli(old_server):
    result = CliRunner().invoke(main, ["db", "init", "--dsn", old_server])
    assert result.exit_code == 2
    assert result.output.startswith("error: ClickHouse server at ") and "is version 18.16.1, too old" in result.output
    assert result.output.count("\n") == 1


@pytest.mark.parametrize("version, old", [("18.16.1", True), ("21.12.4.1", True), ("22.1.3.7", True),
                                          ("22.2.2.1", False), ("24.8.1", False), ("26.9.0", False), ("dev", False)])
def test_the_floor_is_22_2(version, old):
    assert too_old(version) is old
