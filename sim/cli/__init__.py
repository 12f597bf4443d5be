"""The ``violet-sim`` command line: one group, one module per command family, each imported only
when its command runs (so that ``violet-sim --help`` answers at once)."""
from __future__ import annotations

import sys
from importlib import import_module
from typing import Any

import click

#: command -> (module, one-line help shown by ``violet-sim --help`` without importing the module).
COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("sim.cli.run", "Replay SCENARIO_FILE through the engine into the mock venue."),
    "swarm": ("sim.cli.swarm", "Run SCENARIO_FILES with many seeds, each drawing its own faults and rates."),
    "certify": ("sim.cli.certify", "Certify the engine: GO or NO-GO before V4, with the evidence."),
    "golden": ("sim.cli.golden", "Golden outputs under golden/<scenario>/ (run from the project root)."),
    "scans": ("sim.cli.scans", "Build and inspect Parquet scan archives."),
    "contracts": ("sim.cli.contracts", "Contract tables for the venue (symbols, precisions, minimums, leverage, fees)."),
    "db": ("sim.cli.db", "ClickHouse tables: create them, import/export scans, seed recorded trades, drain the spool."),
    "study": ("sim.cli.study", "Studies of recorded BLUE trades: clean, parity, margin, regimes."),
    "explain": ("sim.cli.explain", "Explain the engine's decision for one scan."),
    "venue": ("sim.cli.venue", "The mock BingX USDT-M perpetual venue over HTTP."),
}


class _Root(click.Group):
    """The root command. Commands load lazily; click's usage errors (bad option, missing
    argument, unknown command) become one line and exit code 2, like every other user error."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        command = getattr(import_module(COMMANDS[cmd_name][0]), cmd_name)
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, short) for name, (_, short) in COMMANDS.items()])

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        try:
            code = super().main(*args, **kwargs)  # an int when a command asked click to exit
        except click.ClickException as exc:
            click.echo(f"error: {exc.format_message()}", err=True)
            sys.exit(2)
        except click.Abort:
            sys.exit(1)
        except Exception as exc:  # the one boundary: a user error is one line, anything else a bug
            from sim.cli.boundary import report_escaped
            sys.exit(report_escaped(exc))
        sys.exit(code if isinstance(code, int) else 0)


@click.group(cls=_Root, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="violet-sim")
def main() -> None:
    """Deterministic simulation and mock-BingX harness for the VIOLET engine."""
