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

Job = tuple[str, int]
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


def _round(fn: Callable[[Job], Any], jobs: list[Job], workers: int) -> tuple[list[Any], list[Job]]:
    """Run ``jobs``; the results that finished, and the jobs left when the pool broke."""
    done: list[Any] = []
    left = list(jobs)
    with _pool(workers) as pool:
        futures = {pool.submit(fn, job): job for job in jobs}
        try:
            for future in as_completed(futures):
                done.append(future.result())
                left.remove(futures[future])
        except BrokenProcessPool:
            pass
    return done, left


def local_map(fn: Callable[[Job], Any], jobs: list[Job], workers: int,
              not_run: Callable[[Job, str], Any]) -> Iterator[Any]:
    """``fn`` over ``jobs`` in ``workers`` processes, results as they finish; a job whose worker
    dies in every pool it gets is ``not_run(job, reason)``."""
    if workers <= 1:
        yield from (fn(j) for j in jobs)
        return
    done, left = _round(fn, jobs, workers)
    yield from done
    if left:
        done, left = _round(fn, left, workers)
        yield from done
    for job in left:
        alone, lost = _round(fn, [job], 1)
        yield from alone
        if lost:
            yield not_run(job, NOT_RUN)
