"""``violet-sim db``: set up a ClickHouse target and move data in and out of it.

Every command takes ``--dsn`` (default: ``$VIOLET_CLICKHOUSE_DSN``, else the embedded engine in
``.violet/chdb``). Failures are one line on stderr and exit code 2, never a traceback.
"""
from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any, Callable

import click

from sim.cli.boundary import one_line
from sim.cli.common import INSTANT, PathParam, TEXT, fail_on_user_error
from sim.errors import UserError
from sim.recorded.generator import RecordedConfig, generate
from sim.recorded.tables import store_recorded, write_parquet
from sim.store.client import session
from sim.store.journal_runs import stored_runs
from sim.store.journal_sink import deliver_pending
from sim.store.journal_spool import DEFAULT_SPOOL_DIR, Spool
from sim.store.scan_store import DEFAULT_DATASET, export_scans, import_scans
from sim.store.schema import apply_ddl


def one_line_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """``fail_on_user_error`` that also takes the library's bad values and unreadable files
    (``ValueError``, ``OSError``) as user errors, showing only a message's first line."""
    @fail_on_user_error
    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (ValueError, OSError) as exc:
            raise UserError(one_line(str(exc)) or type(exc).__name__) from None
    return run


#: the fewest trades that leave a clean one beside the generator's planted artifacts.
MIN_RECORDED_TRADES = RecordedConfig().hibernate_halts + RecordedConfig().zero_bar_others + 1

dsn_option = click.option("--dsn", type=TEXT, default=None, metavar="DSN",
                          help="chdb:///dir, chdb:rel/dir or http://user:pass@host:8123/db "
                               "(default: $VIOLET_CLICKHOUSE_DSN, else chdb:.violet/chdb).")


@click.group()
def db() -> None:
    """ClickHouse tables: create them, import/export scans, seed recorded trades, drain the spool,
    list journal runs."""


@db.command()
@dsn_option
@one_line_errors
def init(dsn: str | None) -> None:
    """Create the database and every table that is missing (safe to repeat)."""
    with session(dsn, create_database=True) as client:
        tables = apply_ddl(client)
        click.echo(f"{client.database}: {len(tables)} tables ({', '.join(tables)})")


@db.command("import-scans")
@click.argument("archive", type=PathParam(dir_okay=False, path_type=Path))
@dsn_option
@click.option("--dataset", default=DEFAULT_DATASET, type=TEXT, show_default=True,
              help="Dataset name; a scenario's ClickHouse source reads 'default'.")
@click.option("--replace", is_flag=True, help="Overwrite a dataset of the same name.")
@one_line_errors
def import_scans_command(archive: Path, dsn: str | None, dataset: str, replace: bool) -> None:
    """Load a Parquet scan archive into the scans table."""
    n = import_scans(archive, dsn, dataset, replace=replace)
    click.echo(f"imported {n} scans from {archive} as dataset {dataset!r}")


@db.command("export-scans")
@click.argument("archive", type=PathParam(dir_okay=False, path_type=Path))
@dsn_option
@click.option("--dataset", default=DEFAULT_DATASET, type=TEXT, show_default=True)
@click.option("--start", default=None, type=INSTANT, help="First instant (epoch ms or ISO 8601, UTC), inclusive.")
@click.option("--end", default=None, type=INSTANT, help="Last instant (epoch ms or ISO 8601, UTC), exclusive.")
@one_line_errors
def export_scans_command(archive: Path, dsn: str | None, dataset: str, start: str | None, end: str | None) -> None:
    """Write a dataset (or a time range of it) as a Parquet scan archive."""
    n = export_scans(archive, dsn, dataset, start, end)
    click.echo(f"exported {n} scans of dataset {dataset!r} to {archive}")


@db.command("seed-recorded")
@dsn_option
@click.option("--seed", type=click.IntRange(min=0), default=RecordedConfig().seed, show_default=True)
@click.option("--trades", type=click.IntRange(MIN_RECORDED_TRADES, 20_000), default=RecordedConfig().trades,
              show_default=True, help="Trades to generate (the planted halts and zero-bar trades need "
                                      f"{MIN_RECORDED_TRADES - 1} of them).")
@click.option("--parquet", "parquet_dir", type=PathParam(file_okay=False, path_type=Path), default=None,
              help="Write trade_events/trade_exit_legs Parquet files here instead of ClickHouse.")
@click.option("--replace", is_flag=True, help="Empty non-empty recorded tables first.")
@one_line_errors
def seed_recorded(dsn: str | None, seed: int, trades: int, parquet_dir: Path | None, replace: bool) -> None:
    """Generate recorded-style BLUE trades (see sim.recorded.generator) and print what was planted."""
    recorded = generate(RecordedConfig(seed=seed, trades=trades))
    if parquet_dir is None:
        store_recorded(recorded.events, recorded.legs, dsn, replace=replace)
    else:
        write_parquet(recorded.events, recorded.legs, parquet_dir)
    click.echo(json.dumps(recorded.planted.as_dict(), sort_keys=True))


@db.command("deliver-spool")
@dsn_option
@click.option("--spool", "spool_dir", type=PathParam(file_okay=False, path_type=Path), default=DEFAULT_SPOOL_DIR,
              show_default=True)
@one_line_errors
def deliver_spool(dsn: str | None, spool_dir: Path) -> None:
    """Send journal batches left in a spool directory (any run) to ClickHouse, each exactly once."""
    delivery = deliver_pending(Spool(spool_dir), dsn)
    rows = sum(n for _, n, _ in delivery.confirmed)
    completed = f"; runs now complete: {', '.join(delivery.completed)}" if delivery.completed else ""
    click.echo(f"delivered {len(delivery.confirmed)} batches ({rows} rows){completed}")
    for conflict in delivery.conflicts:
        click.echo(f"warning: {conflict}", err=True)
    if delivery.error is not None:
        raise UserError(f"{len(Spool(spool_dir).pending())} batches still spooled: {delivery.error}")


@db.command("runs")
@dsn_option
@one_line_errors
def runs(dsn: str | None) -> None:
    """List the journal runs held, with their rows per table; a run whose journal is not whole
    (stopped, still spooled, or from before run records) says INCOMPLETE."""
    found = stored_runs(dsn)
    if not found:
        click.echo("no journal runs")
    for run in found:
        seed = "" if run.seed is None else f" seed {run.seed}"
        counts = ", ".join(f"{table} {n:,}" for table, n in run.found.items())
        click.echo(f"{run.run_id}  {run.scenario or '-'}{seed}  {run.status}  {counts}")
