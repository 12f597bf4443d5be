"""Fault specs: what a scenario's ``faults:`` list may say, validated up front.

Each entry names a ``kind`` and says how often it fires, with a ``rate``, a ``schedule`` of time
windows, or both. What one unit of ``rate`` means depends on the family, because each family has
its own natural opportunity:

| family | kinds | ``rate`` is the probability per |
|---|---|---|
| venue, per request | reject, refuse_setting, latency_spike, lost_response, late_response, duplicate_response, duplicate_request | request of the listed ``requests`` kinds |
| venue, per match | partial_fill | match of an order (the venue's fill model) |
| data, per scan | duplicate_scan, out_of_order_scan, corrupt_field, vel_div_spike, price_gap | scan |
| process, per event | crash | message the engine takes from its inbox |
| windows | disconnect, scan_gap, stale_esof, mark_divergence, sink_outage, hibernate | simulated minute (a window of ``duration_ms`` starts) |
| points | cadence_change | simulated minute |

With a ``schedule`` (windows ``{after_start_ms | at_ts_ms, for_ms}``), a per-request or per-scan
fault fires only inside the windows (at ``rate``, default 1); a window fault is active in each
window; a point fault, and a crash, fires at each window's start (a crash also at the inbox
messages listed in ``at_events``). One optional ``{kind: settings}`` entry tunes the
transport (response timeout, recvWindow, connect timeout) and the quiet period after the data
ends, during which no fault fires and every order must reach a terminal, reconciled state.

The per-seed draw of swarm testing is ``sim.faults.swarm_draw``.
"""
from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

from sim.kernel.requests import RequestKind
from sim.rng import RngStreams
from violet_engine.cadence import Quantum

MINUTE_MS = 60_000

#: Reject codes a ``reject`` fault may inject: the venue's (exchange_mock.errors where it spells
#: them, else the BingX fact sheet) and 429, an HTTP-level rate limit.
REJECT_CODES = (101204, 429, 80012, 110500, 100410, 100500, 101500)


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Window(_Strict):
    """A time window, absolute or counted from the first scan; ``for_ms`` 0 is an instant."""

    at_ts_ms: int | None = Field(default=None, ge=0)
    after_start_ms: int | None = Field(default=None, ge=0)
    for_ms: int = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _one_start(self) -> "Window":
        if (self.at_ts_ms is None) == (self.after_start_ms is None):
            raise ValueError("give exactly one of at_ts_ms or after_start_ms")
        return self

    def bounds(self, start_ms: int) -> tuple[int, int]:
        begin = self.at_ts_ms if self.at_ts_ms is not None else start_ms + int(self.after_start_ms or 0)
        return begin, begin + self.for_ms


class _Fault(_Strict):
    """``rate`` and/or ``schedule``; at least one."""

    family: ClassVar[str] = ""
    #: (low, high) field pairs that must be ordered, e.g. a drawn range of sizes.
    ranges: ClassVar[tuple[tuple[str, str], ...]] = ()
    rate: float | None = Field(default=None, ge=0, le=1)
    schedule: tuple[Window, ...] | None = None

    @model_validator(mode="after")
    def _how_often(self) -> "_Fault":
        if self.rate is None and not self.schedule and not self._other_trigger():
            raise ValueError(f"{self.kind} needs a rate or a schedule")  # type: ignore[attr-defined]
        for low, high in self.ranges:
            if getattr(self, low) > getattr(self, high):
                raise ValueError(f"{low} must be <= {high}")
        return self

    def _other_trigger(self) -> bool:
        return False

    @property
    def probability(self) -> float:
        """The rate at an opportunity inside the schedule (1 when only a schedule is given)."""
        return 1.0 if self.rate is None else self.rate


class _RequestFault(_Fault):
    family: ClassVar[str] = "venue"
    requests: tuple[RequestKind, ...] | None = None
    default_requests: ClassVar[tuple[RequestKind, ...] | None] = None  # None: every kind

    def applies_to(self, kind: RequestKind) -> bool:
        chosen = self.requests if self.requests is not None else self.default_requests
        return chosen is None or kind in chosen


class _WindowFault(_Fault):
    """Active during windows: the schedule's, and with ``rate`` random ones of ``duration_ms``."""

    duration_ms: int = Field(default=60_000, gt=0)


class _ScanFault(_Fault):
    family: ClassVar[str] = "data"


# -- venue ---------------------------------------------------------------------------------------
class RejectFault(_RequestFault):
    """The venue refuses the request with ``code`` (429: an HTTP 429 rate limit); it is not executed."""

    kind: Literal["reject"]
    code: Literal[REJECT_CODES]  # type: ignore[valid-type]
    default_requests: ClassVar[tuple[RequestKind, ...] | None] = (RequestKind.PLACE_ORDER,)


class RefuseSettingFault(_RequestFault):
    """The venue refuses a leverage or margin-type change (109400, as BingX answers)."""

    kind: Literal["refuse_setting"]
    setting: Literal["leverage", "margin_type"]

    def applies_to(self, kind: RequestKind) -> bool:
        return kind == (RequestKind.SET_LEVERAGE if self.setting == "leverage" else RequestKind.SET_MARGIN_TYPE)


class LatencySpikeFault(_RequestFault):
    """One leg (out or back, drawn) takes ``min_ms``..``max_ms`` longer."""

    ranges: ClassVar[tuple[tuple[str, str], ...]] = (("min_ms", "max_ms"),)
    kind: Literal["latency_spike"]
    min_ms: int = Field(default=500, ge=0)
    max_ms: int = Field(default=8_000, ge=0)


class LostResponseFault(_RequestFault):
    """The request reaches the venue and is executed; its response never comes back."""

    kind: Literal["lost_response"]


class LateResponseFault(_RequestFault):
    """The response comes back ``delay_ms`` late: after the caller's timeout, as a stray."""

    kind: Literal["late_response"]
    delay_ms: int = Field(default=15_000, gt=0)


class DuplicateResponseFault(_RequestFault):
    """The response arrives, and a copy of it arrives again ``delay_ms`` later."""

    kind: Literal["duplicate_response"]
    delay_ms: int = Field(default=1_000, ge=0)


class DuplicateRequestFault(_RequestFault):
    """The transport delivers the request twice (a retry after a lost acknowledgement); the venue
    executes both and the caller sees the second answer."""

    kind: Literal["duplicate_request"]
    default_requests: ClassVar[tuple[RequestKind, ...] | None] = (RequestKind.PLACE_ORDER, RequestKind.CANCEL_ORDER)


class DisconnectFault(_WindowFault):
    """No request gets through during a window: each fails after the connect timeout."""

    family: ClassVar[str] = "venue"
    kind: Literal["disconnect"]


class PartialFillFault(_Fault):
    """Matches fill a random part of the remainder (the venue's ``random`` fill model, takers
    included); ``rate`` is the chance a match is partial. Set for the whole run: no schedule."""

    family: ClassVar[str] = "venue"
    kind: Literal["partial_fill"]
    min_fraction: float = Field(default=0.2, gt=0, le=1)

    @model_validator(mode="after")
    def _rate_only(self) -> "PartialFillFault":
        if self.rate is None or self.schedule:
            raise ValueError("partial_fill takes a rate and no schedule (it configures the venue's fill model)")
        return self


# -- data ----------------------------------------------------------------------------------------
class DuplicateScanFault(_ScanFault):
    """The scan arrives twice."""

    kind: Literal["duplicate_scan"]


class OutOfOrderScanFault(_ScanFault):
    """The scan arrives after the next one."""

    kind: Literal["out_of_order_scan"]


CORRUPTIONS = ("vel_div_nan", "vel_div_inf", "price_nan", "price_inf", "price_negative", "price_missing",
               "prices_missing")


class CorruptFieldFault(_ScanFault):
    """One field of the scan is broken: NaN/inf vel_div, a NaN/inf/negative/null price, no prices."""

    kind: Literal["corrupt_field"]
    fields: tuple[Literal[CORRUPTIONS], ...] = CORRUPTIONS  # type: ignore[valid-type]


class VelDivSpikeFault(_ScanFault):
    """vel_div becomes a huge negative value (log-uniform in ``min_size``..``max_size``): real signal."""

    ranges: ClassVar[tuple[tuple[str, str], ...]] = (("min_size", "max_size"),)
    kind: Literal["vel_div_spike"]
    min_size: float = Field(default=1.0, gt=0)
    max_size: float = Field(default=605.0, gt=0)


class PriceGapFault(_ScanFault):
    """Every traded asset's price jumps up by ``size`` and stays there: through a short's stop
    (default 3%) or through its liquidation price (default 45%, beyond 1/3x)."""

    kind: Literal["price_gap"]
    through: Literal["stop", "liquidation"]
    size: float | None = Field(default=None, gt=0, le=10)

    @property
    def jump(self) -> float:
        return self.size if self.size is not None else (0.03 if self.through == "stop" else 0.45)


class ScanGapFault(_WindowFault):
    """No scans arrive during a window."""

    family: ClassVar[str] = "data"
    kind: Literal["scan_gap"]


class StaleEsofFault(_WindowFault):
    """The EsoF plane stalls during a window: scans repeat the last score and its timestamp."""

    family: ClassVar[str] = "data"
    kind: Literal["stale_esof"]
    duration_ms: int = Field(default=1_800_000, gt=0)


class MarkDivergenceFault(_WindowFault):
    """During a window the venue's mark price is ``size`` above the last price (negative: below)."""

    family: ClassVar[str] = "data"
    kind: Literal["mark_divergence"]
    size: float = Field(default=0.05, gt=-0.9, lt=10)


# -- process and operator ------------------------------------------------------------------------
class CrashFault(_Fault):
    """The engine dies when it takes inbox message ``at_events`` (1-based, counted over the run)
    or a random one (``rate`` per message), ``within_ms`` later at most, or at the start of each
    ``schedule`` window; it restarts after ``restart_ms``, rebuilds its state from the journal and
    reconciles with the venue before it acts."""

    family: ClassVar[str] = "process"
    kind: Literal["crash"]
    at_events: tuple[Annotated[int, Field(ge=1)], ...] = ()
    within_ms: int = Field(default=0, ge=0)
    restart_ms: int = Field(default=5_000, ge=1)

    def _other_trigger(self) -> bool:
        return bool(self.at_events)


class SinkOutageFault(_WindowFault):
    """The journal sink is unreachable during a window; the journal is flushed every
    ``flush_every_ms`` so that chunks meet the outage and must be delivered when it ends."""

    family: ClassVar[str] = "process"
    kind: Literal["sink_outage"]
    flush_every_ms: int = Field(default=60_000, gt=0)


class HibernateFault(_WindowFault):
    """The operator halts (HIBERNATE) for the window, then resumes."""

    family: ClassVar[str] = "operator"
    kind: Literal["hibernate"]
    duration_ms: int = Field(default=1_800_000, gt=0)


class CadenceChangeFault(_Fault):
    """The operator sets a new quantum for ``action``, drawn from ``quanta``."""

    family: ClassVar[str] = "operator"
    kind: Literal["cadence_change"]
    action: Literal["decide", "enter", "exit_check", "journal_flush"]
    quanta: tuple[Quantum, ...] = Field(min_length=1)


class FaultSettings(_Strict):
    """Transport and liveness settings of a faulty run (no fault by itself)."""

    family: ClassVar[str] = "settings"
    kind: Literal["settings"]
    response_timeout_ms: int = Field(default=10_000, gt=0)
    recv_window_ms: int = Field(default=5_000, gt=0)
    connect_timeout_ms: int = Field(default=2_000, gt=0)
    quiet_ms: int = Field(default=120_000, gt=0)

    @model_validator(mode="after")
    def _order(self) -> "FaultSettings":
        if self.recv_window_ms >= self.response_timeout_ms:
            raise ValueError("recv_window_ms must be below response_timeout_ms, so that a request the caller "
                             "gave up on is executed or refused before the caller's query reaches the venue")
        return self


FaultSpec = Annotated[Union[
    RejectFault, RefuseSettingFault, LatencySpikeFault, LostResponseFault, LateResponseFault,
    DuplicateResponseFault, DuplicateRequestFault, DisconnectFault, PartialFillFault,
    DuplicateScanFault, OutOfOrderScanFault, CorruptFieldFault, VelDivSpikeFault, PriceGapFault,
    ScanGapFault, StaleEsofFault, MarkDivergenceFault,
    CrashFault, SinkOutageFault, HibernateFault, CadenceChangeFault, FaultSettings,
], Field(discriminator="kind")]

FAULT_KINDS: tuple[str, ...] = tuple(
    t.model_fields["kind"].annotation.__args__[0]  # type: ignore[union-attr]
    for t in FaultSpec.__origin__.__args__)  # type: ignore[attr-defined]

_ADAPTER: TypeAdapter[tuple[Any, ...]] = TypeAdapter(tuple[FaultSpec, ...])


def settings_of(faults: tuple[Any, ...]) -> FaultSettings:
    for f in faults:
        if isinstance(f, FaultSettings):
            return f
    return FaultSettings(kind="settings")


def injecting(faults: tuple[Any, ...]) -> tuple[tuple[int, Any], ...]:
    """The faults that inject something, with their index in the list (their streams' names)."""
    return tuple((i, f) for i, f in enumerate(faults) if not isinstance(f, FaultSettings))


def of_family(faults: tuple[Any, ...], family: str) -> tuple[tuple[int, Any], ...]:
    return tuple((i, f) for i, f in injecting(faults) if f.family == family)


def parse_faults(raw: Any) -> tuple[Any, ...]:
    """Validate a list of fault specs (for tools that build them outside a scenario file)."""
    return _ADAPTER.validate_python(raw)


def describe(faults: tuple[Any, ...]) -> list[str]:
    """One short label per injecting fault, e.g. ``reject:80012@0.03``."""
    out = []
    for _, f in injecting(faults):
        label = f.kind
        if isinstance(f, RejectFault):
            label += f":{f.code}"
        elif isinstance(f, RefuseSettingFault):
            label += f":{f.setting}"
        elif isinstance(f, PriceGapFault):
            label += f":{f.through}"
        if f.rate is not None:
            label += f"@{f.rate:g}"
        if f.schedule:
            label += f"+{len(f.schedule)}w"
        out.append(label)
    return out
