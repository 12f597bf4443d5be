"""The clientOrderID scheme: every order execution sends says what it is for in its id.

An entry ends in the number of the scan whose decision it carries out, so the venue's own records
tie each opening order to one decision (the monitor checks that no entry lacks one). Exits are
numbered in sending order across the whole run, restarts included (the sequence is part of the
engine's memory), so that no two orders ever share an id.
"""
from __future__ import annotations

from enum import StrEnum


class OrderPurpose(StrEnum):
    """What an order is for, as the orders table journals it."""

    ENTRY = "ENTRY"
    EXIT = "EXIT"


class ClientIdPrefix(StrEnum):
    ENTRY = "ve"               # the decision's own entry (market, or post-only at the ask)
    MAKER_FALLBACK = "vm"      # market entry after the post-only order was refused as a taker
    TIMEOUT_FALLBACK = "vf"    # market entry for the rest of a post-only order that timed out
    EXIT = "vx"                # a closing order, numbered in sending order
    PROTECTIVE_STOP = "vs"     # the venue-side stop of execution.protective_stop, numbered with the exits


ENTRY_PREFIXES = (ClientIdPrefix.ENTRY, ClientIdPrefix.MAKER_FALLBACK, ClientIdPrefix.TIMEOUT_FALLBACK)


def entry_id(prefix: ClientIdPrefix, scan_number: int) -> str:
    return f"{prefix}{scan_number}"


def exit_id(sequence: int) -> str:
    return f"{ClientIdPrefix.EXIT}{sequence}"


def stop_id(sequence: int) -> str:
    return f"{ClientIdPrefix.PROTECTIVE_STOP}{sequence}"


def decision_scan(client_order_id: str) -> int | None:
    """The scan number whose decision an entry's clientOrderID belongs to (None: not an entry)."""
    if client_order_id[:2] in ENTRY_PREFIXES and client_order_id[2:].isdigit():
        return int(client_order_id[2:])
    return None


def is_timeout_fallback(client_order_id: str) -> bool:
    """A fallback sent when a post-only entry's time ran out: later than its decision by design."""
    return client_order_id.startswith(ClientIdPrefix.TIMEOUT_FALLBACK)
