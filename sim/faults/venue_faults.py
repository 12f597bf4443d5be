"""Venue faults: the fault layer of the venue link, deciding each request's fate.

Every fault draws from its own named stream (``faults.<index>.<kind>``), one draw per request it
applies to, so adding or removing a fault never shifts another's draws. Injected rejects carry
the venue's real codes and messages (``exchange_mock.errors`` where it spells them, the BingX
fact sheet otherwise); 429 is an HTTP-level refusal flagged ``http_status: 429``. Partial fills
are not a link fault: they configure the venue's own fill model (``venue_fill_model``).
"""
from __future__ import annotations

from typing import Any, Callable

from exchange_mock.errors import Code, VenueError, bad_request
from sim.faults.config import (DisconnectFault, DuplicateRequestFault, DuplicateResponseFault, FaultSettings,
                               LatencySpikeFault, LateResponseFault, LostResponseFault, PartialFillFault,
                               RefuseSettingFault, RejectFault, of_family)
from sim.faults.probes import Probes, fault_probe
from sim.faults.schedule import Gate, WindowClock
from sim.rng import RngStreams
from sim.kernel.link import Fate, Transport
from sim.kernel.requests import Envelope, RequestKind

def reject_envelope(code: int) -> Envelope:
    """The envelope the venue answers a refused request with."""
    if code == 429:
        return {"code": 429, "msg": "Too Many Requests", "http_status": 429}
    err = VenueError(Code(code))
    return {"code": int(err.code), "msg": err.msg}


def _refusal(setting: str) -> Envelope:
    err = bad_request("margin is not enough" if setting == "leverage" else "account has positions or pending orders")
    return {"code": int(err.code), "msg": err.msg}


class VenueFaults:
    """``LinkFaults`` for one run; ``active`` goes False when the data ends (the quiet period)."""

    def __init__(self, faults: tuple[Any, ...], settings: FaultSettings, streams: RngStreams, probes: Probes,
                 start_ms: int, now: Callable[[], int],
                 on_unknown: Callable[[RequestKind, dict[str, Any]], None] = lambda kind, params: None) -> None:
        self.transport = Transport(settings.response_timeout_ms, settings.recv_window_ms, settings.connect_timeout_ms)
        self.probes = probes
        self.active = True
        self._now = now
        self._gates: list[tuple[Any, Gate, Any]] = []
        self._disconnects: list[WindowClock] = []
        for i, spec in of_family(faults, "venue"):
            if isinstance(spec, PartialFillFault):
                continue
            if isinstance(spec, DisconnectFault):
                self._disconnects.append(WindowClock(spec, streams.stream(f"faults.{i}.disconnect"), start_ms,
                                                     spec.duration_ms))
                continue
            values = streams.stream(f"faults.{i}.{spec.kind}.values")
            self._gates.append((spec, Gate(spec, streams.stream(f"faults.{i}.{spec.kind}"), start_ms), values))
        self.on_unknown = on_unknown  # the link gave up waiting: the request's outcome is unknown

    def fate(self, kind: RequestKind, params: dict[str, Any]) -> Fate:
        if not self.active:
            return Fate()
        now = int(self._now())
        if any(clock.active(now) for clock in self._disconnects):
            self.probes.hit("fault.disconnect")
            return Fate(disconnected=True)
        fate: dict[str, Any] = {}
        for spec, gate, values in self._gates:
            if not spec.applies_to(kind):
                continue
            u, v = values.random(2).tolist()  # drawn for every applicable request, fired or not
            if not gate.fires(now):
                continue
            self.probes.hit(fault_probe(spec))
            if isinstance(spec, RejectFault):
                fate.setdefault("refuse", reject_envelope(spec.code))
            elif isinstance(spec, RefuseSettingFault):
                fate.setdefault("refuse", _refusal(spec.setting))
            elif isinstance(spec, LatencySpikeFault):
                extra = spec.min_ms + int(u * (spec.max_ms - spec.min_ms + 1))
                leg = "extra_out_ms" if v < 0.5 else "extra_back_ms"
                fate[leg] = fate.get(leg, 0) + extra
            elif isinstance(spec, LostResponseFault):
                fate["lost"] = True
            elif isinstance(spec, LateResponseFault):
                fate["extra_back_ms"] = fate.get("extra_back_ms", 0) + spec.delay_ms
            elif isinstance(spec, DuplicateResponseFault):
                fate["duplicate_after_ms"] = spec.delay_ms
            elif isinstance(spec, DuplicateRequestFault):
                fate["duplicate_request"] = True
        return Fate(**fate)

    def timed_out(self, kind: RequestKind, params: dict[str, Any]) -> None:
        """The caller gave up on this request: its outcome is unknown until the engine asks."""
        self.on_unknown(kind, params)


def venue_fill_model(faults: tuple[Any, ...]) -> dict[str, Any] | None:
    """The venue ``fill`` config a ``partial_fill`` fault asks for (None: leave the venue's)."""
    for _, spec in of_family(faults, "venue"):
        if isinstance(spec, PartialFillFault):
            return {"kind": "random", "partial_probability": spec.rate, "min_fraction": str(spec.min_fraction),
                    "takers": True}
    return None
