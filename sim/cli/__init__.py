"""The ``violet-sim`` command line: one group, one module per command family."""
from __future__ import annotations

import click

from sim.cli import explain
from sim.cli import golden, run, scans
from sim.cli import db
from sim.cli import study


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="violet-sim")
def main() -> None:
    """Deterministic simulation and mock-BingX harness for the VIOLET engine."""


main.add_command(explain.explain)
main.add_command(scans.scans)
main.add_command(run.run)
main.add_command(golden.golden)
main.add_command(db.db)
main.add_command(study.study)
