"""What the venue reports to the simulator: fills, funding settlements, liquidations, and
orders the venue itself ended. Frozen records; ``kind`` names the type for dispatch and journals.

Amounts are ``Decimal``. Signs: ``fee`` is what the account paid (positive); ``realized_pnl``,
``amount`` (funding) and ``insurance`` are signed from the point of view named in the field.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any, ClassVar


class _Event:
    __slots__ = ()
    kind: ClassVar[str]

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, **asdict(self)}  # type: ignore[call-overload]


@dataclass(frozen=True, slots=True)
class Fill(_Event):
    """One execution. ``liquidity`` is MAKER, TAKER or LIQUIDATION; ``position_qty`` is the signed
    position after the fill; ``order_status`` the order's status after it."""

    kind: ClassVar[str] = "FILL"
    account: str
    ts_ms: int
    symbol: str
    order_id: int
    client_order_id: str
    trade_id: int
    side: str
    position_side: str
    quantity: Decimal
    price: Decimal
    fee: Decimal
    realized_pnl: Decimal
    liquidity: str
    order_status: str
    position_qty: Decimal


@dataclass(frozen=True, slots=True)
class FundingSettlement(_Event):
    """Funding booked at ``ts_ms`` (the settlement time); ``amount`` > 0 means the account received."""

    kind: ClassVar[str] = "FUNDING"
    account: str
    ts_ms: int
    symbol: str
    position_side: str
    position_qty: Decimal
    mark_price: Decimal
    rate: Decimal
    amount: Decimal
    tran_id: int


@dataclass(frozen=True, slots=True)
class Liquidation(_Event):
    """A forced close. ``insurance`` is what the insurance fund gained (negative: bad debt it
    covered); ``margin`` is the isolated margin lost (cross: the margin balance before)."""

    kind: ClassVar[str] = "LIQUIDATION"
    account: str
    ts_ms: int
    symbol: str
    position_side: str
    quantity: Decimal
    mark_price: Decimal
    bankruptcy_price: Decimal
    margin: Decimal
    fee: Decimal
    realized_pnl: Decimal
    insurance: Decimal
    order_id: int
    trade_id: int


@dataclass(frozen=True, slots=True)
class OrderEnded(_Event):
    """A working order the venue cancelled or expired on its own (``reason`` says why)."""

    kind: ClassVar[str] = "ORDER"
    account: str
    ts_ms: int
    symbol: str
    order_id: int
    client_order_id: str
    status: str
    reason: str


VenueEvent = Fill | FundingSettlement | Liquidation | OrderEnded
