"""Boundary probes: the engine asked about the exact edges the SPEC draws, each answer compared
with the value the profile states (never with the engine's own constants).

Runs on generated data almost never land exactly on -0.02 or on an EsoF band edge, so a ``<``
made ``<=`` passes every run; a probe asks the engine directly. Probes go through the organs as
configured (a plugged-in organ is probed), with the organ's SPEC-default settings where a
scenario may state its own (exits, EsoF window), so a drifted default is what is probed.
"""
from __future__ import annotations

from violet_engine import EngineConfig
from violet_engine.constants import DESIGN_SCAN_MS
from violet_engine.execution_policy import DayCounters, ExecutionPolicy, V4Config
from violet_engine.exits import ExitConfig
from violet_engine.leverage import LeverageConfig
from violet_engine.modulation import ModulationConfig

from sim.certify.engine_probes import probe_scan
from sim.certify.profile import EsofProbe, ReplayExits, ReplayProbes, VelDivProbe


def vel_div_failures(config: EngineConfig, probes: tuple[VelDivProbe, ...]) -> list[str]:
    out = []
    for p in probes:
        a = probe_scan(config, p.vel_div)
        if a.outcome != p.outcome or (p.conviction_base is not None and a.conviction_base != p.conviction_base):
            out.append(f"vel_div {p.vel_div!r}: expected {p.outcome} {p.conviction_base}, got {a.outcome} "
                       f"{a.conviction_base}")
    return out


def esof_failures(config: EngineConfig, probes: tuple[EsofProbe, ...]) -> list[str]:
    spec_window = config.model_copy(update={"modulation": ModulationConfig()})
    out = []
    for p in probes:
        a = probe_scan(spec_window, -0.03, esof_score=p.score, esof_age_ms=p.age_ms)
        if a.esof_mult != p.esof_mult:
            out.append(f"EsoF score {p.score!r} aged {p.age_ms} ms: expected {p.esof_mult}, got {a.esof_mult}")
    return out


def _price(at: str, entry: float, exits: ReplayExits) -> float:
    return {"take_profit": entry * (1 - exits.take_profit), "stop_loss": entry * (1 + exits.stop_loss),
            "entry": entry}[at]


def replay_failures(config: EngineConfig, probes: ReplayProbes, exits: ReplayExits) -> list[str]:
    """The spec_replay check's probes: validation of bad prices, IRP ties, exits at their exact
    moves and max-hold, the daily loss limit reached exactly."""
    out = []
    for p in probes.prices:
        a = probe_scan(config, -0.03, prices={"PROBEBUSDT": p.price})
        if a.reject_reason != p.reject:
            out.append(f"price {p.price!r}: expected reject {p.reject}, got {a.outcome} {a.reject_reason}")
    for t in probes.irp_ties:
        a = probe_scan(config, -0.03, drifts=t.drifts)
        if a.asset != t.pick:
            out.append(f"IRP tie {sorted(t.drifts)}: expected {t.pick}, got {a.asset}")
    rule = config.model_copy(update={"exits": ExitConfig()}).load_organs().exits
    for e in probes.exits:
        got = rule.check(100.0, _price(e.at, 100.0, exits), e.held, e.held * DESIGN_SCAN_MS)  # 5 s scans
        if (None if got is None else str(got)) != e.reason:
            out.append(f"exit at {e.at} after {e.held} scans: expected {e.reason}, got {got}")
    for loss in probes.daily_loss:
        day = DayCounters()
        day.pnl = -loss.loss
        gate = ExecutionPolicy(V4Config(daily_loss_limit_usdt=loss.limit)).gate("PROBEAUSDT", halted=False,
                                                                                  slot_busy=False, day=day)
        if (None if gate is None else str(gate)) != loss.gate:
            out.append(f"day loss {loss.loss} at limit {loss.limit}: expected {loss.gate}, got {gate}")
    return out


def flat_above_cap_accepted(cap: int) -> bool:
    """True if a flat leverage one above ``cap`` is taken as a valid configuration."""
    try:
        LeverageConfig(policy="flat", flat=cap + 1, cap=cap)
    except ValueError:
        return False
    return True
