"""Same scenario + seed = same bytes, whatever PYTHONHASHSEED is; another seed = another journal."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "scenarios" / "stale_esof.yaml"
TABLES = ("decisions", "rejects", "orders", "fills", "trades", "equity")


def _run(out: Path, hashseed: str, seed: int | None = None) -> dict:
    cmd = [sys.executable, "-m", "sim", "run", str(SCENARIO), "--out", str(out)]
    if seed is not None:
        cmd += ["--seed", str(seed)]
    env = {**os.environ, "PYTHONHASHSEED": hashseed}
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads((out / "summary.json").read_text())


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict, dict]:
    a, b = tmp_path_factory.mktemp("a"), tmp_path_factory.mktemp("b")
    return a, b, _run(a, "0"), _run(b, "4242")


def test_journal_hash_is_independent_of_pythonhashseed(runs):
    _, _, sa, sb = runs
    assert sa["trades"] > 0
    assert sa["journal_sha256"] == sb["journal_sha256"]


def test_every_output_file_is_byte_identical(runs):
    a, b, _, _ = runs
    for name in [f"{t}.parquet" for t in TABLES] + ["summary.json"]:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_another_seed_gives_another_journal(runs, tmp_path: Path):
    _, _, sa, _ = runs
    other = _run(tmp_path, "0", seed=sa["seed"] + 1)
    assert other["journal_sha256"] != sa["journal_sha256"]
