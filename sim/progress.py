"""Progress on long runs: a tqdm bar on a terminal, nothing when output is not a terminal."""
from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Callable, Iterator

from tqdm import tqdm


@contextmanager
def progress_bar(label: str, total: int | None = None) -> Iterator[Callable[[int], None]]:
    """Yields ``update(n_scans)``; the bar shows scans/s and is off when stderr is not a TTY."""
    bar = tqdm(total=total, desc=label, unit="scan", unit_scale=True, disable=not sys.stderr.isatty(),
               leave=False, file=sys.stderr)
    try:
        yield bar.update
    finally:
        bar.close()
