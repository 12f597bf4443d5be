"""``POST /admin/advance``: move the venue's clock and prices by hand, for tests.

Mounted only when the server is started with the admin switch. The body is
``{"ts_ms": int, "prices": {symbol: price}, "marks": {symbol: price}?}``; symbols may be venue
(``BTC-USDT``) or scanner (``BTCUSDT``) names. Prices (and marks) update the last known ones, so a
test can move one symbol and leave the others where they were. The reply is the envelope with the
venue's new time and the number of events the step produced, by kind (``Fill``, ``Liquidation``,
``FundingSettlement``, ``OrderEnded``).
"""
from __future__ import annotations

from collections import Counter
from typing import Any, Mapping

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from exchange_mock.contracts import to_venue_symbol
from exchange_mock.envelope import error, ok
from exchange_mock.errors import Code, VenueError
from exchange_mock.rest.host import VenueHost


#: 2100-01-01. The venue settles every funding interval a step crosses, so an unbounded jump
#: (say to 2**62 ms) would keep it busy for ages; this bound keeps the catch-up to about 10**5
#: settlements.
MAX_TS_MS = 4_102_444_800_000


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
