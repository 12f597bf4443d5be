"""Fault injection: what a scenario's ``faults:`` list adds to a run, one module per family.

    config.py          the fault specs (rate / schedule), settings, and the swarm's per-seed draw
    venue_faults.py    the venue link's fault layer: rejects, 429, latency spikes, lost / late /
                       duplicate responses, duplicate requests, disconnects, refused settings;
                       partial fills through the venue's fill model
    data_faults.py     a transform of the scan batches: gaps, duplicates, reordering, corrupt
                       fields, vel_div spikes, stale EsoF, price gaps, mark divergence
    process_faults.py  engine crash and restart (``EngineHost``), journal sink outages
    operator_faults.py HIBERNATE halts and cadence changes
    probes.py          'sometimes' coverage: which faults fired, which recovery paths ran
    schedule.py        when a fault is active: scheduled and random windows, per-opportunity gates
    plan.py            ``FaultPlan``: all of it, built for one run by ``sim.harness.simulate.simulate``

Faults fire only while data flows; when the data ends they stop and the run settles for
``quiet_ms`` (the liveness phase) before the final checks. The engine, execution and the venue
never import this package: faults hook in at the link, at the feed's input and at the process
boundary.
"""
