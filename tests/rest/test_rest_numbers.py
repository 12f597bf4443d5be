"""Numbers, enumerations and symbols are ASCII: the digits of other scripts, full-width digits and
underscores, which Python's ``Decimal`` and ``int`` would read, are refused with 80014 naming the
parameter and the value, over HTTP as a client sends them (signed, percent-encoded UTF-8)."""
from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, Mapping

import ccxt
import httpx
import pytest
from rest_kit import ALICE, BTC, START_MS, TestClock, advance, exchange, signed_query

from exchange_mock import params
from exchange_mock.errors import VenueError
from exchange_mock.rest import VenueHost

ORDER = "/openApi/swap/v2/trade/order"


def _signed(base_url: str, clock: TestClock, method: str, path: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    """One signed request to the live server, as the BingX documentation builds it."""
    query = signed_query(ALICE, fields, clock())
    reply = httpx.request(method, f"{base_url}{path}?{query}", headers={"X-BX-APIKEY": ALICE.api_key}, timeout=10)
    assert reply.status_code == 200, reply.text
    return reply.json()


def _order(**given: str) -> dict[str, str]:
    return {"symbol": "BTC-USDT", "side": "BUY", "type": "LIMIT", "quantity": "0.01", "price": "50000", **given}


@pytest.mark.parametrize(("name", "value"), [
    ("price", "٣٠٠٠٠"),       # Arabic-Indic digits: Decimal reads 30000
    ("quantity", "０.００１"),  # full-width digits: Decimal reads 0.001
    ("quantity", "0.00_1"),    # an underscore: Decimal reads 0.001
    ("price", "5e4\n"),        # a trailing newline, which a $-anchored pattern would let through
    ("quantity", "NaN"),
])
def test_an_order_with_a_non_ascii_number_is_refused(server: str, clock: TestClock, host: VenueHost, name: str,
                                                     value: str) -> None:
    advance(server, START_MS, {"BTC-USDT": 60000.0})
    reply = _signed(server, clock, "POST", ORDER, _order(**{name: value}))
    assert reply == {"code": 80014, "msg": f"Invalid parameters, {name}: invalid value {value!r}"}
    assert host.accounts[ALICE.api_key].open_orders()["data"]["orders"] == []


def test_the_same_order_in_ascii_is_placed(server: str, clock: TestClock) -> None:
    advance(server, START_MS, {"BTC-USDT": 60000.0})
    order = _signed(server, clock, "POST", ORDER, _order(price="3e4", quantity="0.001"))["data"]["order"]
    assert (order["price"], order["origQty"]) == ("30000.0", "0.0010")


def test_leverage_in_arabic_indic_digits_is_refused_through_ccxt(server: str, host: VenueHost) -> None:
    ex = exchange(server, ALICE)
    assert ex.set_leverage(3, BTC, {"side": "BOTH"})["data"]["leverage"] == 3
    with pytest.raises(ccxt.BaseError) as refused:
        ex.set_leverage(5, BTC, {"side": "BOTH", "leverage": "٥"})  # int("٥") is 5
    assert type(refused.value) is ccxt.BadRequest, repr(refused.value)
    assert json.loads(ex.last_http_response) == {
        "code": 80014, "msg": "Invalid parameters, leverage: invalid value '٥'"}
    assert host.accounts[ALICE.api_key].get_leverage(symbol="BTC-USDT")["data"]["longLeverage"] == 3


def test_enumerations_and_symbols_are_ascii(server: str, clock: TestClock) -> None:
    """``"ſ".upper()`` is ``"S"``: without the ASCII rule "ſell" would place a SELL."""
    advance(server, START_MS, {"BTC-USDT": 60000.0})
    side = _signed(server, clock, "POST", ORDER, _order(side="ſell"))
    assert side["code"] == 109400 and "side: invalid value 'ſell'" in side["msg"]
    symbol = _signed(server, clock, "POST", ORDER, _order(symbol="btc-uſdt"))
    assert symbol == {"code": 109425, "msg": "btc-uſdt not exist, please verify it"}


@pytest.mark.parametrize(("value", "parsed"), [
    ("1", Decimal(1)), ("+1.5", Decimal("1.5")), ("-2", Decimal(-2)), ("1.", Decimal(1)), (".5", Decimal("0.5")),
    ("1e3", Decimal(1000)), ("2.5E-3", Decimal("0.0025")), ("0.0012", Decimal("0.0012")),
    (3, Decimal(3)), (0.0012, Decimal("0.0012")), (Decimal("7.25"), Decimal("7.25")),
])
def test_decimal_forms_accepted(value: Any, parsed: Decimal) -> None:
    assert params.number("quantity", value) == parsed


@pytest.mark.parametrize("value", ["٣", "０", "1_0", " 1", "1 ", "1\n", "1,5", "0x10", "1e", "e3", ".", "+", "--1",
                                   "NaN", "Infinity", "inf", "1e99999999999999999999", "1e15", True, [1]])
def test_decimal_forms_refused(value: Any) -> None:
    with pytest.raises(VenueError) as refused:
        params.number("quantity", value)
    assert refused.value.msg == f"Invalid parameters, quantity: invalid value {value!r}"


@pytest.mark.parametrize(("value", "accepted"), [
    ("5", 5), ("+5", 5), ("-3", -3), (5, 5), (5.0, 5), ("٥", None), ("5.0", None), ("5e0", None), ("5_0", None),
    (str(2**63), None), (5.5, None),
])
def test_integer_forms(value: Any, accepted: int | None) -> None:
    if accepted is not None:
        assert params.integer("leverage", value) == accepted
        return
    with pytest.raises(VenueError) as refused:
        params.integer("leverage", value)
    assert refused.value.msg == f"Invalid parameters, leverage: invalid value {value!r}"
