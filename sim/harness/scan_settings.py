"""Scan-count settings meet the run's scan interval: the IRP lookback given in ms becomes scans,
and a scan count that the interval stretches far beyond its 5 s meaning is a warning line.

The engine's scan counts (max hold 120 scans, IRP lookback 50 scans) were written for BLUE's 5 s
scans; replayed at 1 h candles, 120 scans is five days. A run says so rather than quietly
holding positions for days; giving the setting in ms makes it mean the same at any interval.
Likewise a scenario that looks inside bars (``intrabar``) needs scans that carry them.
"""
from __future__ import annotations

import numpy as np

from sim.errors import UserError
from sim.scenario.schema import Scenario
from violet_engine import EngineConfig, ScanBatch
from violet_engine.constants import DESIGN_SCAN_MS, SCAN_STRETCH_WARN

_UNITS = ((86_400_000, "d"), (3_600_000, "h"), (60_000, "min"), (1_000, "s"))


def scan_interval_ms(batch: ScanBatch | None) -> int | None:
    """The most common step between the first batch's scans (None with fewer than two)."""
    if batch is None or len(batch) < 2:
        return None
    steps = np.diff(batch.ts_ms)
    steps = steps[steps > 0]
    if steps.size == 0:
        return None
    values, counts = np.unique(steps, return_counts=True)
    return int(values[np.argmax(counts)])


def span_text(ms: int) -> str:
    """``432000000`` -> ``5 d``; the largest unit the span reaches, one decimal at most."""
    for size, unit in _UNITS:
        if ms >= size:
            return f"{round(ms / size, 1):g} {unit}"
    return f"{ms} ms"


def stretch_warnings(config: EngineConfig, interval_ms: int | None) -> list[str]:
    """One line per scan-count setting the scan interval stretches more than ``SCAN_STRETCH_WARN``
    times past its 5 s meaning (nothing when the interval is unknown or short enough)."""
    if interval_ms is None or interval_ms <= SCAN_STRETCH_WARN * DESIGN_SCAN_MS:
        return []
    return [f"engine.{name} = {scans} scans spans {span_text(scans * interval_ms)} at {span_text(interval_ms)} "
            f"scans ({span_text(scans * DESIGN_SCAN_MS)} at the 5 s scans it was written for); give "
            f"engine.{instead} to mean a duration"
            for name, (scans, instead) in config.scan_count_settings().items()]


def intrabar_facts(scenario: Scenario, first: ScanBatch | None) -> dict[str, object] | None:
    """What the run's summary says of looking inside bars (None: it did not). Asking for it over
    scans without highs and lows is an error, not a run that quietly sees only closes."""
    wanted = scenario.intrabar
    if not wanted.any:
        return None
    if first is not None and (first.highs is None or first.lows is None):
        keys = ", ".join(f"intrabar.{k}" for k in ("venue", "exits") if getattr(wanted, k))
        raise UserError(f"{scenario.source_path or scenario.name}: {keys}: true, but the scans of data "
                        f"({scenario.data.kind}) carry no bar highs and lows (candles with high and low "
                        f"columns do)")
    marks = "recorded (a wick in the last price does not move them)" \
        if first is not None and first.marks is not None else "walk with the price (no recorded marks)"
    return {"venue": wanted.venue, "exits": wanted.exits, "marks": marks}
