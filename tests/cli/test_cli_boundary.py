"""The one boundary of every command: a user error is one line and exit 2; a bug is one line that
says so and names the file holding the full trace, with exit 70; certify refuses a bad --source
before it runs anything."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

import sim.cli.run
from sim.cli import main
from sim.cli.boundary import ExitCode

ROOT = Path(__file__).resolve().parents[2]


def test_a_bug_is_one_line_naming_the_trace_file(monkeypatch, tmp_path: Path) -> None:
    def broken(*args, **kwargs):
        raise KeyError("journal_table")
    monkeypatch.setattr(sim.cli.run, "simulate", broken)
    res = CliRunner().invoke(main, ["run", str(ROOT / "scenarios" / "slot_gating.yaml"), "--out", str(tmp_path / "o")])
    assert res.exit_code == ExitCode.BUG == 70
    line, = res.stderr.splitlines()
    assert line.startswith("internal error (a bug in violet-sim, please report it): KeyError: 'journal_table'; full trace in ")
    trace = Path(line.rsplit("full trace in ", 1)[1])
    assert "Traceback (most recent call last)" in trace.read_text() and "broken" in trace.read_text()
    assert "Traceback" not in res.stderr
    trace.unlink()


def test_an_engine_organ_that_cannot_load_is_a_user_error(tmp_path: Path) -> None:
    config = tmp_path / "engine.yaml"
    config.write_text("organs: {selector: 'no_such_package.module:Selector'}\n")
    res = CliRunner().invoke(main, ["explain", "--scan", str(ROOT / "scenarios/examples/scan_signal.json"),
                                    "--config", str(config)])
    assert res.exit_code == 2
    line, = res.stderr.splitlines()
    assert "no_such_package" in line and "Traceback" not in res.stderr


def test_a_list_of_validation_errors_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nseed: [1]\n")
    res = CliRunner().invoke(main, ["run", str(bad)])
    assert res.exit_code == 2
    line, = res.stderr.splitlines()
    assert "bad.yaml: seed:" in line and "bad.yaml: data: Field required" in line


def test_certify_refuses_a_bad_source_before_any_run(tmp_path: Path) -> None:
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "sim", "certify", "--source", str(tmp_path / "nothing"),
                           "--out", str(tmp_path / "cert")], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.strip() == (f"error: certify could not run: --source {tmp_path / 'nothing'}: no "
                                   "trade_events.parquet there (a source is a ClickHouse DSN or a folder of "
                                   "recorded Parquet tables)")
    assert time.monotonic() - started < 20 and not (tmp_path / "cert").exists()


def test_an_empty_path_or_value_is_refused_naming_the_option(tmp_path: Path) -> None:
    cases = {("run", str(ROOT / "scenarios/slot_gating.yaml"), "--out", ""): "--out",
             ("db", "runs", "--dsn", " "): "--dsn",
             ("db", "export-scans", str(tmp_path / "e.parquet"), "--start", "yesterday"): "--start"}
    for args, option in cases.items():
        res = CliRunner().invoke(main, list(args))
        assert res.exit_code == 2, (args, res.output)
        line, = res.stderr.splitlines()
        assert f"'{option}'" in line, line
