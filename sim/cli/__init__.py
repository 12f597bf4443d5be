"""The ``violet-sim`` command line: one group, one module per command family."""
from __future__ import annotations

import click

from sim.cli import explain
from sim.cli import scans


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="violet-sim")
def main() -> None:
    """Deterministic simulation and mock-BingX harness for the VIOLET engine."""


main.add_command(explain.explain)
main.add_command(scans.scans)
