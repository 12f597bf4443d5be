"""Pre-V4 certification (SPEC 9): one command that answers GO or NO-GO, with evidence.

``runner`` runs what a certification profile names (scenario runs, a determinism rerun, the golden
check, the fault swarm, the recorded-trade studies) and collects the evidence into one directory;
``checks`` turns that evidence into one pass/fail row per check against the profile's thresholds;
``report`` writes ``certificate.json`` for machines and ``report.md``/``report.html`` for people.
"""
