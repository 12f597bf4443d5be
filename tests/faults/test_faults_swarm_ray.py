"""The Ray backend on a real cluster on loopback (a head and a worker node, one CPU each, see
``ray_kit``): the same swarm.json bytes as the local backend with a task's worker killed mid-run;
the shipped scenario, not the file edited under a running swarm; a data file changed under it, and
a node running other code, refused with one line; a driver killed half-way resumed."""
from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from ray_kit import ROOT, Cluster, ray_cluster, session_processes  # noqa: E402

pytestmark = pytest.mark.skipif(importlib.util.find_spec("ray") is None,
                                reason="needs the ray extra: pip install -e '.[test,ray]' (CI installs it)")

FAULTS = ROOT / "scenarios" / "faults"
FILES = [str(FAULTS / "data_feed.yaml"), str(FAULTS / "venue_transport.yaml")]
SEEDS = "4"


def _local(out: Path, *files: str, seeds: str = SEEDS) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim", "swarm", *files, "--seeds", seeds, "--workers", "2",
                           "--out", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=600)


def _results(out: Path) -> list[dict]:
    try:
        return json.loads((out / "swarm.json").read_text())["results"]
    except (OSError, ValueError):
        return []


def _wait_for(what, timeout_s: float = 120.0, every_s: float = 0.05):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = what()
        if found:
            return found
        time.sleep(every_s)
    raise AssertionError(f"timed out waiting for {what}")


def _errors(stderr: str) -> list[str]:
    """Our lines on stderr (Ray's own log lines start with '[' and a timestamp)."""
    return [line for line in stderr.splitlines() if line.startswith("error:")]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory):
    with ray_cluster(tmp_path_factory.mktemp("ray"), workers=1) as c:
        yield c


@pytest.fixture(scope="module")
def local_report(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    out = tmp_path_factory.mktemp("local")
    res = _local(out, *FILES)
    assert res.returncode == 0, res.stderr[-2000:]
    return (out / "swarm.json").read_bytes()


def _ray_swarm(cluster: Cluster, out: Path, *files: str, seeds: str = SEEDS, cwd: Path = ROOT) -> subprocess.Popen:
    return cluster.swarm(*files, "--seeds", seeds, "--backend", "ray", "--address", cluster.address,
                         "--out", str(out), cwd=cwd)


def test_a_ray_swarm_with_a_worker_killed_mid_run_matches_the_local_bytes(cluster, local_report, tmp_path):
    proc = _ray_swarm(cluster, tmp_path, *FILES)
    victim = _wait_for(lambda: session_processes(cluster, "ray::_call"))[0]
    os.kill(victim, signal.SIGKILL)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, out[-2000:] + err[-2000:]
    assert not Path(f"/proc/{victim}").exists()
    assert (tmp_path / "swarm.json").read_bytes() == local_report


def test_a_driver_killed_half_way_is_resumed_to_the_same_bytes(cluster, local_report, tmp_path):
    proc = _ray_swarm(cluster, tmp_path, *FILES)
    _wait_for(lambda: len(_results(tmp_path)) >= 3)
    proc.kill()
    proc.wait()
    partial = json.loads((tmp_path / "swarm.json").read_text())
    assert partial["complete"] is False and partial["passed"] is None and 3 <= len(partial["results"]) < 8
    resumed = cluster.swarm("--resume", "--out", str(tmp_path), "--backend", "ray", "--address", cluster.address)
    out, err = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, out[-2000:] + err[-2000:]
    assert (tmp_path / "swarm.json").read_bytes() == local_report


def test_an_edited_scenario_file_does_not_change_a_running_swarm(cluster, tmp_path):
    original = (FAULTS / "venue_rejects.yaml").read_text()
    scenario = tmp_path / "rejects.yaml"
    scenario.write_text(original)
    proc = _ray_swarm(cluster, tmp_path / "ray", str(scenario), seeds="6")
    _wait_for(lambda: _results(tmp_path / "ray"))
    broken = original.replace("data:\n", "execution:\n  v4: {single_slot: false}\ndata:\n", 1)
    scenario.write_text(broken)  # the edit: slot gating off, which fails seeds (checked below)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, out[-2000:] + err[-2000:]
    report = json.loads((tmp_path / "ray" / "swarm.json").read_text())
    assert report["swarm"]["scenarios"][0]["sha256"] == hashlib.sha256(original.encode()).hexdigest()
    assert _local(tmp_path / "edited", str(scenario), seeds="6").returncode == 1  # the edit mattered
    scenario.write_text(original)
    assert _local(tmp_path / "local", str(scenario), seeds="6").returncode == 0
    assert (tmp_path / "ray" / "swarm.json").read_bytes() == (tmp_path / "local" / "swarm.json").read_bytes()


def test_a_data_file_changed_under_a_running_swarm_is_refused(cluster, tmp_path):
    (tmp_path / "data").mkdir()
    archive = tmp_path / "data" / "squeeze_2023-07-13.parquet"
    shutil.copy(ROOT / "scenarios" / "data" / archive.name, archive)
    shutil.copy(ROOT / "scenarios" / "squeeze_2023-07-13.yaml", tmp_path / "squeeze.yaml")
    proc = _ray_swarm(cluster, tmp_path / "out", str(tmp_path / "squeeze.yaml"), seeds="60")
    _wait_for(lambda: _results(tmp_path / "out"))
    other = tmp_path / "data" / "other.parquet"
    shutil.copy(ROOT / "scenarios" / "data" / "crash_2021-05-19.parquet", other)
    os.replace(other, archive)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 3, out[-2000:] + err[-2000:]
    [line] = _errors(err)
    assert line.startswith("error: refused: worker ") and f"data file {archive} of " in line
    assert "on the driver: copy the same file to every node" in line and "runs finished, kept in" in line
    report = json.loads((tmp_path / "out" / "swarm.json").read_text())
    assert report["complete"] is False and 1 <= len(report["results"]) < 60
    assert all(r["passed"] for r in report["results"])


def test_the_ray_backend_needs_a_named_cluster(tmp_path):
    """No address and no RAY_ADDRESS: refused, never a silent local cluster; nothing listening: exit 3 at once."""
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    base = [sys.executable, "-m", "sim", "swarm", FILES[0], "--seeds", "1", "--backend", "ray"]
    res = subprocess.run(base, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert res.returncode == 2 and _errors(res.stderr) == [
        "error: --backend ray needs a cluster: --address HOST:PORT (ray start --head), ray://HOST:PORT, or "
        "RAY_ADDRESS; --address local starts one on this machine"]
    res = subprocess.run([*base, "--address", "127.0.0.1:1"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 3, res.stderr
    assert _errors(res.stderr) == ["error: cannot reach the Ray cluster at 127.0.0.1:1: Connection refused; "
                                   "0 of 1 runs finished (not kept: no --out)"]


def test_a_node_running_other_code_is_refused(cluster, tmp_path):
    """A third node whose violet-sim differs by one source line (a copy first on its PYTHONPATH).
    Last in this module: the node stays in the cluster until the cluster stops."""
    copy = tmp_path / "site"
    for package in ("sim", "violet_engine", "exchange_mock"):
        shutil.copytree(ROOT / package, copy / package, ignore=shutil.ignore_patterns("__pycache__"))
    with open(copy / "sim" / "harness" / "swarm.py", "a") as fh:
        fh.write("# an edit this node has and the driver does not\n")
    cluster.start_node(head=False, env={"PYTHONPATH": str(copy)})
    cluster.wait_nodes(3)
    proc = _ray_swarm(cluster, tmp_path / "out", *FILES, cwd=tmp_path)  # cwd: the driver's is on workers' path
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 3, out[-2000:] + err[-2000:]
    [line] = _errors(err)
    version = metadata.version("violet-sim")
    assert line.startswith("error: refused: worker ") and f" runs violet-sim {version} (source " in line
    assert f", the driver violet-sim {version} (source " in line and "install the same violet-sim on every node" in line
    assert "0 of 8 runs finished" in line
