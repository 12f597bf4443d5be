"""Every symbol a run can trade has a contract at the venue, or the run says what it did.

A symbol without a contract cannot be sized (no step, no minimums): execution would gate every
decision on it ``below_min`` and a crash replayed on a 2025 universe would silently sit out. So a
run checks its data's tradable symbols (all but the engine's stablecoins) against the venue's
table before the first scan: unknown ones stop the run with one line, or, when the scenario says
``venue.unknown_symbols: template``, get a template contract from their first price and are
listed in the summary (``contracts_templated``).
"""
from __future__ import annotations

from decimal import Decimal

import numpy as np

from exchange_mock import to_venue_symbol
from exchange_mock.contracts import load_contracts
from sim.errors import ScenarioError
from sim.scenario.schema import Scenario
from violet_engine import DecisionEngine, ScanBatch


def unknown_symbols(scenario: Scenario, first: ScanBatch | None, engine: DecisionEngine) -> list[str]:
    """The venue symbols of the data's tradable assets that the venue's table lacks, sorted."""
    if first is None:
        return []
    known = load_contracts(scenario.venue.contracts_dir)
    stable = engine.organs.stablecoins.excluded(first.assets)
    return sorted(to_venue_symbol(a) for a, s in zip(first.assets, stable.tolist())
                  if not s and to_venue_symbol(a) not in known)


def templates_for(scenario: Scenario, first: ScanBatch | None, engine: DecisionEngine) -> dict[str, Decimal]:
    """Reference prices of the template contracts to add ({} when every symbol is known); raises
    ``ScenarioError`` naming the symbols when the scenario does not ask for templates."""
    missing = unknown_symbols(scenario, first, engine)
    if not missing:
        return {}
    origin = scenario.source_path or scenario.name
    table = scenario.venue.contracts_dir or "the bundled contract table"
    if scenario.venue.unknown_symbols != "template":
        raise ScenarioError(
            f"{origin}: the venue has no contract for {len(missing)} traded symbol(s) in {table}: "
            f"{', '.join(missing)}; import BingX's table (violet-sim contracts import FILE --out DIR, then "
            "venue.contracts_dir: DIR) or set venue.unknown_symbols: template")
    assert first is not None
    columns = {to_venue_symbol(a): j for j, a in enumerate(first.assets)}
    prices: dict[str, Decimal] = {}
    for symbol in missing:
        col = columns[symbol]
        rows = np.flatnonzero(first.present[:, col] & np.isfinite(first.prices[:, col]) & (first.prices[:, col] > 0))
        if rows.size == 0:
            raise ScenarioError(f"{origin}: {symbol} has no price in the first {len(first)} scans to derive a "
                                "template contract from; add it to venue.contracts_dir")
        prices[symbol] = Decimal(repr(float(first.prices[rows[0], col])))
    return prices
