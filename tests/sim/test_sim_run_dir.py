"""A run folder is either a complete result or obviously none; one writer at a time (real processes)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.errors import UserError
from sim.harness.run_dir import staged_output

ROOT = Path(__file__).resolve().parents[2]
LONG = "name: long\nseed: 3\ndata: {kind: synthetic, config: {n_scans: 60000, n_assets: 8}}\n"


def _run(scenario: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "sim", "run", str(scenario), "--out", str(out)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _snapshot(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())}


@pytest.mark.parametrize("kill_after_s", [0.5, 2.0, 4.0])
def test_a_killed_rerun_leaves_the_previous_result_whole(tmp_path: Path, kill_after_s: float):
    scenario = tmp_path / "long.yaml"
    scenario.write_text(LONG)
    out = tmp_path / "out"
    first = _run(scenario, out)
    first.communicate(timeout=600)
    assert first.returncode == 0
    before = _snapshot(out)
    scenario.write_text(LONG.replace("seed: 3", "seed: 4"))
    again = _run(scenario, out)
    time.sleep(kill_after_s)
    if again.poll() is None:
        again.send_signal(signal.SIGKILL)
        again.wait()
        now = _snapshot(out)              # the previous run, byte for byte: nothing mixed in, or (it
        assert now == before or (         # finished as it was killed) the new run, whole
            now.keys() == before.keys() and b'"seed": 4' in now["summary.json"])
    else:                                 # it finished first: then the new run is whole
        assert again.returncode == 0 and '"seed": 4' in (out / "summary.json").read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["long.yaml", "out"] or again.returncode == -9


def test_a_second_writer_is_refused_while_the_first_lives(tmp_path: Path):
    out = tmp_path / "out"
    with staged_output(out):
        child = subprocess.run([sys.executable, "-c",
                                f"from pathlib import Path\nfrom sim.harness.run_dir import staged_output\n"
                                f"with staged_output(Path({str(out)!r})):\n    pass\n"],
                               cwd=ROOT, capture_output=True, text=True)
        assert child.returncode != 0 and f"another run (pid {os.getpid()})" in child.stderr


def test_a_failed_block_changes_nothing_and_a_dead_writers_lock_is_taken_over(tmp_path: Path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "summary.json").write_text("old")
    with pytest.raises(RuntimeError):
        with staged_output(out) as stage:
            (stage / "summary.json").write_text("new")
            raise RuntimeError("the run failed")
    assert (out / "summary.json").read_text() == "old"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (tmp_path / ".out.lock").write_text(dead.stdout)
    with staged_output(out) as stage:
        (stage / "summary.json").write_text("new")
    assert (out / "summary.json").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    with pytest.raises(UserError):
        with staged_output(Path("/proc/no/such/out")):
            pass
