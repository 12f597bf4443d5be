"""The report's plots, drawn from the collected evidence on bare matplotlib Figures (Agg, no pyplot
state), so building a report never opens a window and the same evidence gives the same images."""
from __future__ import annotations

import io

import numpy as np
import pyarrow.compute as pc
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from sim.certify.evidence import Evidence, Run, Unavailable
from sim.certify.engine_probes import sizer_curve
from violet_engine.constants import EXTREME, THRESHOLD

HOUR_MS = 3_600_000
#: Decision outcomes drawn on the trade timeline, top to bottom, with their colours.
_LANES = {"ENTER": "#2a7", "slot_busy": "#c93", "asset_not_allowed": "#999", "daily_trade_cap": "#b55",
          "daily_loss_halt": "#b55", "below_min": "#77a", "halted": "#555", "cadence": "#aaa",
          "stale_data": "#aaa", "venue_rejected": "#d33"}
_EXIT_COLOURS = {"TAKE_PROFIT": "#2a7", "STOP_LOSS": "#d33", "MAX_HOLD": "#36a", "HIBERNATE_HALT": "#555",
                 "LIQUIDATION": "#000"}


def png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, metadata={"Software": None})
    return buf.getvalue()


def _message(text: str, title: str) -> Figure:
    fig = Figure(figsize=(10, 2.2))
    ax = fig.subplots()
    ax.axis("off")
    ax.set_title(title)
    ax.text(0.5, 0.5, text, ha="center", va="center", wrap=True, fontsize=11)
    return fig


def conviction_curve(ev: Evidence) -> Figure:
    """Run decisions (base and after haircut/caps), each engine's sizer curve, and the recorded
    median conviction per vel_div bin (the parity study's points)."""
    fig = Figure(figsize=(11, 4.8))
    ax = fig.subplots()
    lo = 2.5 * EXTREME
    for i, r in enumerate(ev.runs):
        d = r.table("decisions")
        vd = d.column("vel_div").to_numpy()
        shown = vd > lo
        ax.scatter(vd[shown], d.column("conviction").to_numpy()[shown], s=3, alpha=0.2, color="#999",
                   label=None if i else "run decisions (after haircut and V4 caps)")
    grid = np.linspace(lo, THRESHOLD, 300)
    for i, engine in enumerate(ev.engines()):
        ax.plot(grid, sizer_curve(engine, grid), color="#236", linewidth=1.5,
                label=None if i else "engine base sizer")
    bins = ev.recorded.studies["parity"]["bins"]
    ax.plot([b["vel_div_median"] for b in bins], [b["recorded_median"] for b in bins], "o", color="#c33",
            markersize=6, label=f"recorded median conviction per bin ({ev.recorded.origin})")
    ax.set_xlim(lo, THRESHOLD)
    ax.set_ylim(0, 11.5)  # headroom above saturation (9.0) for the legend
    ax.set_xlabel("vel_div (spikes beyond the left edge are sized as at it)")
    ax.set_ylabel("conviction")
    ax.set_title("Conviction vs vel_div")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=9, ncol=2)
    fig.tight_layout()
    return fig


def _equity(r: Run) -> tuple[np.ndarray, np.ndarray]:
    e = r.table("equity")
    ts = e.column("ts_ms").to_numpy()
    equity = e.column("equity").cast("float64").to_numpy()
    return (ts - ts[0]) / HOUR_MS, equity / equity[0]


def equity_drawdown(ev: Evidence) -> Figure:
    fig = Figure(figsize=(11, 5.5))
    top, bottom = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [2, 1]})
    for r in ev.runs:
        hours, eq = _equity(r)
        style = {"linewidth": 2.0} if r.role == "v4" else {"linewidth": 0.9, "alpha": 0.7}
        line, = top.plot(hours, eq, label=f"{r.name} ({r.role})", **style)
        bottom.plot(hours, (eq / np.maximum.accumulate(eq) - 1) * 100, color=line.get_color(), **style)
    top.axhline(1.0, color="black", linewidth=0.6)
    top.set_ylabel("equity / starting equity")
    top.set_title("Equity and drawdown per certification run")
    top.legend(fontsize=8, ncol=2, loc="upper left")
    top.grid(alpha=0.3)
    bottom.set_ylabel("drawdown (%)")
    bottom.set_xlabel("hours since the run's first scan")
    bottom.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def entry_margin_shares(run: Run) -> np.ndarray:
    """Per trade: margin posted / the capital the entry was sized with (the capital of the last ENTER
    decision at or before the position opened), the quantity ``max_margin_utilization`` bounds."""
    d, t = run.table("decisions"), run.table("trades")
    enter = d.filter(pc.equal(d.column("action"), "ENTER"))
    if t.num_rows == 0 or enter.num_rows == 0:
        return np.empty(0)
    at = np.searchsorted(enter.column("ts_ms").to_numpy(), t.column("entry_ts_ms").to_numpy(), side="right") - 1
    capital = enter.column("capital").to_numpy()[np.maximum(at, 0)]
    return np.where(at >= 0, t.column("margin").cast("float64").to_numpy() / capital, np.nan)


def margin_histogram(ev: Evidence, limit: float | None) -> Figure:
    """Margin at entry over capital for every trade of every run, against the certified limit."""
    fig = Figure(figsize=(11, 4))
    ax = fig.subplots()
    values = np.concatenate([entry_margin_shares(r) for r in ev.runs]) * 100
    values = values[np.isfinite(values)]
    leverages = sorted({lev for r in ev.runs for lev in r.facts.exchange_leverages})
    ax.hist(values, bins=np.linspace(0, 100, 51), color="#36a")
    if limit is not None:
        ax.axvline(limit * 100, color="#c93", linestyle="--", label=f"certified limit {limit:.0%}")
    ax.axvline(100, color="#d33", label="binding (margin = capital)")
    ax.set_xlim(0, 105)
    ax.set_xlabel("margin posted / capital at entry (%)")
    ax.set_ylabel("trades")
    ax.set_title(f"Margin use at {', '.join(f'{lev}x' for lev in leverages)}: {values.size} trades over all "
                 f"certification runs, max {values.max() if values.size else 0:.2f}%")
    ax.legend()
    fig.tight_layout()
    return fig


def fault_matrix(ev: Evidence) -> Figure:
    swarm = ev.swarm
    if isinstance(swarm, Unavailable):
        return _message(f"Fault swarm not available: {swarm.reason}", "Fault coverage")
    classes = swarm.classes
    fig = Figure(figsize=(8, 0.5 * len(classes) + 1.8))
    ax = fig.subplots()
    share = np.array([[c.reached / c.probes if c.probes else 0.0, c.survived / c.runs if c.runs else 0.0]
                      for c in classes]).reshape(len(classes), 2)
    ax.imshow(share, cmap="RdYlGn", vmin=0, vmax=1, aspect="auto", alpha=0.45)
    for i, c in enumerate(classes):
        ax.text(0, i, f"{c.reached}/{c.probes}", ha="center", va="center", fontsize=11)
        ax.text(1, i, f"{c.survived}/{c.runs}", ha="center", va="center", fontsize=11)
    ax.set_xticks([0, 1], ["probes reached", "runs survived"])
    ax.set_yticks(range(len(classes)), [c.name for c in classes])
    ax.set_xticks([0.5], minor=True)
    ax.set_yticks(np.arange(len(classes) - 1) + 0.5, minor=True)
    ax.grid(which="minor", color="white", linewidth=2)
    ax.tick_params(which="minor", length=0)
    ax.set_title(f"Fault coverage: {swarm.runs} swarm runs over {len(swarm.seeds)} seeds")
    fig.tight_layout()
    return fig


def trade_timeline(run: Run) -> Figure:
    """One run's trades as bars over time, above its decisions by what became of them."""
    fig = Figure(figsize=(11, 4.2))
    ax = fig.subplots()
    d = run.table("decisions")
    hours0 = int(run.table("equity").column("ts_ms")[0].as_py())
    ts = (d.column("ts_ms").to_numpy() - hours0) / HOUR_MS
    lane_of = np.where(pc.equal(d.column("action"), "ENTER").to_numpy(zero_copy_only=False), "ENTER",
                       d.column("gate_reason").to_numpy(zero_copy_only=False))
    lanes = [k for k in _LANES if (lane_of == k).any()]
    for y, lane in enumerate(lanes, start=1):
        mask = lane_of == lane
        ax.scatter(ts[mask], np.full(mask.sum(), y), marker="|", s=60, color=_LANES[lane])
    t = run.table("trades")
    for row in t.to_pylist():
        start = (row["entry_ts_ms"] - hours0) / HOUR_MS
        ax.barh(0, (row["exit_ts_ms"] - row["entry_ts_ms"]) / HOUR_MS, left=start, height=0.6,
                color=_EXIT_COLOURS.get(row["exit_reason"], "#888"))
    ax.set_yticks(range(len(lanes) + 1), ["trades"] + [f"decision: {lane}" for lane in lanes])
    ax.invert_yaxis()
    ax.set_xlabel("hours since the run's first scan")
    exits = set(t.column("exit_reason").to_pylist())
    ax.legend(handles=[Patch(color=c, label=k) for k, c in _EXIT_COLOURS.items() if k in exits],
              title="trade exit", fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.set_title(f"Trade timeline of {run.name}: {t.num_rows} trades, {d.num_rows} decisions")
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return fig
