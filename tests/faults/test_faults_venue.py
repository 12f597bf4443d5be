"""The venue link's fault layer: what each fault does to one request, as execution sees it and as
the venue sees it (executed or not), with the venue's real codes."""
from __future__ import annotations

from typing import Any

import numpy as np
import simpy

from exchange_mock import Venue, VenueConfig
from sim.faults.config import parse_faults, settings_of
from sim.faults.probes import Probes
from sim.faults.venue_faults import VenueFaults, reject_envelope, venue_fill_model
from sim.kernel.latency import LatencyConfig, LatencyModel
from sim.rng import RngStreams
from sim.kernel.link import DISCONNECTED, EXPIRED, TIMEOUT, AccountStream, VenueLink
from sim.kernel.messages import StrayResponse

T0 = 1_767_225_600_000
ORDER = dict(symbol="BTC-USDT", side="SELL", positionSide="BOTH", type="MARKET", quantity="0.01")


def _link(faults: list[dict[str, Any]], latency_ms: int = 50, on_unknown=lambda kind, params: None):
    env = simpy.Environment(initial_time=T0)
    venue = Venue(VenueConfig())
    venue.advance(T0, {"BTC-USDT": 60000.0})
    specs = parse_faults(faults)
    layer = VenueFaults(specs, settings_of(specs), RngStreams(1), Probes(), T0, lambda: env.now, on_unknown)
    strays: list[StrayResponse] = []
    link = VenueLink(env, venue, AccountStream(venue),
                     LatencyModel(LatencyConfig(default_ms=latency_ms), np.random.default_rng(0)), layer,
                     venue_clock=lambda now: None, on_stray=strays.append)
    return env, venue, link, layer, strays


def _call(env: simpy.Environment, link: VenueLink, kind: str, **params: Any) -> tuple[dict[str, Any], int]:
    out: dict[str, Any] = {}

    def proc():
        out["resp"] = yield from link.call(kind, **params)
        out["at"] = env.now

    env.run(until=env.process(proc()))
    return out["resp"], out["at"] - T0


def test_reject_codes_carry_the_venues_messages():
    assert reject_envelope(101204) == {"code": 101204, "msg": "Insufficient margin"}
    assert reject_envelope(429) == {"code": 429, "msg": "Too Many Requests", "http_status": 429}
    assert reject_envelope(80012)["msg"] and reject_envelope(110500)["msg"] == "order system busy"


def test_a_rejected_order_is_not_executed():
    env, venue, link, layer, _ = _link([{"kind": "reject", "code": 110500, "rate": 1.0}])
    resp, at = _call(env, link, "place_order", clientOrderID="a1", **ORDER)
    assert resp["code"] == 110500 and at == 100
    assert venue.fills == [] and layer.probes.counts == {"fault.reject.110500": 1}
    resp, _ = _call(env, link, "positions")  # rejects apply to place_order by default
    assert resp["code"] == 0


def test_a_lost_answer_times_out_but_the_order_was_executed():
    seen: list[tuple[str, dict]] = []
    env, venue, link, _, strays = _link([{"kind": "lost_response", "rate": 1.0, "requests": ["place_order"]},
                                         {"kind": "settings", "response_timeout_ms": 8000, "recv_window_ms": 5000}],
                                        on_unknown=lambda kind, params: seen.append((kind, params)))
    resp, at = _call(env, link, "place_order", clientOrderID="a1", **ORDER)
    assert resp["code"] == TIMEOUT and at == 8000
    assert len(venue.fills) == 1 and strays == [] and seen[0][0] == "place_order"
    found, _ = _call(env, link, "query_order", symbol="BTC-USDT", clientOrderID="a1")
    assert found["data"]["order"]["status"] == "FILLED"


def test_a_late_answer_arrives_as_a_stray_after_the_timeout():
    env, venue, link, _, strays = _link([{"kind": "late_response", "rate": 1.0, "delay_ms": 20_000}])
    resp, at = _call(env, link, "place_order", clientOrderID="a1", **ORDER)
    assert resp["code"] == TIMEOUT and at == 10_000
    env.run(until=T0 + 60_000)
    assert len(strays) == 1 and strays[0].response["code"] == 0 and strays[0].kind == "place_order"


def test_a_duplicated_answer_arrives_again_as_a_stray():
    env, _, link, _, strays = _link([{"kind": "duplicate_response", "rate": 1.0, "delay_ms": 300}])
    resp, at = _call(env, link, "balance")
    assert resp["code"] == 0 and at == 100 and strays == []
    env.run(until=env.now + 1000)
    assert [s.response for s in strays] == [resp]


def test_a_duplicated_request_is_refused_by_its_client_order_id():
    env, venue, link, _, _ = _link([{"kind": "duplicate_request", "rate": 1.0}])
    resp, _ = _call(env, link, "place_order", clientOrderID="a1", **ORDER)
    assert resp["code"] == 101481 and len(venue.fills) == 1  # the first copy traded, the second was refused


def test_a_disconnected_link_reaches_nothing():
    env, venue, link, layer, _ = _link([{"kind": "disconnect", "schedule": [{"after_start_ms": 0, "for_ms": 5000}]}])
    resp, at = _call(env, link, "place_order", clientOrderID="a1", **ORDER)
    assert resp["code"] == DISCONNECTED and at == 2000 and venue.fills == []
    env.run(until=T0 + 6000)
    resp, _ = _call(env, link, "place_order", clientOrderID="a1", **ORDER)
    assert resp["code"] == 0 and layer.probes.counts == {"fault.disconnect": 1}


def test_a_request_older_than_the_recv_window_is_refused_at_the_gateway():
    env, venue, link, _, _ = _link([{"kind": "latency_spike", "rate": 1.0, "min_ms": 7000, "max_ms": 7000,
                                     "requests": ["place_order"]}])
    answers = set()
    for i in range(8):  # each spike lands on the way out or on the way back
        before = len(venue.fills)
        resp, _ = _call(env, link, "place_order", clientOrderID=f"a{i}", **ORDER)
        answers.add(resp["code"])
        assert (resp["code"] == EXPIRED) == (len(venue.fills) == before)  # refused = not executed
    assert answers == {0, EXPIRED}


def test_faults_stop_when_the_layer_goes_quiet():
    env, venue, link, layer, _ = _link([{"kind": "reject", "code": 80012, "rate": 1.0}])
    layer.active = False
    resp, _ = _call(env, link, "place_order", clientOrderID="a1", **ORDER)
    assert resp["code"] == 0


def test_partial_fills_configure_the_venue_fill_model():
    assert venue_fill_model(parse_faults([{"kind": "partial_fill", "rate": 0.4, "min_fraction": 0.25}])) == {
        "kind": "random", "partial_probability": 0.4, "min_fraction": "0.25", "takers": True}
    assert venue_fill_model(parse_faults([{"kind": "lost_response", "rate": 0.4}])) is None
