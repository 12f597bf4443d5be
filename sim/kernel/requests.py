"""Every request execution can send to the venue, named once, and the venue's endpoints, typed.

A request kind is the name of a BingX endpoint as the venue's Python interface spells it. The
latency model, the fault specs, the monitor and execution all speak of requests by
``RequestKind``; a kind that is not one is refused where it is written (a scenario's
``latency.per_kind`` or a fault's ``requests``), never ignored.
"""
from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Any, Callable, Mapping, Protocol

Envelope = dict[str, Any]


class RequestKind(StrEnum):
    CONTRACTS = "contracts"
    SET_POSITION_MODE = "set_position_mode"
    GET_POSITION_MODE = "get_position_mode"
    SET_MARGIN_TYPE = "set_margin_type"
    SET_LEVERAGE = "set_leverage"
    PLACE_ORDER = "place_order"
    CANCEL_ORDER = "cancel_order"
    QUERY_ORDER = "query_order"
    OPEN_ORDERS = "open_orders"
    POSITIONS = "positions"
    BALANCE = "balance"
    INCOME = "income"


#: Requests that change what the venue holds (positions and working orders).
CHANGES_HOLDINGS = (RequestKind.PLACE_ORDER, RequestKind.CANCEL_ORDER)


class VenueEndpoints(Protocol):
    """The venue as execution reaches it: one method per request kind, BingX parameters in and
    BingX envelopes out (``exchange_mock.Venue`` is one)."""

    def contracts(self, **params: Any) -> Envelope: ...
    def set_position_mode(self, **params: Any) -> Envelope: ...
    def get_position_mode(self, **params: Any) -> Envelope: ...
    def set_margin_type(self, **params: Any) -> Envelope: ...
    def set_leverage(self, **params: Any) -> Envelope: ...
    def place_order(self, **params: Any) -> Envelope: ...
    def cancel_order(self, **params: Any) -> Envelope: ...
    def query_order(self, **params: Any) -> Envelope: ...
    def open_orders(self, **params: Any) -> Envelope: ...
    def positions(self, **params: Any) -> Envelope: ...
    def balance(self, **params: Any) -> Envelope: ...
    def income(self, **params: Any) -> Envelope: ...


class VenueState(Protocol):
    """What observers read of the venue's state without sending a request (the simulator's side
    of the venue: it never moves the venue's clock or marks)."""

    @property
    def fills(self) -> list[Any]: ...
    @property
    def ledger(self) -> Any: ...
    def open_position_count(self) -> int: ...
    def account_snapshot(self) -> dict[str, Decimal]: ...
    def open_orders(self, **params: Any) -> Envelope: ...
    def reconcile(self, *, incremental: bool = False) -> Any: ...
    def violations(self) -> list[Any]: ...


#: The highs and the lows of the bar a scan closes, as price mappings.
Extremes = tuple[Mapping[str, float], Mapping[str, float]]


class SimulatedVenue(VenueEndpoints, VenueState, Protocol):
    """The venue a run drives: endpoints, state, and the market's clock and prices."""

    def advance(self, ts_ms: int, prices: Mapping[str, float], marks: Mapping[str, float] | None = None,
                extremes: Extremes | None = None) -> list[Any]: ...


_Endpoint = Callable[[VenueEndpoints, dict[str, Any]], Envelope]

ENDPOINTS: dict[RequestKind, _Endpoint] = {
    RequestKind.CONTRACTS: lambda v, p: v.contracts(**p),
    RequestKind.SET_POSITION_MODE: lambda v, p: v.set_position_mode(**p),
    RequestKind.GET_POSITION_MODE: lambda v, p: v.get_position_mode(**p),
    RequestKind.SET_MARGIN_TYPE: lambda v, p: v.set_margin_type(**p),
    RequestKind.SET_LEVERAGE: lambda v, p: v.set_leverage(**p),
    RequestKind.PLACE_ORDER: lambda v, p: v.place_order(**p),
    RequestKind.CANCEL_ORDER: lambda v, p: v.cancel_order(**p),
    RequestKind.QUERY_ORDER: lambda v, p: v.query_order(**p),
    RequestKind.OPEN_ORDERS: lambda v, p: v.open_orders(**p),
    RequestKind.POSITIONS: lambda v, p: v.positions(**p),
    RequestKind.BALANCE: lambda v, p: v.balance(**p),
    RequestKind.INCOME: lambda v, p: v.income(**p),
}


def send(venue: VenueEndpoints, kind: RequestKind, params: dict[str, Any]) -> Envelope:
    """Execute one request at the venue."""
    return ENDPOINTS[kind](venue, params)
