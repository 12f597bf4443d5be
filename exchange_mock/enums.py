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
    """Every type but LIMIT and MARKET is conditional: it waits for its trigger, then executes as
    the market or limit order ``EXECUTES_AS`` names."""

    LIMIT = "LIMIT"
    MARKET = "MARKET"
    STOP_MARKET = "STOP_MARKET"
    TAKE_PROFIT_MARKET = "TAKE_PROFIT_MARKET"
    STOP = "STOP"
    TAKE_PROFIT = "TAKE_PROFIT"
    TRIGGER_LIMIT = "TRIGGER_LIMIT"
    TRIGGER_MARKET = "TRIGGER_MARKET"
    TRAILING_STOP_MARKET = "TRAILING_STOP_MARKET"


class WorkingType(StrEnum):
    """The price a conditional order's trigger watches: the mark (default) or the last trade
    (CONTRACT_PRICE). The venue has no separate index, so INDEX_PRICE watches the mark."""

    MARK_PRICE = "MARK_PRICE"
    CONTRACT_PRICE = "CONTRACT_PRICE"
    INDEX_PRICE = "INDEX_PRICE"


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
WORKING_TYPE = WorkingType.MARK_PRICE

# What the endpoints accept, in the order BingX documents them.
SIDES = tuple(Side)
POSITION_SIDES = tuple(PositionSide)
ORDER_TYPES = tuple(OrderType)
TIME_IN_FORCE = tuple(TimeInForce)
MARGIN_TYPES = (*MarginType, "SEPARATE_ISOLATED")
INCOME_TYPES = tuple(IncomeType)
STATES = tuple(OrderStatus)
WORKING = (OrderStatus.NEW, OrderStatus.PARTIALLY_FILLED)
WORKING_TYPES = tuple(WorkingType)
#: What each order type executes as once triggered (LIMIT and MARKET: at once).
EXECUTES_AS: dict[OrderType, OrderType] = {
    OrderType.LIMIT: OrderType.LIMIT,
    OrderType.MARKET: OrderType.MARKET,
    OrderType.STOP_MARKET: OrderType.MARKET,
    OrderType.TAKE_PROFIT_MARKET: OrderType.MARKET,
    OrderType.STOP: OrderType.LIMIT,
    OrderType.TAKE_PROFIT: OrderType.LIMIT,
    OrderType.TRIGGER_LIMIT: OrderType.LIMIT,
    OrderType.TRIGGER_MARKET: OrderType.MARKET,
    OrderType.TRAILING_STOP_MARKET: OrderType.MARKET,
}
# Known to BingX, refused by this venue with 109400 rather than as unknown values: the reference
# lists TRAILING_TP_SL but not what it does.
UNSUPPORTED_ORDER_TYPES = ("TRAILING_TP_SL",)
