"""Progress on long runs: a tqdm bar on a terminal, nothing when output is not a terminal."""
from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Iterator, Protocol

from tqdm import tqdm


class Progress(Protocol):
    """What a long job reports: how much there is (once known), then each step done."""

    def start(self, total: int | None) -> None: ...

    def advance(self, n: int) -> None: ...


class _Bar:
    def __init__(self, bar: tqdm) -> None:
        self._bar = bar

    def start(self, total: int | None) -> None:
        self._bar.reset(total=total)

    def advance(self, n: int) -> None:
        self._bar.update(n)


@contextmanager
def progress_bar(label: str, unit: str = "scan") -> Iterator[Progress]:
    """A bar showing items/s and ETA on stderr, disabled when stderr is not a TTY."""
    bar = tqdm(desc=label, unit=unit, unit_scale=True, disable=not sys.stderr.isatty(), leave=False,
               file=sys.stderr, dynamic_ncols=True)
    try:
        yield _Bar(bar)
    finally:
        bar.close()
