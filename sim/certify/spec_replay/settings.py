"""What the replay decides with for one run: the profile's SPEC values, except the few settings a
scenario may state for itself.

The SPEC pins the sizer, the base fraction, the stablecoin list, the EsoF bands and the haircut
rounding: those always come from the profile. It leaves configurable the EsoF stale window, the
IRP lookback and alignment gate, the exit brackets and max-hold, the (off by default) steepener
and the V4 settings: a scenario that states one of those is certifying that configuration, so the
replay uses the stated value. A value the scenario leaves unstated is the SPEC's, from the
profile, whatever the engine's own default is.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from sim.certify.profile import ReplayEsof, ReplayExits, ReplayIrp, ReplaySizing, SpecReplaySpec
from sim.scenario.schema import Scenario


@dataclass(frozen=True)
class Steepening:
    """SPEC 4.7: conviction times ``factor`` strictly inside (band_low, band_high), capped."""

    factor: float
    band_low: float
    band_high: float


@dataclass(frozen=True)
class Settings:
    sizing: ReplaySizing
    esof: ReplayEsof
    irp: ReplayIrp
    exits: ReplayExits
    stablecoins: frozenset[str]
    steepening: Steepening | None
    gate_order: tuple[str, ...]


def _stated(section: BaseModel, name: str, default: Any) -> Any:
    """``section.name`` if the scenario file stated it, else ``default``."""
    return getattr(section, name) if name in section.model_fields_set else default


def settings_for(spec: SpecReplaySpec, scenario: Scenario) -> Settings:
    engine = scenario.engine
    stated_engine = engine.model_fields_set
    esof, irp, exits = spec.esof, spec.irp, spec.exits
    if "modulation" in stated_engine:
        esof = esof.model_copy(update={"stale_after_ms": _stated(engine.modulation, "stale_after_ms",
                                                                   esof.stale_after_ms)})
    if "selector" in stated_engine:
        irp = ReplayIrp(lookback=_stated(engine.selector, "lookback", irp.lookback),
                        min_alignment=_stated(engine.selector, "min_irp_alignment", irp.min_alignment))
    if "exits" in stated_engine:
        exits = ReplayExits(**{name: _stated(engine.exits, name, getattr(exits, name))
                               for name in ReplayExits.model_fields})
    steep = engine.steepener
    steepening = None
    if "steepener" in stated_engine and steep.enabled:
        steepening = Steepening(steep.factor, _stated(steep, "band_low", spec.sizing.extreme),
                                _stated(steep, "band_high", spec.sizing.threshold))
    return Settings(spec.sizing, esof, irp, exits, frozenset(spec.stablecoins), steepening, spec.gate_order)
