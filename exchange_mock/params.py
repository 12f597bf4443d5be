"""Request parameters as an HTTP front passes them: strings (or Python values), BingX names.

Missing fields and unparseable values answer 80014; values outside an enumeration answer 109400;
contradictory combinations answer 110400. Numbers accept str, int, float (through ``repr``) and
Decimal, and must be finite.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, Mapping

from exchange_mock.contracts import Contract
from exchange_mock.errors import Code, VenueError, bad_request, invalid, required
from exchange_mock.money import to_decimal

TRANSPORT = frozenset({"timestamp", "recvWindow", "signature"})
_MAX_NUMBER = Decimal("1e15")
_MAX_INTEGER = Decimal(2**63)


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
    contract = contracts.get(str(value).upper()) if isinstance(value, str) else None
    if contract is None:
        raise VenueError(Code.SYMBOL_NOT_EXIST, symbol=value)
    return contract


def choice(name: str, value: Any, allowed: tuple[str, ...], *, default: str | None = None) -> str:
    """An enumeration value, matched case-insensitively and returned in its canonical spelling."""
    if value is None or value == "":
        if default is None:
            raise required(name)
        return default
    if isinstance(value, str):
        for option in allowed:
            if value.upper() == option.upper():
                return option
    raise bad_request(f"{name}: invalid value {value!r}, expected one of {', '.join(allowed)}")


def number(name: str, value: Any, *, needed: bool = False, bound: Decimal = _MAX_NUMBER) -> Decimal | None:
    if value is None or value == "":
        if needed:
            raise required(name)
        return None
    if isinstance(value, bool):
        raise invalid(name, value)
    try:
        if isinstance(value, float):
            parsed = to_decimal(value)
        elif isinstance(value, (int, Decimal)):
            parsed = Decimal(value)
        elif isinstance(value, str):
            parsed = Decimal(value.strip())
        else:
            raise invalid(name, value)
    except InvalidOperation:
        raise invalid(name, value) from None
    if not parsed.is_finite() or abs(parsed) >= bound:
        raise invalid(name, value)
    return parsed


def integer(name: str, value: Any, *, needed: bool = False) -> int | None:
    parsed = number(name, value, needed=needed, bound=_MAX_INTEGER)
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
