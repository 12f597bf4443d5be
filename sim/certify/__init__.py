"""Pre-V4 certification (SPEC 9): one command that answers GO or NO-GO, with evidence.

``runner`` runs what a certification profile names (scenario runs, a determinism rerun, the golden
check, the fault swarm, the recorded-trade studies) and collects the evidence into one directory;
``checks`` turns that evidence into one pass/fail row per check against the profile's thresholds;
``report`` writes ``certificate.json`` for machines and ``report.md``/``report.html`` for people;
``api`` is ``certify(...)`` for Python callers, and the package itself is that function.
"""
from __future__ import annotations

import sys
import types
from typing import Any


class _CallablePackage(types.ModuleType):
    """``from sim import certify`` names this package (Python binds a subpackage to its parent's
    attribute on import), so the package itself is the function: ``certify(out="runs/cert")``."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from sim.certify.api import certify as run
        return run(*args, **kwargs)


sys.modules[__name__].__class__ = _CallablePackage
