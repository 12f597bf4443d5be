"""violet-sim as a library: replay a scenario, read its results, certify.

    from sim import load_scenario, simulate
    result = simulate(load_scenario("scenarios/baseline.yaml"), out_dir="runs/baseline")
    print(result.passed, result.summary.trades, result.summary.final_equity)
    trades = result.trades            # an Arrow table (.to_pandas() with pandas installed)

    from sim import certify
    cert = certify(out="runs/certify")   # cert.verdict: "GO" or "NO-GO"; cert.checks

The command line is built on these same functions. Names load on first use, so that importing
``sim`` (and ``violet-sim --help``) stays fast.
"""
from __future__ import annotations

from importlib import import_module
from typing import Any

_API = {
    "load_scenario": "sim.scenario",
    "parse_scenario": "sim.scenario",
    "Scenario": "sim.scenario",
    "simulate": "sim.harness.simulate",
    "RunResult": "sim.harness.simulate",
    "RunSummary": "sim.observe.facts",
    "RunFacts": "sim.observe.facts",
    "run_swarm": "sim.harness.swarm",
    "UserError": "sim.errors",
}

__all__ = sorted([*_API, "certify"])


def __getattr__(name: str) -> Any:
    if name == "certify":
        return import_module("sim.certify")
    if name in _API:
        return getattr(import_module(_API[name]), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
