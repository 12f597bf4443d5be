"""Scenario files that used to be accepted with a silent surprise are refused with one line."""
from __future__ import annotations

from pathlib import Path

import pytest

from sim.scenario import ScenarioError, load_scenario


def test_a_key_given_twice_is_refused_with_its_line(tmp_path: Path):
    path = tmp_path / "dup.yaml"
    path.write_text("name: a\nseed: 1\nseed: 2\ndata: {kind: synthetic}\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert str(path) in str(err.value) and "duplicate key 'seed' (line 3" in str(err.value)


@pytest.mark.parametrize("name", ["../../escape", "/etc/x", "a/b", ""])
def test_a_name_cannot_hold_a_path(tmp_path: Path, name: str):
    path = tmp_path / "esc.yaml"
    path.write_text(f"name: '{name}'\ndata: {{kind: synthetic}}\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert "name:" in str(err.value)


@pytest.mark.parametrize("argv, option", [
    (["swarm", "scenarios/baseline.yaml", "--seeds", "2", "--rerun-fraction", "nan"], "--rerun-fraction"),
    (["swarm", "scenarios/baseline.yaml", "--seeds", "99999999999999999999"], "--seeds"),
    (["venue", "serve", "--speed", "nan"], "--speed"),
])
def test_absurd_option_values_are_one_line_and_exit_2(argv: list[str], option: str):
    from click.testing import CliRunner

    from sim.cli import main

    res = CliRunner().invoke(main, argv)
    assert res.exit_code == 2 and option in res.output and res.output.count("\n") == 1
