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


def test_an_edited_csv_is_a_difference_even_when_the_hash_still_matches(tmp_path: Path):
    """The summary's hash is right, but a CSV was edited by hand: the golden no longer shows what
    the run produces, so the check fails and names the row."""
    tampered = tmp_path / "slot_gating"
    shutil.copytree(ROOT / "golden" / "slot_gating", tampered)
    fills = tampered / "fills.csv"
    rows = list(csv.reader(fills.open()))
    price = rows[0].index("price")
    rows[1][price] = rows[1][price] + "1"
    with fills.open("w", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    diff = check_golden(tampered, ROOT)
    assert not diff.ok
    assert diff.lines[0] == "fills row 1:" and not any("journal hash" in line for line in diff.lines)


def test_a_missing_csv_is_a_difference(tmp_path: Path):
    tampered = tmp_path / "slot_gating"
    shutil.copytree(ROOT / "golden" / "slot_gating", tampered)
    (tampered / "equity.csv").unlink()
    diff = check_golden(tampered, ROOT)
    assert not diff.ok and diff.lines == ("equity.csv: missing from the golden folder",)


def test_update_refuses_a_scenario_outside_the_root_before_running(tmp_path: Path):
    outside = tmp_path / "elsewhere.yaml"
    shutil.copy(ROOT / "scenarios" / "slot_gating.yaml", outside)
    res = CliRunner().invoke(main, ["golden", "update", str(outside), "--root", str(ROOT)])
    assert res.exit_code == 2
    assert res.stderr.startswith(f"error: {outside}: not under the project root {ROOT}")
    assert not (ROOT / "golden" / "slot_gating" / "elsewhere").exists()
