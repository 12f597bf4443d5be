"""Millisecond instants as ClickHouse ``DateTime64(3, 'UTC')`` values.

The simulator counts integer milliseconds since the epoch; ClickHouse stores the same number as
DateTime64(3). An Arrow int64 sent as is would be read as a different unit, so columns are cast to
``timestamp[ms, UTC]`` on the way in, and read back with ``toUnixTimestamp64Milli``.
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa

TIMESTAMP = pa.timestamp("ms", tz="UTC")
#: The DateTime64 range: 1900-01-01 to 2299-12-31 23:59:59.999 UTC.
MIN_MS = -2_208_988_800_000
MAX_MS = 10_413_792_000_000 - 1


def in_range(ms: np.ndarray) -> np.ndarray:
    """Which values DateTime64(3) can hold (anything else would be clamped silently)."""
    return (ms >= MIN_MS) & (ms <= MAX_MS)


def to_timestamps(ms: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    """int64 milliseconds (``null`` marks missing ones) as an Arrow UTC timestamp column."""
    return pa.array(np.asarray(ms, dtype=np.int64), pa.int64(), mask=null).cast(TIMESTAMP)
