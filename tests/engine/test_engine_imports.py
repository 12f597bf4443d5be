"""The decision core stays pure: it imports neither the simulator, the venue nor simpy."""
import ast
import json
import subprocess
import sys
from pathlib import Path

import violet_engine

FORBIDDEN = ("simpy", "exchange_mock", "sim")
PACKAGE = Path(violet_engine.__file__).parent
ROOT = PACKAGE.parent


def test_importing_every_module_loads_nothing_forbidden():
    script = (
        "import importlib, json, pkgutil, sys, violet_engine\n"
        "for m in pkgutil.iter_modules(violet_engine.__path__):\n"
        "    importlib.import_module('violet_engine.' + m.name)\n"
        f"print(json.dumps(sorted(n for n in sys.modules if n.split('.')[0] in {list(FORBIDDEN)!r})))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def test_no_module_names_a_forbidden_import():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in FORBIDDEN]
    assert offenders == []
