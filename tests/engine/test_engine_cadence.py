"""Cadence control plane: per-action quanta, changed from a given scan time on."""
from violet_engine import EngineConfig
from violet_engine.cadence import Action, Cadence, CadenceConfig, Quantum


def run(cadence, action, n, step_ms=5000):
    return [i for i in range(n) if cadence.due(action, i, 1000 + i * step_ms)]


def test_default_is_every_scan_for_every_action():
    cadence = Cadence(EngineConfig().cadence)
    for action in Action:
        assert cadence.quantum(action) == Quantum(every=1, unit="scan")
        assert run(cadence, action, 5) == [0, 1, 2, 3, 4]


def test_asking_twice_for_one_scan_runs_once():
    cadence = Cadence()
    assert cadence.due("decide", 0, 0) and not cadence.due("decide", 0, 0)


def test_quanta_are_per_action_in_scans_or_ms():
    cadence = Cadence(CadenceConfig(exit_check=Quantum(every=3), journal_flush=Quantum(every=12_000, unit="ms")))
    assert run(cadence, Action.EXIT_CHECK, 10) == [0, 3, 6, 9]
    assert run(cadence, Action.JOURNAL_FLUSH, 10) == [0, 3, 6, 9]  # 5 s scans: every 15 s >= 12 s
    assert run(cadence, Action.DECIDE, 3) == [0, 1, 2]


def test_schedule_changes_the_quantum_from_a_given_time():
    cadence = Cadence()
    cadence.schedule(Action.ENTER, Quantum(every=4), at_ts_ms=1000 + 5 * 5000)
    assert run(cadence, Action.ENTER, 16) == [0, 1, 2, 3, 4, 8, 12]
    assert cadence.quantum(Action.ENTER) == Quantum(every=4)
    cadence.schedule("enter", Quantum(every=1), at_ts_ms=0)  # a time already passed: next scan
    assert cadence.due("enter", 16, 1000 + 16 * 5000) and cadence.due("enter", 17, 1000 + 17 * 5000)


def test_changes_at_the_same_time_apply_in_call_order():
    cadence = Cadence()
    cadence.schedule("decide", Quantum(every=2), at_ts_ms=10)
    cadence.schedule("decide", Quantum(every=5), at_ts_ms=10)
    cadence.due("decide", 0, 10)
    assert cadence.quantum("decide") == Quantum(every=5)
