"""Loading recorded trade events and cleaning them, shared by every study.

Cleaning, as the findings record established it: collapse duplicate emission to one row per
trade id (the latest exit time, i.e. the final emission; duplicates are otherwise identical),
then drop HIBERNATE_HALT exits and bars_held = 0 rows, which are artifacts, not trading.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sim.recorded.tables import load_table

HALT = "HIBERNATE_HALT"


@dataclass(frozen=True)
class Trades:
    raw: pa.Table      # every recorded row
    deduped: pa.Table  # one row per trade id, in entry order
    clean: pa.Table    # deduped minus artifacts, in entry order

    def column(self, name: str, table: str = "clean") -> np.ndarray:
        """A numeric column as float64 (money too: studies measure, ``pnl_sum`` stays exact)."""
        return getattr(self, table).column(name).cast(pa.float64()).to_numpy()


def pnl_sum(table: pa.Table) -> Decimal:
    total = pc.sum(table.column("pnl")).as_py()
    return Decimal(0) if total is None else total


def cents(value: Decimal) -> float:
    """Money for JSON: a number of whole cents (exact for any realistic amount)."""
    return float(value.quantize(Decimal("0.01")))


def clean_trades(events: pa.Table) -> Trades:
    latest_first = events.sort_by([("trade_id", "ascending"), ("exit_time", "descending")])
    ids = latest_first.column("trade_id").to_numpy(zero_copy_only=False)
    first = np.ones(ids.shape[0], dtype=bool)
    first[1:] = ids[1:] != ids[:-1]
    deduped = latest_first.filter(pa.array(first)).sort_by([("entry_time", "ascending"), ("trade_id", "ascending")])
    artifact = pc.or_(pc.equal(deduped.column("exit_reason"), HALT), pc.equal(deduped.column("bars_held"), 0))
    return Trades(raw=events, deduped=deduped, clean=deduped.filter(pc.invert(artifact)))


def load_trades(source: str | None) -> Trades:
    """Trade events from a DSN (None: the default target) or a Parquet directory, cleaned."""
    return clean_trades(load_table(source))
