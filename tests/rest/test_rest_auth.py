"""Signatures are checked over the parameters exactly as sent; each failure has BingX's code."""
from __future__ import annotations

from urllib.parse import quote

import pytest
from rest_kit import ALICE, START_MS, InProcess, signed_query

from exchange_mock.rest.auth import AuthCode, AuthError, authenticate, sign, signed_payload

BALANCE = "/openApi/swap/v3/user/balance"
SECRETS = {ALICE.api_key: ALICE.secret}


def test_the_documented_worked_example() -> None:
    secret = "mheO6dR8ovSsxZQCOYEFCtelpuxcWGTfHw7te326y6jOwq5WpvFQ9JNljoTwBXZGv5It07m9RXSPpDQEK2w"
    payload = b"symbol=BTC-USDT&timestamp=1667872120843&side=LONG&leverage=6"
    assert sign(secret, payload) == "4f581ecdb1fa09b9d6e57886b6f70cffed17f82b93399722939e49a38edec2bf"


def test_the_payload_is_the_text_as_sent_without_signature_percent_decoded() -> None:
    orders = '[{"symbol":"BTC-USDT","side":"BUY"}]'
    raw = f"batchOrders={quote(orders)}&timestamp=5&signature=ab12".encode()
    assert signed_payload(raw) == f"batchOrders={orders}&timestamp=5".encode()
    assert signed_payload(b"signature=ab12&b=2&a=1") == b"b=2&a=1"  # not sorted, wherever the signature is
    assert signed_payload(b"symbol=BTC-USDT", b"timestamp=5&signature=ab12") == b"symbol=BTC-USDTtimestamp=5"


def _auth(params: dict[str, str], *, key: str | None = ALICE.api_key) -> str:
    return authenticate(key, SECRETS, params, b"x", START_MS)


def _good(**extra: str) -> dict[str, str]:
    return {"timestamp": str(START_MS), "signature": sign(ALICE.secret, b"x"), **extra}


@pytest.mark.parametrize(("key", "params", "code", "msg"), [
    (None, _good(), AuthCode.BAD_API_KEY, "Null apiKey"),
    ("mallory", _good(), AuthCode.BAD_API_KEY, "Incorrect apiKey"),
    (ALICE.api_key, {"timestamp": str(START_MS)}, AuthCode.NULL_SIGNATURE, "Null signature"),
    (ALICE.api_key, {**_good(), "signature": "0" * 64}, AuthCode.BAD_SIGNATURE,
     "Signature verification failed due to signature mismatch"),
    (ALICE.api_key, {**_good(), "signature": "é"}, AuthCode.BAD_SIGNATURE,
     "Signature verification failed due to signature mismatch"),
    (ALICE.api_key, {"signature": sign(ALICE.secret, b"x")}, AuthCode.BAD_TIMESTAMP,
     "Null timestamp or timestamp mismatch"),
    (ALICE.api_key, _good(timestamp="1e12"), AuthCode.BAD_TIMESTAMP,
     "Null timestamp or timestamp mismatch: timestamp is not a number of ms"),
    (ALICE.api_key, _good(timestamp=str(START_MS - 5001)), AuthCode.BAD_TIMESTAMP,
     "Null timestamp or timestamp mismatch"),
    (ALICE.api_key, _good(timestamp=str(START_MS + 1001)), AuthCode.BAD_TIMESTAMP,
     "Null timestamp or timestamp mismatch"),
    (ALICE.api_key, _good(timestamp=str(START_MS - 1000), recvWindow="999"), AuthCode.BAD_TIMESTAMP,
     "Null timestamp or timestamp mismatch"),
])
def test_each_failure_has_its_code(key: str | None, params: dict[str, str], code: AuthCode, msg: str) -> None:
    with pytest.raises(AuthError) as refused:
        _auth(params, key=key)
    assert (refused.value.code, refused.value.msg) == (code, msg)


def test_the_window_edges_and_recv_window() -> None:
    assert _auth(_good(timestamp=str(START_MS - 5000))) == ALICE.api_key
    assert _auth(_good(timestamp=str(START_MS + 1000))) == ALICE.api_key
    assert _auth(_good(timestamp=str(START_MS - 50_000), recvWindow="60000")) == ALICE.api_key
    assert _auth({**_good(), "signature": _good()["signature"].upper()}) == ALICE.api_key


def test_over_http_every_refusal_is_an_envelope(app: InProcess) -> None:
    assert app.client.get(BALANCE).json() == {"code": 100413, "msg": "Null apiKey"}
    unsigned = app.client.get(f"{BALANCE}?timestamp={START_MS}", headers={"X-BX-APIKEY": ALICE.api_key})
    assert unsigned.status_code == 200 and unsigned.json()["code"] == 100412
    tampered = signed_query(ALICE, {"symbol": "BTC-USDT"}, START_MS).replace("BTC", "ETH")
    reply = app.client.get(f"/openApi/swap/v2/user/positions?{tampered}", headers={"X-BX-APIKEY": ALICE.api_key})
    assert reply.json()["code"] == 100001
    assert app.signed("GET", BALANCE, ALICE, timestamp=START_MS - 6000).json()["code"] == 100421
    assert app.signed("GET", BALANCE, ALICE).json()["code"] == 0


def test_a_form_body_is_signed_after_the_query_string(app: InProcess) -> None:
    query = f"symbol=BTC-USDT&timestamp={START_MS}"
    body = "side=BOTH&leverage=7"
    signature = sign(ALICE.secret, (query + body).encode())
    reply = app.client.post(f"/openApi/swap/v2/trade/leverage?{query}&signature={signature}", content=body,
                            headers={"X-BX-APIKEY": ALICE.api_key, "Content-Type": "application/x-www-form-urlencoded"})
    assert reply.json() == {"code": 0, "msg": "", "data": {"leverage": 7, "symbol": "BTC-USDT"}}
