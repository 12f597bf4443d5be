"""What every command shares: user errors become one line on stderr and exit code 2."""
from __future__ import annotations

import functools
import sys
from typing import Any, Callable

import click

from sim.cli.boundary import ExitCode, one_line, user_error_types


def fail_on_user_error(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A command's user errors become one line on stderr and exit code 2 (bugs pass through to
    the root command, which reports them as bugs)."""
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except user_error_types() as exc:
            click.echo(f"error: {one_line(str(exc))}", err=True)
            sys.exit(ExitCode.BAD_INPUT)
    return wrapper


class FiniteFloatRange(click.FloatRange):
    """``click.FloatRange`` that also refuses NaN and infinities (NaN passes every comparison
    test as false, so a plain range lets ``nan`` through)."""

    name = "finite float range"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if number != number or number in (float("inf"), float("-inf")):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return number


class PathParam(click.Path):
    """``click.Path`` that refuses the empty string (which would otherwise mean the working
    directory, and let ``--out ''`` replace it)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and not value.strip():
            self.fail("an empty path.", param, ctx)
        return super().convert(value, param, ctx)


class TextParam(click.ParamType):
    """Text that must say something: an empty or blank value is refused naming the option
    (an empty DSN, symbol list or token would silently mean "the default" or "nothing")."""

    name = "text"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if not isinstance(value, str):
            return value
        if not value.strip():
            self.fail("an empty value.", param, ctx)
        return value


class InstantParam(click.ParamType):
    """An instant as users type it (epoch ms or ISO 8601, UTC), checked at the option, kept as text."""

    name = "instant"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from sim.instants import parse_instant
        try:
            parse_instant(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)
        return value


TEXT = TextParam()
INSTANT = InstantParam()
