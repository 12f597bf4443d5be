"""Funding and the liquidation trigger audited from the journal and the run's scans (SPEC 6; the
BingX reference's Funding, Maintenance margin and Liquidation sections), written from those rules,
not from ``exchange_mock``.

Funding. A symbol settles at every multiple of its funding interval since the Unix epoch (the
interval the run's summary states for it, else its default). A settlement's rate is the recorded
row stamped nearest to it within the stated tolerance (rates on the published 1e-8 grid,
half-even), else the default rate. A position takes part when the fills before the settlement
leave it open, and pays -signed size x mark x rate (a positive rate: longs pay shorts) at the mark
in force then: the last scan at or before the settlement, its mark (its price where it has none),
on the contract's tick (half-even). A trade's funding is the sum of its payments.

Liquidation (isolated margin, the risk-ratio rule): at a mark, with value = size x mark,
maintenance margin = value x MMR - maintenance amount of the tier holding the value, closing fee =
value x taker rate, equity = margin + unrealized PnL; the position is due when maintenance margin
+ closing fee >= equity (risk >= 100%). Its margin moves with each funding payment (isolated
funding is paid from the position margin). A trade closed by its own exit must never have been due
on a scan it was held over; a liquidated one must be due on the scan it was liquidated at and on
none before. Risk only grows as the mark moves against the position, so each stretch between two
settlements is checked at its worst mark. Cross-margin trades and trades closed in parts are
counted, not audited for the trigger.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, Iterable

import numpy as np

from exchange_mock import to_venue_symbol
from exchange_mock.contracts import Contract
from sim.scenario.schema import Scenario
from sim.scenario.sources import open_source

RATE_QUANTUM = Decimal("1e-8")
HOUR_MS = 3_600_000
LIQUIDATION = "LIQUIDATION"


def _rate(x: Any) -> Decimal:
    return Decimal(repr(x) if isinstance(x, float) else str(x)).quantize(RATE_QUANTUM, ROUND_HALF_EVEN)


@dataclass(frozen=True)
class FundingPlan:
    """What the run says it settles (its summary's ``funding``) and the rows it was recorded with."""

    default_rate: Decimal
    default_interval_ms: int
    tolerance_ms: int
    intervals_ms: dict[str, int]
    rows: dict[str, tuple[tuple[int, Decimal], ...]]

    @classmethod
    def of(cls, stated: dict[str, Any], recorded: dict[str, Iterable[tuple[int, Any]]]) -> "FundingPlan":
        if stated.get("kind") == "constant":
            return cls(_rate(stated["rate"]), int(stated["interval_hours"]) * HOUR_MS, 0, {}, {})
        intervals = {s: int(p["interval_hours"]) * HOUR_MS for s, p in stated.get("symbols", {}).items()}
        rows = {to_venue_symbol(s): tuple(sorted((int(t), _rate(r)) for t, r in pairs)) for s, pairs in recorded.items()}
        return cls(_rate(stated["default_rate"]), int(stated["default_interval_hours"]) * HOUR_MS,
                   int(stated["tolerance_ms"]), intervals, rows)

    def settlements(self, symbol: str, after_ms: int, until_ms: int) -> range:
        """The settlements of ``symbol`` in (after_ms, until_ms]."""
        step = self.intervals_ms.get(symbol, self.default_interval_ms)
        return range((after_ms // step + 1) * step, until_ms + 1, step)

    def rate(self, symbol: str, settle_ms: int) -> Decimal:
        near = [(abs(t - settle_ms), r) for t, r in self.rows.get(symbol, ()) if abs(t - settle_ms) <= self.tolerance_ms]
        return min(near, key=lambda x: x[0])[1] if near else self.default_rate


def recorded_funding(scenario: Scenario) -> dict[str, Iterable[tuple[int, Any]]]:
    """The rows the run settled from: the scenario's own series, else its data source's."""
    given = scenario.venue.funding
    if getattr(given, "kind", None) == "series" and "series" in given.model_fields_set:
        return dict(given.series)
    return dict(open_source(scenario.data, scenario.seed).funding)


@dataclass
class Marks:
    """The mark each scan gave one asset (NaN where a scan had no usable mark or price)."""

    ts: np.ndarray
    mark: np.ndarray

    def index_at(self, ts_ms: int) -> int | None:
        """The last scan at or before ``ts_ms`` with a usable mark."""
        usable = np.flatnonzero(~np.isnan(self.mark[: int(np.searchsorted(self.ts, ts_ms, side="right"))]))
        return int(usable[-1]) if usable.size else None


def _usable(x: np.ndarray) -> np.ndarray:
    return np.isfinite(x) & (x > 0)


def scan_marks(scenario: Scenario, symbols: Iterable[str]) -> tuple[dict[str, Marks], dict[str, float]]:
    """Each symbol's marks over the run's scans, and its first usable price in the first batch
    (where a template contract takes its reference price)."""
    wanted = sorted(set(symbols))
    ts: list[np.ndarray] = []
    cols: dict[str, list[np.ndarray]] = {s: [] for s in wanted}
    first: dict[str, float] = {}
    for batch in open_source(scenario.data, scenario.seed).batches():
        ts.append(np.asarray(batch.ts_ms, dtype=np.int64))
        where = {to_venue_symbol(a): j for j, a in enumerate(batch.assets)}
        for s in wanted:
            j = where.get(s)
            price = np.full(len(batch), np.nan) if j is None else np.where(batch.present[:, j], batch.prices[:, j], np.nan)
            mark = price if batch.marks is None or j is None else np.where(_usable(batch.marks[:, j]), batch.marks[:, j], price)
            cols[s].append(np.where(_usable(mark), mark, np.nan))
            if len(ts) == 1 and np.flatnonzero(_usable(price)).size:
                first[s] = float(price[np.flatnonzero(_usable(price))[0]])
    stamps = np.concatenate(ts) if ts else np.zeros(0, dtype=np.int64)
    return {s: Marks(stamps, np.concatenate(c) if c else np.zeros(0)) for s, c in cols.items()}, first


def on_tick(x: float, contract: Contract) -> Decimal:
    return Decimal(repr(float(x))).quantize(contract.tick, ROUND_HALF_EVEN)


@dataclass
class Audit:
    """One run's audit: what was recomputed, and every disagreement, one line each."""

    run: str
    fills: int = 0
    trades: int = 0
    funding_payments: int = 0
    liquidation_checks: int = 0
    not_audited: int = 0  # trades whose liquidation trigger this audit does not model (cross, in parts)
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Held:
    """One trade as the audit sees it: its symbol, its fills as (ts, signed quantity), its entry
    cost and the span from its first fill to its last."""

    where: str
    symbol: str
    fills: tuple[tuple[int, Decimal], ...]
    cost: Decimal
    contract: Contract

    @property
    def opened_ms(self) -> int:
        return self.fills[0][0]

    @property
    def closed_ms(self) -> int:
        return self.fills[-1][0]

    @property
    def signed(self) -> Decimal:
        """The size it was entered with (negative: short)."""
        return self.fills[0][1]

    def signed_before(self, ts_ms: int) -> Decimal:
        return sum((q for t, q in self.fills if t < ts_ms), Decimal(0))


def _mark(marks: Marks, held: Held, ts_ms: int) -> Decimal | None:
    i = marks.index_at(ts_ms)
    return None if i is None else on_tick(marks.mark[i], held.contract)


def funding_payments(a: Audit, held: Held, plan: FundingPlan, marks: Marks) -> list[tuple[int, Decimal]]:
    """Each settlement the trade took part in, with what it paid (positive: received)."""
    out = []
    for t in plan.settlements(held.symbol, held.opened_ms, held.closed_ms):
        mark = _mark(marks, held, t)
        if mark is None:
            a.problems.append(f"{held.where}: no mark for the funding settlement at {t}")
            continue
        out.append((t, -held.signed_before(t) * mark * plan.rate(held.symbol, t)))
    a.funding_payments += len(out)
    return out


def is_due(held: Held, margin: Decimal, mark: Decimal, taker: Decimal, closing_fee: bool) -> bool:
    size = abs(held.signed)
    value = size * mark
    tier = next((t for t in held.contract.tiers if value < t.max_value), held.contract.tiers[-1])
    maintenance = value * tier.rate - tier.amount
    upnl = value - held.cost if held.signed > 0 else held.cost - value
    return maintenance + (value * taker if closing_fee else 0) >= margin + upnl


def liquidation_trigger(a: Audit, held: Held, margin: Decimal, payments: list[tuple[int, Decimal]],
                        marks: Marks, taker: Decimal, closing_fee: bool, liquidated: bool) -> None:
    """Not due on any scan held over before the close; due at the close if liquidated."""
    a.liquidation_checks += 1
    bounds = [held.opened_ms + 1] + [t for t, _ in payments] + [held.closed_ms + (0 if liquidated else 1)]
    for k, (lo, hi) in enumerate(zip(bounds, bounds[1:])):
        m = margin + sum((p for _, p in payments[:k]), Decimal(0))
        i, j = np.searchsorted(marks.ts, [lo, hi], side="left")
        span = marks.mark[i:j]
        if span.size and not np.isnan(span).all():
            worst = int(i + (np.nanargmax(span) if held.signed < 0 else np.nanargmin(span)))
            mark = on_tick(marks.mark[worst], held.contract)
            if is_due(held, m, mark, taker, closing_fee):
                a.problems.append(f"{held.where}: liquidation due at {int(marks.ts[worst])} (mark {mark}, margin "
                                  f"{m}) but the position was {'liquidated later' if liquidated else 'not liquidated'}")
                return
    if liquidated:
        m = margin + sum((p for _, p in payments), Decimal(0))
        mark = _mark(marks, held, held.closed_ms)
        if mark is None or not is_due(held, m, mark, taker, closing_fee):
            a.problems.append(f"{held.where}: liquidated at {held.closed_ms} but not due at mark {mark} (margin {m})")
