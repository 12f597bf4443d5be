"""Parity study: does the base sizer reproduce BLUE's recorded median conviction curve?

Clean trades are binned by vel_div: the saturated ones (vel_div <= extreme, base = max leverage)
form one bin, the mid band ``bins - 1`` equal-count bins, so no bin straddles the curve's kink at
``extreme`` (such a bin mixes two regimes and its median says nothing about either). In each bin
the median recorded conviction (``leverage``) is compared with the median base conviction of the
same trades; the gate is Pearson over bins >= ``min_pearson`` and max |difference| <=
``max_abs_error``. Medians of ~100 trades whose sizes carry +-30% haircuts and boosts are noisy
where the curve is steep, so the error gate has little slack at the record's sample size. The
steepener tail is the share of trades whose recorded / base conviction exceeds ``tail_ratio``,
by vel_div band: the EsoF plane only cuts size, so anything above 1 is another organ.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure

from sim.recorded.base_curve import base_conviction
from sim.studies.trades import Trades
from violet_engine.constants import EXTREME, THRESHOLD

NAME, TITLE = "parity", "Sizing parity: base curve vs recorded median conviction"
MIN_PEARSON, MAX_ABS_ERROR, TAIL_RATIO, BINS = 0.999, 0.25, 1.05, 20
#: (label, lower bound exclusive, upper bound inclusive) of the vel_div bands the tail is split by.
BANDS = [("<= -0.06", -np.inf, -0.06), ("(-0.06, -0.05]", -0.06, EXTREME), ("(-0.05, -0.04]", EXTREME, -0.04),
         ("(-0.04, -0.03]", -0.04, -0.03), ("(-0.03, -0.02)", -0.03, THRESHOLD)]


def _share(mask: np.ndarray, tail: np.ndarray) -> dict[str, Any]:
    n = int(mask.sum())
    return {"trades": n, "tail": int(tail[mask].sum()), "share": round(float(tail[mask].mean()), 4) if n else None}


def compute(trades: Trades, bins: int = BINS, min_pearson: float = MIN_PEARSON,
            max_abs_error: float = MAX_ABS_ERROR, tail_ratio: float = TAIL_RATIO) -> dict[str, Any]:
    vel_div = trades.column("vel_div_entry")
    recorded = trades.column("leverage")
    base = base_conviction(vel_div)
    order = np.argsort(vel_div, kind="stable")
    saturated = vel_div[order] <= EXTREME
    groups = [g for g in [order[saturated], *np.array_split(order[~saturated], bins - 1)] if g.size]
    table = [{"trades": int(g.size), "vel_div_median": float(np.median(vel_div[g])),
              "base_median": float(np.median(base[g])), "recorded_median": float(np.median(recorded[g]))}
             for g in groups]
    base_curve = np.array([b["base_median"] for b in table])
    recorded_curve = np.array([b["recorded_median"] for b in table])
    pearson = float(np.corrcoef(base_curve, recorded_curve)[0, 1]) if len(table) > 1 else float("nan")
    error = float(np.max(np.abs(base_curve - recorded_curve))) if table else float("nan")
    tail = recorded / base > tail_ratio
    return {
        "trades": int(vel_div.size),
        "bins": table,
        "pearson": round(pearson, 6),
        "max_abs_error": round(error, 6),
        "thresholds": {"min_pearson": min_pearson, "max_abs_error": max_abs_error},
        "verdict": "PASS" if pearson >= min_pearson and error <= max_abs_error else "FAIL",
        "tail": {
            "ratio": tail_ratio,
            "by_band": {label: _share((vel_div > lo) & (vel_div <= hi) & (vel_div < THRESHOLD), tail)
                        for label, lo, hi in BANDS},
            "mid_band": _share((vel_div > EXTREME) & (vel_div < THRESHOLD), tail),
            "saturated": _share(vel_div <= EXTREME, tail),
        },
    }


def figure(result: dict[str, Any], trades: Trades) -> Figure:
    fig = Figure(figsize=(11, 4))
    curve, tail = fig.subplots(1, 2)
    vel_div = trades.column("vel_div_entry")
    shown = vel_div > 2 * EXTREME  # spikes (e.g. -605) would flatten the axis
    curve.scatter(vel_div[shown], trades.column("leverage")[shown], s=4, alpha=0.25, color="#999", label="recorded")
    grid = np.linspace(2 * EXTREME, THRESHOLD, 200)
    curve.plot(grid, base_conviction(grid), color="#236", label="base sizer")
    x = [b["vel_div_median"] for b in result["bins"]]
    curve.plot(x, [b["recorded_median"] for b in result["bins"]], "o", color="#c33", label="recorded median (bin)")
    curve.set_xlim(2 * EXTREME, THRESHOLD)
    curve.set_xlabel("vel_div at entry")
    curve.set_ylabel("conviction")
    curve.set_title(f"{result['verdict']}: pearson {result['pearson']:.4f}, max err {result['max_abs_error']:.3f}")
    curve.legend(loc="upper right")
    bands = result["tail"]["by_band"]
    tail.bar(list(bands), [b["share"] or 0.0 for b in bands.values()], color="#c93")
    tail.set_title(f"Share with recorded / base > {result['tail']['ratio']}")
    tail.tick_params(axis="x", labelrotation=20)
    fig.tight_layout()
    return fig
