"""The recovery paths of a run, named once.

Each is a duty a live engine has when the venue or the transport misbehaves (ask again, look up a
lost order, settle a cancel, finish an exit...). Execution marks a path each time it takes one
(``probe(path)``: counting only, no behaviour); the swarm's coverage report expects each path
that its configured faults can make necessary (``sim.faults.probes.RECOVERY_PROBES`` says which,
for every member here) and lists the ones no seed reached.
"""
from __future__ import annotations

from enum import StrEnum
from typing import Callable


class RecoveryPath(StrEnum):
    READ_RETRIED = "recovery.read_retried"
    UNKNOWN_ORDER_FOUND = "recovery.unknown_order_found"
    UNKNOWN_ORDER_ABSENT = "recovery.unknown_order_absent"
    DUPLICATE_CLIENT_ID_RESOLVED = "recovery.duplicate_client_id_resolved"
    STRAY_RESPONSE_IGNORED = "recovery.stray_response_ignored"
    STALE_DECISION_GATED = "recovery.stale_decision_gated"
    ENTRY_REFUSED_SETTING = "recovery.entry_refused_setting"
    CANCEL_SETTLED = "recovery.cancel_settled"
    EXIT_RETRIED = "recovery.exit_retried"
    PARTIAL_EXIT_COMPLETED = "recovery.partial_exit_completed"
    LIQUIDATION_SYNCED = "recovery.liquidation_synced"
    RESTART = "recovery.restart"
    RESTART_CANCELLED_ORDERS = "recovery.restart_cancelled_orders"
    RESTART_WITH_POSITION = "recovery.restart_with_position"
    RESTART_HALTED = "recovery.restart_halted"
    SINK_REDELIVERED = "recovery.sink_redelivered"


Probe = Callable[[str], None]


def no_probe(name: str) -> None:
    """The probe of a run that counts nothing."""
