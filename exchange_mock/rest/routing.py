"""The pieces every route table is made of: the request a handler sees, documented parameters,
routes with their rate limits, and the call into a venue endpoint.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

from exchange_mock.envelope import error
from exchange_mock.errors import Code, VenueError
from exchange_mock.rest.ratelimit import Rate
from exchange_mock.venue import AccountApi

Envelope = dict[str, Any]


# Per-account limits from the BingX reference (docs-v3; place order raised to 10/s in 2025), and
# the per-IP cap shared by all market-data endpoints.
MARKET = Rate(500, 10_000, shared="market")
TWO_PER_S = Rate(2, 1000)
FIVE_PER_S = Rate(5, 1000)
TEN_PER_S = Rate(10, 1000)


@dataclass(frozen=True, slots=True)
class Call:
    """One request as a handler sees it: the caller's account and its parameters."""

    account: AccountApi
    params: Mapping[str, str]
    now_ms: int


Handler = Callable[[Call], Envelope]


@dataclass(frozen=True, slots=True)
class Param:
    """A documented parameter. ``kind``: string, integer, decimal, boolean ("true"/"false"),
    symbol (a listed contract) or json (a JSON text)."""

    name: str
    kind: str = "string"
    required: bool = False
    enum: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Route:
    name: str
    method: str
    path: str
    summary: str
    handler: Handler
    rate: Rate
    private: bool = True
    params: tuple[Param, ...] = ()
    note: str = ""  # what the OpenAPI description adds: where a shape follows ccxt, what is synthetic
    #: Private, but the API key alone opens it (BingX's listen-key calls); a signature, if sent, is checked.
    key_only: bool = False

    @property
    def bucket(self) -> str:
        return self.rate.shared or f"{self.method} {self.path}"


_SELF_FIELD = VenueError(Code.INVALID_PARAMETER, detail="unknown parameter self")


def invoke(fn: Callable[..., Envelope], fields: Mapping[str, Any]) -> Envelope:
    """Call a venue endpoint with the request's fields as keywords.

    A field named ``self`` would bind to the method's own first parameter instead of reaching the
    venue's unknown-parameter check, so it is refused here with that check's answer."""
    if "self" in fields:
        return error(_SELF_FIELD.code, _SELF_FIELD.msg)
    return fn(**fields)


def venue_call(method: str) -> Handler:
    def handler(call: Call) -> Envelope:
        return invoke(getattr(call.account, method), call.params)
    return handler
