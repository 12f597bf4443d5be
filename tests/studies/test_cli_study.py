"""``violet-sim study`` end to end: JSON, PNG and HTML per study from an embedded ClickHouse."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from sim.cli import main
from sim.recorded.tables import write_parquet


def violet(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


@pytest.mark.parametrize("name, summary", [
    ("clean", "clean: 3453 rows / 2193 trade ids -> 2121 clean trades"),
    ("parity", "parity PASS: pearson"),
    ("margin", "margin: fit "),
    ("regimes", "regimes: btc_ma99 edge x"),
])
def test_each_study_writes_json_png_html(recorded_dsn, tmp_path, name, summary):
    code, out = violet("study", name, "--source", recorded_dsn, "--out", str(tmp_path))
    assert code == 0 and out.startswith(summary)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{name}.html", f"{name}.json", f"{name}.png"]
    assert json.loads((tmp_path / f"{name}.json").read_text())
    assert (tmp_path / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f'<img src="{name}.png"' in (tmp_path / f"{name}.html").read_text()


def test_parity_fail_exits_1(recorded_dsn, tmp_path):
    code, out = violet("study", "parity", "--source", recorded_dsn, "--out", str(tmp_path), "--max-abs-error", "0.001")
    assert code == 1 and out.startswith("parity FAIL")
    assert json.loads((tmp_path / "parity.json").read_text())["verdict"] == "FAIL"


def test_parquet_directory_is_a_source(recorded, tmp_path):
    write_parquet(recorded.events, recorded.legs, tmp_path / "pq")
    code, out = violet("study", "clean", "--source", str(tmp_path / "pq"), "--out", str(tmp_path / "out"))
    assert code == 0 and "2121 clean trades" in out


@pytest.mark.parametrize("source, message", [
    ("http://reader:pw@127.0.0.1:9/blue", "unreachable: Connection refused"),
    ("chdb://memory", "database 'violet' does not exist"),
    ("./no-such-dir", "no such file"),
])
def test_errors_are_one_line_exit_2(tmp_path, source, message):
    code, out = violet("study", "margin", "--source", source, "--out", str(tmp_path))
    assert code == 2 and out.startswith("error: ") and message in out and out.count("\n") == 1
