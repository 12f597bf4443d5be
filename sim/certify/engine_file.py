"""``certify --engine FILE``: certify the engine you bring, not only the one the scenarios name.

FILE is an engine configuration (YAML or JSON, the ``engine:`` section of a scenario): organ dotted
paths (``organs: {sizer: "mypkg.sizer:MySizer"}``) and any organ settings. It is laid over the
engine section of every certification scenario, the determinism reruns and the fault suite's
scenarios, key by key (what FILE states wins; what it leaves out stays as each scenario has it),
and recorded in the certificate's provenance with its hash. Golden scenarios keep their own
engine: golden is a regression check of the project's outputs.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from sim.errors import UserError
from sim.scenario.schema import Scenario
from violet_engine.config import EngineConfig, OrganLoadError, load_engine_config


@dataclass(frozen=True)
class EngineFile:
    path: Path
    stated: dict[str, Any]   # the settings as FILE states them (what is laid over each scenario)
    sha256: str

    def provenance(self) -> dict[str, Any]:
        organs = EngineConfig.model_validate(self.stated).organs.model_dump()
        return {"file": str(self.path), "sha256": self.sha256, "organs": organs, "settings": self.stated}


def load_engine_file(path: Path) -> EngineFile:
    """FILE read and validated (its organs imported and built once), or a one-line ``UserError``."""
    try:
        config = load_engine_config(path)
        config.load_organs()
    except (ValueError, OrganLoadError) as exc:
        raise UserError(f"--engine {path}: {exc}") from None
    stated = config.model_dump(mode="json", exclude_unset=True)
    return EngineFile(path, stated, hashlib.sha256(path.read_bytes()).hexdigest())


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def with_engine(scenario: Scenario, engine: EngineFile | None) -> Scenario:
    """``scenario`` with FILE's engine settings laid over its own."""
    if engine is None:
        return scenario
    merged = _merge(scenario.engine.model_dump(mode="json", exclude_unset=True), engine.stated)
    try:
        config = EngineConfig.model_validate(merged)
    except ValueError as exc:
        raise UserError(f"--engine {engine.path} on scenario {scenario.name}: {str(exc).splitlines()[0]}") from None
    return scenario.model_copy(update={"engine": config})


def write_scenario(scenario: Scenario, path: Path) -> Path:
    """The scenario as a file the fault swarm can load (its paths already absolute)."""
    doc = scenario.model_dump(mode="json", exclude_unset=True, exclude={"source_path"})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path
