"""swarm.json streamed as runs finish (real CLI processes): a swarm SIGKILLed or interrupted half
way keeps its finished runs and ``--resume`` completes it to the bytes of an uninterrupted run;
resuming refuses a changed scenario or other options; the progress bar shows on a terminal only."""
from __future__ import annotations

import fcntl
import json
import os
import pty
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from sim.cli import main

ROOT = Path(__file__).resolve().parents[2]
FAULTS = ROOT / "scenarios" / "faults"
FILES = [str(FAULTS / "data_feed.yaml"), str(FAULTS / "venue_rejects.yaml")]
ARGS = [*FILES, "--seeds", "3", "--workers", "2"]


def _cli(*args: str, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "sim", "swarm", *args], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kw)


def _results(out: Path) -> int:
    try:
        return len(json.loads((out / "swarm.json").read_text())["results"])
    except (OSError, ValueError):
        return 0


def _wait_results(out: Path, count: int, proc: subprocess.Popen, timeout_s: float = 300) -> None:
    deadline = time.monotonic() + timeout_s
    while _results(out) < count:
        assert proc.poll() is None, "the swarm ended before it was interrupted"
        assert time.monotonic() < deadline, "no streamed results"
        time.sleep(0.05)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("whole")
    proc = _cli(*ARGS, "--out", str(out))
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err[-2000:]
    return out


def _resume_matches(out: Path, reference: Path) -> None:
    proc = _cli("--resume", "--out", str(out), "--workers", "2")
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err[-2000:]
    for name in ("swarm.json", "swarm.txt"):
        assert (out / name).read_bytes() == (reference / name).read_bytes()


def test_a_swarm_killed_half_way_keeps_its_runs_and_resume_completes_it(reference, tmp_path):
    proc = _cli(*ARGS, "--out", str(tmp_path))
    _wait_results(tmp_path, 3, proc)
    proc.kill()
    proc.wait()
    partial = json.loads((tmp_path / "swarm.json").read_text())
    assert partial["complete"] is False and partial["passed"] is None
    assert 3 <= partial["runs"] < 6 and not (tmp_path / "swarm.txt").exists()
    whole = {(r["scenario"], r["seed"]): r for r in json.loads((reference / "swarm.json").read_text())["results"]}
    assert all(whole[(r["scenario"], r["seed"])] == r for r in partial["results"])
    _resume_matches(tmp_path, reference)


def test_ctrl_c_writes_every_finished_run_and_says_how_many(reference, tmp_path):
    proc = _cli(*ARGS, "--out", str(tmp_path))
    _wait_results(tmp_path, 2, proc)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err[-2000:]
    line = err.strip().splitlines()[-1]
    n = json.loads((tmp_path / "swarm.json").read_text())["runs"]
    assert line == (f"interrupted; {n} of 6 runs finished, kept in {tmp_path}/swarm.json "
                    f"(--resume --out {tmp_path} completes the swarm)")
    _resume_matches(tmp_path, reference)


def _invoke(*args: str):
    return CliRunner().invoke(main, ["swarm", *args])


def test_resume_refuses_a_changed_scenario_or_other_options(tmp_path):
    scenario = tmp_path / "ops.yaml"
    scenario.write_text((FAULTS / "operator.yaml").read_text())
    out = tmp_path / "out"
    first = _invoke(str(scenario), "--seeds", "2", "--workers", "1", "--out", str(out))
    assert first.exit_code == 0, first.output
    before = (out / "swarm.json").read_bytes()
    again = _invoke("--resume", "--out", str(out), "--workers", "1")  # complete already: nothing to run
    assert again.exit_code == 0 and (out / "swarm.json").read_bytes() == before
    res = _invoke("--resume", "--out", str(out), "--seeds", "3")
    assert res.exit_code == 2 and res.output.strip() == (
        f"error: {out}/swarm.json: --seeds is 2 in the swarm being resumed, not 3 (leave it out to resume as recorded)")
    scenario.write_text(scenario.read_text() + "\n# edited\n")
    res = _invoke("--resume", "--out", str(out))
    assert res.exit_code == 2 and res.output.startswith(f"error: {out}/swarm.json: {scenario} changed since the "
                                                        "swarm started (sha256 ")
    assert res.output.strip().endswith("resuming would mix two swarms; start a new one")
    res = _invoke("--resume", "--out", str(tmp_path / "none"))
    assert res.exit_code == 2 and res.output.strip() == f"error: {tmp_path}/none/swarm.json: nothing to resume (no such file)"


def _on_a_terminal(*args: str) -> bytes:
    """stderr of ``violet-sim swarm ARGS`` run on a pseudo-terminal 100 columns wide."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    proc = subprocess.Popen([sys.executable, "-m", "sim", "swarm", *args], cwd=ROOT, stdin=follower,
                            stdout=subprocess.DEVNULL, stderr=follower)
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        seen += chunk
    assert proc.wait(timeout=300) == 0
    os.close(leader)
    return seen


def test_the_progress_bar_shows_on_a_terminal_only():
    args = [FILES[0], "--seeds", "2", "--workers", "1", "--rerun-fraction", "0"]
    shown = _on_a_terminal(*args).decode()
    assert "swarm: 100%|" in shown and "2/2 [" in shown and "run/s]" in shown
    assert "swarm:  50%|" in shown and "<00:" in shown  # the ETA, once a run has finished
    assert b"swarm:" not in _on_a_terminal(*args, "--quiet")
    piped = _cli(*args)
    _, err = piped.communicate(timeout=300)
    assert piped.returncode == 0 and "swarm:" not in err
