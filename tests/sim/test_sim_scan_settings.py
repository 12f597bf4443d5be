"""Scan-count settings at a scan interval other than 5 s: at 1 h scans a 120-scan max hold is five
days, and the run says so; the same hold given in ms means ten minutes at any interval."""
from __future__ import annotations

import pyarrow.compute as pc
import pytest

from sim.cli.run import render_summary
from sim.harness.scan_settings import stretch_warnings
from sim.harness.simulate import simulate
from sim.scenario.load import parse_scenario
from violet_engine import EngineConfig
from violet_engine.selector import SelectorConfig

HOUR = 3_600_000
HOURLY = {"kind": "synthetic", "config": {"n_scans": 1500, "n_assets": 8, "cadence_ms": HOUR, "esof": False}}
WIDE = {"take_profit": 0.5, "stop_loss": 0.5}
MAX_HOLD_WARNING = ("engine.exits.max_hold_scans = 120 scans spans 5 d at 1 h scans (10 min at the 5 s scans it "
                    "was written for); give engine.exits.max_hold_ms to mean a duration")


def _run(tmp_path, exits: dict, data: dict = HOURLY, name: str = "hourly", **engine: dict):
    scenario = parse_scenario({"name": name, "seed": 3, "data": data, "engine": {"exits": exits, **engine}}, "test")
    return simulate(scenario, out_dir=tmp_path / name)


def test_a_120_scan_max_hold_at_1h_scans_warns_in_the_summary_and_the_printout(tmp_path):
    result = _run(tmp_path, {**WIDE, "max_hold_scans": 120})
    assert MAX_HOLD_WARNING in result.facts.settings_warnings
    assert f"  WARNING {MAX_HOLD_WARNING}" in render_summary(result.summary.to_dict(), tmp_path).splitlines()
    trades = result.table("trades")
    held = pc.subtract(trades.column("exit_ts_ms"), trades.column("entry_ts_ms")).to_pylist()
    assert trades.num_rows and max(held) > 100 * HOUR  # the scan count holds for days


def test_the_same_max_hold_in_ms_does_not_warn_and_exits_ten_minutes_on(tmp_path):
    # the IRP lookback as a duration too (50 scans of 5 s ~ 4 min: one hourly scan), so nothing warns
    result = _run(tmp_path, {**WIDE, "max_hold_ms": 600_000}, selector={"lookback_ms": 250_000})
    assert result.facts.settings_warnings == []
    trades = result.table("trades")
    assert trades.num_rows >= 5
    assert set(trades.column("exit_reason").to_pylist()) == {"MAX_HOLD"}
    # the first scan at least 10 min after the entry fill is the next hourly scan: one bar held,
    # the exit one hour after the entry (no latency in this scenario)
    assert set(trades.column("bars_held").to_pylist()) == {1}
    held = pc.subtract(trades.column("exit_ts_ms"), trades.column("entry_ts_ms")).to_pylist()
    assert set(held) == {HOUR}


def test_5s_scans_do_not_warn(tmp_path):
    five_s = {"kind": "synthetic", "config": {"n_scans": 400, "n_assets": 8}}
    assert _run(tmp_path, {"max_hold_scans": 120}, five_s, "five_s").facts.settings_warnings == []


def test_the_irp_lookback_in_ms_becomes_scans_at_the_scan_interval():
    config = EngineConfig(selector=SelectorConfig(lookback_ms=4 * HOUR))
    assert config.at_scan_interval(5_000).selector.lookback == 2880
    assert config.at_scan_interval(HOUR).selector.lookback == 4
    assert config.at_scan_interval(3 * HOUR).selector.lookback == 1  # nearest whole scan, at least one
    warnings = stretch_warnings(config, HOUR)
    assert [w.split(" =")[0] for w in warnings] == ["engine.exits.max_hold_scans"]  # the lookback is a duration
    assert [w.split(" =")[0] for w in stretch_warnings(EngineConfig(), HOUR)] == [
        "engine.exits.max_hold_scans", "engine.selector.lookback"]
    assert stretch_warnings(EngineConfig(), 50_000) == []  # 10x its 5 s meaning: not yet


def test_a_duration_and_a_scan_count_for_the_same_setting_are_refused():
    with pytest.raises(ValueError, match="lookback .scans. or lookback_ms"):
        SelectorConfig(lookback=50, lookback_ms=HOUR)
    with pytest.raises(Exception, match="engine.exits.*max_hold_scans or max_hold_ms"):
        parse_scenario({"name": "x", "data": {"kind": "synthetic"},
                        "engine": {"exits": {"max_hold_scans": 5, "max_hold_ms": 1}}}, "test")
