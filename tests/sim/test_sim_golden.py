"""Golden outputs: every scenario still produces its canonical journal, and a difference is shown
as the hash first and then as readable rows."""
from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from sim.cli import main
from sim.harness.golden import check_golden

ROOT = Path(__file__).resolve().parents[2]


def test_every_golden_scenario_is_unchanged(monkeypatch):
    monkeypatch.chdir(ROOT)
    res = CliRunner().invoke(main, ["golden", "check"])
    assert res.exit_code == 0, res.output
    assert res.output.count("ok  ") == len(list((ROOT / "golden").glob("*/summary.json")))


def test_every_scenario_file_has_golden_outputs():
    golden = {json.loads(p.read_text())["scenario_file"] for p in (ROOT / "golden").glob("*/summary.json")}
    scenarios = {p.relative_to(ROOT).as_posix() for p in (ROOT / "scenarios").glob("*.yaml")}
    assert scenarios <= golden


def test_a_changed_row_is_reported_readably(tmp_path: Path):
    tampered = tmp_path / "baseline"
    shutil.copytree(ROOT / "golden" / "baseline", tampered)
    trades = tampered / "trades.csv"
    rows = list(csv.reader(trades.open()))
    rows[2][rows[0].index("exit_reason")] = "STOP_LOSS"
    with trades.open("w", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    summary = json.loads((tampered / "summary.json").read_text())
    summary["journal_sha256"] = "0" * 64
    (tampered / "summary.json").write_text(json.dumps(summary))
    diff = check_golden(tampered, ROOT)
    assert not diff.ok
    text = "\n".join(diff.lines)
    assert "journal hash" in text
    assert "trades row 2:" in text
    assert "golden: " in text and "exit_reason=STOP_LOSS" in text


def test_unknown_golden_name_is_a_user_error(monkeypatch):
    monkeypatch.chdir(ROOT)
    res = CliRunner().invoke(main, ["golden", "check", "no_such_scenario"])
    assert res.exit_code == 2 and res.output.startswith("error: no golden outputs for no_such_scenario")
