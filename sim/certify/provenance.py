"""Where a certificate came from: code, configuration, data, seeds and the software it ran on.

Enough for a reviewer to reproduce the verdict or to see that two certificates certify different
things: the project version and git commit, one hash over the profile and every run's
configuration, one over every input archive and the recorded trades, the seeds used, and the
versions of Python and the packages that shape the results.
"""
from __future__ import annotations

import hashlib
import json
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

from sim.certify.evidence import Evidence, Golden, Unavailable
from sim.certify.profile import Profile
from sim.scenario.schema import ParquetData
from sim.harness.simulate import versions

EXTRA_PACKAGES = ("matplotlib", "chdb", "clickhouse-connect")
_CHUNK = 1 << 20


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "unknown"


def git_commit(root: Path) -> dict[str, Any]:
    """HEAD of the checkout at ``root`` and whether tracked files differ from it; "unknown"
    outside a git checkout or without git."""
    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    if commit is None:
        return {"commit": "unknown", "dirty": None}
    status = git("status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "dirty": None if status is None else bool(status)}


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _combined(parts: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def config_hash(profile: Profile, ev: Evidence) -> tuple[str, dict[str, str]]:
    """One hash over the profile and each run's configuration hash (scenario + seed)."""
    parts = {"profile": hashlib.sha256(profile.model_dump_json().encode()).hexdigest()}
    parts |= {f"run:{r.file}": r.summary.config_hash for r in ev.runs}
    return _combined(parts), parts


def data_hash(ev: Evidence) -> tuple[str, dict[str, str]]:
    """One hash over every scan archive the certification and golden runs read, and the recorded
    trade events. Synthetic data has no archive: its generator settings are configuration."""
    archives = [Path(r.scenario.data.path) for r in ev.runs if isinstance(r.scenario.data, ParquetData)]
    if isinstance(ev.golden, Golden):
        archives += ev.golden.archives
    parts = {f"archive:{path.name}": _sha256_file(path) for path in sorted(set(archives))}
    parts["recorded_trade_events"] = ev.recorded.sha256
    return _combined(parts), parts


def provenance(profile: Profile, ev: Evidence, root: Path) -> dict[str, Any]:
    cfg, cfg_parts = config_hash(profile, ev)
    data, data_parts = data_hash(ev)
    swarm = ev.swarm
    return {
        "project": {"name": "violet-sim", "version": _version("violet-sim"), **git_commit(root)},
        "profile": profile.name,
        "config_hash": cfg,
        "config_parts": cfg_parts,
        "data_hash": data,
        "data_parts": data_parts,
        "recorded_trades": {"source": ev.recorded.source, "origin": ev.recorded.origin},
        "engine": None if ev.engine is None else ev.engine.provenance(),
        "seeds": {
            "scenarios": {r.file: r.summary.seed for r in ev.runs},
            "fault_swarm": None if isinstance(swarm, Unavailable) else list(swarm.seeds),
            "recovery_drills": {d.scenario: list(d.seeds) for d in profile.recovery},
            "recorded_generator": profile.recorded.seed,
        },
        "versions": versions() | {name: _version(name) for name in EXTRA_PACKAGES},
    }
