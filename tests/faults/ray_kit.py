"""A real Ray cluster on loopback for the swarm tests: ``ray start --head`` plus worker nodes, each
``--num-cpus 1``, as subprocesses.

Ray replaces a loopback address with the machine's own network address; so that every byte stays
on loopback, the cluster and the swarm CLI run in a network namespace of their own holding only
``lo`` (``unshare -n``; needs root, as CI has). Where no namespace can be made, they run on the
host's network. Every process is started in a session of its own and ended by its process group
(never ``ray stop``, which would end every Ray process on the machine).
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[2]
RAY = str(Path(sys.executable).parent / "ray")
PORT = 26_379
START_TIMEOUT_S = 90.0


def _netns() -> subprocess.Popen | None:
    """A process holding a fresh network namespace with loopback up (None: cannot make one)."""
    try:
        holder = subprocess.Popen(["unshare", "-n", "sh", "-c", "ip link set lo up && echo up && exec sleep 900"],
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True)
    except OSError:
        return None
    if holder.stdout is None or holder.stdout.readline().strip() != "up":
        holder.kill()
        holder.wait()
        return None
    return holder


@dataclass
class Cluster:
    """A running cluster; ``run`` starts a process beside it (same network namespace)."""

    tmp: Path
    prefix: list[str]
    address: str = f"127.0.0.1:{PORT}"
    procs: list[subprocess.Popen] = field(default_factory=list)

    def popen(self, argv: list[str], env: dict[str, str] | None = None, cwd: Path = ROOT, **kw) -> subprocess.Popen:
        proc = subprocess.Popen(self.prefix + argv, cwd=cwd, env={**os.environ, **(env or {})},
                                start_new_session=True, text=True, **kw)
        self.procs.append(proc)
        return proc

    def swarm(self, *args: str, cwd: Path = ROOT) -> subprocess.Popen:
        """``violet-sim swarm ARGS`` as a subprocess, stdout and stderr captured."""
        return self.popen([sys.executable, "-m", "sim", "swarm", *args], cwd=cwd, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE)

    def start_node(self, head: bool, env: dict[str, str] | None = None) -> None:
        role = ["--head", "--port", str(PORT), "--include-dashboard", "false", "--temp-dir", str(self.tmp / "ray"),
                "--ray-client-server-port", str(PORT + 1)] if head else ["--address", self.address]
        log = open(self.tmp / f"node{len(self.procs)}.log", "w")
        self.popen([RAY, "start", *role, "--node-ip-address", "127.0.0.1", "--num-cpus", "1",
                    "--object-store-memory", "80000000", "--disable-usage-stats", "--block"],
                   env={"RAY_USAGE_STATS_ENABLED": "0", **(env or {})}, stdout=log, stderr=subprocess.STDOUT)

    def wait_nodes(self, count: int) -> None:
        """Until ``count`` nodes are alive (asked through a driver in the same namespace)."""
        probe = ("import ray, sys; ray.init(address=sys.argv[1], log_to_driver=False, logging_level='ERROR'); "
                 "print(sum(n['Alive'] for n in ray.nodes()))")
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            out = subprocess.run(self.prefix + [sys.executable, "-c", probe, self.address], capture_output=True,
                                 text=True, timeout=START_TIMEOUT_S)
            if out.returncode == 0 and out.stdout.strip().splitlines()[-1:] == [str(count)]:
                return
            time.sleep(1)
        logs = "".join(p.read_text()[-1500:] for p in sorted(self.tmp.glob("node*.log")))
        raise AssertionError(f"the Ray cluster never had {count} nodes alive:\n{logs}")

    def stop(self) -> None:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for proc in reversed(self.procs):
                try:
                    os.killpg(proc.pid, sig)
                except ProcessLookupError:
                    pass
            deadline = time.monotonic() + 3
            while sig == signal.SIGTERM and time.monotonic() < deadline and any(p.poll() is None for p in self.procs):
                time.sleep(0.2)
        for proc in self.procs:
            proc.wait()


@contextmanager
def ray_cluster(tmp: Path, workers: int = 1, worker_env: dict[str, str] | None = None) -> Iterator[Cluster]:
    """A head and ``workers`` worker nodes, stopped (every process of theirs) however the test ends."""
    holder = _netns()
    prefix = ["nsenter", f"--net=/proc/{holder.pid}/ns/net", "--"] if holder is not None else []
    cluster = Cluster(tmp, prefix)
    try:
        cluster.start_node(head=True)
        cluster.wait_nodes(1)
        for _ in range(workers):
            cluster.start_node(head=False, env=worker_env)
        cluster.wait_nodes(1 + workers)
        yield cluster
    finally:
        cluster.stop()
        if holder is not None:
            holder.kill()
            holder.wait()


def session_processes(cluster: Cluster, title: str) -> list[int]:
    """Processes of the cluster whose command line starts with ``title`` (``ray::_call``: a worker
    running a swarm task)."""
    sessions = {p.pid for p in cluster.procs}
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="ignore")
            sid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[3])
        except (OSError, IndexError, ValueError):
            continue
        if sid in sessions and cmd.startswith(title):
            found.append(int(entry.name))
    return found
