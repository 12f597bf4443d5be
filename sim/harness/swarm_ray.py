"""The swarm's Ray backend: the same runs on a Ray cluster, for users who outgrow one machine.

Ray is an optional extra (``pip install 'violet-sim[ray]'``) imported only here, only when asked
for. ``RAY_ADDRESS`` (or a running local cluster) says where to run; without one Ray starts a
local instance. Every task runs ``sim.harness.swarm.run_seed``, so results are identical to local runs.
"""
from __future__ import annotations

from typing import Any, Callable, Iterator

from sim.errors import UserError


def ray_map(fn: Callable[[tuple[str, int]], Any], jobs: list[tuple[str, int]], workers: int) -> Iterator[Any]:
    """``fn`` over ``jobs`` as Ray tasks (``workers`` caps the tasks in flight, 0: no cap)."""
    try:
        import ray  # type: ignore[import-not-found]
    except ImportError:
        raise UserError("--backend ray needs Ray: install the 'ray' extra (pip install 'violet-sim[ray]')") from None
    if not ray.is_initialized():
        ray.init(ignore_reinit_error=True, log_to_driver=False)
    task = ray.remote(fn)
    limit = workers if workers > 0 else len(jobs)
    pending: list[Any] = []
    queue = list(jobs)
    while queue or pending:
        while queue and len(pending) < limit:
            pending.append(task.remote(queue.pop(0)))
        done, pending = ray.wait(pending, num_returns=1)
        yield from ray.get(done)
