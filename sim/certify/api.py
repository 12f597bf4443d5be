"""``certify(...)``: the certification as a Python call, the same one ``violet-sim certify`` makes."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from sim.certify.checks import CheckResult
from sim.certify.engine_file import load_engine_file
from sim.certify.profile import load_profile
from sim.certify.runner import Request, certify as run_certification


@dataclass(frozen=True)
class Certification:
    """The verdict (``GO`` / ``NO-GO``), why, every check, and where the evidence was written
    (``certificate.json``, ``report.html`` in ``out_dir``)."""

    verdict: str
    reason: str
    checks: list[CheckResult]
    certificate: dict[str, Any]
    out_dir: Path

    @property
    def go(self) -> bool:
        return self.verdict == "GO"


def certify(out: str | Path, *, profile: str = "v4", source: str | None = None, seeds: int | None = None,
            workers: int | None = None, root: str | Path = ".", golden: bool = True,
            engine: str | Path | None = None,
            log: Callable[[str], None] = lambda message: None) -> Certification:
    """Certify the engine with ``profile`` (a built-in name or a profile YAML file); recorded trades
    from ``source`` (a ClickHouse DSN or a folder of Parquet; default: the embedded store);
    ``golden=False`` skips the golden regression check; ``engine``: an engine configuration file
    laid over every certification scenario (``engine_file``)."""
    chosen = load_profile(profile)
    out_dir = Path(out)
    brought = None if engine is None else load_engine_file(Path(engine))
    req = Request(chosen, Path(root), out_dir, source, seeds, workers, golden, brought)
    cert, results = run_certification(req, log)
    return Certification(cert["verdict"], cert["reason"], results, cert, out_dir)
