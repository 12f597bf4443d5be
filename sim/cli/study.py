"""``violet-sim study``: the recorded-trade studies, each writing JSON, a PNG and an HTML page.

``--source`` is a ClickHouse DSN (default: ``$VIOLET_CLICKHOUSE_DSN``, else the embedded engine)
or a directory of ``trade_events.parquet``. ``study parity`` exits 1 when the gate fails.
"""
from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

import click

from sim.cli.common import PathParam, TEXT

from sim.cli.db import one_line_errors
from sim.errors import UserError
from sim.recorded.tables import is_dsn
from sim.store.dsn import parse_dsn, resolve_dsn
from sim.studies import clean as clean_study
from sim.studies import margin as margin_study
from sim.studies import parity as parity_study
from sim.studies import regimes as regimes_study
from sim.studies.report import write_report
from sim.studies.trades import load_trades

DEFAULT_OUT = Path("runs/studies")


def _options(command: Any) -> Any:
    command = click.option("--out", type=PathParam(file_okay=False, path_type=Path), default=DEFAULT_OUT,
                           show_default=True, help="Directory for <study>.json/.png/.html.")(command)
    return click.option("--source", type=TEXT, default=None, metavar="DSN|DIR",
                        help="ClickHouse DSN or a directory with trade_events.parquet.")(command)


def _run(study: ModuleType, source: str | None, out: Path, **params: Any) -> dict[str, Any]:
    trades = load_trades(source)
    if trades.clean.num_rows == 0:
        raise UserError(f"no clean recorded trades in {_shown(source)} (load some: violet-sim db seed-recorded, "
                        "or give --source)")
    result = study.compute(trades, **params)
    write_report(out, study.NAME, study.TITLE, result, study.figure(result, trades))
    return result


def _shown(source: str | None) -> str:
    """The source as the user can find it again: the folder, or the DSN actually used."""
    if source is not None and not is_dsn(source):
        return source
    return parse_dsn(resolve_dsn(source)).display


@click.group()
def study() -> None:
    """Studies of recorded BLUE trades: clean, parity, margin, regimes."""


@study.command()
@_options
@one_line_errors
def clean(source: str | None, out: Path) -> None:
    """Raw vs cleaned counts and PnL (dedup by trade id, drop HIBERNATE_HALT and bars_held = 0)."""
    r = _run(clean_study, source, out)
    click.echo(f"clean: {r['raw']['rows']} rows / {r['raw']['trade_ids']} trade ids -> {r['clean']['trades']} "
               f"clean trades; PnL {r['raw']['pnl']:+,.2f} raw -> {r['clean']['pnl']:+,.2f} clean, "
               f"win rate {r['clean']['win_rate']:.1%} ({out})")


@study.command()
@_options
@click.option("--bins", type=click.IntRange(min=2), default=parity_study.BINS, show_default=True)
@click.option("--min-pearson", type=float, default=parity_study.MIN_PEARSON, show_default=True)
@click.option("--max-abs-error", type=float, default=parity_study.MAX_ABS_ERROR, show_default=True)
@click.option("--tail-ratio", type=float, default=parity_study.TAIL_RATIO, show_default=True)
@one_line_errors
def parity(source: str | None, out: Path, bins: int, min_pearson: float, max_abs_error: float,
           tail_ratio: float) -> None:
    """Base sizer vs recorded median conviction by vel_div bin, and the steepener tail by band."""
    r = _run(parity_study, source, out, bins=bins, min_pearson=min_pearson, max_abs_error=max_abs_error,
             tail_ratio=tail_ratio)
    mid = r["tail"]["mid_band"]["share"]
    click.echo(f"parity {r['verdict']}: pearson {r['pearson']:.4f} (>= {min_pearson}), max abs error "
               f"{r['max_abs_error']:.3f} (<= {max_abs_error}); tail {mid if mid is None else f'{mid:.1%}'} "
               f"of mid-band trades ({out})")
    if r["verdict"] != "PASS":
        raise click.exceptions.Exit(1)


@study.command()
@_options
@one_line_errors
def margin(source: str | None, out: Path) -> None:
    """Margin fit at 1x / 2x / 3x and wallet utilisation from notional and capital."""
    r = _run(margin_study, source, out)
    fits = ", ".join(f"{v['fit']:.1%} at {k}" for k, v in r["by_leverage"].items())
    two = r["by_leverage"].get("2x")
    util = f"; utilisation at 2x median {two['utilization_median']:.1%}, p95 {two['utilization_p95']:.1%}" if two else ""
    click.echo(f"margin: fit {fits}{util} ({out})")


@study.command()
@_options
@one_line_errors
def regimes(source: str | None, out: Path) -> None:
    """Edge per trade by BTC vs MA99, DVOL high/low and vel_div strong/weak."""
    r = _run(regimes_study, source, out)
    parts = [f"{name} edge x{split['edge_ratio']}" if isinstance(split, dict) else f"{name} unavailable"
             for name, split in r["splits"].items()]
    click.echo(f"regimes: {', '.join(parts)} ({out})")
