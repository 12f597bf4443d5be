"""What a live server refuses before any endpoint runs: admin calls without the admin token, and
requests over the size limits, each answered in the BingX envelope. Sizes are sent over a raw
socket to uvicorn on loopback, so that no HTTP client trims or refuses them on its own."""
from __future__ import annotations

import json
import socket
import threading
import time
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from rest_kit import START_MS, advance

from exchange_mock.rest import VenueHost

ADVANCE = "/admin/advance"
MIB = 1024 * 1024
ORDER = "/openApi/swap/v2/trade/order"
STEP = {"ts_ms": START_MS, "prices": {"BTC-USDT": 60000}}


def _connect(base_url: str) -> socket.socket:
    address = urlsplit(base_url)
    sock = socket.create_connection((address.hostname, address.port), timeout=5)
    return sock


def _head(method: str, target: str, *headers: str) -> bytes:
    lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1", "Connection: close", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _response(sock: socket.socket) -> tuple[int, dict[str, str], Any]:
    """Status, headers and JSON body of the one response on ``sock``, read until the server closes;
    a server that waits for more of the request runs into the socket's timeout instead."""
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in header_lines)
    assert headers["content-type"] == "application/json", data[:300]
    return int(status_line.split()[1]), headers, json.loads(body)


def _exchange(base_url: str, request: bytes) -> tuple[int, dict[str, str], Any]:
    with _connect(base_url) as sock:
        sock.sendall(request)
        return _response(sock)


def test_admin_steps_without_the_token_are_401_and_with_another_403(server: str, host: VenueHost) -> None:
    missing = httpx.post(f"{server}{ADVANCE}", json=STEP, timeout=5)
    assert (missing.status_code, missing.json()) == (401, {
        "code": 401, "msg": "admin token required: send it in the X-ADMIN-TOKEN header"})
    for wrong in (b"not-the-token-0123456789", b"t\xf6ken-in-latin-1", b""):
        refused = httpx.post(f"{server}{ADVANCE}", json=STEP, headers={"X-ADMIN-TOKEN": wrong}, timeout=5)
        expected = (401, 401) if wrong == b"" else (403, 403)
        assert (refused.status_code, refused.json()["code"]) == expected
    assert host.prices == {} and host.venue.server_time()["data"]["serverTime"] == 0  # nothing moved
    assert advance(server, START_MS, {"BTC-USDT": 60000.0}) == {"ts_ms": START_MS, "events": {}}


def test_a_declared_8_mib_body_is_refused_before_it_is_sent(server: str) -> None:
    """The client sends the head and 1 KiB of an 8 MiB body and waits: a server that read bodies
    in full would wait too, and the socket's 5 s timeout would fail the test."""
    started = time.monotonic()
    head = _head("POST", ORDER, "Content-Type: application/x-www-form-urlencoded", f"Content-Length: {8 * MIB}")
    status, headers, body = _exchange(server, head + b"a" * 1024)
    assert (status, body) == (413, {"code": 413, "msg": "request body is over the 65536 byte limit"})
    assert headers["connection"] == "close" and time.monotonic() - started < 2


def test_a_chunked_8_mib_body_is_refused_at_the_limit(server: str) -> None:
    """No Content-Length: the server reads up to the limit, answers and closes, while the client is
    still sending; what the client managed to send before that shows the rest was never read."""
    sent = 0
    with _connect(server) as sock:
        sock.sendall(_head("POST", ORDER, "Content-Type: application/x-www-form-urlencoded",
                           "Transfer-Encoding: chunked"))

        def upload() -> None:
            nonlocal sent
            chunk = b"%x\r\n%s\r\n" % (16 * 1024, b"a" * 16 * 1024)
            try:
                while sent < 8 * MIB:
                    sock.sendall(chunk)
                    sent += 16 * 1024
                    time.sleep(0.001)
            except OSError:  # the server closed the connection: the refusal is on its way
                return

        uploader = threading.Thread(target=upload, daemon=True)
        uploader.start()
        status, _, body = _response(sock)
        uploader.join(timeout=10)
    assert (status, body) == (413, {"code": 413, "msg": "request body is over the 65536 byte limit"})
    assert sent < 2 * MIB


@pytest.mark.parametrize("size", [16 * 1024 + 1, MIB])
def test_an_oversized_query_string_is_414_in_the_envelope(server: str, size: int) -> None:
    path = "/openApi/swap/v2/quote/contracts?pad="
    status, _, body = _exchange(server, _head("GET", path + "x" * (size - len(path))))
    assert (status, body) == (414, {"code": 414, "msg": f"request target (path and query string) is {size} bytes, "
                                                        "over the 16384 byte limit"})


@pytest.mark.parametrize("size", [16 * 1024 + 1, MIB])
def test_oversized_headers_are_431_in_the_envelope(server: str, size: int) -> None:
    fixed = len("host127.0.0.1connectionclose") + len("x-pad")
    status, _, body = _exchange(server, _head("GET", "/openApi/swap/v2/server/time", "X-Pad: " + "x" * (size - fixed)))
    assert (status, body) == (431, {"code": 431, "msg": f"request headers are {size} bytes, over the 16384 byte limit"})


def test_requests_within_the_limits_are_served(server: str) -> None:
    path = "/openApi/swap/v2/quote/contracts?symbol=BTC-USDT&pad="
    status, _, body = _exchange(server, _head("GET", path + "x" * (16 * 1024 - len(path))))
    assert status == 200 and body["code"] == 80014 and "unknown parameter pad" in body["msg"]
    form = b"symbol=BTC-USDT&" + b"x" * (64 * 1024 - 16)
    head = _head("POST", ORDER, "Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(form)}")
    status, _, body = _exchange(server, head + form)
    assert status == 200 and body == {"code": 100413, "msg": "Null apiKey"}
