"""``violet-sim explain`` on the bundled examples and on files it cannot use."""
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from sim.cli import main
from violet_engine.constants import IRP_LOOKBACK, STABLECOIN_SYMBOLS

EXAMPLES = Path(__file__).resolve().parents[2] / "scenarios" / "examples"


def explain(*args):
    return CliRunner().invoke(main, ["explain", *args])


def test_signal_example_is_a_sized_decision():
    result = explain("--scan", str(EXAMPLES / "scan_signal.json"))
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["outcome"] == "DECISION" and report["history_scans"] == IRP_LOOKBACK
    assert report["asset"] == report["irp_top"][0]["asset"]
    assert report["asset"] not in STABLECOIN_SYMBOLS
    assert report["conviction_base"] == 1.3095000185185186  # SPEC vector for vel_div -0.0337
    assert report["esof_mult"] == 0.8 and report["conviction"] == round(1.3095000185185186 * 0.8, 6)
    assert report["notional"] == round(10000.0 * report["notional_fraction"] * 0.8, 12)
    scores = [row["score"] for row in report["irp_top"]]
    assert scores == sorted(scores, reverse=True) and len(scores) == 5


def test_reject_example_names_reason_and_field():
    result = explain("--scan", str(EXAMPLES / "scan_reject.json"), "--capital", "500")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert (report["outcome"], report["reject_reason"], report["reject_field"]) == ("REJECT", "price_zero", "prices.ETHUSDT")


def test_history_file_replaces_the_embedded_history(tmp_path):
    doc = json.loads((EXAMPLES / "scan_signal.json").read_text())
    history = tmp_path / "history.jsonl"
    history.write_text("\n".join(json.dumps(s) for s in doc.pop("history")[-3:]) + "\n")
    scan = tmp_path / "scan.json"
    scan.write_text(json.dumps(doc))
    report = json.loads(explain("--scan", str(scan), "--history", str(history)).output)
    assert (report["outcome"], report["history_scans"]) == ("NO_PICK", 3)
    config = tmp_path / "engine.yaml"
    config.write_text("selector:\n  lookback: 3\n")
    report = json.loads(explain("--scan", str(scan), "--history", str(history), "--config", str(config)).output)
    assert report["outcome"] == "DECISION"


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "not found"),
        ("{not json", "is not valid JSON (line 1 column 2"),
        ("[1, 2]", "must hold a JSON object"),
        ('{"ts_ms": "soon", "scan_number": 1, "vel_div": -0.03, "prices": {"BTCUSDT": 1.0}}', "field 'ts_ms'"),
        ('{"ts_ms": 1, "scan_number": 1, "vel_div": -0.03, "prices": {"BTCUSDT": 1.0}, "history": [{"ts_ms": 0}]}',
         "history[0]: field 'scan_number'"),
        ('{"ts_ms": 1, "scan_number": 1, "vel_div": -0.03, "history": 5}', "\"history\" must be a list"),
    ],
)
def test_bad_files_exit_2_with_one_line(tmp_path, content, message):
    path = tmp_path / "scan.json"
    if content is not None:
        path.write_text(content)
    result = explain("--scan", str(path))
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]


def test_bad_config_exits_2(tmp_path):
    config = tmp_path / "engine.yaml"
    config.write_text("sizer:\n  threshold: -0.02\n")
    result = explain("--scan", str(EXAMPLES / "scan_reject.json"), "--config", str(config))
    assert result.exit_code == 2 and "sizer.extreme" in result.output
