"""execution.protective_stop: the venue's stop closes the position while the engine is down, and
the restarted engine books that trade; with the setting off nothing about a run changes."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

import sim.execution.host as host_module
from sim.execution.protective import stop_price
from sim.harness.simulate import config_hash, simulate
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "scenarios" / "faults" / "protective_stop_crash.yaml"


def test_the_venue_stop_fills_while_the_engine_is_down(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    restarts: list[int] = []
    launch = host_module.EngineHost._launch

    def recording(self: host_module.EngineHost, recover: bool) -> None:
        if recover:
            restarts.append(self.env.now)
        launch(self, recover)

    monkeypatch.setattr(host_module.EngineHost, "_launch", recording)
    scenario = load_scenario(SCENARIO)
    down_ms = scenario.faults[0].restart_ms
    result = simulate(scenario, out_dir=tmp_path)
    assert result.passed and result.summary.to_dict()["violations"] == 0
    stops = [f for f in result.venue.fills if f.client_order_id.startswith("vs")]
    while_down = [(f, up) for f in stops for up in restarts if up - down_ms <= f.ts_ms < up]
    assert while_down, (stops, restarts)
    fill, up = while_down[0]
    assert (fill.side, fill.position_qty) == ("BUY", 0)  # it closed the whole short
    trades = result.trades.to_pylist()
    [booked] = [t for t in trades if t["entry_ts_ms"] < fill.ts_ms <= t["exit_ts_ms"]]
    assert booked["exit_ts_ms"] >= up  # booked by the restarted engine, from the venue's fills
    assert (booked["exit_reason"], booked["exit_price"]) == ("STOP_LOSS", fill.price)
    assert result.venue.reconcile().ok


def test_the_stop_sits_at_the_exit_rules_level_rounded_up_to_the_tick():
    # a short at 100.0 with a 0.3 % stop-loss: the rule exits at price >= 100.3; tick 0.01
    assert stop_price(Decimal("100.0"), 0.003, 2) == "100.30"
    # 0.0812 * 1.003 = 0.0814436: up to 0.0815 on a 0.0001 tick, never below the rule's level
    assert stop_price(Decimal("0.0812"), 0.003, 4) == "0.0815"


def test_off_by_default_and_outside_the_config_hash_when_off():
    scenario = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    assert scenario.execution.protective_stop is False
    # the hash baseline seed 7 had before the setting existed
    assert config_hash(scenario, 7) == "6ed7545b45b64ad5872ef95251af7f52238d07e58345e081205402449423faa3"
    on = scenario.model_copy(update={"execution": scenario.execution.model_copy(update={"protective_stop": True})})
    assert config_hash(on, 7) != config_hash(scenario, 7)
