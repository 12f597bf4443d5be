"""``python -m sim`` is the ``violet-sim`` command."""
from sim.cli import main

main()
