"""The swarm's Ray backend: the same runs on a Ray cluster, for users who outgrow one machine.

Ray is an optional extra (``pip install 'violet-sim[ray]'``) imported only here, only when asked
for. The cluster is named, never guessed: ``--address HOST:PORT`` (a cluster started with
``ray start --head``), ``ray://HOST:PORT`` (Ray Client), or ``RAY_ADDRESS``; ``--address local``
starts a private cluster on this machine for the swarm. Without one the swarm refuses.

Before any run, one probe task on every node reports that node's violet-sim (version and source
digest); a node that differs from the driver is refused with one line. Tasks carry the parsed
scenario (put once in the object store) and the sha256 of its data files, and every task checks
both where it runs (``sim.harness.swarm_job``). A task whose worker or node dies is retried by Ray
(``TASK_RETRIES``); one that still fails is reported not run (exit 3), and the others go on. A
lost connection to the cluster stops the swarm with one line; swarm.json keeps what finished.
"""
from __future__ import annotations

import os
import socket
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from sim.errors import UserError
from sim.harness.swarm_job import SwarmInfrastructureError, code_identity

TASK_RETRIES = 3
PROBE_TIMEOUT_S = 120.0
CONNECT_TIMEOUT_S = 5.0
ADDRESS_HELP = ("--backend ray needs a cluster: --address HOST:PORT (ray start --head), ray://HOST:PORT, or "
                "RAY_ADDRESS; --address local starts one on this machine")


def _ray() -> Any:
    try:
        import ray  # type: ignore[import-not-found]
    except ImportError:
        raise UserError("--backend ray needs Ray: install the 'ray' extra (pip install 'violet-sim[ray]')") from None
    return ray


def _probe() -> tuple[str, str, str]:
    """On a node: its violet-sim, as ``(version, source_sha256, where)``."""
    from sim.harness.swarm_job import where
    code = code_identity()
    return code.version, code.source_sha256, where()


class RaySession:
    """A connection to a cluster whose every node runs the driver's violet-sim."""

    def __init__(self, ray: Any, workers: int) -> None:
        self.ray, self.workers = ray, workers

    def check_nodes(self) -> None:
        """One probe per live node, pinned to it; a node with other code is refused."""
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy  # type: ignore[import-not-found]

        ray, mine = self.ray, code_identity()
        probe = ray.remote(num_cpus=0)(_probe)
        nodes = [n["NodeID"] for n in ray.nodes() if n.get("Alive")]
        refs = [probe.options(scheduling_strategy=NodeAffinitySchedulingStrategy(n, soft=False)).remote()
                for n in nodes]
        try:
            answers = ray.get(refs, timeout=PROBE_TIMEOUT_S)
        except ray.exceptions.GetTimeoutError:
            raise SwarmInfrastructureError(f"a Ray node did not answer the version probe in {PROBE_TIMEOUT_S:.0f} s"
                                           ) from None
        for version, source, where in answers:
            if (version, source) != (mine.version, mine.source_sha256):
                raise SwarmInfrastructureError(
                    f"refused: {where} runs violet-sim {version} (source {source[:12]}), the driver {mine}: "
                    "install the same violet-sim on every node")

    def map(self, fn: Callable[[Any], Any], jobs: list[Any], not_run: Callable[[Any, str], Any]) -> Iterator[Any]:
        """``fn`` over ``jobs`` (``(spec, seed)``), at most ``workers`` in flight, results as they finish."""
        ray = self.ray
        task = ray.remote(max_retries=TASK_RETRIES)(_call)
        shipped: dict[int, Any] = {}
        queue, pending = list(reversed(jobs)), {}
        try:
            while queue or pending:
                while queue and len(pending) < self.workers:
                    job = queue.pop()
                    spec, seed = job
                    if id(spec) not in shipped:
                        shipped[id(spec)] = ray.put(spec)
                    pending[task.remote(fn, shipped[id(spec)], seed)] = job
                done, _ = ray.wait(list(pending), num_returns=1)
                job = pending.pop(done[0])
                yield self._result(done[0], job, not_run)
        finally:
            for ref in pending:
                ray.cancel(ref, force=True)

    def _result(self, ref: Any, job: Any, not_run: Callable[[Any, str], Any]) -> Any:
        """The task's value; a task Ray could not complete (its worker or node died through every
        retry, out of memory) is a run not run. A lost cluster connection propagates."""
        ray = self.ray
        try:
            return ray.get(ref)
        except (ray.exceptions.WorkerCrashedError, ray.exceptions.NodeDiedError, ray.exceptions.ObjectLostError,
                ray.exceptions.OutOfMemoryError, ray.exceptions.TaskUnschedulableError,
                ray.exceptions.LocalRayletDiedError, ray.exceptions.RayTaskError) as exc:
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            return not_run(job, f"ray: {type(exc).__name__} after {TASK_RETRIES} retries: {first[:200]}")


def _call(fn: Callable[[Any], Any], spec: Any, seed: int) -> Any:
    return fn((spec, seed))


def _address(address: str | None) -> str:
    address = address or os.environ.get("RAY_ADDRESS") or None
    if address is None:
        raise UserError(ADDRESS_HELP)
    return address


def _reachable(target: str) -> str | None:
    """Why a HOST:PORT (or ray://HOST:PORT) cluster cannot be reached, or None: checked first,
    since Ray itself retries an absent cluster for minutes."""
    if target in ("local", "auto"):
        return None
    host, sep, port = target.removeprefix("ray://").rpartition(":")
    if not sep or not port.isdigit():
        raise UserError(f"--address {target}: expected HOST:PORT, ray://HOST:PORT or local")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_TIMEOUT_S).close()
    except OSError as exc:
        return exc.strerror or type(exc).__name__
    return None


@contextmanager
def ray_session(address: str | None, workers: int | None) -> Iterator[RaySession]:
    """Connected to the cluster for the swarm's duration; ``workers`` defaults to its CPUs."""
    ray, target = _ray(), _address(address)
    why = _reachable(target)
    if why is not None:
        raise SwarmInfrastructureError(f"cannot reach the Ray cluster at {target}: {why}")
    try:
        ray.init(address=target, log_to_driver=False, include_dashboard=False if target == "local" else None,
                 logging_level="ERROR", configure_logging=True)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise SwarmInfrastructureError(f"cannot reach the Ray cluster at {target}: {first[:200]}") from None
    try:
        cpus = int(ray.cluster_resources().get("CPU", 0))
        session = RaySession(ray, workers or max(cpus, 1))
        session.check_nodes()
        yield session
    except ray.exceptions.RaySystemError as exc:
        raise SwarmInfrastructureError(f"the Ray cluster at {target} failed: {str(exc).strip()[:200]}") from None
    finally:
        ray.shutdown()
