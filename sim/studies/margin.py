"""Margin study: would BLUE's realised notionals fit the wallet at k x exchange leverage?

Per clean trade, margin at k x = notional / k; it fits when margin <= capital_before. Wallet
utilisation = margin / capital. Notionals are the recorded ones (after the EsoF haircut), so low
utilisation is partly deliberate de-risking, not free headroom.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure

from sim.studies.trades import Trades

NAME, TITLE = "margin", "Margin envelope at 1x / 2x / 3x"
LEVERAGES = (1, 2, 3)


def compute(trades: Trades, leverages: tuple[int, ...] = LEVERAGES) -> dict[str, Any]:
    notional = trades.column("notional")
    capital = trades.column("capital_before")
    our_leverage = notional / capital
    priced = trades.column("entry_price") * trades.column("quantity")
    by_k = {}
    for k in leverages:
        util = our_leverage / k
        by_k[f"{k}x"] = {"fit": round(float((util <= 1.0).mean()), 4),
                         "utilization_median": round(float(np.median(util)), 4),
                         "utilization_p95": round(float(np.percentile(util, 95)), 4),
                         "utilization_max": round(float(util.max()), 4)}
    return {
        "trades": int(notional.size),
        "our_leverage": {"median": round(float(np.median(our_leverage)), 4), "max": round(float(our_leverage.max()), 4),
                         "per_conviction_median": round(float(np.median(our_leverage / trades.column("leverage"))), 4)},
        "notional_vs_price_x_qty_max_rel_diff": float(np.max(np.abs(priced - notional) / notional)),
        "by_leverage": by_k,
    }


def figure(result: dict[str, Any], trades: Trades) -> Figure:
    fig = Figure(figsize=(10, 4))
    fits, hist = fig.subplots(1, 2)
    by_k = result["by_leverage"]
    fits.bar(list(by_k), [v["fit"] * 100 for v in by_k.values()], color="#236")
    fits.set_ylim(0, 105)
    fits.set_title("Trades whose margin fits the wallet (%)")
    util = trades.column("notional") / trades.column("capital_before") / 2 * 100
    hist.hist(util, bins=50, color="#c93")
    hist.set_title("Wallet utilisation at 2x (%)")
    hist.set_xlabel("margin / capital (%)")
    fig.tight_layout()
    return fig
