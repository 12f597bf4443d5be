"""A fixed glibc mmap threshold for replays read from ClickHouse, so that memory stays flat.

glibc serves a request of at least its mmap threshold (128 KiB at start) with a mapping of its
own, returned to the system when freed. Freeing such a block raises the threshold to that
block's size (up to 32 MiB), so that later large requests come from the heap instead. A replay
from ClickHouse frees a page of query results every 8,192 scans; after the first few pages the
batch arrays (several MiB each) were cut from the heap, which fragments and keeps growing: a
whole replay from the embedded engine peaked 17-24% higher at 90 days than at 7, where the same
replay from a Parquet archive grew 7-9%. With the threshold held at its starting value the large
arrays are mapped and unmapped as at the start, and the 90-day peak is within a few percent of
the 7-day one. Setting the threshold with ``mallopt`` also stops glibc adjusting it.
"""
from __future__ import annotations

import ctypes
import functools

#: ``M_MMAP_THRESHOLD`` in glibc's ``malloc.h``.
M_MMAP_THRESHOLD = -3
#: glibc's starting threshold (``DEFAULT_MMAP_THRESHOLD_MIN``), held instead of raised.
MMAP_THRESHOLD_BYTES = 4 * 1024 * 1024


@functools.cache
def hold_mmap_threshold() -> bool:
    """Hold this process's mmap threshold at ``MMAP_THRESHOLD_BYTES``; once per process. False
    where the C library has no ``mallopt`` (macOS) or refuses it: memory then behaves as before."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES) == 1
