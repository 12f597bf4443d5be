"""BingX's response envelope, and the wrapper that makes every endpoint answer with one.

An endpoint body returns its ``data`` (or ``NO_DATA`` for replies that carry only code and msg,
like POST marginType) or raises ``VenueError``; the wrapper runs it under the exact decimal
context and turns the result into ``{"code", "msg", "data"}``. Only ``VenueError`` is caught:
anything else is a venue bug and must surface.
"""
from __future__ import annotations

import functools
from decimal import localcontext
from typing import Any, Callable, TypeVar

from exchange_mock.errors import VenueError
from exchange_mock.money import EXACT

NO_DATA = object()
F = TypeVar("F", bound=Callable[..., Any])


def ok(data: Any = NO_DATA) -> dict[str, Any]:
    if data is NO_DATA:
        return {"code": 0, "msg": ""}
    return {"code": 0, "msg": "", "data": data}


def error(code: int, msg: str) -> dict[str, Any]:
    return {"code": int(code), "msg": msg}


def endpoint(fn: F) -> F:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> dict[str, Any]:
        with localcontext(EXACT):
            try:
                return ok(fn(*args, **kwargs))
            except VenueError as exc:
                return error(exc.code, exc.msg)

    return wrapper  # type: ignore[return-value]
