"""The command line's last line of defence: what escapes a command becomes one line on stderr.

A user error (a file, field or value the user gave) is one line and exit code 2. Anything else is
a bug in violet-sim: the user gets one line saying so and where the full trace was written, and
exit code 70 (``EX_SOFTWARE``), so that a script (and the property test over every command) can
tell a bug from a refused input.
"""
from __future__ import annotations

import os
import tempfile
import traceback
from enum import IntEnum
from pathlib import Path

import click


class ExitCode(IntEnum):
    """What a ``violet-sim`` exit code means, for every command."""

    OK = 0
    #: the command ran and its verdict is negative: a failed expectation, NO-GO, a golden mismatch.
    FAILED = 1
    #: the command refused its input: a bad option, file, field or value (one line names it).
    BAD_INPUT = 2
    #: infrastructure failed: runs that could not be run (a dead worker, a lost cluster).
    NOT_RUN = 3
    #: stopped by Ctrl-C (SIGINT); what finished is kept (a swarm: ``--resume`` completes it).
    INTERRUPTED = 130
    #: a bug in violet-sim; the full trace is in the file the error line names.
    BUG = 70


def user_error_types() -> tuple[type[BaseException], ...]:
    """Exception types that mean "unusable input", including those of the venue and the engine,
    which cannot derive from ``sim.errors.UserError`` (they never import ``sim``)."""
    from exchange_mock.contract_import import ContractImportError
    from exchange_mock.rest.accounts import AccountsFileError
    from sim.errors import UserError
    from violet_engine.config import OrganLoadError
    return (UserError, FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError,
            ContractImportError, AccountsFileError, OrganLoadError)


def report_escaped(exc: Exception) -> int:
    """Print one line for ``exc`` and return the exit code it means."""
    if isinstance(exc, user_error_types()):
        click.echo(f"error: {one_line(str(exc))}", err=True)
        return ExitCode.BAD_INPUT
    trace = write_trace(exc)
    click.echo(f"internal error (a bug in violet-sim, please report it): {type(exc).__name__}: "
               f"{one_line(str(exc))[:300]}; full trace in {trace}", err=True)
    return ExitCode.BUG


def one_line(message: str) -> str:
    """A multi-line message (pydantic lists one error per line) joined into one line."""
    return "; ".join(part.strip() for part in message.splitlines() if part.strip())


def write_trace(exc: BaseException) -> Path:
    """Write the full traceback to a fresh file in the temporary folder and return its path."""
    handle, name = tempfile.mkstemp(prefix="violet-sim-trace-", suffix=".txt")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write("".join(traceback.format_exception(exc)))
    return Path(name)
