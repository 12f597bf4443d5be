"""Shared helpers for the scan-source tests."""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable

import numpy as np
import pytest

from sim.scans.candles import DATASETS, market_data_root
from violet_engine.scan_batch import ScanBatch

FIELDS = ("ts_ms", "scan_number", "vel_div", "prices", "present", "esof_score", "esof_ts_ms")


def concat_batches(batches: Iterable[ScanBatch]) -> dict[str, np.ndarray]:
    """All batches of a source as one array per field (tests only: this grows with the source)."""
    parts = list(batches)
    return {f: np.concatenate([getattr(b, f) for b in parts]) for f in FIELDS}


@pytest.fixture(scope="session")
def concat() -> Callable[[Iterable[ScanBatch]], dict[str, np.ndarray]]:
    return concat_batches


@pytest.fixture(scope="session")
def market_root() -> Path:
    """The real candle data; tests that need it are skipped where it is not available."""
    root = market_data_root()
    if not all((root / folder).is_dir() for folder in DATASETS.values()):
        pytest.skip(f"market data not found under {root} (set VIOLET_MARKET_DATA)")
    return root
