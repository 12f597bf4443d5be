"""What one swarm task carries, and the checks a worker makes before it runs it.

A task never re-reads a scenario file: the driver reads and validates each file once and ships the
parsed scenario, so editing the file while a swarm runs (or a worker node holding an older copy)
cannot change what runs. Files the scenario reads (a scan archive, a contract table, candle files)
are too large to ship with every task; the driver sends their sha256, and a worker hashes the files
it would read and refuses the task if any differs. A worker also refuses when its violet-sim
(version and a digest of its source files) is not the driver's. A refusal is a value
(``Refusal``), not an exception, so that it crosses process and node boundaries unchanged; the
swarm stops on the first one with its one line.
"""
from __future__ import annotations

import hashlib
import os
import socket
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Iterable

from sim.scenario.schema import CandleData, ParquetData, Scenario

#: The packages whose source decides a run's outcome.
SOURCE_PACKAGES = ("sim", "violet_engine", "exchange_mock")


class SwarmInfrastructureError(Exception):
    """The swarm could not go on (a cluster lost or unreachable, a worker running other code or
    data): one line; the runs that finished are kept in swarm.json. Not a seed's failure."""


@dataclass(frozen=True)
class CodeIdentity:
    """violet-sim's version and the sha256 of its source files (every file of its packages)."""

    version: str
    source_sha256: str

    def __str__(self) -> str:
        return f"violet-sim {self.version} (source {self.source_sha256[:12]})"


@dataclass(frozen=True)
class DataFile:
    """A file a scenario reads, by the path it is read from and the sha256 of its bytes."""

    path: str
    sha256: str


@dataclass(frozen=True)
class SwarmScenario:
    """One scenario as every task of a swarm runs it: the parsed content, read once."""

    file: str                     # as the user named it: labels results and the replay command
    scenario: Scenario
    file_sha256: str              # of the scenario file's bytes when the driver read it
    data: tuple[DataFile, ...]
    code: CodeIdentity

    @property
    def data_sha256(self) -> str:
        """One digest over the data files' digests (a swarm.json names no machine paths)."""
        return hashlib.sha256("".join(f.sha256 for f in self.data).encode()).hexdigest()


@dataclass(frozen=True)
class Refusal:
    """A worker that will not run a task: its own code or data differ from the driver's."""

    reason: str


_CODE: CodeIdentity | None = None
_DIGESTS: dict[tuple[str, int, int, int], str] = {}


def code_identity() -> CodeIdentity:
    """This process's violet-sim: computed once (the source cannot change under a running import)."""
    global _CODE
    if _CODE is None:
        import importlib
        digest = hashlib.sha256()
        for name in SOURCE_PACKAGES:
            root = Path(importlib.import_module(name).__file__ or "").parent
            for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
                digest.update(f"{name}/{path.relative_to(root).as_posix()}\0".encode())
                digest.update(hashlib.sha256(path.read_bytes()).digest())
        try:
            version = metadata.version("violet-sim")
        except metadata.PackageNotFoundError:
            version = "unknown"
        _CODE = CodeIdentity(version, digest.hexdigest())
    return _CODE


def file_sha256(path: Path) -> str:
    """sha256 of a file's bytes, remembered while its size and modification time stay the same."""
    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns, st.st_ino)
    if key not in _DIGESTS:
        digest = hashlib.sha256()
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        _DIGESTS[key] = digest.hexdigest()
    return _DIGESTS[key]


def _files_under(paths: Iterable[str | Path]) -> list[Path]:
    found: list[Path] = []
    for p in map(Path, paths):
        found += sorted(f for f in p.rglob("*") if f.is_file()) if p.is_dir() else [p]
    return found


def data_paths(scenario: Scenario) -> list[Path]:
    """Every file the scenario's run reads, as resolved in this process (synthetic data reads none;
    a ClickHouse source is a database, not a file, and is not checked)."""
    data, paths = scenario.data, []
    if isinstance(data, ParquetData):
        paths.append(Path(data.path))
    if isinstance(data, CandleData):
        if data.dataset is not None:
            from sim.scans.candles import DATASETS, FUNDED, FUNDING_DIR, market_data_root
            root = market_data_root()
            paths += _files_under([root / DATASETS[data.dataset]])
            if data.dataset in FUNDED and data.funding is None:
                paths += _files_under([root / FUNDING_DIR])
        for value in (data.path, data.marks, data.funding):
            paths += _files_under([value] if isinstance(value, str) else value or ())
    if scenario.venue.contracts_dir is not None:
        paths += [scenario.venue.contracts_dir / n for n in ("contracts.csv", "maint_tiers.csv")]
    return paths


def data_files(scenario: Scenario) -> tuple[DataFile, ...]:
    """``data_paths`` with their digests (``missing`` for a file that cannot be read)."""
    out = []
    for path in data_paths(scenario):
        try:
            out.append(DataFile(str(path), file_sha256(path)))
        except OSError:
            out.append(DataFile(str(path), "missing"))
    return tuple(out)


def prepare(file: str, scenario: Scenario) -> SwarmScenario:
    """On the driver: the scenario as its tasks carry it."""
    return SwarmScenario(file, scenario, file_sha256(Path(file)), data_files(scenario), code_identity())


def where() -> str:
    return f"worker {socket.gethostname()} pid {os.getpid()}"


def check_here(spec: SwarmScenario) -> Refusal | None:
    """On a worker: None when this process runs the driver's code on the driver's data."""
    mine = code_identity()
    if mine != spec.code:
        return Refusal(f"{where()} runs {mine}, the driver {spec.code}: install the same violet-sim "
                       "on every node")
    here = {f.path: f.sha256 for f in data_files(spec.scenario)}
    for f in spec.data:
        if here.get(f.path) != f.sha256:
            seen = here.get(f.path, "missing")
            return Refusal(f"{where()}: data file {f.path} of {spec.file} has sha256 {seen[:12]} there, "
                           f"{f.sha256[:12]} on the driver: copy the same file to every node")
    return None
