"""``POST /admin/advance``: move the venue's clock and prices by hand, for tests.

Mounted only when the server is given an admin token, and answered only to requests that send it
in the ``X-ADMIN-TOKEN`` header: HTTP 401 (code 401) without it, 403 (code 403) with another one.
A header rather than a query parameter, so that the token stays out of access logs. The body is
``{"ts_ms": int, "prices": {symbol: price}, "marks": {symbol: price}?}``; symbols may be venue
(``BTC-USDT``) or scanner (``BTCUSDT``) names. Prices (and marks) update the last known ones, so a
test can move one symbol and leave the others where they were. The reply is the envelope with the
venue's new time and the number of events the step produced, by kind (``Fill``, ``Liquidation``,
``FundingSettlement``, ``OrderEnded``).
"""
from __future__ import annotations

import hmac
import secrets
from collections import Counter
from typing import Any, Mapping

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from exchange_mock.contracts import to_venue_symbol
from exchange_mock.rest.accounts import check_admin_token
from exchange_mock.envelope import error, ok
from exchange_mock.errors import Code, VenueError
from exchange_mock.rest.host import VenueHost


#: 2100-01-01. The venue settles every funding interval a step crosses, so an unbounded jump
#: (say to 2**62 ms) would keep it busy for ages; this bound keeps the catch-up to about 10**5
#: settlements.
MAX_TS_MS = 4_102_444_800_000


TOKEN_HEADER = "X-ADMIN-TOKEN"


def new_token() -> str:
    """A fresh random token, for a server started without one. It guards who may move prices;
    it plays no part in what the venue computes, so a server stays deterministic."""
    return secrets.token_hex(16)


def check_token(token: str) -> str:
    """``token`` if it is usable as the admin token; ``ValueError`` naming the rule otherwise."""
    return check_admin_token(token, "admin token")


def token_refusal(expected: str, given: str | None) -> tuple[int, str] | None:
    """``None`` for the right token, else the HTTP status and message to refuse with. Compared in
    constant time; header values arrive as Latin-1 text, so they are compared as those bytes."""
    if not given:
        return 401, f"admin token required: send it in the {TOKEN_HEADER} header"
    if not hmac.compare_digest(given.encode("latin-1"), expected.encode("ascii")):
        return 403, "wrong admin token"
    return None


class AdvanceRequest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    ts_ms: int = Field(ge=0, le=MAX_TS_MS)
    prices: dict[str, float]
    marks: dict[str, float] | None = None


def _venue_prices(host: VenueHost, prices: Mapping[str, float], what: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for name, price in prices.items():
        try:
            symbol = to_venue_symbol(name)
            host.venue.contract(symbol)
        except (ValueError, KeyError):
            raise VenueError(Code.SYMBOL_NOT_EXIST, symbol=name) from None
        if not 0 < price < float("inf"):
            raise VenueError(Code.INVALID_PARAMETER, detail=f"{what}.{name}: a price must be positive and finite")
        out[symbol] = price
    return out


def advance(host: VenueHost, body: bytes) -> dict[str, Any]:
    """Apply one step; refusals are envelopes: 80014 for a bad body or a time before the venue's,
    109425 for an unknown symbol. The step itself runs outside the endpoints' exact decimal
    context, as the simulator runs it."""
    try:
        req = _parse(body)
        prices = _venue_prices(host, req.prices, "prices")
        marks = None if req.marks is None else _venue_prices(host, req.marks, "marks")
        events = host.advance(req.ts_ms, prices, marks, merge=True)
    except VenueError as exc:
        return error(exc.code, exc.msg)
    except ValueError as exc:  # time before the venue's
        return error(Code.INVALID_PARAMETER, VenueError(Code.INVALID_PARAMETER, detail=str(exc)).msg)
    return ok({"ts_ms": req.ts_ms, "events": dict(Counter(type(e).__name__ for e in events))})


def _parse(body: bytes) -> AdvanceRequest:
    try:
        return AdvanceRequest.model_validate_json(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise VenueError(Code.INVALID_PARAMETER, detail=f"{where}: {first['msg']}") from None
