"""The ``violet-sim`` command line: one group, one module per command family."""
from __future__ import annotations

import sys
from typing import Any

import click

from sim.cli import certify, contracts, db, explain, golden, run, scans, study, venue
from sim.cli import swarm


class _Root(click.Group):
    """The root command: click's usage errors (bad option, missing argument, unknown command)
    become one line and exit code 2, like every other user error."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        try:
            code = super().main(*args, **kwargs)  # an int when a command asked click to exit
        except click.ClickException as exc:
            click.echo(f"error: {exc.format_message()}", err=True)
            sys.exit(2)
        except click.Abort:
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


@click.group(cls=_Root, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="violet-sim")
def main() -> None:
    """Deterministic simulation and mock-BingX harness for the VIOLET engine."""


main.add_command(explain.explain)
main.add_command(scans.scans)
main.add_command(run.run)
main.add_command(golden.golden)
main.add_command(db.db)
main.add_command(study.study)
main.add_command(certify.certify)
main.add_command(venue.venue)
main.add_command(swarm.swarm)
main.add_command(contracts.contracts)
