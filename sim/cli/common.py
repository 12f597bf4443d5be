"""What every command shares: user errors become one line on stderr and exit code 2."""
from __future__ import annotations

import functools
import sys
from typing import Any, Callable

import click

from sim.errors import UserError

USER_ERRORS = (UserError, FileNotFoundError)


def fail_on_user_error(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except USER_ERRORS as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)
    return wrapper
