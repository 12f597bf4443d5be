"""The swarm's local backend: worker processes on this machine that can neither hang the swarm
nor outlive it.

A worker killed mid-run (out of memory, ``kill``) breaks a ``ProcessPoolExecutor``: every run not
yet finished fails at once instead of waiting forever, as ``multiprocessing.Pool`` did. The runs
that had not finished go to a fresh pool; if that breaks too, each remaining run gets a pool of
its own, so the one that kills its worker is found, reported as not run (``NOT_RUN``), and the
others finish. Each worker watches its parent and exits when the parent is gone, so a killed
swarm (or certification) leaves no orphans.
"""
from __future__ import annotations

import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable, Iterator

PARENT_POLL_S = 0.5
NOT_RUN = "worker process died twice running this seed: not run"


def _watch_parent(parent: int) -> None:
    """In a worker: exit as soon as the process that started it is gone (re-parented)."""
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL_S)
        os._exit(3)
    threading.Thread(target=watch, daemon=True, name="parent-watch").start()


def _pool(workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_watch_parent, initargs=(os.getpid(),))


def _round(fn: Callable[[Any], Any], jobs: list[Any], workers: int, left: list[Any]) -> Iterator[Any]:
    """Run ``jobs``, yielding each result as it finishes; ``left`` ends holding the jobs that had
    not finished when the pool broke. Closed early (the caller stopped, Ctrl-C), the pool drops
    the jobs it has not started."""
    pending = set(range(len(jobs)))
    pool = _pool(workers)
    try:
        futures = {pool.submit(fn, job): i for i, job in enumerate(jobs)}
        for future in as_completed(futures):
            if isinstance(future.exception(), BrokenProcessPool):
                continue
            pending.discard(futures[future])
            yield future.result()
    finally:
        left[:] = [jobs[i] for i in sorted(pending)]
        pool.shutdown(wait=False, cancel_futures=True)


def local_map(fn: Callable[[Any], Any], jobs: list[Any], workers: int,
              not_run: Callable[[Any, str], Any]) -> Iterator[Any]:
    """``fn`` over ``jobs`` in ``workers`` processes, results as they finish; a job whose worker
    dies in every pool it gets is ``not_run(job, reason)``."""
    if workers <= 1:
        yield from (fn(j) for j in jobs)
        return
    left: list[Any] = []
    yield from _round(fn, jobs, workers, left)
    if left:
        yield from _round(fn, list(left), workers, left)
    for job in list(left):
        alone: list[Any] = []
        yield from _round(fn, [job], 1, alone)
        if alone:
            yield not_run(job, NOT_RUN)
