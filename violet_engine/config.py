"""Engine configuration: every organ's settings plus which implementation runs each organ.

Frozen and validated up front; ``config_hash`` identifies a run's configuration in its journal.
Organs are named by dotted path so that a wrapper around a live BLUE organ can replace the
reference implementation without touching the engine.
"""
from __future__ import annotations

import hashlib
import importlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from violet_engine.cadence import CadenceConfig
from violet_engine.constants import BASE_FRACTION, CONVEXITY, EXTREME, MAX_LEVERAGE, MIN_LEVERAGE, THRESHOLD
from violet_engine.exits import ExitConfig
from violet_engine.interfaces import AssetFilter, AssetSelector, BetSizer, ExitRule, SizeModulator, Steepener
from violet_engine.leverage import LeverageConfig
from violet_engine.modulation import ModulationConfig
from violet_engine.selector import SelectorConfig
from violet_engine.sizer import SizerConfig
from violet_engine.stablecoins import StablecoinConfig
from violet_engine.steepener import SteepenerConfig


class OrganLoadError(ValueError):
    """An organ path that cannot be imported, built, or does not provide its interface."""


class OrganPaths(BaseModel):
    """``module:attribute`` of a factory called with the organ's config section."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    stablecoins: str = "violet_engine.stablecoins:StablecoinFilter"
    selector: str = "violet_engine.selector:IrpSelector"
    sizer: str = "violet_engine.sizer:AlphaBetSizer"
    steepener: str = "violet_engine.steepener:MidBandSteepener"
    modulation: str = "violet_engine.modulation:EsofModulator"
    exits: str = "violet_engine.exits:ExitEngine"


def pinned_sizer_config() -> SizerConfig:
    """The SPEC sizer parameters, each stated, none inherited."""
    return SizerConfig(
        threshold=THRESHOLD,
        extreme=EXTREME,
        min_leverage=MIN_LEVERAGE,
        max_leverage=MAX_LEVERAGE,
        convexity=CONVEXITY,
    )


@dataclass(frozen=True, slots=True)
class Organs:
    stablecoins: AssetFilter
    selector: AssetSelector
    sizer: BetSizer
    steepener: Steepener
    modulation: SizeModulator
    exits: ExitRule


# Organ name (a field of both OrganPaths and EngineConfig) -> the interface it must provide.
_INTERFACES: dict[str, type] = {
    "stablecoins": AssetFilter,
    "selector": AssetSelector,
    "sizer": BetSizer,
    "steepener": Steepener,
    "modulation": SizeModulator,
    "exits": ExitRule,
}


class EngineConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    organs: OrganPaths = OrganPaths()
    stablecoins: StablecoinConfig = StablecoinConfig()
    selector: SelectorConfig = SelectorConfig()
    sizer: SizerConfig = Field(default_factory=pinned_sizer_config)
    steepener: SteepenerConfig = SteepenerConfig()
    modulation: ModulationConfig = ModulationConfig()
    base_fraction: float = Field(default=BASE_FRACTION, gt=0)
    leverage: LeverageConfig = LeverageConfig()
    exits: ExitConfig = ExitConfig()
    cadence: CadenceConfig = CadenceConfig()

    @model_validator(mode="after")
    def _steepener_cap(self) -> "EngineConfig":
        if self.steepener.cap != self.sizer.max_leverage:
            raise ValueError("steepener.cap must equal sizer.max_leverage")
        return self

    def at_scan_interval(self, interval_ms: int) -> "EngineConfig":
        """The settings given as durations that the engine counts in scans (the IRP lookback)
        turned into scans at ``interval_ms``; exits keep theirs (they compare scan time)."""
        return self.model_copy(update={"selector": self.selector.at_scan_interval(interval_ms)})

    def scan_count_settings(self) -> dict[str, tuple[int, str]]:
        """The settings counted in scans (written for 5 s scans) that no duration replaces:
        name -> (scans, how to give it as a duration instead)."""
        out: dict[str, tuple[int, str]] = {}
        if self.exits.max_hold_ms is None:
            out["exits.max_hold_scans"] = (self.exits.max_hold_scans, "exits.max_hold_ms")
        if self.selector.lookback_ms is None:
            out["selector.lookback"] = (self.selector.lookback, "selector.lookback_ms")
        for action in ("decide", "enter", "exit_check", "journal_flush"):
            quantum = getattr(self.cadence, action)
            if quantum.unit == "scan" and quantum.every > 1:
                out[f"cadence.{action}.every"] = (quantum.every, f"cadence.{action}.unit: ms")
        return out

    def config_hash(self) -> str:
        """sha256 of the canonical JSON form (sorted keys, no whitespace)."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()

    def load_organs(self) -> Organs:
        paths = self.organs
        return Organs(**{
            name: load_organ(getattr(paths, name), interface, getattr(self, name))
            for name, interface in _INTERFACES.items()
        })


def load_organ(path: str, interface: type, config: Any) -> Any:
    """Import the factory at ``path`` ("package.module:Name"), build it from ``config`` and check
    that the result provides ``interface``."""
    module_name, sep, attr = path.partition(":")
    if not sep:
        module_name, _, attr = path.rpartition(".")
    if not module_name or not attr:
        raise OrganLoadError(f"organ path {path!r} is not of the form 'package.module:Name'")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise OrganLoadError(f"organ path {path!r}: cannot import {module_name!r} ({exc})") from exc
    factory = getattr(module, attr, None)
    if factory is None:
        raise OrganLoadError(f"organ path {path!r}: module {module_name!r} has no {attr!r}")
    try:
        organ = factory(config)
    except Exception as exc:
        raise OrganLoadError(f"organ path {path!r}: building it failed ({type(exc).__name__}: {exc})") from exc
    if not isinstance(organ, interface):
        wanted = [n for n in vars(interface) if not n.startswith("_")]
        missing = [n for n in wanted if not hasattr(organ, n)]
        raise OrganLoadError(f"organ path {path!r} does not provide {interface.__name__} (missing: {', '.join(missing)})")
    return organ


def load_engine_config(path: str | Path) -> EngineConfig:
    """An ``EngineConfig`` from a YAML (``.yaml``/``.yml``) or JSON file; a ValueError with a
    one-line message otherwise."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise ValueError(f"cannot read config {str(path)!r}: {exc.strerror}") from exc
    try:
        data = yaml.safe_load(text) if path.suffix in (".yaml", ".yml") else json.loads(text)
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        raise ValueError(f"config {str(path)!r} is not valid {path.suffix.lstrip('.') or 'JSON'}: {exc}".replace("\n", " ")) from exc
    try:
        return EngineConfig.model_validate(data or {})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise ValueError(f"config {str(path)!r}: {where}: {first['msg']}") from exc
