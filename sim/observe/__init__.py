"""Observers of a run: they watch and write, they never decide.

    recorder.py    journal rows and counted facts from what execution reports
    facts.py       ``RunFacts`` (everything measured) and ``RunSummary`` (what ``summary.json`` holds)
    invariants.py  ``Invariant``: the names of what must always hold, and ``Breach``
    accounting.py  the run's money identity (ledger lines, trades, each fill's PnL) at the end
    monitor.py     ``InvariantMonitor``: checks the invariants after every event
"""
