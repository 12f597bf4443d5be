"""The command as a user runs it: the built-in V4 profile on the bundled data, an empty embedded
store seeded with generated recorded trades, GO, exit code 0. (How long it takes is measured by
``benchmarks/``, not asserted here: a shared machine makes wall time a flaky verdict.)"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]


def test_bundled_data_certifies_go(tmp_path: Path) -> None:
    out = tmp_path / "certify"
    env = {k: v for k, v in os.environ.items() if k != "VIOLET_CLICKHOUSE_DSN"}
    # A separate process: the embedded ClickHouse engine holds one data directory per process.
    done = subprocess.run([sys.executable, "-m", "sim", "certify", "--source", f"chdb:{tmp_path / 'chdb'}",
                           "--out", str(out)], cwd=PROJECT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("GO (rehearsal: recorded trades generated, seed 2026) (profile v4): all 19 mandatory checks "
                                  "passed.")
    cert = json.loads((out / "certificate.json").read_text())
    assert cert["verdict"] == "GO" and len(cert["checks"]) == 20
    assert cert["provenance"]["recorded_trades"]["origin"] == "generated (seed 2026)"
    assert "seeding it with generated trades (seed 2026)" in done.stderr
    assert (out / "report.html").stat().st_size > 100_000
