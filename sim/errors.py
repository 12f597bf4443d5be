"""Errors that mean "the user asked for something unusable", as opposed to bugs.

Commands print them as one line and exit with code 2; they never surface as tracebacks.
"""
from __future__ import annotations


class UserError(ValueError):
    """A problem with an argument, a file or a target the user named."""


class ScenarioError(UserError):
    """A scenario file that cannot be used; the message names the file and the bad key path."""
