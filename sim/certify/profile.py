"""Certification profiles: which runs certify a configuration, and each check's threshold.

A profile is YAML validated by pydantic. The built-in ones live next to this module
(``profiles/<name>.yaml``); any other file can be named by path, which is how tests certify small,
deliberately broken configurations in seconds. Scenario and golden paths are relative to the
project root given to the runner (absolute paths are used as they are).

The SPEC values a check compares against (threshold -0.02, saturation at 9.0 / 1.80, flat 3x,
the stablecoin list) are stated in the profile rather than read from ``violet_engine.constants``:
certification must fail when the engine's own constants drift, so it cannot take them as its
yardstick. A test keeps the built-in profile equal to the constants as they stand.
"""
from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any, Iterator, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sim.certify.recovery_duties import Duty
from sim.errors import UserError
from sim.recorded.generator import RecordedConfig


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CheckSpec(_Strict):
    """What every check has: whether GO requires it. Subclasses add the thresholds."""

    mandatory: bool = True

    def thresholds(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude={"mandatory"})


class VelDivProbe(_Strict):
    """A scan with this vel_div, after a quiet warm-up: the outcome and base conviction expected."""

    vel_div: float
    outcome: Literal["DECISION", "NO_SIGNAL"]
    conviction_base: float | None = None


class EsofProbe(_Strict):
    """A signal scan whose EsoF score is ``age_ms`` old: the multiplier expected."""

    score: float | None = None
    age_ms: int = Field(default=0, ge=0)
    esof_mult: float


class PriceProbe(_Strict):
    """A scan listing this price for one asset: the reject reason expected."""

    price: float
    reject: str


class IrpTieProbe(_Strict):
    """Warm-up drifts per scan where two assets fall alike: the symbol expected (the smaller)."""

    drifts: dict[str, float]
    pick: str


class ExitProbe(_Strict):
    """The exit engine at the price exactly at a move (``at``) after ``held`` scans."""

    at: Literal["take_profit", "stop_loss", "entry"]
    held: int = Field(ge=0)
    reason: str | None = None


class LossProbe(_Strict):
    """The V4 gate with the day's realised loss at ``loss`` and the limit at ``limit``."""

    loss: float
    limit: float = Field(gt=0)
    gate: str | None = None


class ReplayProbes(_Strict):
    prices: tuple[PriceProbe, ...] = ()
    irp_ties: tuple[IrpTieProbe, ...] = ()
    exits: tuple[ExitProbe, ...] = ()
    daily_loss: tuple[LossProbe, ...] = ()


class ParitySpec(CheckSpec):
    min_pearson: float = Field(ge=-1, le=1)
    max_abs_error: float = Field(gt=0)
    bins: int = Field(default=20, ge=2)


class HaircutSpec(CheckSpec):
    min_esof_mult: float = 0.0
    max_esof_mult: float = 1.0
    probes: tuple[EsofProbe, ...] = ()


class StablecoinSpec(CheckSpec):
    #: The pegged symbols (SPEC 4.2); every one must be listed somewhere in the certification data,
    #: so that exclusion is exercised, not assumed.
    symbols: tuple[str, ...] = Field(min_length=1)
    max_decisions: int = Field(default=0, ge=0)
    max_orders: int = Field(default=0, ge=0)


class SignalSpec(CheckSpec):
    threshold: float = Field(lt=0)
    probes: tuple[VelDivProbe, ...] = ()


class SpikeSpec(CheckSpec):
    extreme: float = Field(lt=0)
    conviction: float = Field(gt=0)
    notional_fraction: float = Field(gt=0)
    #: vel_div values the engine is probed with directly; the SPEC's -605 must be among them.
    probe_vel_div: tuple[float, ...] = Field(min_length=1)
    min_spike_decisions: int = Field(default=1, ge=0)
    probes: tuple[VelDivProbe, ...] = ()


class SlotSpec(CheckSpec):
    max_open_positions: int = Field(default=1, ge=1)
    min_busy_decisions: int = Field(default=1, ge=0)


class LeverageSpec(CheckSpec):
    leverage: int = Field(ge=1)
    cap: int = Field(ge=1)
    #: A flat leverage above the cap must be refused as a configuration.
    refuse_flat_above_cap: bool = True


class MarginSpec(CheckSpec):
    leverage: int = Field(ge=1)
    max_insufficient_margin_rejects: int = Field(default=0, ge=0)
    max_margin_utilization: float = Field(gt=0, le=1)
    #: Share of recorded clean trades whose margin fits the wallet at ``leverage`` (margin study).
    min_recorded_fit: float = Field(default=1.0, ge=0, le=1)


class V4Spec(CheckSpec):
    allowed_assets: int = Field(default=1, ge=1)
    #: V4Config caps that must be configured (and are then checked against the trades).
    required_caps: tuple[str, ...] = ("max_notional_usdt", "max_conviction", "max_trades_per_day",
                                      "daily_loss_limit_usdt")
    #: How far (a share of the cap) a trade's notional at its fill price may exceed the notional cap:
    #: the quantity is sized at the scan price and the venue fills at its own tick-rounded price.
    max_notional_overshoot: float = Field(default=0.0, ge=0, lt=0.1)


class ReplaySizing(_Strict):
    """SPEC 4.3/4.5, pinned: the replay never takes these from a scenario or the engine."""

    threshold: float = Field(lt=0)
    extreme: float = Field(lt=0)
    min_leverage: float = Field(gt=0)
    max_leverage: float = Field(gt=0)
    convexity: int = Field(ge=1)
    base_fraction: float = Field(gt=0)


class ReplayEsof(_Strict):
    """SPEC 4.6: the score bands, the stale window (a scenario may state its own) and the haircut."""

    neutral: float
    unfavourable: float
    stale_fallback: float
    edge: float = Field(ge=0)
    stale_after_ms: int = Field(ge=0)
    noop_tolerance: float = Field(gt=0)
    conviction_digits: int = Field(ge=0, le=15)
    notional_digits: int = Field(ge=0, le=15)


class ReplayIrp(_Strict):
    """SPEC 4.4 (reference): lookback in accepted scans and the muted alignment gate."""

    lookback: int = Field(ge=1)
    min_alignment: float = Field(ge=0, le=1)


class ReplayExits(_Strict):
    """SPEC 5 exit engine defaults (a scenario may state its own brackets and max-hold, as scans
    or, with ``max_hold_ms``, as scan time since the entry)."""

    take_profit: float = Field(gt=0, lt=1)
    stop_loss: float = Field(gt=0)
    max_hold_scans: int = Field(ge=1)
    max_hold_ms: int | None = Field(default=None, ge=1)


class SpecReplaySpec(CheckSpec):
    """The reference replay (SPEC 4-5): every value it decides with, stated here."""

    sizing: ReplaySizing
    esof: ReplayEsof
    irp: ReplayIrp
    exits: ReplayExits
    stablecoins: tuple[str, ...] = Field(min_length=1)
    #: The V4 gates in the order the first one that stops an entry is journaled.
    gate_order: tuple[str, ...] = ("halted", "slot_busy", "asset_not_allowed", "daily_trade_cap",
                                   "daily_loss_halt")
    max_disagreements: int = Field(default=0, ge=0)
    probes: ReplayProbes = ReplayProbes()

    @field_validator("gate_order")
    @classmethod
    def _known_gates(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [g for g in v if g not in REPLAYED_GATES]
        if unknown or len(set(v)) != len(v):
            raise ValueError(f"gate_order must be a permutation of {list(REPLAYED_GATES)}, got {list(v)}")
        return v


#: The V4 gates the replay decides itself (the rest, cadence and venue answers, it does not replay).
REPLAYED_GATES = ("halted", "slot_busy", "asset_not_allowed", "daily_trade_cap", "daily_loss_halt")


class CountSpec(CheckSpec):
    """A check that passes when a count of bad things stays at or below ``max``."""

    max: int = Field(default=0, ge=0)


class GoldenSpec(CheckSpec):
    min_goldens: int = Field(default=1, ge=0)


class FaultSpec(CheckSpec):
    max_breaches: int = Field(default=0, ge=0)
    max_lost_orders: int = Field(default=0, ge=0)


class CoverageSpec(CheckSpec):
    min_reached_share: float = Field(default=1.0, ge=0, le=1)


class RecoveryDutySpec(CheckSpec):
    """The recovery duties over the traced drill runs: none missed, and each duty owed at least
    ``min_owed`` times (a duty that never arose was not checked)."""

    max_missed: int = Field(default=0, ge=0)
    min_owed: dict[str, int] = {}

    @field_validator("min_owed")
    @classmethod
    def _known_duties(cls, v: dict[str, int]) -> dict[str, int]:
        unknown = sorted(set(v) - {str(d) for d in Duty})
        if unknown:
            raise ValueError(f"unknown duties {unknown}; known: {[str(d) for d in Duty]}")
        return v


class Checks(_Strict):
    """One field per check, in report order (the SPEC's order); an omitted check is not run."""

    sizing_parity: ParitySpec | None = None
    haircut_only: HaircutSpec | None = None
    no_stablecoins: StablecoinSpec | None = None
    short_below_threshold: SignalSpec | None = None
    spike_saturation: SpikeSpec | None = None
    slot_gating: SlotSpec | None = None
    exchange_leverage: LeverageSpec | None = None
    margin_3x: MarginSpec | None = None
    v4_single_asset: V4Spec | None = None
    schema_valid: CountSpec | None = None
    invariants: CountSpec | None = None
    expectations: CountSpec | None = None
    venue_audit: CountSpec | None = None
    no_liquidation: CountSpec | None = None
    determinism: CountSpec | None = None
    spec_replay: SpecReplaySpec | None = None
    golden: GoldenSpec | None = None
    fault_suite: FaultSpec | None = None
    fault_coverage: CoverageSpec | None = None
    recovery_duties: RecoveryDutySpec | None = None

    def selected(self) -> Iterator[tuple[str, CheckSpec]]:
        for name in type(self).model_fields:
            spec = getattr(self, name)
            if spec is not None:
                yield name, spec


class Scenarios(_Strict):
    """``v4``: runs of the configuration under certification (single asset, caps); ``baseline``:
    runs of the unrestricted engine on ordinary data (parity configuration, full size)."""

    v4: tuple[str, ...] = Field(min_length=1)
    baseline: tuple[str, ...] = ()


class FaultSuite(_Strict):
    """The fault-injection swarm: scenario files (or directories of them) and seeds per file."""

    scenarios: tuple[str, ...] = Field(min_length=1)
    seeds: int = Field(default=4, ge=1)


class Drill(_Strict):
    """A fault scenario run with all its faults under each of ``seeds``, with its request trace
    kept, for the recovery duties."""

    scenario: str
    seeds: tuple[int, ...] = Field(min_length=1)


class Profile(_Strict):
    name: str
    title: str
    scenarios: Scenarios
    #: Scenarios run a second time; each must give the journal hash of its first run.
    determinism: tuple[str, ...] = ()
    golden: str | None = None
    faults: FaultSuite | None = None
    #: Traced fault runs whose requests the recovery_duties check reads.
    recovery: tuple[Drill, ...] = ()
    #: The recorded-trade generator that seeds an empty embedded store (and recognises its output).
    recorded: RecordedConfig = RecordedConfig()
    checks: Checks

    @model_validator(mode="after")
    def _rerun_what_ran(self) -> "Profile":
        ran = set(self.scenarios.v4) | set(self.scenarios.baseline)
        extra = [s for s in self.determinism if s not in ran]
        if extra:
            raise ValueError(f"determinism scenarios must be certification scenarios too: {extra}")
        return self


def resolve(root: Path, name: str) -> Path:
    """A scenario or golden path of a profile: relative to the project root, absolute as it is."""
    path = Path(name)
    return path if path.is_absolute() else root / path


def builtin_profiles() -> list[str]:
    return sorted(f.name[:-5] for f in resources.files("sim.certify").joinpath("profiles").iterdir()
                  if f.name.endswith(".yaml"))


def load_profile(name_or_path: str) -> Profile:
    """A built-in profile by name (``v4``) or a profile file by path; ``UserError`` if unusable."""
    builtin = resources.files("sim.certify").joinpath("profiles", f"{name_or_path}.yaml")
    if builtin.is_file():
        origin, text = f"profile {name_or_path}", builtin.read_text(encoding="utf-8")
    else:
        path = Path(name_or_path)
        if not path.is_file():
            raise UserError(f"no profile {name_or_path!r} (built-in: {', '.join(builtin_profiles())}; "
                            "or give a profile file)")
        origin, text = str(path), path.read_text(encoding="utf-8")
    try:
        return Profile.model_validate(yaml.safe_load(text))
    except yaml.YAMLError as exc:
        raise UserError(f"{origin}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "<root>"
        raise UserError(f"{origin}: {where}: {first['msg']}") from None
