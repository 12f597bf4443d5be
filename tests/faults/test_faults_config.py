"""Fault specs in scenario files: validated up front, errors naming the path of the bad key; the
swarm's per-seed draw is a function of the seed and the list alone."""
from __future__ import annotations

import pytest

from sim.faults.config import FAULT_KINDS, FaultSettings, describe, injecting, parse_faults
from sim.faults.swarm_draw import DEFAULT_SWARM_FAULTS, swarm_faults
from sim.faults.probes import RECOVERY_PROBES, expected_probes
from sim.scenario import ScenarioError, parse_scenario

BASE = {"name": "f", "data": {"kind": "synthetic", "config": {"n_scans": 100}}}


def _scenario(faults):
    return parse_scenario({**BASE, "faults": faults}, "f.yaml")


def test_every_family_parses():
    sc = _scenario([
        {"kind": "reject", "code": 80012, "rate": 0.1},
        {"kind": "reject", "code": 429, "rate": 0.1, "requests": ["positions"]},
        {"kind": "refuse_setting", "setting": "margin_type", "rate": 0.5},
        {"kind": "latency_spike", "rate": 0.1, "min_ms": 10, "max_ms": 20},
        {"kind": "lost_response", "schedule": [{"after_start_ms": 0, "for_ms": 1000}]},
        {"kind": "disconnect", "schedule": [{"at_ts_ms": 5, "for_ms": 10}]},
        {"kind": "partial_fill", "rate": 0.5},
        {"kind": "corrupt_field", "rate": 0.1, "fields": ["price_nan"]},
        {"kind": "price_gap", "through": "liquidation", "rate": 0.001},
        {"kind": "crash", "at_events": [3]},
        {"kind": "sink_outage", "rate": 0.01},
        {"kind": "cadence_change", "action": "decide", "rate": 0.1, "quanta": [{"every": 2}]},
        {"kind": "settings", "response_timeout_ms": 9000},
    ])
    assert [f.kind for f in sc.faults][:3] == ["reject", "reject", "refuse_setting"]
    assert sc.faults[8].jump == 0.45
    assert describe(sc.faults)[0] == "reject:80012@0.1"
    assert len(injecting(sc.faults)) == 12


@pytest.mark.parametrize("fault, path, words", [
    ({"kind": "reject", "code": 80012, "rate": 1.5}, "faults.0.rate", "less than or equal to 1"),
    ({"kind": "reject", "code": 12345, "rate": 0.1}, "faults.0.code", "80012"),
    ({"kind": "lost_response"}, "faults.0", "needs a rate or a schedule"),
    ({"kind": "partial_fill", "schedule": [{"after_start_ms": 0}]}, "faults.0", "takes a rate and no schedule"),
    ({"kind": "crash", "rate": 0.1, "restart_ms": 0}, "faults.0.restart_ms", "greater than or equal to 1"),
    ({"kind": "disconnect", "schedule": [{"for_ms": 5}]}, "faults.0.schedule.0", "exactly one of"),
    ({"kind": "reject", "code": 80012, "rate": 0.1, "requests": ["bogus"]}, "faults.0.requests.0", "place_order"),
    ({"kind": "settings", "recv_window_ms": 20000}, "faults.0", "recv_window_ms must be below"),
    ({"kind": "teleport", "rate": 0.1}, "faults.0", "does not match any of the expected tags"),
])
def test_errors_name_the_path(fault, path, words):
    with pytest.raises(ScenarioError) as exc:
        _scenario([fault])
    msg = str(exc.value)
    assert msg.startswith(f"f.yaml: {path}:"), msg
    assert words in msg


def test_swarm_draw_depends_on_the_seed_only():
    faults = parse_faults([{"kind": "reject", "code": 80012, "rate": 0.1}, {"kind": "lost_response", "rate": 0.2},
                           {"kind": "crash", "at_events": [5]}, {"kind": "settings", "quiet_ms": 60000}])
    draws = [swarm_faults(faults, seed) for seed in range(40)]
    assert draws[7] == swarm_faults(faults, 7)
    assert len({tuple(describe(d)) for d in draws}) > 10  # seeds differ in subset and rates
    for d in draws:
        assert injecting(d), "at least one fault is always kept"
        assert isinstance(d[0], FaultSettings) and d[0].quiet_ms == 60000  # settings always kept
        for _, f in injecting(d):
            assert f.rate is None or 0 < f.rate <= 1
    # the unscheduled crash keeps its chosen events; rates move within the swarm range
    kept = [f for d in draws for _, f in injecting(d) if f.kind == "lost_response"]
    assert min(f.rate for f in kept) >= 0.05 - 1e-9 and max(f.rate for f in kept) <= 0.4 + 1e-9


def test_a_scenario_without_faults_draws_from_the_default_catalog():
    drawn = swarm_faults((), 3)
    kinds = {f.kind for _, f in injecting(DEFAULT_SWARM_FAULTS)}
    assert drawn and {f.kind for f in drawn} <= kinds


def test_expected_probes_follow_the_configured_faults():
    faults = parse_faults([{"kind": "duplicate_request", "rate": 0.1}, {"kind": "crash", "rate": 0.1},
                           {"kind": "corrupt_field", "rate": 0.1, "fields": ["vel_div_nan"]}])
    names = expected_probes([faults])
    assert "fault.duplicate_request" in names and "fault.corrupt_field.vel_div_nan" in names
    assert "recovery.duplicate_client_id_resolved" in names and "recovery.restart" in names
    assert "recovery.restart_halted" not in names  # needs a halt somewhere too
    assert set(names) - {n for n in names if n.startswith("fault.")} <= set(RECOVERY_PROBES)
    assert "settings" in FAULT_KINDS
