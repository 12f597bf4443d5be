"""What every scan source offers the simulator: asset columns, a length hint, batches, funding.

The simulator only ever talks to this protocol, so a Parquet archive, the synthetic generator,
real candles and ClickHouse are interchangeable feeds.
"""
from __future__ import annotations

from typing import Iterator, Protocol, runtime_checkable

from violet_engine.scan_batch import ScanBatch

#: Funding series per asset: ``[(settlement ts_ms, rate), ...]`` in time order.
Funding = dict[str, list[tuple[int, float]]]


@runtime_checkable
class ScanSource(Protocol):
    """A replayable feed of scans; ``batches()`` restarts from the first scan on every call."""

    @property
    def assets(self) -> tuple[str, ...]:
        """Price columns of every batch, in column order."""
        ...

    @property
    def num_scans(self) -> int | None:
        """Total scans if known up front (for progress bars), else None."""
        ...

    @property
    def funding(self) -> Funding:
        """Funding settlements per asset; empty when the source has none."""
        ...

    def batches(self) -> Iterator[ScanBatch]:
        """Consecutive batches of bounded size, in scan order."""
        ...
