"""``violet-sim swarm``: many seeds per scenario, random fault mixes, a table and replay commands."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from sim.cli.common import FiniteFloatRange, PathParam, fail_on_user_error
from sim.errors import UserError
from sim.harness.swarm import BACKENDS, DEFAULT_RERUN_FRACTION, SeedResult, run_swarm


MAX_SEEDS = 10_000_000  # a swarm this size runs for weeks; more is a typo


@click.command()
@click.argument("scenario_files", nargs=-1, required=True, type=PathParam(dir_okay=False, path_type=Path))
@click.option("--seeds", type=click.IntRange(min=1, max=MAX_SEEDS), required=True,
              help=f"Seeds per scenario (at most {MAX_SEEDS:,}).")
@click.option("--first-seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Seeds run are FIRST_SEED .. FIRST_SEED+SEEDS-1.")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Parallel worker processes (local) or tasks in flight (ray).")
@click.option("--backend", type=click.Choice(BACKENDS), default="local", show_default=True,
              help="ray: run on a Ray cluster (needs the 'ray' extra).")
@click.option("--rerun-fraction", type=FiniteFloatRange(0, 1), default=DEFAULT_RERUN_FRACTION, show_default=True,
              help="Share of passing seeds run again to confirm the same journal hash.")
@click.option("--out", "out_dir", type=PathParam(file_okay=False, path_type=Path), default=None,
              help="Write swarm.json (every run, reruns, probe coverage) and swarm.txt here.")
@click.option("--table", "rows", type=click.Choice(("auto", "all", "failures")), default="auto", show_default=True,
              help="Which runs the printed table lists (auto: all up to 200 runs, else failures).")
@fail_on_user_error
def swarm(scenario_files: tuple[Path, ...], seeds: int, first_seed: int, workers: int, backend: str,
          rerun_fraction: float, out_dir: Path | None, rows: str) -> None:
    """Run SCENARIO_FILES with many seeds, each drawing its own faults and rates (swarm testing).

    Prints one row per run (seed, pass/fail, first failing invariant) and, for each failure, the
    command that replays it exactly. Exit code 0 when every run passes and every rerun reproduces
    its hash, 1 otherwise, 2 on bad input, 3 when runs could not run (a worker process died twice).
    """
    for f in scenario_files:
        if not f.is_file():
            raise UserError(f"{f}: no such scenario file")
    total = len(scenario_files) * seeds
    done = [0]

    def progress(r: SeedResult) -> None:
        done[0] += 1
        if not r.passed:
            click.echo(f"FAIL {r.scenario} seed {r.seed}: {r.first_failure}", err=True)
        if done[0] % 50 == 0 or done[0] == total:
            click.echo(f"{done[0]}/{total} runs", err=True)

    report = run_swarm([str(f) for f in scenario_files], seeds, workers=workers, backend=backend,
                       first_seed=first_seed, rerun_fraction=rerun_fraction, progress=progress)
    text = report.table(rows)
    click.echo(text)
    if out_dir is not None:
        try:
            report.write(out_dir)
        except OSError as exc:
            raise UserError(f"{out_dir}: cannot write the report ({exc.strerror})") from None
    if report.not_run:
        click.echo(f"error: {len(report.not_run)} of {len(report.results)} runs could not run (a worker process "
                   f"died): {', '.join(f'{r.name} seed {r.seed}' for r in report.not_run[:5])}", err=True)
        sys.exit(3)
    sys.exit(0 if report.passed else 1)
