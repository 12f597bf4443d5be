"""The HTTP front: parameters in the query or a form body, envelopes for every refusal, the batch
endpoints, the admin step and the OpenAPI document."""
from __future__ import annotations

import json

import pytest
from rest_kit import ADMIN, ALICE, BOB, START_MS, InProcess, make_host

from exchange_mock.rest.auth import sign
from exchange_mock.rest.listen_keys import ListenKeys, listen_key_routes
from exchange_mock.rest.routes import ROUTES

ORDER = "/openApi/swap/v2/trade/order"
BATCH = "/openApi/swap/v2/trade/batchOrders"


def _limit(price: str, **extra: str) -> dict[str, str]:
    return {"symbol": "BTC-USDT", "side": "BUY", "type": "LIMIT", "quantity": "0.01", "price": price, **extra}


def test_public_endpoints_need_no_key_and_server_time_is_the_auth_clock(app: InProcess) -> None:
    server_time = app.client.get(f"/openApi/swap/v2/server/time?timestamp={START_MS}").json()
    assert server_time["data"] == {"serverTime": START_MS}
    contracts = app.client.get("/openApi/swap/v2/quote/contracts?symbol=BTC-USDT").json()["data"]
    assert [c["symbol"] for c in contracts] == ["BTC-USDT"] and contracts[0]["apiStateOpen"] == "true"
    assert app.client.get("/openApi/swap/v2/server/time?bogus=1").json()["code"] == 80014


@pytest.mark.parametrize(("request_args", "status", "code"), [
    (("GET", "/openApi/swap/v2/nope"), 404, 404),
    (("PUT", ORDER), 405, 405),
    (("POST", "/openapi.json"), 405, 405),
    (("POST", "/admin/advance"), 401, 401),
])
def test_unknown_paths_and_methods_are_envelopes(app: InProcess, request_args: tuple[str, str], status: int,
                                                 code: int) -> None:
    reply = app.client.request(*request_args)
    assert reply.status_code == status and reply.json()["code"] == code and reply.json()["msg"]


def test_malformed_parameters_are_80014(app: InProcess) -> None:
    headers = {"X-BX-APIKEY": ALICE.api_key}
    twice = app.client.get(f"/openApi/swap/v3/user/balance?timestamp=1&timestamp=2", headers=headers).json()
    assert twice == {"code": 80014, "msg": "Invalid parameters, parameter timestamp is given twice"}
    json_body = app.client.post(ORDER, content=b'{"symbol": "BTC-USDT"}', headers={"Content-Type": "application/json"})
    assert json_body.json()["code"] == 80014
    many = "&".join(f"p{i}=1" for i in range(101))
    assert app.client.get(f"/openApi/swap/v2/quote/contracts?{many}").json()["code"] == 80014
    assert app.signed("GET", "/openApi/swap/v2/user/positions", ALICE, {"self": "1"}).json() == {
        "code": 80014, "msg": "Invalid parameters, unknown parameter self"}
    assert app.signed("GET", "/openApi/swap/v2/user/positions", ALICE, {"colour": "red"}).json()["code"] == 80014


def test_the_query_string_wins_over_the_form_body(app: InProcess) -> None:
    query = f"symbol=BTC-USDT&leverage=4&timestamp={START_MS}"
    body = "side=BOTH&leverage=9"
    signature = sign(ALICE.secret, (query + body).encode())
    reply = app.client.post(f"/openApi/swap/v2/trade/leverage?{query}&signature={signature}", content=body,
                            headers={"X-BX-APIKEY": ALICE.api_key,
                                     "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    assert reply.json()["data"] == {"leverage": 4, "symbol": "BTC-USDT"}


def test_batch_orders_place_each_and_list_refusals(app: InProcess) -> None:
    app.advance(START_MS, {"BTC-USDT": 60000.0})
    orders = [_limit("50000", clientOrderId="a1"), _limit("70000", timeInForce="PostOnly", clientOrderId="a2")]
    reply = app.signed("POST", BATCH, ALICE, {"batchOrders": json.dumps(orders)}).json()
    assert [o["clientOrderId"] for o in reply["data"]["orders"]] == ["a1"]
    assert reply["data"]["failed"] == [{"orderId": 0, "clientOrderId": "a2", "errorCode": 101215,
                                        "errorMessage": "The order would take liquidity and was cancelled (PostOnly)"}]
    cancel = app.signed("DELETE", BATCH, ALICE, {"symbol": "BTC-USDT", "clientOrderIdList": '["a1", "zz"]'}).json()
    assert [o["status"] for o in cancel["data"]["success"]] == ["CANCELLED"]
    assert [(f["clientOrderId"], f["errorCode"]) for f in cancel["data"]["failed"]] == [("zz", 80016)]


@pytest.mark.parametrize("batch", ["", "not json", "{}", "[]", "[1]", json.dumps([_limit("1")] * 6), "[" * 5000])
def test_a_malformed_batch_is_refused_whole(app: InProcess, batch: str) -> None:
    fields = {"batchOrders": batch} if batch else {}
    assert app.signed("POST", BATCH, ALICE, fields).json()["code"] == 80014
    assert app.host.accounts[ALICE.api_key].open_orders()["data"]["orders"] == []


def test_one_key_cannot_reach_another_keys_order(app: InProcess) -> None:
    app.advance(START_MS, {"BTC-USDT": 60000.0})
    placed = app.signed("POST", ORDER, ALICE, _limit("50000")).json()["data"]["order"]
    ref = {"symbol": "BTC-USDT", "orderId": str(placed["orderId"])}
    assert app.signed("GET", ORDER, BOB, ref).json()["code"] == 80016
    assert app.signed("DELETE", ORDER, BOB, ref).json()["code"] == 80016
    assert app.signed("GET", ORDER, ALICE, ref).json()["data"]["order"]["status"] == "NEW"


def test_admin_steps_merge_prices_and_refuse_bad_bodies(app: InProcess) -> None:
    assert app.advance(START_MS, {"BTCUSDT": 60000.0, "ETH-USDT": 3000.0})["code"] == 0
    assert app.advance(START_MS + 1, {"BTC-USDT": 61000.0})["code"] == 0
    premium = app.client.get("/openApi/swap/v2/quote/premiumIndex?symbol=ETH-USDT").json()["data"]
    assert premium["markPrice"] == "3000.00"
    assert app.advance(START_MS, {"BTC-USDT": 1.0}) == {
        "code": 80014, "msg": f"Invalid parameters, time went backwards: {START_MS} < {START_MS + 1}"}
    assert app.advance(START_MS + 2, {"NOPE-USDT": 1.0}) == {
        "code": 109425, "msg": "NOPE-USDT not exist, please verify it"}
    assert app.advance(START_MS + 2, {"BTC-USDT": -1.0})["code"] == 80014
    for body in (b"", b"[]", b'{"ts_ms": "1", "prices": {}}', b'{"ts_ms": 1, "prices": {}, "x": 1}'):
        assert app.client.post("/admin/advance", content=body, headers=ADMIN).json()["code"] == 80014


def test_admin_is_off_unless_enabled() -> None:
    closed = InProcess(make_host(), admin_token=None)
    assert closed.client.post("/admin/advance", json={"ts_ms": 1, "prices": {}}, headers=ADMIN).status_code == 404
    assert "/admin/advance" not in closed.client.get("/openapi.json").json()["paths"]


def test_the_openapi_document_lists_every_route(app: InProcess) -> None:
    doc = app.client.get("/openapi.json").json()
    listed = {(method.upper(), path) for path, ops in doc["paths"].items() for method in ops}
    served = ROUTES + listen_key_routes(ListenKeys())
    assert listed == {(r.method, r.path) for r in served} | {("POST", "/admin/advance")}
    listen_key = doc["paths"]["/openApi/user/auth/userDataStream"]["post"]
    assert not any(p["required"] for p in listen_key["parameters"])  # the key header alone opens it
    assert "/swap-market" in doc["info"]["description"] and "listenKey" in doc["info"]["description"]
    balance = doc["paths"]["/openApi/swap/v3/user/balance"]["get"]
    assert balance["security"] == [{"apiKey": []}]
    assert {p["name"] for p in balance["parameters"]} == {"timestamp", "recvWindow", "signature"}
    assert {"413", "414", "431"} <= set(balance["responses"])
    assert doc["paths"]["/admin/advance"]["post"]["security"] == [{"adminToken": []}]
    assert doc["components"]["securitySchemes"]["adminToken"] == {"type": "apiKey", "in": "header",
                                                                  "name": "X-ADMIN-TOKEN"}
    assert doc["info"]["description"].startswith("Request limits: body 65536 bytes (HTTP 413)")
