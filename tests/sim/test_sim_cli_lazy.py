"""``violet-sim --help`` loads no command module (each loads when its command runs)."""
from __future__ import annotations

import json
import subprocess
import sys

import click

from sim.cli import COMMANDS, main


def test_help_imports_no_command_module_and_lists_every_command():
    script = ("import sys, json\nfrom sim.cli import main\n"
              "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
              "print(json.dumps(sorted(m for m in sys.modules if m.startswith('sim.') and m != 'sim.cli')))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    lines = done.stdout.strip().splitlines()
    assert json.loads(lines[-1]) == []
    help_text = "\n".join(lines[:-1])
    assert all(name in help_text for name in COMMANDS)


def test_every_listed_command_loads_under_its_name():
    ctx = click.Context(main)
    for name in COMMANDS:
        command = main.get_command(ctx, name)
        assert command is not None and command.name == name
