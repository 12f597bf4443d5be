"""BingX error codes and messages: the one place where the venue's refusals are spelled.

Codes and message texts follow the BingX reference (docs-v3 and observed replies); where the
reference gives only a meaning, the message paraphrases it. Endpoints raise ``VenueError`` and
the envelope turns it into ``{"code": ..., "msg": ...}``.
"""
from __future__ import annotations

from enum import IntEnum


class Code(IntEnum):
    REQUEST_FAILED = 80001
    SYSTEM_BUSY = 80012
    INVALID_PARAMETER = 80014
    ORDER_NOT_EXIST = 80016
    POSITION_NOT_EXIST = 80017
    ORDER_ALREADY_FILLED = 80018
    INSUFFICIENT_MARGIN = 101204
    NO_POSITION_TO_CLOSE = 101205
    POST_ONLY_WOULD_TAKE = 101215
    REDUCE_ONLY_INCREASES = 101290
    BELOW_MINIMUM = 101400
    MAX_LEVERAGE = 101414
    DUPLICATE_CLIENT_ORDER_ID = 101481
    INVALID_REQUEST = 109400
    POSITION_MODE_LOCKED = 109401
    SYMBOL_NOT_EXIST = 109425
    PARAMETER_REQUIREMENT = 110400
    STOP_LOSS_PRICE_SIDE = 110411
    TAKE_PROFIT_PRICE_SIDE = 110412
    TRIGGER_PRICE_SIDE = 110413
    ORDER_SYSTEM_BUSY = 110500
    RATE_LIMITED = 100410
    INTERNAL_ERROR = 100500
    RPC_TIMEOUT = 101500


_MESSAGES: dict[Code, str] = {
    Code.REQUEST_FAILED: "{detail}",
    Code.SYSTEM_BUSY: "System busy, please try again later",
    Code.INVALID_PARAMETER: "Invalid parameters, {detail}",
    Code.ORDER_NOT_EXIST: "order does not exist",
    Code.POSITION_NOT_EXIST: "position does not exist",
    Code.ORDER_ALREADY_FILLED: "order already filled",
    Code.INSUFFICIENT_MARGIN: "Insufficient margin",
    Code.NO_POSITION_TO_CLOSE: "No position to close",
    Code.POST_ONLY_WOULD_TAKE: "The order would take liquidity and was cancelled (PostOnly)",
    Code.REDUCE_ONLY_INCREASES: "Reduce-only order would increase the position",
    Code.BELOW_MINIMUM: "{detail}",
    Code.MAX_LEVERAGE: "The max leverage for this pair is {max_leverage}, please reduce leverage",
    Code.DUPLICATE_CLIENT_ORDER_ID: "clientOrderID cannot be repeated",
    Code.INVALID_REQUEST: "{detail}",
    Code.POSITION_MODE_LOCKED: "user has pending orders or position, position mode cannot be changed",
    Code.SYMBOL_NOT_EXIST: "{symbol} not exist, please verify it",
    Code.PARAMETER_REQUIREMENT: "parameters don't meet requirement: {detail}",
    # a stop on the wrong side of the price it watches would trigger at once: refused
    Code.STOP_LOSS_PRICE_SIDE: "the stop-loss stopPrice {detail}",
    Code.TAKE_PROFIT_PRICE_SIDE: "the take-profit stopPrice {detail}",
    Code.TRIGGER_PRICE_SIDE: "the trigger stopPrice {detail}",
    # answered by an overloaded venue, never by this mock's rules (fault injection uses them)
    Code.ORDER_SYSTEM_BUSY: "order system busy",
    Code.RATE_LIMITED: "rate limit exceeded",
    Code.INTERNAL_ERROR: "internal system error",
    Code.RPC_TIMEOUT: "rpc timeout",
}


class VenueError(Exception):
    """A refusal the venue answers with a non-zero code (never a crash)."""

    def __init__(self, code: Code, **fields: object) -> None:
        self.code = code
        self.msg = _MESSAGES[code].format(**fields)
        super().__init__(f"{int(code)} {self.msg}")


def required(field: str) -> VenueError:
    return VenueError(Code.INVALID_PARAMETER, detail=f"{field}: This field is required")


def invalid(field: str, value: object) -> VenueError:
    return VenueError(Code.INVALID_PARAMETER, detail=f"{field}: invalid value {value!r}")


def bad_request(detail: str) -> VenueError:
    return VenueError(Code.INVALID_REQUEST, detail=detail)
