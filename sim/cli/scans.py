"""``violet-sim scans``: build scan archives (synthetic or from real candles) and inspect them."""
from __future__ import annotations

import functools
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, TypeVar

import click
from pydantic import ValidationError

from sim.cli.common import UserError, fail_on_user_error
from sim.scans.archive import ParquetScanSource, write_archive
from sim.scans.candles import DATASETS, CandleScanSource
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
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="archive to write")
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
@click.option("--dataset", required=True, type=click.Choice(sorted(DATASETS)), help="A 5m perps, B 1m perps, C 5m spot crash")
@click.option("--assets", default=None, help="comma-separated symbols [all with a common timeline]")
@click.option("--start", default=None, help="first candle open time, ISO UTC (inclusive)")
@click.option("--end", default=None, help="end of the window, ISO UTC (exclusive)")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="archive to write")
@click.option("--vel-div", "vel_div", type=click.Choice(["proxy", "synthetic"]), default="proxy", show_default=True)
@click.option("--seed", default=0, show_default=True, help="seed of the synthetic vel_div / EsoF")
@click.option("--esof/--no-esof", default=False, show_default=True, help="add the synthetic EsoF plane")
@click.option("--data-root", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="candle root [$VIOLET_MARKET_DATA or ../shared/data/market]")
@fail_on_user_error
@_library_errors
def from_candles(dataset: str, assets: str | None, start: str | None, end: str | None, out: Path,
                 vel_div: str, seed: int, esof: bool, data_root: Path | None) -> None:
    """Write scans built from real candles (prices = closes, funding from folder A)."""
    names = None if assets is None else [a.strip() for a in assets.split(",") if a.strip()]
    source = CandleScanSource(dataset, names, start, end, vel_div=vel_div,  # type: ignore[arg-type]
                              seed=seed, esof=esof, data_root=data_root)
    n = write_archive(out, source.batches(), provenance=source.provenance, funding=source.funding)
    click.echo(f"{out}: {n} scans x {len(source.assets)} assets, {_utc(int(source.ts_ms[0]))} .. "
               f"{_utc(int(source.ts_ms[-1]))}, funding for {len(source.funding)} assets")


@scans.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
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
