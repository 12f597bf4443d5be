"""The jump path and the per-scan path give the same run, byte for byte.

The per-scan path delivers every scan to execution through simpy; the jump path hands a quiet
stretch (flat, or holding with no exit, venue trigger, equity sample or scheduled event due) over
in one step. Every bundled and fault scenario runs both ways here: same journal hash, same
summary. The jump path must also actually jump, and an exit organ with only ``check`` must still
run (scan by scan while it holds).
"""
from __future__ import annotations

from pathlib import Path

import pytest

import sim.harness.jump as jump
from sim.harness.simulate import config_hash, simulate
from sim.scenario import Scenario, load_scenario, parse_scenario

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted(ROOT.glob("scenarios/*.yaml")) + sorted(ROOT.glob("scenarios/faults/*.yaml"))


def _on(scenario: Scenario, path: str) -> Scenario:
    return scenario.model_copy(update={"execution": scenario.execution.model_copy(update={"engine_path": path})})


def _summary(scenario: Scenario, path: str, seed: int | None = None) -> dict:
    doc = simulate(_on(scenario, path), seed=seed).summary.to_dict()
    doc.pop("versions")
    return doc


def test_every_bundled_and_fault_scenario_is_here():
    names = {p.name for p in SCENARIOS}
    assert {"baseline.yaml", "maker_post_only.yaml", "process_crash.yaml", "operator.yaml"} <= names
    assert len(SCENARIOS) >= 17


@pytest.mark.parametrize("scenario_file", SCENARIOS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_both_paths_give_the_same_run(scenario_file: Path):
    scenario = load_scenario(scenario_file)
    seeds = [None] if scenario_file.parent.name != "faults" else [None, scenario.seed + 1]
    for seed in seeds:
        per_scan, jumped = _summary(scenario, "per-scan", seed), _summary(scenario, "jump", seed)
        assert jumped["journal_sha256"] == per_scan["journal_sha256"]
        assert jumped == per_scan


VARIANTS = {  # settings the bundled scenarios leave at their defaults, where the jump path decides differently
    "cross_margin_squeeze": ("squeeze_2023-07-13.yaml", {"execution": {"margin_type": "CROSSED"}}),
    "no_single_slot": ("baseline.yaml", {"execution": {"v4": {"single_slot": False}}}),
    "exit_check_every_2_scans": ("baseline.yaml", {"engine": {"cadence": {"exit_check": {"every": 2}}}}),
    "equity_every_scan": ("baseline.yaml", {"execution": {"equity_interval_ms": 1}}),
    "marks_and_funding": ("data_prices.yaml", {"end_of_data": "close"}),
    "max_hold_as_a_duration": ("baseline.yaml", {"engine": {"exits": {"max_hold_ms": 420_000}}}),
    # a tighter stop-loss so that the venue's protective stops fill (5 of them): a jump must end at their trigger
    "protective_stop": ("baseline.yaml", {"execution": {"protective_stop": True},
                                          "engine": {"exits": {"stop_loss": 0.003}}}),
}


def _merged(base: dict, update: dict) -> dict:
    out = dict(base)
    for key, value in update.items():
        out[key] = _merged(out.get(key) or {}, value) if isinstance(value, dict) else value
    return out


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_both_paths_give_the_same_run_in_variants(variant: str):
    name, update = VARIANTS[variant]
    path = next(p for p in SCENARIOS if p.name == name)
    scenario = load_scenario(path)
    doc = _merged(scenario.model_dump(mode="json", exclude_unset=True), update)
    varied = parse_scenario(doc, variant)
    per_scan, jumped = _summary(varied, "per-scan"), _summary(varied, "jump")
    assert jumped == per_scan


def test_the_engine_path_is_not_in_the_config_hash():
    scenario = load_scenario(ROOT / "scenarios/baseline.yaml")
    assert config_hash(_on(scenario, "per-scan"), 1) == config_hash(_on(scenario, "jump"), 1)


def _counting(monkeypatch) -> list[int]:
    held: list[int] = []
    call = jump.HoldJump.__call__

    def counted(self, *args):
        n = call(self, *args)
        held.append(n)
        return n
    monkeypatch.setattr(jump.HoldJump, "__call__", counted)
    return held


def test_the_jump_path_holds_most_scans_in_bulk(monkeypatch):
    held = _counting(monkeypatch)
    summary = simulate(load_scenario(ROOT / "scenarios/baseline.yaml")).summary
    assert summary.trades > 5
    assert sum(held) > 0.9 * summary.scans_in - summary.facts.rejected
    assert sum(1 for n in held if n) < summary.scans_in / 10


PLUGIN = '''
from violet_engine.exits import ExitEngine


class CheckOnly:
    """An exit organ with only the per-scan ``check`` (no ``first_exit``)."""

    def __init__(self, config):
        self._rule = ExitEngine(config)

    def check(self, entry_price, price, scans_held, held_ms):
        return self._rule.check(entry_price, price, scans_held, held_ms)
'''


def test_an_exit_organ_with_only_check_runs_scan_by_scan_while_it_holds(tmp_path, monkeypatch):
    (tmp_path / "check_only_exits.py").write_text(PLUGIN)
    monkeypatch.syspath_prepend(str(tmp_path))
    doc = {"name": "plugged", "seed": 3, "data": {"kind": "synthetic", "config": {"n_scans": 3000, "n_assets": 8}}}
    held = _counting(monkeypatch)
    reference = simulate(parse_scenario(doc, "plugged")).summary
    held_reference = sum(held)
    held.clear()
    plugged = simulate(parse_scenario({**doc, "engine": {"organs": {"exits": "check_only_exits:CheckOnly"}}},
                                      "plugged")).summary
    assert plugged.facts.trades == reference.facts.trades > 0
    assert plugged.journal_sha256 == reference.journal_sha256
    # only the flat stretches were held in bulk: the held ones went scan by scan
    assert 0 < sum(held) < held_reference - 10 * reference.facts.trades
