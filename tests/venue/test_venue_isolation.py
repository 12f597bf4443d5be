"""The venue stands alone: no simpy, no engine, no clock; the simulator drives it."""
from __future__ import annotations

import ast
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import exchange_mock

FORBIDDEN = ("simpy", "violet_engine")


def _modules() -> list[str]:
    return ["exchange_mock"] + [m.name for m in pkgutil.walk_packages(exchange_mock.__path__, "exchange_mock.")]


def test_importing_the_venue_loads_neither_simpy_nor_the_engine():
    code = (
        "import importlib, json, sys\n"
        f"for name in {_modules()!r}: importlib.import_module(name)\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('simpy', 'violet_engine'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def test_no_source_file_imports_them_or_reads_the_clock():
    for path in Path(exchange_mock.__file__).parent.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name.split(".")[0] not in FORBIDDEN + ("time", "datetime"), f"{path}: imports {name}"
