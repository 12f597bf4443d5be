"""The simulator's rooms depend downward only, and no two modules import each other in a circle.

Layers, lowest first: a module may import its own package and any lower layer, never a higher
one. The test reads every module's imports from its source (type-only imports included: a
circle of types is still a circle for a reader).
"""
from __future__ import annotations

import ast
from pathlib import Path

import sim

PACKAGE = Path(sim.__file__).parent
LAYERS = (
    ("sim.errors", "sim.rng", "sim.instants", "sim.progress"),
    ("sim.journal", "sim.scans", "sim.kernel"),
    ("sim.store", "sim.execution"),
    ("sim.observe", "sim.recorded"),
    ("sim.faults",),
    ("sim.scenario",),
    ("sim.harness",),
    ("sim.studies",),
    ("sim.certify",),
    ("sim.cli",),
    ("sim", "sim.__main__"),
)


def _module(path: Path) -> str:
    parts = ("sim",) + path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
                names |= {f"{node.module}.{a.name}" for a in node.names}
        graph[_module(path)] = {n for n in names if n == "sim" or n.startswith("sim.")}
    modules = set(graph)
    return {m: {n for n in deps if n in modules and n != m} for m, deps in graph.items()}


def _layer(module: str) -> tuple[int, str]:
    best = (-1, "")
    for i, layer in enumerate(LAYERS):
        for room in layer:
            if (module == room or module.startswith(room + ".")) and len(room) > len(best[1]):
                best = (i, room)
    return best


def test_every_module_belongs_to_a_layer():
    assert [m for m in _imports() if _layer(m)[0] < 0] == []


def test_no_module_imports_a_higher_layer():
    upward = []
    for module, deps in _imports().items():
        level, room = _layer(module)
        for dep in deps:
            dep_level, dep_room = _layer(dep)
            if dep_level > level and dep_room != room:
                upward.append(f"{module} -> {dep}")
    assert upward == []


def test_no_import_cycle_between_modules():
    graph = _imports()
    cycles: list[list[str]] = []
    state: dict[str, int] = {}

    def visit(m: str, path: list[str]) -> None:
        state[m] = 1
        for d in sorted(graph.get(m, ())):
            if state.get(d) == 1:
                cycles.append(path[path.index(d):] + [d] if d in path else [m, d])
            elif d not in state:
                visit(d, path + [d])
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
    # a package's __init__ re-exporting its own modules is not a cycle a reader follows
    real = [c for c in cycles if not any(c[i] == c[i + 1].rsplit(".", 1)[0] or c[i + 1] == c[i].rsplit(".", 1)[0]
                                         for i in range(len(c) - 1))]
    assert real == []


def test_the_layers_are_what_the_code_needs():
    """A sanity check of the reading itself: execution uses the kernel, the harness uses both."""
    graph = _imports()
    assert "sim.kernel.link" in graph["sim.execution.trader"]
    assert "sim.execution.trader" in graph["sim.harness.simulate"]
