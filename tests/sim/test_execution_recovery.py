"""Each recovery path of execution, taken in a real run, with every invariant holding after it.

A swarm seed is a complete description of a run (``violet-sim run FILE --seed N --swarm`` replays
it), so each path is shown by one fault scenario and one seed that makes it necessary: the path's
probe must count at least once, and the run must pass (no breach: the single slot, no order left
unreconciled, execution's view equal to the venue's, every closed position one trade).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from sim.execution.recovery_paths import RecoveryPath
from sim.faults.probes import RECOVERY_PROBES
from sim.harness.simulate import simulate
from sim.harness.swarm import swarm_variant
from sim.scenario import load_scenario

FAULTS = Path(__file__).resolve().parents[2] / "scenarios" / "faults"

#: (scenario, swarm seed) that takes each path.
WHERE = {
    RecoveryPath.READ_RETRIED: ("venue_transport", 0),
    RecoveryPath.UNKNOWN_ORDER_FOUND: ("venue_transport", 0),
    RecoveryPath.UNKNOWN_ORDER_ABSENT: ("venue_transport", 11),
    RecoveryPath.DUPLICATE_CLIENT_ID_RESOLVED: ("venue_transport", 0),
    RecoveryPath.STRAY_RESPONSE_IGNORED: ("venue_transport", 0),
    RecoveryPath.STALE_DECISION_GATED: ("venue_transport", 0),
    RecoveryPath.ENTRY_REFUSED_SETTING: ("venue_transport", 0),
    RecoveryPath.CANCEL_SETTLED: ("venue_partial_fills", 1),
    RecoveryPath.EXIT_RETRIED: ("venue_transport", 0),
    RecoveryPath.PARTIAL_EXIT_COMPLETED: ("venue_partial_fills", 0),
    RecoveryPath.LIQUIDATION_SYNCED: ("data_prices", 0),
    RecoveryPath.RESTART: ("process_crash", 0),
    RecoveryPath.RESTART_CANCELLED_ORDERS: ("process_crash", 34),
    RecoveryPath.RESTART_WITH_POSITION: ("process_crash", 1),
    RecoveryPath.RESTART_HALTED: ("process_crash", 2),
    RecoveryPath.SINK_REDELIVERED: ("process_crash", 0),
}
_RUNS: dict[tuple[str, int], object] = {}


def _summary(name: str, seed: int):
    if (name, seed) not in _RUNS:
        scenario = swarm_variant(load_scenario(FAULTS / f"{name}.yaml"), seed)
        _RUNS[(name, seed)] = simulate(scenario, seed=seed).summary
    return _RUNS[(name, seed)]


def test_every_recovery_path_has_a_run_and_a_coverage_rule():
    assert set(WHERE) == set(RecoveryPath) == set(RECOVERY_PROBES)


@pytest.mark.parametrize("path", list(RecoveryPath), ids=lambda p: p.name.lower())
def test_the_path_is_taken_and_the_run_stays_sound(path: RecoveryPath):
    name, seed = WHERE[path]
    summary = _summary(name, seed)
    assert summary.facts.probes.get(str(path), 0) > 0, f"{path} not taken by {name} seed {seed}"
    assert summary.passed, [b.as_dict() for b in summary.breaches]
    assert summary.facts.ledger_reconciled
