"""Decimal arithmetic for the venue: where rounding may happen, and where it may not.

Every public venue call runs under ``EXACT``, a context that raises on any inexact result, so a
balance, fee, PnL or funding amount can never be silently rounded: the ledger is exact by
construction. The few places that must round go through ``quantize``/``divide`` with the
``ROUNDING`` context and an explicit quantum and direction:

- prices from floats are quantized to the contract tick (``price_from_float``);
- order quantities and prices are truncated to step and tick, as BingX does;
- initial margin = notional / leverage, rounded up to ``MARGIN_QUANTUM`` (1e-8 USDT);
- a partial close releases cost basis and margin pro rata, rounded to ``SHARE_QUANTUM``
  (1e-12); a full close releases the exact remainder, so a round trip's PnL is exact;
- liquidation prices and average prices are display values (division), never booked.
"""
from __future__ import annotations

from decimal import (
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_EVEN,
    ROUND_UP,
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
)

__all__ = [
    "EXACT", "ROUNDING", "ZERO", "MARGIN_QUANTUM", "SHARE_QUANTUM",
    "ROUND_CEILING", "ROUND_DOWN", "ROUND_FLOOR", "ROUND_HALF_EVEN", "ROUND_UP",
    "quantize", "divide", "price_from_float", "fmt", "fmt_money", "to_decimal",
]

EXACT = Context(prec=80, traps=[Inexact, InvalidOperation, DivisionByZero, Overflow])
ROUNDING = Context(prec=80, traps=[InvalidOperation, DivisionByZero, Overflow])

ZERO = Decimal(0)
MARGIN_QUANTUM = Decimal("1e-8")
SHARE_QUANTUM = Decimal("1e-12")


def quantize(value: Decimal, quantum: Decimal, rounding: str) -> Decimal:
    """``value`` on the grid of ``quantum``, rounded in the stated direction."""
    return value.quantize(quantum, rounding=rounding, context=ROUNDING)


def divide(a: Decimal, b: Decimal, quantum: Decimal, rounding: str) -> Decimal:
    """``a / b`` on the grid of ``quantum``: the only way the venue divides money."""
    return ROUNDING.divide(a, b).quantize(quantum, rounding=rounding, context=ROUNDING)


def to_decimal(x: float | int | str | Decimal) -> Decimal:
    """A price as the simulator passes it: floats through ``repr`` (shortest round-trip form)."""
    if type(x) is float:
        return Decimal(repr(x))
    if isinstance(x, float):  # numpy floats: their repr is not a plain number
        return Decimal(repr(float(x)))
    return x if type(x) is Decimal else Decimal(str(x))


def price_from_float(x: float | int | str | Decimal, tick: Decimal) -> Decimal:
    """A market price on the contract's tick grid (half-even: a published price, not a fill)."""
    return to_decimal(x).quantize(tick, rounding=ROUND_HALF_EVEN, context=ROUNDING)


def fmt(value: Decimal) -> str:
    """Plain decimal string as BingX sends numbers (no exponent)."""
    return format(value, "f")


def fmt_money(value: Decimal) -> str:
    """Money without trailing zeros ("0.3", not "0.30000000")."""
    if not value:
        return "0"
    return format(value.normalize(ROUNDING), "f")
