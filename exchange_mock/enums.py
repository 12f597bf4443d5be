"""The venue's vocabulary: every enumerated string BingX sends or accepts, spelled once.

Members are ``StrEnum``: each one *is* its BingX string (``Side.BUY == "BUY"``, ``str()``, JSON,
Parquet and hashing see the plain value), so replies, journals and golden outputs do not change
whether a field holds a member or the string a client sent. Tuples of accepted values keep the
order the endpoints list them in, which error messages and the OpenAPI document repeat.
"""
from __future__ import annotations

from enum import StrEnum


class Side(StrEnum):
    BUY = "BUY"
    SELL = "SELL"

    @classmethod
    def of(cls, direction: int) -> Side:
        """The side that moves a position by ``direction`` (+1 buys, -1 sells)."""
        return cls.BUY if direction > 0 else cls.SELL


class PositionSide(StrEnum):
    """BOTH in one-way mode; LONG or SHORT in hedge mode."""

    BOTH = "BOTH"
    LONG = "LONG"
    SHORT = "SHORT"


class OrderType(StrEnum):
    LIMIT = "LIMIT"
    MARKET = "MARKET"


class TimeInForce(StrEnum):
    GTC = "GTC"
    IOC = "IOC"
    FOK = "FOK"
    POST_ONLY = "PostOnly"


class MarginType(StrEnum):
    ISOLATED = "ISOLATED"
    CROSSED = "CROSSED"


class OrderStatus(StrEnum):
    """BingX's states: NEW and PARTIALLY_FILLED are working, the others final."""

    NEW = "NEW"
    PARTIALLY_FILLED = "PARTIALLY_FILLED"
    FILLED = "FILLED"
    CANCELLED = "CANCELLED"
    EXPIRED = "EXPIRED"


class Liquidity(StrEnum):
    """A fill's ``liquidityIndicator``: resting (MAKER), arriving (TAKER) or forced (LIQUIDATION)."""

    MAKER = "MAKER"
    TAKER = "TAKER"
    LIQUIDATION = "LIQUIDATION"


class IncomeType(StrEnum):
    """Ledger entry types; INSURANCE_CLEAR is the fund covering a cross deficit."""

    REALIZED_PNL = "REALIZED_PNL"
    FUNDING_FEE = "FUNDING_FEE"
    TRADING_FEE = "TRADING_FEE"
    INSURANCE_CLEAR = "INSURANCE_CLEAR"


class FundEntryKind(StrEnum):
    SURPLUS = "LIQUIDATION_SURPLUS"
    BAD_DEBT = "BAD_DEBT"


class ViolationKind(StrEnum):
    """The single-slot breaches the venue records but does not refuse."""

    SECOND_OPEN_POSITION = "SECOND_OPEN_POSITION"
    SECOND_SYMBOL = "SECOND_SYMBOL"


# Marks the ledger entries and the order of a forced close (``info`` and ``orderType``).
LIQUIDATION_MARK = "LIQUIDATION"
WORKING_TYPE = "MARK_PRICE"

# What the endpoints accept, in the order BingX documents them.
SIDES = tuple(Side)
POSITION_SIDES = tuple(PositionSide)
ORDER_TYPES = tuple(OrderType)
TIME_IN_FORCE = tuple(TimeInForce)
MARGIN_TYPES = (*MarginType, "SEPARATE_ISOLATED")
INCOME_TYPES = tuple(IncomeType)
STATES = tuple(OrderStatus)
WORKING = (OrderStatus.NEW, OrderStatus.PARTIALLY_FILLED)
# Known to BingX, refused by this venue with 109400 rather than as unknown values.
UNSUPPORTED_ORDER_TYPES = ("STOP_MARKET", "TAKE_PROFIT_MARKET", "STOP", "TAKE_PROFIT", "TRIGGER_LIMIT",
                           "TRIGGER_MARKET", "TRAILING_STOP_MARKET", "TRAILING_TP_SL")
