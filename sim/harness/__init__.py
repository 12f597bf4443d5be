"""What runs the simulation for a user: one run, many seeds, golden outputs, the venue server.

    simulate.py      ``simulate(scenario)``: one run wired top to bottom, its ``RunResult``
    swarm.py         many seeds, random fault mixes, determinism reruns
    swarm_ray.py     the same swarm on a Ray cluster
    golden.py        canonical outputs: write and compare
    venue_server.py  the venue behind its BingX REST front, driven by a scenario's scans
"""
