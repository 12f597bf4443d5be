"""Property-based fuzzing: requests generated from the OpenAPI document (valid and schema-breaking,
signed and not) and raw malformed requests. No reply may be a 5xx, a traceback or the internal
error code; every reply is an envelope; the accounts' books still reconcile afterwards."""
from __future__ import annotations

import json
from typing import Any, Iterator
from urllib.parse import quote, urlencode

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_kit import ADMIN, ALICE, BOB, START_MS, InProcess, make_host, signed_query
from schemathesis import GenerationMode
from schemathesis.core import NotSet

from exchange_mock.rest.auth import sign as sign_payload
from exchange_mock.rest.auth import signed_payload
from exchange_mock.rest.read_routes import HISTORY_ROUTES, MARKET_ROUTES
from exchange_mock.rest.routes import LIVE_MODE_ROUTES, MANAGEMENT_ROUTES, ROUTES


def _fuzz(examples: int) -> settings:
    """Bounded and repeatable: the same examples on every run, no example database."""
    return settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))


def _check(status: int, content_type: str, body: bytes, method: str, path: str) -> None:
    assert status in (200, 401, 403, 404, 405, 413, 414, 429, 431), body
    if method == "HEAD" or (path, status) == ("/openapi.json", 200):  # no body / the document itself
        return
    assert content_type == "application/json"
    envelope = json.loads(body)
    if (method, path) == ("POST", "/openApi/user/auth/userDataStream") and "code" not in envelope:
        assert list(envelope) == ["listenKey"] and len(envelope["listenKey"]) == 64, envelope  # BingX: no envelope
        return
    assert isinstance(envelope, dict) and isinstance(envelope["code"], int) and isinstance(envelope["msg"], str)
    assert envelope["code"] != 100500, envelope


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return "" if value is None else str(value)


def _pairs(query: Any) -> Iterator[tuple[str, str]]:
    """A generated query as name/value pairs; lists become repeated names, as HTTP clients send them."""
    for name, value in (query or {}).items():
        for item in value if isinstance(value, list) else [value]:
            yield str(name), _text(item)


def _body(generated: Any) -> bytes | None:
    """The generated body as bytes: absent (schemathesis' NOT_SET), raw, or JSON."""
    if isinstance(generated, NotSet):
        return None
    return generated if isinstance(generated, bytes) else json.dumps(generated).encode()


def _reconciled(app: InProcess) -> None:
    for key, account in app.host.accounts.items():
        report = account.reconcile()
        assert report.ok, (key, report.problems)


def _fuzz_schema(app: InProcess, examples: int, operations: tuple[str, ...] | None = None) -> None:
    """Generated requests (valid and schema-breaking, signed and not) against the app's document,
    or only against the named operations."""
    schema = schemathesis.openapi.from_dict(app.client.get("/openapi.json").json())
    if operations is not None:
        schema = schema.include(operation_id=list(operations))
    cases = st.one_of(schema.as_strategy(GenerationMode.POSITIVE), schema.as_strategy(GenerationMode.NEGATIVE))

    @_fuzz(examples)
    @given(case=cases, account=st.sampled_from([ALICE, BOB, None]))
    def fuzz(case: Any, account: Any) -> None:
        app.now_ms += 1000  # a second per request: rate-limit windows roll over between examples
        body = _body(case.body)
        pairs = [(k, v) for k, v in _pairs(case.query) if account is None or k not in ("timestamp", "signature")]
        if account is None:
            query = urlencode(pairs, quote_via=quote)
            headers = {str(k): _text(v) for k, v in (case.headers or {}).items() if _text(v).isprintable()}
        else:  # a signed request; an admin step with the admin token, so that it reaches the body checks
            query = signed_query(account, dict(pairs), app.now_ms)
            headers = {"X-BX-APIKEY": account.api_key, **ADMIN}
        if body is not None:
            headers["Content-Type"] = case.media_type or "application/json"
        reply = app.client.request(case.method, f"{case.path}?{query}", content=body, headers=headers)
        _check(reply.status_code, reply.headers["content-type"], reply.content, case.method, case.path)

    fuzz()
    _reconciled(app)


def test_schema_driven_fuzz() -> None:
    app = InProcess(make_host())
    app.advance(START_MS, {"BTC-USDT": 60000.0, "ETH-USDT": 3000.0})
    _fuzz_schema(app, 500)


#: The market-data, history, management and live-mode routes, fuzzed on their own as well so that
#: each gets a share of the examples whatever the size of the whole table.
_READ_AND_MANAGE = tuple(r.name for r in MARKET_ROUTES + HISTORY_ROUTES + MANAGEMENT_ROUTES + LIVE_MODE_ROUTES)


def test_schema_driven_fuzz_of_the_data_history_and_management_routes() -> None:
    """With history to read: fills, a closed and an open position, a resting order, a funding
    settlement, several minutes of klines."""
    app = InProcess(make_host())
    app.advance(START_MS, {"BTC-USDT": 60000.0, "ETH-USDT": 3000.0})
    for fields in ({"side": "BUY", "quantity": "0.01"}, {"side": "SELL", "quantity": "0.01"},
                   {"side": "SELL", "quantity": "0.02"}):
        reply = app.signed("POST", "/openApi/swap/v2/trade/order", ALICE, {"symbol": "BTC-USDT", "type": "MARKET", **fields})
        assert reply.json()["code"] == 0, reply.text
    app.signed("POST", "/openApi/swap/v2/trade/order", BOB,
               {"symbol": "ETH-USDT", "side": "BUY", "type": "LIMIT", "quantity": "0.1", "price": "2900"})
    app.now_ms += 2000
    app.advance(START_MS + 8 * 3_600_000 + 60_000, {"BTC-USDT": 60500.0})
    _fuzz_schema(app, 300, _READ_AND_MANAGE)


_ROUTES = [(r.method, r.path) for r in ROUTES] + [("POST", "/admin/advance")]
_ODD = st.tuples(st.sampled_from(["GET", "POST", "DELETE", "PUT", "OPTIONS", "HEAD", "BREW"]),
                 st.sampled_from(["/openapi.json", "/openApi/swap/v9/nope", "/", "/openApi/swap/v2/trade/order"]))
_RAW = st.binary(max_size=60) | st.text(alphabet="ab=&%2Fx0[]{}\"'+ \u00e9;", max_size=40).map(str.encode)


def test_raw_malformed_requests() -> None:
    app = InProcess(make_host())
    app.advance(START_MS, {"BTC-USDT": 60000.0})

    @_fuzz(1000)
    @given(target=st.sampled_from(_ROUTES) | _ODD, query=_RAW, body=_RAW,
           content_type=st.sampled_from([b"", b"application/x-www-form-urlencoded", b"application/json", b"\xff; x"]),
           key=st.sampled_from([ALICE.api_key.encode(), b"", b"bogus", b"\xe9\x00"]), sign=st.booleans())
    def fuzz(target: tuple[str, str], query: bytes, body: bytes, content_type: bytes, key: bytes, sign: bool) -> None:
        method, path = target
        app.now_ms += 1000
        headers = [(b"content-type", content_type)] if content_type else []
        if sign:  # a valid signature (and admin token) over the garbage, so that it reaches the parameter checks
            query += f"&timestamp={app.now_ms}&signature=".encode()
            query += sign_payload(ALICE.secret, signed_payload(query, body if content_type else b"")).encode()
            headers += [(name.lower().encode(), value.encode()) for name, value in ADMIN.items()]
        if key:
            headers.append((b"x-bx-apikey", key))
        status, reply_headers, reply = app.raw(method, path, query, headers, body)
        _check(status, reply_headers.get(b"content-type", b"").decode(), reply, method, path)

    fuzz()
    _reconciled(app)
