"""'Sometimes' probes: named counters proving that a fault fired or a recovery path ran.

An invariant must hold always; a probe only has to be reached at least once across a swarm (the
practice of FoundationDB's coverage macros and Antithesis' "sometimes" assertions). A fault that
never fires, or a recovery path no seed reached, tests nothing: the swarm report lists them.
Probes count, they never change behaviour.
"""
from __future__ import annotations

from typing import Any, Iterable

from sim.faults.config import RejectFault, RefuseSettingFault, PriceGapFault, injecting

_VENUE = ("reject", "latency_spike", "lost_response", "late_response", "disconnect")
_UNKNOWN = ("lost_response", "late_response", "latency_spike")

#: Recovery paths, reached by execution and the harness when faults make them necessary: what
#: each means, and the fault kinds that can make it necessary (alternatives; all kinds of one
#: alternative must be configured somewhere in the swarm for the probe to be expected).
RECOVERY_PROBES: dict[str, tuple[str, tuple[tuple[str, ...], ...]]] = {
    "recovery.read_retried": ("a query the venue could not answer was asked again", tuple((k,) for k in _VENUE)),
    "recovery.unknown_order_found": ("an order whose answer was lost was found by clientOrderID",
                                     tuple((k,) for k in _UNKNOWN)),
    "recovery.unknown_order_absent": ("an order whose answer was lost was not at the venue",
                                      tuple((k,) for k in _UNKNOWN)),
    "recovery.duplicate_client_id_resolved": ("a 101481 answer was resolved by querying the order",
                                              (("duplicate_request",),)),
    "recovery.stray_response_ignored": ("a late or duplicate response was ignored",
                                        (("late_response",), ("duplicate_response",))),
    "recovery.stale_decision_gated": ("a decision that waited too long was gated stale_data",
                                      (("latency_spike",), ("disconnect",), ("lost_response",))),
    "recovery.entry_refused_setting": ("a refused leverage/margin-type change gated the entry",
                                       (("refuse_setting",),)),
    "recovery.exit_retried": ("an exit that did not close the position was sent again",
                              tuple((k,) for k in _VENUE)),
    "recovery.partial_exit_completed": ("the rest of a partially filled exit was closed", (("partial_fill",),)),
    "recovery.restart": ("the engine restarted after a crash", (("crash",),)),
    "recovery.restart_with_position": ("a restart adopted the open position from the venue", (("crash",),)),
    "recovery.restart_halted": ("a restart found the operator's halt and kept it", (("crash", "hibernate"),)),
    "recovery.sink_redelivered": ("journal chunks held during a sink outage were delivered", (("sink_outage",),)),
    "recovery.liquidation_synced": ("a liquidation reported by the venue closed the slot",
                                    (("price_gap",), ("mark_divergence",))),
}


class Probes:
    """Counts per probe name for one run."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def hit(self, name: str, times: int = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + times

    def as_dict(self) -> dict[str, int]:
        return dict(sorted(self.counts.items()))


def fault_probe(spec: Any) -> str:
    """The probe a fault hits when it fires: ``fault.<kind>[.<detail>]``."""
    if isinstance(spec, RejectFault):
        return f"fault.reject.{spec.code}"
    if isinstance(spec, RefuseSettingFault):
        return f"fault.refuse_setting.{spec.setting}"
    if isinstance(spec, PriceGapFault):
        return f"fault.price_gap.{spec.through}"
    return f"fault.{spec.kind}"


def expected_probes(fault_lists: Iterable[tuple[Any, ...]]) -> list[str]:
    """Every probe a swarm over these fault lists should reach: one per configured fault (and per
    corruption kind, and the held-position variants of price gaps), and each recovery path that
    one of the configured faults can make necessary."""
    names: set[str] = set()
    kinds: set[str] = set()
    for faults in fault_lists:
        for _, spec in injecting(faults):
            kinds.add(spec.kind)
            names.add(fault_probe(spec))
            if spec.kind == "corrupt_field":
                names.update(f"fault.corrupt_field.{c}" for c in spec.fields)
            if isinstance(spec, PriceGapFault):
                names.add(f"fault.price_gap.{spec.through}.while_held")
    for probe, (_, alternatives) in RECOVERY_PROBES.items():
        if any(all(k in kinds for k in alt) for alt in alternatives):
            names.add(probe)
    return sorted(names)


__all__ = ["Probes", "RECOVERY_PROBES", "fault_probe", "expected_probes"]
