"""``violet-sim run``: outputs, exit codes (0 pass, 1 expectation failed, 2 bad input), and errors
that name the file and the path of the bad key, never a traceback."""
from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from sim.cli import main
from sim.journal.schema import TABLES
from sim.scenario import ScenarioError, load_scenario

SMALL = """
name: small
seed: 3
data:
  kind: synthetic
  config: {n_scans: 3000}
expect:
  max_open_positions: 1
  min_trades: %d
"""


def _write(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def _invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def test_passing_run_writes_the_run_directory(tmp_path: Path):
    out = tmp_path / "out"
    res = _invoke("run", str(_write(tmp_path, SMALL % 1)), "--out", str(out))
    assert res.exit_code == 0, res.output
    assert "PASSED" in res.output
    summary = json.loads((out / "summary.json").read_text())
    for key in ("scenario", "seed", "scans_in", "decided", "no_signal", "no_pick", "rejected", "gated", "orders",
                "fills", "trades", "liquidations", "violations", "final_equity", "journal_sha256", "passed",
                "config_hash", "versions"):
        assert key in summary
    assert summary["scans_in"] == 3000
    assert summary["scans_in"] == summary["decided"] + summary["no_signal"] + summary["no_pick"] + summary["rejected"]
    for table, schema in TABLES.items():
        assert pq.read_schema(out / f"{table}.parquet").remove_metadata().equals(schema), table
    assert pq.read_table(out / "trades.parquet").num_rows == summary["trades"]


def test_failed_expectation_exits_1_and_says_which(tmp_path: Path):
    res = _invoke("run", str(_write(tmp_path, SMALL % 100000)), "--out", str(tmp_path / "o"))
    assert res.exit_code == 1
    assert "FAIL min_trades: expected 100000" in res.output


def test_seed_override_is_recorded(tmp_path: Path):
    out = tmp_path / "o"
    assert _invoke("run", str(_write(tmp_path, SMALL % 0)), "--seed", "9", "--out", str(out)).exit_code == 0
    assert json.loads((out / "summary.json").read_text())["seed"] == 9


@pytest.mark.parametrize("text, expected", [
    ("name: x\ndata: {kind: parquet}\n", "data.path: Field required"),
    ("name: x\ndata: {kind: synthetic}\nexecution: {v4: {allow_list: []}}\n", "execution.v4.allow_list"),
    ("name: x\ndata: {kind: synthetic}\nexection: {}\n", "exection: Extra inputs are not permitted"),
    ("name: x\ndata: {kind: warp}\n", "data"),
    ("name: x\ndata: {kind: synthetic, config: {n_scans: -5}}\n", "data.config.n_scans"),
    ("name: x\ndata: {kind: synthetic}\nengine: {sizer: {threshold: -0.02}}\n", "engine.sizer.extreme: Field required"),
    ("name: x\ndata: {kind: synthetic}\nevents: [{kind: hibernate}]\n", "events.0"),
    ("name: [unclosed\n", "line 2, column 1 not valid YAML"),
    ("- just\n- a list\n", "expected a mapping"),
])
def test_bad_scenarios_name_the_path(tmp_path: Path, text: str, expected: str):
    path = _write(tmp_path, text)
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    assert str(path) in str(exc.value)
    assert expected in str(exc.value)
    res = _invoke("run", str(path), "--out", str(tmp_path / "o"))
    assert res.exit_code == 2
    assert "Traceback" not in res.output
    assert res.output.startswith("error: ")


def test_missing_scenario_file_and_missing_archive_exit_2(tmp_path: Path):
    res = _invoke("run", str(tmp_path / "nope.yaml"))
    assert res.exit_code == 2 and "cannot read" in res.output
    bad = _write(tmp_path, "name: x\ndata: {kind: parquet, path: missing.parquet}\n")
    res = _invoke("run", str(bad), "--out", str(tmp_path / "o"))
    assert res.exit_code == 2 and "missing.parquet" in res.output and "Traceback" not in res.output
