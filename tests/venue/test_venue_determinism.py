"""Same seed and calls, same ids and events; and the costs the simulator relies on."""
from __future__ import annotations

import time

from venue_kit import BTC, T0, limit, make_venue, market


def _script(seed: int) -> list[dict]:
    venue, prices = make_venue(seed=seed, fill={"kind": "random", "partial_probability": 0.6})
    limit(venue, "BUY", "0.05", "59000")
    limit(venue, "SELL", "0.03", "61000", symbol=BTC)
    market(venue, "SELL", "1", symbol="ETH-USDT")
    for i in range(1, 40):
        prices[BTC] = 60000.0 + 1500 * ((-1) ** i) * (i % 3)
        prices["ETH-USDT"] = 2000.0 + i
        venue.advance(T0 + i * 3_600_000, prices)
    assert venue.reconcile().ok
    return [e.as_dict() for e in venue.events]


def test_same_seed_same_events_and_ids():
    first, second = _script(7), _script(7)
    assert first == second and len(first) > 10
    other = _script(8)
    assert [e.get("order_id") for e in other] != [e.get("order_id") for e in first]


def test_advance_and_market_orders_are_cheap():
    venue, prices = make_venue()
    prices.update({f"SYN{i:02d}-USDT": 100.0 + i for i in range(50)})
    venue.set_leverage(symbol=BTC, side="BOTH", leverage="3")
    start = time.perf_counter()
    for _ in range(200):
        market(venue, "SELL", "0.01")
        market(venue, "BUY", "0.01", reduceOnly="true")
    per_order = (time.perf_counter() - start) / 400
    market(venue, "SELL", "0.01")
    start = time.perf_counter()
    for i in range(20_000):
        prices[BTC] = 60000.0 + i % 50
        venue.advance(T0 + 1 + i, prices)
    per_advance = (time.perf_counter() - start) / 20_000
    # Generous bounds (measured: ~30 us and ~1-2 us); a regression to O(len(prices)) Decimal work fails.
    assert per_order < 500e-6
    assert per_advance < 25e-6
