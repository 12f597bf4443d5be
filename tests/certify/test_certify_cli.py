"""``violet-sim certify`` exit codes when it cannot run, and how missing evidence is reported."""
from __future__ import annotations

from pathlib import Path

import yaml
from click.testing import CliRunner

from sim.certify.checks import CheckResult, failed_first
from sim.cli import main


def _invoke(*args: str):
    return CliRunner().invoke(main, ["certify", *args])


def test_unknown_profile_exits_2_with_one_line(tmp_path: Path) -> None:
    result = _invoke("--profile", "nope", "--out", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "error: certify could not run: no profile 'nope' (built-in: v4; or give a profile file)"]


def test_unusable_source_exits_2(bench) -> None:
    code, cert, _ = bench.certify(None, "--source", str(bench.root / "no-such-dir"))
    assert code == 2 and cert is None


def test_out_is_required() -> None:
    assert _invoke().exit_code == 2


def test_missing_fault_swarm_evidence_is_no_go_and_named(bench, tmp_path: Path) -> None:
    """A fault suite with no scenarios cannot be measured: its checks fail as not available."""
    profile = bench.profile()
    doc = yaml.safe_load(profile.read_text())
    doc["faults"] = {"scenarios": [str(tmp_path / "empty")]}
    doc["checks"] |= {"fault_suite": {}, "fault_coverage": {}}
    profile.write_text(yaml.safe_dump(doc))
    code, cert, output = bench.certify(profile)
    assert code == 1 and cert["failed"] == ["fault_suite", "fault_coverage"]
    checks = {c["id"]: c for c in cert["checks"]}
    assert not checks["fault_suite"]["available"]
    assert checks["fault_suite"]["measured"]["not_available"].startswith("no fault scenarios found")
    assert "  N/A  fault_suite: not_available=no fault scenarios found" in output


def _result(check_id: str, passed: bool, mandatory: bool = True, available: bool = True) -> CheckResult:
    return CheckResult(check_id, check_id, mandatory, {}, {}, passed, [], available)


def test_report_order_puts_measured_mandatory_failures_first() -> None:
    results = [_result("a", True), _result("b", False, available=False), _result("c", False, mandatory=False),
               _result("d", False), _result("e", True)]
    assert [r.id for r in failed_first(results)] == ["d", "b", "c", "a", "e"]


def test_out_must_be_empty_or_a_previous_certification(bench) -> None:
    out = bench.root / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    code, cert, _ = bench.certify()
    assert code == 2 and cert is None and (out / "notes.txt").is_file()
    (out / "notes.txt").unlink()
    assert bench.certify()[0] == 0
    (out / "runs" / "stale").mkdir()
    assert bench.certify()[0] == 0 and not (out / "runs" / "stale").exists()
