"""Typed readings of the venue's BingX envelopes, in one place.

Execution acts only on what the venue answered; these functions say what an answer means (an
order, the positions held, the equity, the funding received) so that no other module parses
envelopes by hand.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from exchange_mock.enums import IncomeType

Envelope = dict[str, Any]
ZERO = Decimal(0)
WORKING_STATES = ("NEW", "PENDING", "PARTIALLY_FILLED")


def decimal_of(value: Any) -> Decimal:
    """A venue number (text or number) as an exact Decimal; absent or empty is zero."""
    return Decimal(str(value)) if value not in (None, "") else ZERO


def order_of(resp: Envelope) -> dict[str, Any] | None:
    """The order object of a successful order answer (None: refused or no answer)."""
    data = resp.get("data")
    order = data.get("order") if isinstance(data, dict) else None
    return order if resp.get("code") == 0 and order is not None else None


def is_working(order: dict[str, Any] | None) -> bool:
    return order is not None and order["status"] in WORKING_STATES


def executed(order: dict[str, Any] | None) -> Decimal:
    return decimal_of(order["executedQty"]) if order is not None else ZERO


@dataclass(frozen=True)
class HeldPosition:
    """One open position in a positions answer."""

    symbol: str
    quantity: Decimal
    avg_price: Decimal
    initial_margin: Decimal
    leverage: int


def held_positions(resp: Envelope) -> list[HeldPosition]:
    """The open positions in a positions answer (none when it is not an answer)."""
    return [HeldPosition(p["symbol"], decimal_of(p["positionAmt"]), decimal_of(p["avgPrice"]),
                         decimal_of(p["initialMargin"]), int(p["leverage"]))
            for p in (resp.get("data") or []) if decimal_of(p["positionAmt"]) != 0]


def equity_of(resp: Envelope, fallback: float) -> float:
    """The account's equity in a balance answer, as the capital to size from (``fallback`` when
    the answer is not one)."""
    rows = resp.get("data") or []
    return float(decimal_of(rows[0]["equity"])) if resp.get("code") == 0 and rows else fallback


def income_rows(resp: Envelope) -> list[dict[str, Any]]:
    """The rows of an income answer, oldest first (none when it is not an answer)."""
    return list(resp.get("data") or []) if resp.get("code") == 0 else []


@dataclass(frozen=True)
class TradeIncome:
    """What the venue's income reports for a trade besides its fills: funding received (signed)
    and the insurance fund's cover of a deficit it left (INSURANCE_CLEAR)."""

    funding: Decimal
    insurance: Decimal


def trade_income(rows: list[dict[str, Any]]) -> TradeIncome:
    """Funding and insurance cover summed from income rows of every type (realized PnL and
    trading fees come with the fills)."""
    funding = sum((decimal_of(r["income"]) for r in rows if r["incomeType"] == IncomeType.FUNDING_FEE), ZERO)
    insurance = sum((decimal_of(r["income"]) for r in rows if r["incomeType"] == IncomeType.INSURANCE_CLEAR), ZERO)
    return TradeIncome(funding, insurance)


def open_orders(resp: Envelope) -> list[dict[str, Any]]:
    return list((resp.get("data") or {}).get("orders") or [])


def quantity_step(rules: dict[str, Any]) -> Decimal:
    """A contract's quantity step from its ``quantityPrecision``."""
    return Decimal(1).scaleb(-int(rules["quantityPrecision"]))
