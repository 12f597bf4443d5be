"""Each invariant of the monitor fires on the event that breaks it (and names that event), and a
run that makes no progress in simulated time is stopped as a breach of 'the run terminates'."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np
import pytest
import simpy

import sim.execution.session as session_module
from exchange_mock import Venue, VenueConfig
from sim.kernel.latency import LatencyConfig, LatencyModel
from sim.observe.monitor import InvariantMonitor
from sim.scenario import parse_scenario
from sim.kernel.link import AccountStream, VenueLink
from sim.harness.simulate import simulate
from violet_engine.execution_policy import V4Config

T0 = 1_767_225_600_000
PRICES = {"BTC-USDT": 60000.0, "ETH-USDT": 3000.0}


class _Decisions:
    """Just enough of a DecisionBatch for ``on_batch``: scans 7 and 8 decided."""

    outcome = np.array([0, 0])
    scan_number = np.array([7, 8])
    ts_ms = np.array([T0, T0])

    def signal_rows(self):
        return np.array([0, 1])


def _rig(cap: int = 3, **monitor: Any):
    env = simpy.Environment(initial_time=T0)
    venue = Venue(VenueConfig())
    venue.advance(T0, PRICES)
    for symbol in PRICES:
        venue.set_leverage(symbol=symbol, side="BOTH", leverage=3)
    mon = InvariantMonitor(env, venue, cap, **monitor)
    link = VenueLink(env, venue, AccountStream(venue), LatencyModel(LatencyConfig(), np.random.default_rng(0)),
                     venue_clock=lambda now: None, observers=(mon.after_response,), on_send=mon.on_request)
    mon.on_batch([0, 0], _Decisions())
    return env, venue, mon, link


def _do(env, link, kind: str, **params: Any) -> dict:
    out = {}

    def proc():
        out["r"] = yield from link.call(kind, **params)

    env.run(until=env.process(proc()))
    return out["r"]


def _sell(symbol: str, qty: str, cid: str) -> dict:
    return dict(symbol=symbol, side="SELL", positionSide="BOTH", type="MARKET", quantity=qty, clientOrderID=cid)


def test_a_second_entry_while_holding_breaks_the_single_slot():
    env, venue, mon, link = _rig()
    assert _do(env, link, "place_order", **_sell("BTC-USDT", "0.01", "ve7"))["code"] == 0
    assert not mon.breaches
    _do(env, link, "place_order", **_sell("ETH-USDT", "0.1", "ve8"))
    assert [b.invariant for b in mon.breaches][:2] == ["single_slot", "single_slot"]
    assert mon.breaches[0].event == "place_order ve8" and "while holding ['BTC-USDT']" in mon.breaches[0].detail


def test_an_entry_without_an_accepted_decision_or_on_stale_data():
    env, venue, mon, link = _rig(max_decision_age_ms=5000, corrupted={8})
    _do(env, link, "place_order", **_sell("BTC-USDT", "0.01", "ve8"))  # scan 8 was corrupted by a fault
    assert mon.breaches[-1].invariant == "no_entry_on_bad_data"
    _do(env, link, "place_order", **_sell("BTC-USDT", "0.01", "vx1") | {"side": "BUY", "reduceOnly": "true"})
    env.run(until=T0 + 6000)
    _do(env, link, "place_order", **_sell("BTC-USDT", "0.01", "ve7"))  # 6 s after its scan
    assert mon.breaches[-1].invariant == "no_entry_on_stale_data"


def test_leverage_above_the_cap_set_or_held():
    env, venue, mon, link = _rig(cap=3)
    _do(env, link, "set_leverage", symbol="BTC-USDT", side="BOTH", leverage=5)
    assert mon.breaches[-1].invariant == "leverage_cap" and "set on BTC-USDT" in mon.breaches[-1].detail
    _do(env, link, "place_order", **_sell("BTC-USDT", "0.01", "ve7"))
    assert mon.breaches[-1].invariant == "leverage_cap" and "entry on BTC-USDT at 5X" in mon.breaches[-1].detail
    assert mon.breaches[-1].event == "place_order ve7"


def test_v4_allow_list_notional_and_trades_per_day():
    v4 = V4Config(allow_list=("ETHUSDT",), max_notional_usdt=500, max_trades_per_day=1)
    env, venue, mon, link = _rig(v4=v4)
    _do(env, link, "place_order", **_sell("BTC-USDT", "0.01", "ve7"))
    found = {b.invariant for b in mon.breaches}
    assert {"v4_allow_list", "v4_max_notional"} <= found and "v4_trades_per_day" not in found
    _do(env, link, "place_order", **_sell("BTC-USDT", "0.01", "vx1") | {"side": "BUY", "reduceOnly": "true"})
    _do(env, link, "place_order", **_sell("ETH-USDT", "0.1", "ve8"))
    assert mon.breaches[-1].invariant == "v4_trades_per_day"


def test_an_order_whose_answer_was_lost_must_be_looked_up():
    env, venue, mon, link = _rig()
    params = _sell("BTC-USDT", "0.01", "ve7")
    _do(env, link, "place_order", **params)
    mon.on_unknown("place_order", params)
    mon.at_end(0, 0, 0)
    assert [b.invariant for b in mon.breaches] == ["order_reconciled"]
    env, venue, mon, link = _rig()
    _do(env, link, "place_order", **params)
    mon.on_unknown("place_order", params)
    _do(env, link, "query_order", symbol="BTC-USDT", clientOrderID="ve7")
    mon.at_end(0, 0, 0)
    assert mon.breaches == []


def test_the_engines_view_must_equal_the_venues():
    class View:
        def __init__(self, held):
            self.held = held

        def view(self):
            return self.held, None

    env, venue, mon, link = _rig()
    _do(env, link, "place_order", **_sell("BTC-USDT", "0.01", "ve7"))
    _do(env, link, "positions", symbol="BTC-USDT")
    mon.after_reconcile(View(("BTC-USDT", Decimal("0.01"))), False)
    assert mon.breaches == []
    mon.after_reconcile(View(None), False)
    assert mon.breaches[-1].invariant == "engine_view_matches_venue"


def test_a_run_without_progress_is_stopped(monkeypatch):
    """A retry loop with no pause would spin at one instant forever: the monitor ends the run."""
    monkeypatch.setattr(session_module, "RETRY_FIRST_MS", 0)
    monkeypatch.setattr(session_module, "RETRY_MAX_MS", 0)
    sc = parse_scenario({"name": "spin", "seed": 3, "data": {"kind": "synthetic", "config": {"n_scans": 2000}},
                         "faults": [{"kind": "reject", "code": 80012, "requests": ["positions"],
                                     "schedule": [{"after_start_ms": 0, "for_ms": 10**9}]}]}, "spin.yaml")
    s = simulate(sc).summary
    assert not s.passed and s.breaches[0].invariant == "terminates"


@pytest.mark.parametrize("count", [1, 2])
def test_the_ledger_is_reconciled_at_a_bounded_cadence(count):
    env, venue, mon, link = _rig()
    mon.reconcile_every = count
    for _ in range(4):
        _do(env, link, "balance")
    assert mon.breaches == [] and mon.requests == 4
