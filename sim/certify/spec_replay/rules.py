"""SPEC 4 and 5, one scan at a time: each function is one SPEC sentence in Python floats.

Floats and ``math`` on purpose: the SPEC's test vectors are stated in IEEE doubles, ``math.pow``
is the C library's ``pow`` and ``round`` is Python's correctly rounded decimal rounding, so the
values below are the SPEC's to the last digit (the SPEC 4.5 table is a test of this module).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Any, Mapping

from sim.certify.profile import ReplayEsof, ReplayExits, ReplaySizing
from sim.recorded.base_curve import spec_conviction
from sim.certify.spec_replay.settings import Steepening


@dataclass(frozen=True)
class Rejection:
    """SPEC 4.1: a reject record (reason code, the field, the offending value as text)."""

    reason: str
    field: str
    value: str


def _text(value: Any) -> str:
    return repr(value) if isinstance(value, float) else str(value)


def _price_fault(price: float) -> str | None:
    if not math.isfinite(price):
        return "price_not_finite"
    if price == 0:
        return "price_zero"
    if price < 0:
        return "price_negative"
    return None


def validate(scan: Mapping[str, Any], last_ts: int | None, last_sn: int | None) -> Rejection | None:
    """SPEC 4.1, in the order the scan's fields come: vel_div, prices (the first faulty symbol in
    name order), then ts_ms and scan_number against the last accepted scan."""
    vel_div = scan["vel_div"]
    if not math.isfinite(vel_div):
        return Rejection("vel_div_not_finite", "vel_div", _text(vel_div))
    prices = scan["prices"]
    if not prices:
        return Rejection("prices_missing", "prices", "{}")
    for symbol in sorted(prices):
        fault = _price_fault(prices[symbol])
        if fault is not None:
            return Rejection(fault, f"prices.{symbol}", _text(prices[symbol]))
    if last_ts is not None and scan["ts_ms"] <= last_ts:
        return Rejection("ts_not_increasing", "ts_ms", _text(scan["ts_ms"]))
    if last_sn is not None and scan["scan_number"] <= last_sn:
        return Rejection("scan_number_not_increasing", "scan_number", _text(scan["scan_number"]))
    return None


def is_signal(vel_div: float, sizing: ReplaySizing) -> bool:
    """SPEC 4.3: SHORT only, strictly below the threshold."""
    return vel_div < sizing.threshold


def conviction(vel_div: float, sizing: ReplaySizing) -> float:
    """SPEC 4.5 with the profile's parameters: the formula the recorded-trade generator sizes with
    too (``sim.recorded.base_curve``), itself written from the SPEC, not taken from the engine."""
    return spec_conviction(vel_div, sizing.threshold, sizing.extreme, sizing.min_leverage, sizing.max_leverage,
                           sizing.convexity)


def steepened(vel_div: float, base: float, steepening: Steepening | None, sizing: ReplaySizing) -> float:
    """SPEC 4.7: the mid band times the regime factor, never above max_leverage (off: unchanged)."""
    if steepening is None or not steepening.band_low < vel_div < steepening.band_high:
        return base
    return min(base * steepening.factor, sizing.max_leverage)


def esof_mult(score: float | None, score_ts: int | None, now_ms: int, esof: ReplayEsof) -> float:
    """SPEC 4.6: missing or older than the stale window -> the fallback; then the three bands. A
    non-finite score carries no information and counts as missing."""
    if score is None or score_ts is None or not math.isfinite(score) or now_ms - score_ts > esof.stale_after_ms:
        return esof.stale_fallback
    if score > esof.edge:
        return 1.0
    if score < -esof.edge:
        return esof.unfavourable
    return esof.neutral


def haircut(conv: float, notional: float, mult: float, esof: ReplayEsof) -> tuple[float, float]:
    """SPEC 4.6, step for step: clamp to [0, 1]; within the tolerance of 1 nothing; else round."""
    mult = min(max(mult, 0.0), 1.0)
    if abs(mult - 1.0) < esof.noop_tolerance:
        return conv, notional
    return round(conv * mult, esof.conviction_digits), round(notional * mult, esof.notional_digits)


def v4_caps(conv: float, notional: float, max_conviction: float | None,
            max_notional: float | None) -> tuple[float, float]:
    """SPEC 5 caps: a capped conviction shrinks the notional in proportion; then the notional cap."""
    if max_conviction is not None and conv > max_conviction:
        notional = notional * max_conviction / conv
        conv = max_conviction
    if max_notional is not None and notional > max_notional:
        notional = max_notional
    return conv, notional


def entry_quantity(notional: float, price: float, step: Decimal, min_qty: Decimal, min_notional: Decimal) -> Decimal | None:
    """SPEC 5 entry: notional / price rounded DOWN to the step; None below either minimum."""
    qty = (Decimal(repr(notional)) / Decimal(repr(price))).quantize(step, rounding=ROUND_DOWN)
    if qty < min_qty or qty * Decimal(repr(price)) < min_notional:
        return None
    return qty


def exit_reason(entry_price: float, price: float, held: int, held_ms: int, exits: ReplayExits) -> str | None:
    """SPEC 5 exit engine for a SHORT: stop-loss when the price has risen by its move, take-profit
    when it has fallen by its move (either exactly at the move counts), max-hold after that many
    scans (or that much scan time, ``held_ms``, with ``max_hold_ms``). The two brackets cannot both
    hold; the protective one is named first."""
    if price >= entry_price * (1 + exits.stop_loss):
        return "STOP_LOSS"
    if price <= entry_price * (1 - exits.take_profit):
        return "TAKE_PROFIT"
    if (held_ms >= exits.max_hold_ms) if exits.max_hold_ms is not None else (held >= exits.max_hold_scans):
        return "MAX_HOLD"
    return None
