"""Reject at source (SPEC 4.1): every malformed scan gets a reason code, never a decision and
never an exception.

Checks run in a fixed order (schema, vel_div, prices in symbol order, ts_ms, scan_number) so that
a scan with several faults always gets the same reason on either path. Monotonicity is against
the last *accepted* scan: a rejected scan moves nothing forward.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np
from pydantic import ValidationError

from violet_engine.scan_batch import ScanBatch
from violet_engine.types import Reject, RejectReason, Scan

_MAX_VALUE_CHARS = 200
_FIELD_ORDER = tuple(Scan.model_fields)


def value_text(value: Any) -> str:
    """The offending value as journal text: ``repr`` for floats (``nan``, ``-inf``, ``-0.0``)."""
    if value is None:
        return "null"
    text = repr(value) if isinstance(value, float) else str(value)
    return text[:_MAX_VALUE_CHARS]


def price_fault(price: float | None) -> RejectReason | None:
    """Why a listed price is unusable, or None if it is a finite positive number."""
    if price is None:
        return RejectReason.PRICES_MISSING
    if not math.isfinite(price):
        return RejectReason.PRICE_NOT_FINITE
    if price == 0:
        return RejectReason.PRICE_ZERO
    if price < 0:
        return RejectReason.PRICE_NEGATIVE
    return None


def validate_scan(raw: Mapping[str, Any] | Scan, last_ts: int | None, last_sn: int | None) -> Scan | Reject:
    """The scan as a valid ``Scan``, or its ``Reject``."""
    if isinstance(raw, Scan):
        scan = raw
    elif not isinstance(raw, Mapping):
        return Reject(reason=RejectReason.SCHEMA_INVALID, field="", value=value_text(raw))
    else:
        try:
            scan = Scan.model_validate(dict(raw))
        except ValidationError as exc:
            return _schema_reject(raw, exc)

    def reject(reason: RejectReason, field: str, value: Any) -> Reject:
        return Reject(reason=reason, field=field, value=value_text(value), ts_ms=scan.ts_ms, scan_number=scan.scan_number)

    if not math.isfinite(scan.vel_div):
        return reject(RejectReason.VEL_DIV_NOT_FINITE, "vel_div", scan.vel_div)
    if not scan.prices:
        return reject(RejectReason.PRICES_MISSING, "prices", scan.prices)
    faulty = [a for a, p in scan.prices.items() if p is None or not 0.0 < p < math.inf]
    if faulty:
        asset = min(faulty)
        return reject(price_fault(scan.prices[asset]), f"prices.{asset}", scan.prices[asset])
    if last_ts is not None and scan.ts_ms <= last_ts:
        return reject(RejectReason.TS_NOT_INCREASING, "ts_ms", scan.ts_ms)
    if last_sn is not None and scan.scan_number <= last_sn:
        return reject(RejectReason.SCAN_NUMBER_NOT_INCREASING, "scan_number", scan.scan_number)
    return scan


def _schema_reject(raw: Mapping[str, Any], exc: ValidationError) -> Reject:
    """The first error in field order, then symbol order, so dict order cannot change the answer."""

    def key(err: Any) -> tuple[int, tuple[str, ...]]:
        loc = err["loc"]
        rank = _FIELD_ORDER.index(loc[0]) if loc and loc[0] in _FIELD_ORDER else len(_FIELD_ORDER)
        return rank, tuple(str(part) for part in loc[1:])

    err = min(exc.errors(), key=key)
    field = ".".join(str(part) for part in err["loc"])
    value = "" if err["type"] == "missing" else value_text(err["input"])

    def known_int(name: str) -> int | None:
        v = raw.get(name)
        return v if type(v) is int and -(2**63) <= v < 2**63 else None

    return Reject(
        reason=RejectReason.SCHEMA_INVALID,
        field=field,
        value=value,
        ts_ms=known_int("ts_ms"),
        scan_number=known_int("scan_number"),
    )


@dataclass(frozen=True, slots=True)
class BatchChecks:
    """Per-row validation of a batch: ``reason`` is an index into ``RejectReason`` (-1 = accepted);
    ``field``/``value`` are set on rejected rows only."""

    accepted: np.ndarray
    reason: np.ndarray
    field: np.ndarray
    value: np.ndarray
    last_ts: int | None
    last_sn: int | None


_REASON_CODE = {r: i for i, r in enumerate(RejectReason)}


def validate_batch(batch: ScanBatch, last_ts: int | None, last_sn: int | None) -> BatchChecks:
    """``validate_scan`` for every row of a batch, as array code.

    A batch cannot tell a null price from a NaN one: a listed non-finite price is
    ``price_not_finite``, exactly what the per-scan path says for ``batch.row(i)``.
    """
    n = len(batch)
    reason = np.full(n, -1, dtype=np.int8)
    field = np.full(n, None, dtype=object)
    value = np.full(n, None, dtype=object)

    def mark(i: int, why: RejectReason, where: str, what: Any) -> None:
        reason[i], field[i], value[i] = _REASON_CODE[why], where, value_text(what)

    vel_ok = np.isfinite(batch.vel_div)
    listed = batch.present.any(axis=1)
    with np.errstate(invalid="ignore"):
        usable = np.isfinite(batch.prices) & (batch.prices > 0)
    bad_price = (batch.present & ~usable).any(axis=1)
    for i in np.flatnonzero(~vel_ok):
        mark(i, RejectReason.VEL_DIV_NOT_FINITE, "vel_div", float(batch.vel_div[i]))
    for i in np.flatnonzero(vel_ok & ~listed):
        mark(i, RejectReason.PRICES_MISSING, "prices", {})
    by_symbol = sorted(range(len(batch.assets)), key=batch.assets.__getitem__)
    for i in np.flatnonzero(vel_ok & listed & bad_price):
        j = next(j for j in by_symbol if batch.present[i, j] and not usable[i, j])
        price = float(batch.prices[i, j])
        mark(i, price_fault(price), f"prices.{batch.assets[j]}", price)

    data_ok = vel_ok & listed & ~bad_price
    rows = np.flatnonzero(data_ok)
    ts, sn = batch.ts_ms[rows], batch.scan_number[rows]
    if _strictly_after(ts, last_ts) and _strictly_after(sn, last_sn):
        accepted = data_ok
        if rows.size:
            last_ts, last_sn = int(ts[-1]), int(sn[-1])
    else:
        accepted = data_ok.copy()
        for i, t, s in zip(rows.tolist(), ts.tolist(), sn.tolist()):
            if last_ts is not None and t <= last_ts:
                mark(i, RejectReason.TS_NOT_INCREASING, "ts_ms", t)
            elif last_sn is not None and s <= last_sn:
                mark(i, RejectReason.SCAN_NUMBER_NOT_INCREASING, "scan_number", s)
            else:
                last_ts, last_sn = t, s
                continue
            accepted[i] = False
    return BatchChecks(accepted, reason, field, value, last_ts, last_sn)


def accepted_row(scan: Scan) -> BatchChecks:
    """The checks of a one-scan batch whose scan ``validate_scan`` accepted."""
    return BatchChecks(
        accepted=np.ones(1, dtype=bool),
        reason=np.full(1, -1, dtype=np.int8),
        field=np.full(1, None, dtype=object),
        value=np.full(1, None, dtype=object),
        last_ts=scan.ts_ms,
        last_sn=scan.scan_number,
    )


def _strictly_after(seq: np.ndarray, last: int | None) -> bool:
    """True if ``seq`` is strictly increasing and starts after ``last``."""
    if seq.size and last is not None and seq[0] <= last:
        return False
    return bool(np.all(seq[1:] > seq[:-1]))
