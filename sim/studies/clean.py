"""Clean study: what duplicate emission and halt artifacts do to the recorded PnL."""
from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from matplotlib.figure import Figure

from sim.studies.trades import HALT, Trades, cents, pnl_sum

NAME, TITLE = "clean", "Recorded trades: raw vs cleaned"


def _duplicates(raw: pa.Table) -> dict[str, Any]:
    per_id = raw.group_by("trade_id").aggregate([("pnl", "count"), ("pnl", "count_distinct")])
    rows = per_id.column("pnl_count").to_numpy()
    distinct = per_id.column("pnl_count_distinct").to_numpy()
    multi = rows > 1
    return {
        "duplicate_rows": int(raw.num_rows - per_id.num_rows),
        "multi_row_trade_ids": int(multi.sum()),
        "identical_pnl_share": round(float((distinct[multi] == 1).mean()), 4) if multi.any() else None,
        "max_rows_per_trade": int(rows.max()) if rows.size else 0,
    }


def compute(trades: Trades) -> dict[str, Any]:
    deduped, clean = trades.deduped, trades.clean
    halt = pc.equal(deduped.column("exit_reason"), HALT).to_numpy(zero_copy_only=False)
    zero = pc.equal(deduped.column("bars_held"), 0).to_numpy(zero_copy_only=False)
    dropped = deduped.filter(halt | zero)
    worst = None
    if dropped.num_rows:
        row = dropped.take([int(np.argmin(trades.column("pnl", "deduped")[halt | zero]))]).to_pylist()[0]
        worst = {k: row[k] for k in ("trade_id", "asset", "exit_reason", "bars_held")} | {"pnl": cents(row["pnl"])}
    wins = int((trades.column("pnl") > 0).sum())
    clean_pnl = pnl_sum(clean)
    return {
        "raw": {"rows": trades.raw.num_rows, "trade_ids": deduped.num_rows, "pnl": cents(pnl_sum(trades.raw))},
        "dedup": _duplicates(trades.raw) | {"pnl": cents(pnl_sum(deduped))},
        "artifacts": {"hibernate_halt": int(halt.sum()), "bars_held_zero": int(zero.sum()),
                      "dropped_trades": dropped.num_rows, "dropped_pnl": cents(pnl_sum(dropped)), "worst": worst},
        "clean": {"trades": clean.num_rows, "pnl": cents(clean_pnl), "wins": wins,
                  "win_rate": round(wins / clean.num_rows, 4) if clean.num_rows else None,
                  "edge_per_trade": round(float(clean_pnl) / clean.num_rows, 2) if clean.num_rows else None},
    }


def figure(result: dict[str, Any], trades: Trades) -> Figure:
    fig = Figure(figsize=(10, 4))
    bars, curve = fig.subplots(1, 2)
    labels = ["raw rows", "deduplicated", "clean"]
    values = [result["raw"]["pnl"], result["dedup"]["pnl"], result["clean"]["pnl"]]
    bars.bar(labels, values, color=["#b55", "#c93", "#383"])
    bars.axhline(0, color="black", linewidth=0.8)
    bars.set_title("Total PnL (USDT)")
    curve.plot(np.cumsum(trades.column("pnl")), color="#383")
    curve.set_title(f"Cumulative clean PnL over {result['clean']['trades']} trades")
    curve.set_xlabel("trade")
    fig.tight_layout()
    return fig
