"""The local swarm survives a dying worker and never outlives its parent (real processes)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sim.harness.swarm_local import NOT_RUN, local_map

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = str(ROOT / "scenarios" / "faults" / "venue_transport.yaml")


def _children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    return [int(x) for x in out.stdout.split()]


def _workers(pid: int, want: int, timeout_s: float = 180) -> list[int]:
    """The spawned worker processes of ``pid`` (spawn also starts a resource tracker: skip it)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = [c for c in _children(pid) if "spawn_main" in Path(f"/proc/{c}/cmdline").read_text(errors="ignore")]
        if len(found) >= want:
            return found
        time.sleep(0.2)
    raise AssertionError(f"{want} workers never started")


def _swarm(tmp_path: Path, seeds: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "sim", "swarm", SCENARIO, "--seeds", str(seeds), "--workers", "2",
                             "--rerun-fraction", "0", "--out", str(tmp_path / "report")],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_a_killed_worker_neither_hangs_nor_loses_runs(tmp_path: Path):
    proc = _swarm(tmp_path, 30)   # long enough that both workers are still busy when one is killed
    os.kill(_workers(proc.pid, 2)[0], signal.SIGKILL)
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, out + err
    report = json.loads((tmp_path / "report" / "swarm.json").read_text())
    assert sorted(r["seed"] for r in report["results"]) == list(range(30))


def test_workers_die_with_their_parent(tmp_path: Path):
    proc = _swarm(tmp_path, 40)
    workers = _workers(proc.pid, 2)
    proc.kill()
    proc.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(Path(f"/proc/{w}").exists() for w in workers):
        time.sleep(0.2)
    assert [w for w in workers if Path(f"/proc/{w}").exists()] == []


def test_a_job_that_kills_its_worker_every_time_is_reported_not_run():
    results = list(local_map(os._exit, [0, 1], 2, lambda job, why: (job, why)))
    assert sorted(results) == [(0, NOT_RUN), (1, NOT_RUN)]
    assert sorted(local_map(abs, [-1, -2, 3], 2, lambda job, why: None)) == [1, 2, 3]
