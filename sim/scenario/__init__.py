"""Scenarios: what a run replays, how it is configured, what must be true of it.

    schema.py        the pydantic models of a scenario file (data, engine, execution, venue, events, faults)
    load.py          ``load_scenario`` / ``parse_scenario``: YAML in, errors naming the bad key's path
    expectations.py  the ``expect:`` checks over a run's facts
    sources.py       the scan source a scenario's ``data:`` names
"""
from sim.errors import ScenarioError
from sim.scenario.load import load_scenario, parse_scenario
from sim.scenario.schema import Scenario
__all__ = ["Scenario", "ScenarioError", "load_scenario", "parse_scenario"]
