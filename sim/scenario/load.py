"""Reading scenario files: YAML validated by pydantic, with errors that name the path of the bad key."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from sim.errors import ScenarioError
from sim.faults.config import FAULT_KINDS
from sim.scenario.schema import CandleData, ParquetData, Scenario


_UNION_TAGS = frozenset(("parquet", "synthetic", "candles", "clickhouse", *FAULT_KINDS))


def _loc(loc: tuple[Any, ...]) -> str:
    """The path of a bad key, without pydantic's union tags (``faults.2.rate``, not ``faults.2.reject.rate``)."""
    parts = [str(p) for p in loc if not (isinstance(p, str) and p in _UNION_TAGS)]
    return ".".join(parts) or "<root>"


def _resolve(value: str | tuple[str, ...] | None, base_dir: Path) -> str | tuple[str, ...] | None:
    """Relative paths against the scenario file's folder (absolute ones unchanged)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value if Path(value).is_absolute() else str((base_dir / value).resolve())
    return tuple(str(_resolve(v, base_dir)) for v in value)


def parse_scenario(raw: Any, origin: str, base_dir: Path | None = None) -> Scenario:
    """Validate a parsed YAML document; relative data and contract paths resolve against
    ``base_dir`` (the scenario file's folder), not the working directory."""
    if not isinstance(raw, dict):
        raise ScenarioError(f"{origin}: expected a mapping at the top level, got {type(raw).__name__}")
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as exc:
        lines = [f"{origin}: {_loc(e['loc'])}: {e['msg']} (got {e.get('input')!r})" for e in exc.errors()]
        raise ScenarioError("\n".join(lines)) from None
    data = scenario.data
    if isinstance(data, ParquetData) and base_dir is not None and not Path(data.path).is_absolute():
        data = data.model_copy(update={"path": str((base_dir / data.path).resolve())})
    venue = scenario.venue
    if venue.contracts_dir is not None:
        folder = venue.contracts_dir if venue.contracts_dir.is_absolute() or base_dir is None \
            else (base_dir / venue.contracts_dir).resolve()
        for name in ("contracts.csv", "maint_tiers.csv"):
            if not (folder / name).is_file():
                raise ScenarioError(f"{origin}: venue.contracts_dir: no {name} in {folder} "
                                    "(write one with violet-sim contracts import FILE --out DIR)")
        venue = venue.model_copy(update={"contracts_dir": folder})
    if isinstance(data, CandleData) and base_dir is not None:
        data = data.model_copy(update={key: _resolve(getattr(data, key), base_dir)
                                       for key in ("path", "marks", "funding")})
    return scenario.model_copy(update={"data": data, "venue": venue, "source_path": origin})


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML's safe loader, refusing a key given twice in one mapping (the last would silently win)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                mark = key_node.start_mark
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r} (line {mark.line + 1}, column {mark.column + 1})", mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file; any problem raises ScenarioError naming the file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(f"{p}: cannot read ({exc.strerror})") from None
    try:
        raw = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 (a SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ScenarioError(f"{p}:{where} not valid YAML ({getattr(exc, 'problem', exc)})") from None
    return parse_scenario(raw, str(p), p.parent)
