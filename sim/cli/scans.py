"""``violet-sim scans``: build scan archives (synthetic or from real candles) and inspect them."""
from __future__ import annotations

import functools
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, TypeVar

import click
from pydantic import ValidationError

from exchange_mock.models.funding import infer_interval_hours
from sim.cli.common import INSTANT, PathParam, TEXT, fail_on_user_error
from sim.errors import UserError
from sim.scans.archive import ParquetScanSource, write_archive
from sim.scans.candle_files import timeframe_text
from sim.scans.candles import DATASETS, DEFAULT_GAPS, GAP_POLICIES, CandleScanSource
from sim.scans.synthetic import SyntheticConfig, SyntheticScanSource

F = TypeVar("F", bound=Callable[..., Any])


def _library_errors(fn: F) -> F:
    """Invalid config, bad windows and unreadable files from the scan modules as UserError."""
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ValidationError as exc:
            raise UserError("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())) from None
        except (ValueError, OSError) as exc:
            raise UserError(" ".join(str(exc).split())) from None
    return wrapper  # type: ignore[return-value]


def _utc(ts_ms: int) -> str:
    return datetime.fromtimestamp(ts_ms / 1000, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@click.group()
def scans() -> None:
    """Build and inspect Parquet scan archives."""


@scans.command()
@click.option("--out", required=True, type=PathParam(dir_okay=False, path_type=Path), help="archive to write")
@click.option("--scans", "n_scans", default=17_280, show_default=True, help="number of scans")
@click.option("--assets", "n_assets", default=40, show_default=True, help="trading assets (plus 10 stablecoins)")
@click.option("--seed", default=0, show_default=True, help="scenario seed")
@click.option("--edge", type=float, default=None, help="per-scan log drift of the selected asset [config default]")
@click.option("--batch-size", default=65536, show_default=True, help="scans per batch (one row group each)")
@fail_on_user_error
@_library_errors
def generate(out: Path, n_scans: int, n_assets: int, seed: int, edge: float | None, batch_size: int) -> None:
    """Write seeded synthetic scans to a Parquet archive."""
    overrides: dict[str, Any] = {"n_scans": n_scans, "n_assets": n_assets}
    if edge is not None:
        overrides["edge"] = edge
    source = SyntheticScanSource(SyntheticConfig(**overrides), seed=seed, batch_size=batch_size)
    n = write_archive(out, source.batches(), provenance=source.provenance)
    click.echo(f"{out}: {n} scans x {len(source.assets)} assets")


@scans.command("from-candles")
@click.option("--candles", "candles", multiple=True, type=PathParam(path_type=Path),
              help="folder or file of candles (Binance CSV, repo CSV, freqtrade feather/JSON, Parquet); repeatable")
@click.option("--marks", multiple=True, type=PathParam(path_type=Path), help="folder or file of mark-price candles; repeatable")
@click.option("--funding", multiple=True, type=PathParam(path_type=Path), help="folder or file of funding settlements; repeatable")
@click.option("--gaps", type=click.Choice(GAP_POLICIES), default=DEFAULT_GAPS, show_default=True,
              help="a candle missing inside a symbol's span: keep the last close, drop the scan, or stop")
@click.option("--interval", type=TEXT, default=None, help="candle interval to use where a folder holds several (e.g. 5m)")
@click.option("--dataset", default=None, type=click.Choice(sorted(DATASETS)),
              help="shorthand for a bundled market folder: A 5m perps, B 1m perps, C 5m spot crash")
@click.option("--assets", default=None, type=TEXT, help="comma-separated symbols [every symbol read]")
@click.option("--start", default=None, type=INSTANT, help="first candle open time, ISO UTC (inclusive)")
@click.option("--end", default=None, type=INSTANT, help="end of the window on candle open times, ISO UTC (exclusive)")
@click.option("--out", required=True, type=PathParam(dir_okay=False, path_type=Path), help="archive to write")
@click.option("--vel-div", "vel_div", type=click.Choice(["proxy", "synthetic"]), default="proxy", show_default=True)
@click.option("--seed", default=0, show_default=True, help="seed of the synthetic vel_div / EsoF")
@click.option("--esof/--no-esof", default=False, show_default=True,
              help="add the synthetic EsoF plane (without it every decision gets the stale EsoF multiplier)")
@click.option("--data-root", type=PathParam(file_okay=False, path_type=Path), default=None,
              help="root of the --dataset folders [$VIOLET_MARKET_DATA or ../shared/data/market]")
@click.option("--extremes", is_flag=True, default=False,
              help="also write each candle's high and low (h./l. columns), so that a replay can look inside "
                   "the bar [off: no h./l. columns, the layout of the bundled archives]")
@fail_on_user_error
@_library_errors
def from_candles(candles: tuple[Path, ...], marks: tuple[Path, ...], funding: tuple[Path, ...], gaps: str,
                 interval: str | None, dataset: str | None, assets: str | None, start: str | None,
                 end: str | None, out: Path, vel_div: str, seed: int, esof: bool, data_root: Path | None,
                 extremes: bool) -> None:
    """Write scans built from real candles (stamped at the candle close; prices = closes)."""
    if bool(candles) == (dataset is not None):
        raise UserError("give --candles DIR|FILE (repeatable) or --dataset A|B|C")
    names = None if assets is None else [a.strip() for a in assets.split(",") if a.strip()]
    source = CandleScanSource(dataset, names, start, end, candles=list(candles) or None, marks=list(marks) or None,
                              funding=list(funding) or None, gaps=gaps, interval=interval,  # type: ignore[arg-type]
                              vel_div=vel_div, seed=seed, esof=esof, data_root=data_root,  # type: ignore[arg-type]
                              extremes=extremes)
    n = write_archive(out, source.batches(), with_marks=source.marks is not None, provenance=source.provenance,
                      funding=source.funding, with_extremes=source.has_extremes)
    click.echo(f"{out}: {n} scans x {len(source.assets)} assets, {_utc(int(source.ts_ms[0]))} .. "
               f"{_utc(int(source.ts_ms[-1]))}, funding for {len(source.funding)} assets")
    for line in candle_report(source):
        click.echo(line)


def candle_report(source: CandleScanSource) -> list[str]:
    """What the import did: the universe, marks, late or early symbols, gaps (one line each)."""
    al = source.alignment
    fields = json.loads(source.provenance)
    lines = [f"universe: {len(source.assets)} symbols ({', '.join(source.assets)})",
             f"interval: {timeframe_text(source.interval_ms)}, scans stamped at the candle close (open + interval)"]
    if source.marks is None:
        lines.append("marks: candle closes (no mark-price candles)")
    else:
        info = fields["marks"]
        on_close = info["scans_on_candle_close"]
        lines.append(f"marks: {info['interval']} mark candle closes, held for one mark interval"
                     + (f"; candle close at {', '.join(f'{a} {k} scans' for a, k in on_close.items())}" if on_close else "")
                     + (f"; no marks for {', '.join(info['symbols_without_marks'])}" if info["symbols_without_marks"] else ""))
    if "extremes" in fields:
        without = fields["symbols_without_extremes"]
        lines.append(f"extremes: {fields['extremes']}" + (f"; high = low = close for {', '.join(without)}"
                                                           if without and source.has_extremes else ""))
    by_interval: dict[str, list[str]] = {}
    for a, rows in source.funding.items():
        hours = infer_interval_hours([t for t, _ in rows])
        by_interval.setdefault(f"{hours} h" if hours else "the venue's default interval (too few rows)", []).append(a)
    if by_interval:
        lines.append("funding: " + "; ".join(f"{k} from the recorded stamps: {', '.join(v)}"
                                             for k, v in sorted(by_interval.items())))
    for a, span in al.late_or_early().items():
        lines.append(f"span: {a} listed {_utc(span['first_scan_ms'])} .. {_utc(span['last_scan_ms'])} only")
    if al.excluded:
        lines.append(f"no candles in the window: {', '.join(al.excluded)}")
    if not al.gaps:
        lines.append(f"gaps: none (policy {source.gap_policy})")
    for a, gap in al.gaps.items():
        opens = ", ".join(_utc(t) for t in gap["first_open_ms"])  # type: ignore[attr-defined]
        more = " ..." if int(gap["count"]) > len(gap["first_open_ms"]) else ""  # type: ignore[call-overload, arg-type]
        lines.append(f"gaps: {a} {gap['count']} missing candles (open {opens}{more}) in {gap['file']}: {source.gap_policy}")
    if al.dropped_scans:
        lines.append(f"gaps: {al.dropped_scans} scans dropped for every symbol")
    return lines


@scans.command()
@click.argument("file", type=PathParam(dir_okay=False, path_type=Path))
@fail_on_user_error
@_library_errors
def info(file: Path) -> None:
    """Show an archive's assets, scan count, time span, funding and provenance."""
    source = ParquetScanSource(file)
    span = source.time_span()
    click.echo(f"file: {file}")
    click.echo(f"scans: {source.num_scans}")
    click.echo(f"assets: {len(source.assets)} ({', '.join(source.assets)})")
    click.echo(f"span: {'-' if span is None else f'{_utc(span[0])} .. {_utc(span[1])}'}")
    settlements = sum(len(v) for v in source.funding.values())
    click.echo(f"funding: {len(source.funding)} assets, {settlements} settlements")
    try:
        fields = json.loads(source.provenance)
    except ValueError:
        fields = None
    if not isinstance(fields, dict):
        click.echo(f"provenance: {source.provenance or '-'}")
        return
    click.echo("provenance:")
    for key in sorted(fields):
        value = fields[key]
        if isinstance(value, list) and len(value) > 5:
            shown = f"{len(value)} entries"
        else:
            shown = value if isinstance(value, str) else json.dumps(value)
        click.echo(f"  {key}: {shown}")
