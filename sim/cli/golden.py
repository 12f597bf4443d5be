"""``violet-sim golden``: check fresh runs against the canonical outputs, or rewrite them on purpose."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from sim.cli.common import PathParam, fail_on_user_error
from sim.errors import UserError
from sim.harness.golden import check_golden, write_golden


@click.group()
def golden() -> None:
    """Golden outputs under golden/<scenario>/ (run from the project root)."""


@golden.command()
@click.argument("names", nargs=-1)
@click.option("--root", type=PathParam(file_okay=False, path_type=Path), default=Path("."),
              help="Project root holding golden/ (default: current directory).")
@fail_on_user_error
def check(names: tuple[str, ...], root: Path) -> None:
    """Re-run each golden scenario (all, or NAMES) and compare journal hashes; exit 1 on a difference."""
    base = root / "golden"
    dirs = sorted(p for p in base.glob("*") if (p / "summary.json").is_file())
    if names:
        known = {p.name: p for p in dirs}
        missing = [n for n in names if n not in known]
        if missing:
            raise UserError(f"no golden outputs for {', '.join(missing)} under {base}")
        dirs = [known[n] for n in names]
    if not dirs:
        raise UserError(f"no golden outputs under {base}")
    failed = 0
    for d in dirs:
        diff = check_golden(d, root)
        click.echo(f"{'ok  ' if diff.ok else 'DIFF'} {diff.scenario}")
        for line in diff.lines:
            click.echo(f"    {line}")
        failed += not diff.ok
    sys.exit(1 if failed else 0)


@golden.command()
@click.argument("scenario_files", nargs=-1, required=True,
                type=PathParam(dir_okay=False, exists=True, path_type=Path))
@click.option("--root", type=PathParam(file_okay=False, path_type=Path), default=Path("."),
              help="Project root holding golden/ (default: current directory).")
@fail_on_user_error
def update(scenario_files: tuple[Path, ...], root: Path) -> None:
    """Run SCENARIO_FILES and store their outputs as the new golden copies."""
    for f in scenario_files:
        dest = write_golden(f, root / "golden", root)
        click.echo(f"wrote {dest}")
