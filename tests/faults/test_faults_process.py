"""Process faults: a crash at a chosen event restarts the engine, which rebuilds its day from the
journal and takes the position and working orders from the venue before acting; a halt outlives
the restart; a journal sink that goes away loses and duplicates nothing."""
from __future__ import annotations

import pyarrow.parquet as pq
from pathlib import Path

from sim.scenario import parse_scenario
from sim.harness.simulate import simulate
from violet_engine.execution_policy import DAY_MS

DATA = {"kind": "synthetic", "config": {"n_scans": 3000, "n_assets": 12}}
SHORT_HOLDS = {"exits": {"take_profit": 0.004, "stop_loss": 0.006, "max_hold_scans": 25}}


def _run(faults, tmp_path: Path | None = None, **extra):
    sc = parse_scenario({"name": "p", "seed": 9, "data": DATA, "engine": SHORT_HOLDS,
                         "latency": {"default_ms": 20, "jitter_ms": 30}, "faults": faults, **extra}, "p.yaml")
    return simulate(sc, out_dir=tmp_path).summary


def test_crashes_at_chosen_events_restart_and_reconcile():
    s = _run([{"kind": "crash", "at_events": [30, 31, 90, 150, 151, 152], "within_ms": 60}])
    assert s.passed, s.breaches
    probes = s.facts.probes
    assert probes["fault.crash"] >= 4 and probes["recovery.restart"] == probes["fault.crash"]
    assert s.facts.faults["engine_restarts"] == probes["fault.crash"]


def test_a_restart_adopts_the_open_position_and_keeps_the_halt():
    s = _run([{"kind": "crash", "rate": 0.05, "within_ms": 100},
              {"kind": "hibernate", "schedule": [{"after_start_ms": 3_600_000, "for_ms": 3_600_000}]},
              {"kind": "crash", "schedule": [{"after_start_ms": 4_000_000}, {"after_start_ms": 5_000_000}]}])
    assert s.passed, s.breaches
    probes = s.facts.probes
    assert probes["recovery.restart_with_position"] >= 1 and probes["recovery.restart_halted"] >= 1


def test_a_restart_rebuilds_the_days_trade_count_from_the_journal(tmp_path: Path):
    cap = 3
    s = _run([{"kind": "crash", "rate": 0.05, "within_ms": 100}], tmp_path,
             execution={"v4": {"max_trades_per_day": cap}})
    assert s.passed, s.breaches
    assert s.facts.probes["recovery.restart"] >= 5
    decisions = pq.read_table(tmp_path / "decisions.parquet").to_pylist()
    per_day: dict[int, int] = {}
    for d in decisions:
        if d["action"] == "ENTER":
            per_day[d["ts_ms"] // DAY_MS] = per_day.get(d["ts_ms"] // DAY_MS, 0) + 1
    assert per_day and max(per_day.values()) == cap
    assert s.facts.gated_by_reason.get("daily_trade_cap", 0) > 0


def test_a_crash_with_a_working_entry_cancels_it_on_restart():
    found = False
    for seed in range(12):
        sc = parse_scenario({"name": "w", "seed": seed, "data": DATA, "engine": SHORT_HOLDS,
                             "execution": {"maker": {"mode": "post_only", "timeout_ms": 30000}},
                             "venue": {"spread": {"kind": "constant", "bps": 4}},
                             "faults": [{"kind": "crash", "rate": 0.2, "within_ms": 2000}]}, "w.yaml")
        s = simulate(sc).summary
        assert s.passed, (seed, s.breaches)
        found = found or s.facts.probes.get("recovery.restart_cancelled_orders", 0) > 0
    assert found


def test_a_sink_outage_delivers_every_row_exactly_once():
    s = _run([{"kind": "sink_outage", "schedule": [{"after_start_ms": 600_000, "for_ms": 3_600_000}],
               "flush_every_ms": 60_000}])
    assert s.passed, s.breaches
    probes = s.facts.probes
    assert probes["fault.sink_outage"] >= 5 and probes["recovery.sink_redelivered"] == 1


def test_a_sink_that_drops_what_it_held_is_caught(monkeypatch):
    from sim.faults.process_faults import OutageSink

    def forgetful(self):
        if self._down():
            self._held = []  # dropped instead of held
            return
        held, self._held = self._held, []
        for table, rows in held:
            self.inner.write(table, rows)

    monkeypatch.setattr(OutageSink, "_deliver", forgetful)
    s = _run([{"kind": "sink_outage", "schedule": [{"after_start_ms": 600_000, "for_ms": 3_600_000}]}])
    assert not s.passed and {b.invariant for b in s.breaches} == {"journal_delivered"}


def _injector(seed: int):
    from sim.faults.config import CrashFault
    from sim.faults.process_faults import CrashInjector
    from sim.rng import RngStreams
    faults = (CrashFault(kind="crash", rate=0.03, within_ms=50), CrashFault(kind="crash", at_events=(70, 71), rate=0.01))
    return CrashInjector(faults, RngStreams(seed), 0)


class _CountingHost:
    """What ``after_message`` reads of the engine host: the clock, the message count, ``crash``."""

    def __init__(self):
        import simpy
        self.env, self.events, self.crashed_at = simpy.Environment(), 0, []

    def crash(self, delay_ms, restart_ms):
        self.crashed_at.append(self.events)
        yield self.env.timeout(0)


def test_messages_taken_in_bulk_use_the_crash_draws_as_one_by_one():
    """The jump path asks how many coming messages pass without a crash: the answer is the index
    of the message that crashes one by one, and both leave the streams in the same state."""
    for seed in range(12):
        bulk, single, host = _injector(seed), _injector(seed), _CountingHost()
        quiet = bulk.quiet_messages(1, 200)
        while not host.crashed_at and host.events < 200:
            host.events += 1
            single.after_message(host)
            host.env.run()
        assert quiet == (host.crashed_at[0] - 1 if host.crashed_at else 200)
        for (_, gate_b, values_b), (_, gate_s, values_s) in zip(bulk._crashes, single._crashes):
            skipped = 0 if not host.crashed_at else 1  # the crashing message took its draws one by one
            values_b.random(skipped)
            gate_b.skip(skipped)
            assert values_b.random() == values_s.random() and gate_b.fires(0) == gate_s.fires(0)
    assert _injector(3).quiet_messages(70, 5) == 0  # message 70 is chosen: nothing passes in bulk
