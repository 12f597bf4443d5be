"""``violet-sim certify``: GO or NO-GO before V4 trades real money, with the evidence.

Exit code 0 for GO, 1 for NO-GO, 2 when the certification could not run (one line on stderr).
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from sim.cli.boundary import ExitCode, one_line, user_error_types
from sim.cli.common import PathParam, TEXT

from sim.certify.api import certify as run_certification
from sim.certify.checks import CheckResult, failed_first
from sim.errors import UserError


def _log(message: str) -> None:
    click.echo(f"certify: {message}", err=True)


def check_source(source: str | None) -> None:
    """Refuse an unusable ``--source`` before the certification's runs, not after them: a DSN
    must parse (and a server must answer with the recorded tables); a folder must hold the
    recorded trade events."""
    if source is None:
        return
    from sim.recorded.tables import TRADE_EVENTS, is_dsn
    from sim.store.client import require_tables, session
    from sim.store.dsn import parse_dsn
    if not is_dsn(source):
        if not (Path(source) / f"{TRADE_EVENTS}.parquet").is_file():
            raise UserError(f"--source {source}: no {TRADE_EVENTS}.parquet there (a source is a ClickHouse "
                            "DSN or a folder of recorded Parquet tables)")
        return
    try:
        if parse_dsn(source).kind == "http":
            with session(source) as client:
                require_tables(client, [TRADE_EVENTS])
    except UserError as exc:
        raise UserError(f"--source: {exc}") from None


def _line(r: CheckResult) -> str:
    mark = "PASS" if r.passed else ("FAIL" if r.available else "N/A ")
    optional = "" if r.mandatory else " (optional)"
    measured = "; ".join(f"{k}={v}" for k, v in r.measured.items())
    return f"  {mark} {r.id}{optional}: {measured}"


@click.command()
@click.option("--profile", "profile_name", type=TEXT, default="v4", show_default=True,
              help="Built-in profile name, or a profile YAML file.")
@click.option("--source", type=TEXT, default=None, metavar="DSN|DIR",
              help="Recorded BLUE trades: a ClickHouse DSN or a directory of trade_events.parquet "
                   "(default: $VIOLET_CLICKHOUSE_DSN, else the embedded store, seeded with generated "
                   "trades when empty).")
@click.option("--seeds", type=click.IntRange(min=1), default=None,
              help="Swarm seeds per fault scenario (default: the profile's).")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Swarm worker processes (default: one per CPU).")
@click.option("--root", type=PathParam(file_okay=False, exists=True, path_type=Path), default=Path("."),
              show_default=True, help="Project checkout the profile's scenario and golden paths are relative to.")
@click.option("--engine", "engine_file", type=PathParam(dir_okay=False, exists=True, path_type=Path), default=None,
              help="Engine configuration (organ dotted paths and settings, YAML/JSON) laid over every "
                   "certification scenario's engine; recorded in the provenance.")
@click.option("--no-golden", "no_golden", is_flag=True,
              help="Skip the golden comparison (a regression check: the verdict never hinges on it).")
@click.option("--out", "out_dir", required=True, type=PathParam(file_okay=False, path_type=Path),
              help="Directory for certificate.json, report.html, report.md and all evidence.")
def certify(profile_name: str, source: str | None, seeds: int | None, workers: int | None, root: Path,
            out_dir: Path, no_golden: bool, engine_file: Path | None) -> None:
    """Run the certification scenarios, the golden check, the fault swarm, a determinism rerun and
    the recorded-trade studies; write the certificate and the report; exit 0 GO / 1 NO-GO / 2 error."""
    started = time.monotonic()
    try:
        check_source(source)
        done = run_certification(out_dir, profile=profile_name, source=source, seeds=seeds, workers=workers,
                                 root=root, golden=not no_golden, engine=engine_file, log=_log)
    except user_error_types() as exc:  # a bug is not caught here: the root reports it as one
        click.echo(f"error: certify could not run: {one_line(str(exc))}", err=True)
        sys.exit(ExitCode.BAD_INPUT)
    ordered = failed_first(done.checks)
    passed = sum(r.passed for r in done.checks)
    click.echo(f"{done.certificate['verdict_line']} (profile {done.certificate['profile']['name']}): {done.reason}")
    for r in ordered:
        if not r.passed and not r.regression:
            click.echo(_line(r))
    click.echo(f"  golden: {done.certificate['golden']['note']}")
    click.echo(f"  {passed} of {len(done.checks)} checks passed in {time.monotonic() - started:.0f} s")
    click.echo(f"report: {out_dir / 'report.html'} (certificate: {out_dir / 'certificate.json'})")
    sys.exit(0 if done.go else 1)
