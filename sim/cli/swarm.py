"""``violet-sim swarm``: many seeds per scenario, random fault mixes, a table and replay commands."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from sim.cli.boundary import ExitCode
from sim.cli.common import FiniteFloatRange, PathParam, fail_on_user_error
from sim.errors import UserError
from sim.harness.swarm import BACKENDS, DEFAULT_RERUN_FRACTION, SeedResult, SwarmInfrastructureError, run_swarm
from sim.harness.swarm_file import REPORT_NAME, read_previous, seeds_from

MAX_SEEDS = 10_000_000  # a swarm this size runs for weeks; more is a typo


class _Bar:
    """The swarm's progress on stderr: a tqdm bar with ETA on a terminal (none with --quiet or
    when stderr is not a terminal); a failing run is a line above it."""

    def __init__(self, total: int, done: int, quiet: bool) -> None:
        from tqdm import tqdm
        self.done, self.failed = done, 0
        self.bar = tqdm(total=total, initial=done, desc="swarm", unit="run", file=sys.stderr, dynamic_ncols=True,
                        disable=quiet or not sys.stderr.isatty(), smoothing=0.05)

    def __call__(self, r: SeedResult) -> None:
        self.done += 1
        if not r.passed:
            self.failed += 1
            self.bar.write(f"FAIL {r.scenario} seed {r.seed}: {r.first_failure}", file=sys.stderr)
            self.bar.set_postfix(failed=self.failed, refresh=False)
        self.bar.update(1)

    def close(self) -> None:
        self.bar.close()


def _resumed(out_dir: Path | None, files: tuple[Path, ...], seeds: int | None, first_seed: int | None,
             rerun_fraction: float | None) -> tuple[list[str], list[int], float, int]:
    """The swarm a --resume continues, from its swarm.json; options given must agree with it."""
    if out_dir is None:
        raise UserError("--resume needs --out DIR (the folder holding the swarm.json to complete)")
    previous = read_previous(out_dir)
    header = previous.header
    recorded_files = [s["file"] for s in header["scenarios"]]
    recorded_seeds = seeds_from(header["seeds"])
    given = {"SCENARIO_FILES": ([str(f) for f in files] or None, recorded_files),
             "--seeds": (seeds, len(recorded_seeds)), "--first-seed": (first_seed, recorded_seeds[0]),
             "--rerun-fraction": (rerun_fraction, header["rerun_fraction"])}
    for name, (value, recorded) in given.items():
        if value is not None and value != recorded:
            raise UserError(f"{out_dir / REPORT_NAME}: {name} is {recorded} in the swarm being resumed, not {value} "
                            "(leave it out to resume as recorded)")
    return recorded_files, recorded_seeds, header["rerun_fraction"], len(previous.results)


@click.command()
@click.argument("scenario_files", nargs=-1, type=PathParam(dir_okay=False, path_type=Path))
@click.option("--seeds", type=click.IntRange(min=1, max=MAX_SEEDS), default=None,
              help=f"Seeds per scenario (at most {MAX_SEEDS:,}).")
@click.option("--first-seed", type=click.IntRange(min=0), default=None,
              help="Seeds run are FIRST_SEED .. FIRST_SEED+SEEDS-1 (default 0).")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Worker processes (local, default: this machine's CPUs) or tasks in flight (ray, default: "
                   "the cluster's CPUs).")
@click.option("--backend", type=click.Choice(BACKENDS), default="local", show_default=True,
              help="ray: run on a Ray cluster (needs the 'ray' extra and --address or RAY_ADDRESS).")
@click.option("--address", default=None, metavar="ADDRESS",
              help="The Ray cluster: HOST:PORT (ray start --head), ray://HOST:PORT, or local (start one here). "
                   "Default: $RAY_ADDRESS.")
@click.option("--rerun-fraction", type=FiniteFloatRange(0, 1), default=None,
              help=f"Share of passing seeds run again to confirm the same journal hash (default "
                   f"{DEFAULT_RERUN_FRACTION}).")
@click.option("--out", "out_dir", type=PathParam(file_okay=False, path_type=Path), default=None,
              help="Write swarm.json (streamed as runs finish) and swarm.txt here.")
@click.option("--resume", is_flag=True, help="Complete the interrupted swarm whose swarm.json is in --out.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option("--table", "rows", type=click.Choice(("auto", "all", "failures")), default="auto", show_default=True,
              help="Which runs the printed table lists (auto: all up to 200 runs, else failures).")
@fail_on_user_error
def swarm(scenario_files: tuple[Path, ...], seeds: int | None, first_seed: int | None, workers: int | None,
          backend: str, address: str | None, rerun_fraction: float | None, out_dir: Path | None, resume: bool,
          quiet: bool, rows: str) -> None:
    """Run SCENARIO_FILES with many seeds, each drawing its own faults and rates (swarm testing).

    Prints one row per run (seed, pass/fail, first failing invariant) and, for each failure, the
    command that replays it exactly. Exit code 0 when every run passes and every rerun reproduces
    its hash, 1 otherwise, 2 on bad input, 3 when runs could not run (a worker died, the cluster
    failed or runs other code), 130 on Ctrl-C; swarm.json then keeps every finished run and
    --resume completes it.
    """
    done_before = 0
    if resume:
        files, seed_list, fraction, done_before = _resumed(out_dir, scenario_files, seeds, first_seed, rerun_fraction)
    else:
        if not scenario_files or seeds is None:
            raise UserError("give SCENARIO_FILES and --seeds (or --resume --out DIR)")
        for f in scenario_files:
            if not f.is_file():
                raise UserError(f"{f}: no such scenario file")
        files = [str(f) for f in scenario_files]
        seed_list = list(range(first_seed or 0, (first_seed or 0) + seeds))
        fraction = DEFAULT_RERUN_FRACTION if rerun_fraction is None else rerun_fraction
    if out_dir is not None:
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UserError(f"{out_dir}: cannot write the report ({exc.strerror})") from None
    total = len(files) * len(seed_list)
    bar = _Bar(total, done_before, quiet)
    try:
        report = run_swarm(files, seed_list, workers=workers, backend=backend, address=address,
                           rerun_fraction=fraction, progress=bar, out_dir=out_dir, resume=resume)
    except SwarmInfrastructureError as exc:
        _stop(f"error: {exc}", bar, total, out_dir, ExitCode.NOT_RUN)
    except KeyboardInterrupt:
        _stop("interrupted", bar, total, out_dir, ExitCode.INTERRUPTED)
    finally:
        bar.close()
    _finish(report, rows, out_dir)


def _stop(what: str, bar: _Bar, total: int, out_dir: Path | None, code: int) -> None:
    kept = (f", kept in {out_dir / REPORT_NAME} (--resume --out {out_dir} completes the swarm)" if out_dir
            else " (not kept: no --out)")
    bar.close()
    click.echo(f"{what}; {_runs_kept(out_dir, bar.done)} of {total} runs finished{kept}", err=True)
    sys.exit(code)


def _runs_kept(out_dir: Path | None, counted: int) -> int:
    """The finished runs as swarm.json keeps them: on its way out the swarm writes every run that
    finished, including one that finished after the progress bar last counted."""
    if out_dir is None:
        return counted
    try:
        return int(json.loads((out_dir / REPORT_NAME).read_text())["runs"])
    except (OSError, ValueError, KeyError, TypeError):
        return counted


def _finish(report: Any, rows: str, out_dir: Path | None) -> None:
    click.echo(report.table(rows))
    if out_dir is not None:
        try:
            report.write(out_dir)
        except OSError as exc:
            raise UserError(f"{out_dir}: cannot write the report ({exc.strerror})") from None
    if report.not_run:
        click.echo(f"error: {len(report.not_run)} of {len(report.results)} runs could not run (a worker died): "
                   f"{', '.join(f'{r.name} seed {r.seed}' for r in report.not_run[:5])}"
                   + (f"; --resume --out {out_dir} runs them" if out_dir else ""), err=True)
        sys.exit(ExitCode.NOT_RUN)
    sys.exit(0 if report.passed else 1)
