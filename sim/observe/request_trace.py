"""The request trace: every request execution got an answer to, in order, with the engine
incarnation that sent it (``requests.parquet``, opt-in).

The journal records what became of orders (their final states); the duties of recovery are about
what execution *asked* after an unclear answer (a lookup by clientOrderID, a query after an
unanswered cancel, the cancels a restarted engine owes the working orders it finds). The trace
records exactly that. It is a side table: it is not one of the journal's tables, so it never
enters the journal hash, and a run that keeps it has the same hash as one that does not.

A request whose sender was killed by a crash before its answer came has no row (nobody read that
answer); a restarted engine owes what it finds instead, which its own rows show.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pyarrow as pa
import pyarrow.parquet as pq

from exchange_mock.params import flag
from sim.execution.replies import open_orders, order_of
from sim.kernel.requests import Envelope, RequestKind

TRACE_FILE = "requests.parquet"

REQUESTS = pa.schema([
    ("seq", pa.int64()),
    ("sent_ms", pa.int64()),
    ("answered_ms", pa.int64()),
    ("incarnation", pa.int64()),       # 0: the first engine process; n: after its n-th restart
    ("kind", pa.string()),
    ("symbol", pa.string()),
    ("client_order_id", pa.string()),
    ("order_id", pa.int64()),          # as asked (cancel, query) or as answered (place); 0: none
    ("reduce_only", pa.bool_()),
    ("code", pa.int64()),              # the venue's code, or the link's (-1 TIMEOUT, -2 DISCONNECTED)
    ("status", pa.string()),           # the order's status in the answer ("" without one)
    ("open_order_ids", pa.list_(pa.int64())),  # OPEN_ORDERS answers: the working orders listed
])


class RequestTrace:
    """Collects one row per answered request (``VenueLink``'s ``on_answer``) and writes them."""

    def __init__(self, now: Callable[[], int], incarnation: Callable[[], int]) -> None:
        self._now = now
        self._incarnation = incarnation
        self._rows: list[dict[str, Any]] = []

    def on_answer(self, kind: RequestKind, params: dict[str, Any], resp: Envelope) -> None:
        order = order_of(resp)
        asked = params.get("orderId")
        self._rows.append({
            "seq": len(self._rows), "sent_ms": int(params["timestamp"]), "answered_ms": self._now(),
            "incarnation": self._incarnation(), "kind": str(kind), "symbol": str(params.get("symbol", "")),
            "client_order_id": str(params.get("clientOrderID") or (order or {}).get("clientOrderId") or ""),
            "order_id": int(asked if asked is not None else (order or {}).get("orderId") or 0),
            "reduce_only": flag("reduceOnly", params.get("reduceOnly")), "code": int(resp.get("code", 0)),
            "status": str((order or {}).get("status", "")),
            "open_order_ids": [int(o["orderId"]) for o in open_orders(resp)] if kind == RequestKind.OPEN_ORDERS
            and resp.get("code") == 0 else []})

    def write(self, out_dir: Path) -> Path:
        path = out_dir / TRACE_FILE
        pq.write_table(pa.Table.from_pylist(self._rows, schema=REQUESTS), path)
        return path
