"""'Sometimes' probes: named counters proving that a fault fired or a recovery path ran.

An invariant must hold always; a probe only has to be reached at least once across a swarm (the
practice of FoundationDB's coverage macros and Antithesis' "sometimes" assertions). A fault that
never fires, or a recovery path no seed reached, tests nothing: the swarm report lists them.
Probes count, they never change behaviour.
"""
from __future__ import annotations

from typing import Any, Iterable

from sim.execution.recovery_paths import RecoveryPath
from sim.faults.config import PriceGapFault, RefuseSettingFault, RejectFault, injecting

_VENUE = ("reject", "latency_spike", "lost_response", "late_response", "disconnect")
_UNKNOWN = ("lost_response", "late_response", "latency_spike")

#: Recovery paths (``sim.execution.recovery_paths.RecoveryPath``, every member listed), reached by
#: execution and the harness when faults make them necessary: what each means, and the fault
#: kinds that can make it necessary (alternatives; all kinds of one alternative must be configured
#: somewhere in the swarm for the probe to be expected). A ``(kind, request)`` pair asks for a fault
#: of that kind that names the request kind in its ``requests``. No alternative: counted, never
#: expected (no fault can force the situation; the README's fault section names these).
RECOVERY_PROBES: dict[RecoveryPath, tuple[str, tuple[tuple[str, ...], ...]]] = {
    RecoveryPath.READ_RETRIED: ("a query the venue could not answer was asked again", tuple((k,) for k in _VENUE)),
    RecoveryPath.UNKNOWN_ORDER_FOUND: ("an order whose answer was lost was found by clientOrderID",
                                       tuple((k,) for k in _UNKNOWN)),
    RecoveryPath.UNKNOWN_ORDER_ABSENT: ("an order whose answer was lost was not at the venue",
                                        tuple((k,) for k in _UNKNOWN)),
    RecoveryPath.DUPLICATE_CLIENT_ID_RESOLVED: ("a 101481 answer was resolved by querying the order",
                                                (("duplicate_request",),)),
    RecoveryPath.STRAY_RESPONSE_IGNORED: ("a late or duplicate response was ignored",
                                          (("late_response",), ("duplicate_response",))),
    RecoveryPath.STALE_DECISION_GATED: ("a decision that waited too long was gated stale_data",
                                        (("latency_spike",), ("disconnect",), ("lost_response",))),
    RecoveryPath.ENTRY_REFUSED_SETTING: ("a refused leverage/margin-type change gated the entry",
                                         (("refuse_setting",),)),
    RecoveryPath.CANCEL_SETTLED: ("a cancel without a usable answer was settled by querying the order",
                                  tuple((f"{k}:cancel_order",) for k in _UNKNOWN)),
    RecoveryPath.EXIT_RETRIED: ("an exit that did not close the position was sent again",
                                tuple((k,) for k in _VENUE)),
    RecoveryPath.PARTIAL_EXIT_COMPLETED: ("the rest of a partially filled exit was closed", (("partial_fill",),)),
    RecoveryPath.LIQUIDATION_SYNCED: ("a liquidation reported by the venue closed the slot",
                                      (("price_gap",), ("mark_divergence",))),
    RecoveryPath.RESTART: ("the engine restarted after a crash", (("crash",),)),
    RecoveryPath.RESTART_CANCELLED_ORDERS: ("a restart found a working entry and cancelled it", ()),
    RecoveryPath.RESTART_WITH_POSITION: ("a restart adopted the open position from the venue", (("crash",),)),
    RecoveryPath.RESTART_HALTED: ("a restart found the operator's halt and kept it", (("crash", "hibernate"),)),
    RecoveryPath.SINK_REDELIVERED: ("journal chunks held during a sink outage were delivered", (("sink_outage",),)),
}
assert set(RECOVERY_PROBES) == set(RecoveryPath), "every recovery path says when it is expected"


class Probes:
    """Counts per probe name for one run."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def hit(self, name: str, times: int = 1) -> None:
        name = str(name)  # a RecoveryPath counts under its text
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
            kinds.update(f"{spec.kind}:{r}" for r in getattr(spec, "requests", None) or ())
            names.add(fault_probe(spec))
            if spec.kind == "corrupt_field":
                names.update(f"fault.corrupt_field.{c}" for c in spec.fields)
            if isinstance(spec, PriceGapFault):
                names.add(f"fault.price_gap.{spec.through}.while_held")
    for probe, (_, alternatives) in RECOVERY_PROBES.items():
        if any(all(k in kinds for k in alt) for alt in alternatives):
            names.add(str(probe))
    return sorted(names)


__all__ = ["Probes", "RECOVERY_PROBES", "fault_probe", "expected_probes"]
