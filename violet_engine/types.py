"""V-TYPES: the scan as it arrives and the four outcomes the engine can give it.

Every scan gets exactly one outcome. The wire model ``Scan`` is strict (no silent coercion of
strings to numbers) so that a malformed scan becomes a ``Reject`` naming the field, not a guess.
"""
from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from violet_engine.modulation import notional_for

#: Integers the columnar path can hold (``int64``); anything larger is a schema error.
Int64 = Annotated[int, Field(ge=-(2**63), le=2**63 - 1)]


class Scan(BaseModel):
    """One scanner snapshot. ``prices`` may be absent or hold nulls on the wire; validation rejects
    such scans with ``prices_missing`` rather than a schema error, because that is a data fault."""

    model_config = ConfigDict(frozen=True, strict=True, extra="ignore")

    ts_ms: Int64
    scan_number: Int64
    vel_div: float
    prices: dict[str, float | None] | None = None
    esof_score: float | None = None
    esof_ts_ms: Int64 | None = None
    regime: dict[str, Any] | None = None


class Outcome(StrEnum):
    DECISION = "DECISION"
    NO_SIGNAL = "NO_SIGNAL"
    NO_PICK = "NO_PICK"
    REJECT = "REJECT"


class RejectReason(StrEnum):
    """One code per cause, so reject counts say what went wrong upstream."""

    SCHEMA_INVALID = "schema_invalid"
    VEL_DIV_NOT_FINITE = "vel_div_not_finite"
    PRICES_MISSING = "prices_missing"
    PRICE_NOT_FINITE = "price_not_finite"
    PRICE_ZERO = "price_zero"
    PRICE_NEGATIVE = "price_negative"
    TS_NOT_INCREASING = "ts_not_increasing"
    SCAN_NUMBER_NOT_INCREASING = "scan_number_not_increasing"


class ExitReason(StrEnum):
    TAKE_PROFIT = "TAKE_PROFIT"
    STOP_LOSS = "STOP_LOSS"
    MAX_HOLD = "MAX_HOLD"
    HIBERNATE_HALT = "HIBERNATE_HALT"
    LIQUIDATION = "LIQUIDATION"
    END_OF_DATA = "END_OF_DATA"      # the data ended with the position open and the run closed it


class _Result(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Decision(_Result):
    """A SHORT decision, sized. ``conviction`` and ``notional`` are after the EsoF haircut;
    ``notional_fraction`` is ``base_fraction * conviction`` after the steepener, before the haircut."""

    outcome: Literal[Outcome.DECISION] = Outcome.DECISION
    ts_ms: int
    scan_number: int
    asset: str
    side: Literal["SHORT"] = "SHORT"
    vel_div: float
    strength: float
    conviction_base: float
    steepener_mult: float
    esof_mult: float
    conviction: float
    notional_fraction: float
    capital: Annotated[float, Field(ge=0, allow_inf_nan=False)]
    notional: float
    irp_score: float
    irp_top: tuple[tuple[str, float], ...] = ()

    def notional_at(self, capital: float) -> float:
        """The notional this decision sizes for ``capital`` (e.g. the capital at entry time)."""
        return notional_for(capital, self.notional_fraction, self.esof_mult)


class NoSignal(_Result):
    outcome: Literal[Outcome.NO_SIGNAL] = Outcome.NO_SIGNAL
    ts_ms: int
    scan_number: int
    vel_div: float


class NoPick(_Result):
    """A signal with no eligible asset (IRP warm-up or every asset filtered out)."""

    outcome: Literal[Outcome.NO_PICK] = Outcome.NO_PICK
    ts_ms: int
    scan_number: int
    vel_div: float


class Reject(_Result):
    """A scan refused at source. ``field`` is a dotted path (``prices.BTCUSDT``), ``value`` the
    offending value as text; ``ts_ms``/``scan_number`` are filled when the scan carried them."""

    outcome: Literal[Outcome.REJECT] = Outcome.REJECT
    reason: RejectReason
    field: str
    value: str
    ts_ms: int | None = None
    scan_number: int | None = None


DecisionOutcome = Decision | NoSignal | NoPick | Reject
