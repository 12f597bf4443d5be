"""Request parameters as an HTTP front passes them: strings (or Python values), BingX names.

Missing fields and unparseable values answer 80014; values outside an enumeration answer 109400;
contradictory combinations answer 110400. Numbers accept int, float (through ``repr``), Decimal
and text in the ASCII grammar below, and must be finite.

Text is matched against an ASCII grammar before ``Decimal`` sees it, because ``Decimal`` and
``int`` read far more than a BingX client sends: other scripts' digits (``"٣٠٠٠٠"`` is 30000),
full-width digits (``"０.００１"``), underscores (``"0.00_1"``), surrounding whitespace, ``NaN``
and ``Infinity``. Enumerations and symbols are ASCII too, since ``str.upper`` maps ``"ſ"`` to
``"S"``, which would let ``"ſell"`` place a SELL.
"""
from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any, Mapping

from exchange_mock.contracts import Contract
from exchange_mock.errors import Code, VenueError, bad_request, invalid, required
from exchange_mock.money import to_decimal

TRANSPORT = frozenset({"timestamp", "recvWindow", "signature"})
_MAX_NUMBER = Decimal("1e15")
_MAX_INTEGER = Decimal(2**63)
#: A decimal: optional sign, digits with an optional fraction (or a bare fraction), optional
#: exponent. ``[0-9]`` rather than ``\d``, which matches every script's digits.
DECIMAL_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
INTEGER_TEXT = re.compile(r"[+-]?[0-9]+")


def check_extra(extra: Mapping[str, Any], unsupported: frozenset[str] = frozenset()) -> None:
    """Ignore transport fields; refuse BingX fields the venue does not model and unknown ones."""
    for name, value in extra.items():
        if name in TRANSPORT:
            continue
        if name in unsupported:
            if value not in (None, "", False, "false", 0, "0"):
                raise bad_request(f"{name} is not supported by this venue")
            continue
        raise VenueError(Code.INVALID_PARAMETER, detail=f"unknown parameter {name}")


def symbol(value: Any, contracts: Mapping[str, Contract], *, needed: bool = True) -> Contract | None:
    if value is None or value == "":
        if needed:
            raise required("symbol")
        return None
    contract = contracts.get(value.upper()) if isinstance(value, str) and value.isascii() else None
    if contract is None:
        raise VenueError(Code.SYMBOL_NOT_EXIST, symbol=value)
    return contract


def choice(name: str, value: Any, allowed: tuple[str, ...], *, default: str | None = None) -> str:
    """An enumeration value, matched case-insensitively and returned in its canonical spelling."""
    if value is None or value == "":
        if default is None:
            raise required(name)
        return default
    if isinstance(value, str) and value.isascii():
        for option in allowed:
            if value.upper() == option.upper():
                return option
    raise bad_request(f"{name}: invalid value {value!r}, expected one of {', '.join(allowed)}")


def _parsed(name: str, value: Any, grammar: re.Pattern[str]) -> Decimal:
    """``value`` as a Decimal, exactly: text must match ``grammar`` in full (``fullmatch``, since
    ``$`` would also accept a trailing newline); Python numbers from in-process callers are taken
    as they are (a float through its ``repr``). An exponent beyond what ``Decimal`` can hold
    (``1e99999999999999999999``) matches the grammar but is refused all the same."""
    if isinstance(value, bool):
        raise invalid(name, value)
    if isinstance(value, float):
        return to_decimal(value)
    if isinstance(value, (int, Decimal)):
        return Decimal(value)
    if isinstance(value, str) and grammar.fullmatch(value):
        try:
            return Decimal(value)
        except InvalidOperation:
            pass
    raise invalid(name, value)


def _bounded(name: str, value: Any, needed: bool, grammar: re.Pattern[str], bound: Decimal) -> Decimal | None:
    if value is None or value == "":
        if needed:
            raise required(name)
        return None
    parsed = _parsed(name, value, grammar)
    if not parsed.is_finite() or abs(parsed) >= bound:
        raise invalid(name, value)
    return parsed


def number(name: str, value: Any, *, needed: bool = False) -> Decimal | None:
    """A decimal parameter (quantity, price): ``DECIMAL_TEXT`` or a Python number, finite and
    below 1e15 in magnitude."""
    return _bounded(name, value, needed, DECIMAL_TEXT, _MAX_NUMBER)


def integer(name: str, value: Any, *, needed: bool = False) -> int | None:
    """An integer parameter (leverage, orderId, times): ``INTEGER_TEXT`` (no fraction, no
    exponent) or a Python number with an integral value, within a signed 64-bit range."""
    parsed = _bounded(name, value, needed, INTEGER_TEXT, _MAX_INTEGER)
    if parsed is None:
        return None
    if parsed != parsed.to_integral_value():
        raise invalid(name, value)
    return int(parsed)


def flag(name: str, value: Any) -> bool:
    if value is None or value == "":
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise invalid(name, value)


def client_order_id(upper: Any, lower: Any) -> str:
    """``clientOrderID`` (ccxt's spelling) or ``clientOrderId``; BingX stores it lower-cased."""
    given = [v for v in (upper, lower) if v not in (None, "")]
    if not given:
        return ""
    if len(given) == 2 and str(given[0]) != str(given[1]):
        raise VenueError(Code.PARAMETER_REQUIREMENT, detail="clientOrderID and clientOrderId differ")
    value = str(given[0])
    if len(value) > 40:
        raise VenueError(Code.PARAMETER_REQUIREMENT, detail="clientOrderId must be 1-40 characters")
    return value.lower()


def _no_constant(text: str) -> Any:
    raise ValueError(text)


def json_object(name: str, value: Any) -> dict[str, Any] | None:
    """A JSON object parameter (BingX's ``stopLoss`` / ``takeProfit``), or None when empty. Its
    numbers stay text, so they meet ``number``'s grammar like any other field (``NaN`` and
    ``Infinity`` are refused here); an in-process caller may pass a dict."""
    if value is None or value == "":
        return None
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        try:
            parsed = json.loads(value, parse_float=str, parse_int=str, parse_constant=_no_constant)
        except (ValueError, RecursionError):
            parsed = None
        if isinstance(parsed, dict):
            return parsed
    raise invalid(name, value)
