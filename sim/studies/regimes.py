"""Regimes study: edge per clean trade split by market regime at entry.

Splits: BTC below vs above its MA99; DVOL above vs at-or-below its median; vel_div strong (below
its median, i.e. more negative) vs weak. Each side reports trades, edge per trade (mean PnL), the
mean return on notional in basis points, win rate and total PnL; ``edge_ratio`` and
``return_ratio`` divide the first side by the second. Return strips out position size: a regime
that earns more per trade at equal return (strong vel_div) earns it through conviction sizing.
A split whose inputs were not recorded is reported as unavailable.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure

from sim.studies.trades import Trades

NAME, TITLE = "regimes", "Edge per trade by regime"


def _side(pnl: np.ndarray, ret: np.ndarray, mask: np.ndarray) -> dict[str, Any]:
    n = int(mask.sum())
    if not n:
        return {"trades": 0, "edge_per_trade": None, "return_bp": None, "win_rate": None, "pnl": 0.0}
    return {"trades": n, "edge_per_trade": round(float(pnl[mask].mean()), 2),
            "return_bp": round(float(ret[mask].mean()) * 1e4, 3),
            "win_rate": round(float((pnl[mask] > 0).mean()), 4), "pnl": round(float(pnl[mask].sum()), 2)}


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a is not None and b is not None and b > 0 else None


def _split(pnl: np.ndarray, ret: np.ndarray, first: np.ndarray, known: np.ndarray,
           names: tuple[str, str]) -> dict[str, Any] | None:
    if not known.any():
        return None
    a, b = _side(pnl, ret, first & known), _side(pnl, ret, ~first & known)
    return {names[0]: a, names[1]: b, "edge_ratio": _ratio(a["edge_per_trade"], b["edge_per_trade"]),
            "return_ratio": _ratio(a["return_bp"], b["return_bp"])}


def compute(trades: Trades) -> dict[str, Any]:
    pnl = trades.column("pnl")
    ret = pnl / trades.column("notional")
    btc, ma99, dvol = trades.column("btc_price"), trades.column("btc_ma99"), trades.column("dvol")
    vel_div = trades.column("vel_div_entry")
    has_btc, has_dvol = np.isfinite(btc) & np.isfinite(ma99), np.isfinite(dvol)
    dvol_median = float(np.median(dvol[has_dvol])) if has_dvol.any() else None
    splits = {
        "btc_ma99": _split(pnl, ret, btc < ma99, has_btc, ("below", "above")),
        "dvol": _split(pnl, ret, dvol > (dvol_median or 0.0), has_dvol, ("high", "low")),
        "vel_div": _split(pnl, ret, vel_div < np.median(vel_div), np.ones(pnl.size, dtype=bool), ("strong", "weak")),
    }
    return {"trades": int(pnl.size), "dvol_median": dvol_median, "vel_div_median": float(np.median(vel_div)),
            "splits": {k: v if v is not None else "unavailable" for k, v in splits.items()}}


def figure(result: dict[str, Any], trades: Trades) -> Figure:
    fig = Figure(figsize=(9, 4))
    ax = fig.subplots()
    labels, values = [], []
    for name, split in result["splits"].items():
        if isinstance(split, dict):
            for side, stats in split.items():
                if not side.endswith("ratio"):
                    labels.append(f"{name}\n{side}")
                    values.append(stats["edge_per_trade"] or 0.0)
    ax.bar(labels, values, color=["#236", "#9ab"] * (len(labels) // 2))
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_title("Edge per clean trade (USDT)")
    fig.tight_layout()
    return fig
