"""Property test of the command line's promise, over every command: whatever the input, the exit
code is 0, 1 or 2, no traceback reaches stderr, and a refusal (exit 2) is one line naming the
input. Inputs are mutated from valid ones: scenario YAML keys and values, archive bytes and
metadata, scan JSON, and CLI option values. A bug (exit 70, "internal error") fails the test."""
from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.cli import main

ROOT = Path(__file__).resolve().parents[2]
#: examples per property in CI; set VIOLET_PROPERTY_EXAMPLES for a deeper search.
EXAMPLES = settings(max_examples=int(os.environ.get("VIOLET_PROPERTY_EXAMPLES", "25")), deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

#: values a mutation puts in place of a valid one: wrong types, out-of-range numbers, odd text.
HOSTILE = st.one_of(
    st.sampled_from([None, True, -1, 0, 1, 10**30, -(10**30), 1e308, -1e-308, float("nan"), float("inf"),
                     "", "abc", "-1", "1e999", "nan", "../../escape", "é", [], [1, "x"], {}, {"k": -1}]),
    st.integers(), st.floats(), st.text(max_size=8))

TINY_SCENARIO: dict[str, Any] = {
    "name": "prop", "seed": 3,
    "data": {"kind": "synthetic", "config": {"n_scans": 240, "n_assets": 6}},
    "engine": {"exits": {"take_profit": 0.004, "stop_loss": 0.006, "max_hold_scans": 25}},
    "latency": {"default_ms": 20, "jitter_ms": 30},
    "faults": [{"kind": "reject", "code": 101204, "rate": 0.1}],
    "venue": {"unknown_symbols": "fail"},
    "expect": {"max_open_positions": 1, "violations": 0, "ledger_reconciled": True},
}


def invoke(args: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(main, args)
    return result.exit_code, result.stderr


def assert_kept_promise(code: int, stderr: str, names: tuple[str, ...]) -> None:
    assert code in (0, 1, 2), f"exit {code}: {stderr}"
    assert "Traceback" not in stderr, stderr
    if code == 2:
        lines = [line for line in stderr.splitlines() if line.strip()]
        assert len(lines) == 1, f"a refusal must be one line: {stderr!r}"
        assert any(name in lines[0] for name in names), f"{lines[0]!r} names none of {names}"


def key_paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path in a YAML document (mapping keys and list indexes), parents first."""
    paths: list[tuple[Any, ...]] = []
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in items:
        paths.append(prefix + (key,))
        paths.extend(key_paths(child, prefix + (key,)))
    return paths


def mutate(doc: dict[str, Any], path: tuple[Any, ...], action: str, value: Any) -> dict[str, Any]:
    """``doc`` with the key at ``path`` replaced by ``value``, deleted, or given an unknown sibling."""
    out = copy.deepcopy(doc)
    parent = out
    for key in path[:-1]:
        parent = parent[key]
    last = path[-1]
    if action == "replace":
        parent[last] = value
    elif action == "delete":
        del parent[last]
    elif isinstance(parent, dict):
        parent["unknown_" + str(last)] = value
    return out


@st.composite
def mutated_scenarios(draw: st.DrawFn) -> dict[str, Any]:
    paths = key_paths(TINY_SCENARIO)
    path = draw(st.sampled_from(paths))
    return mutate(TINY_SCENARIO, path, draw(st.sampled_from(["replace", "delete", "add"])), draw(HOSTILE))


@pytest.mark.parametrize("command", ["run", "swarm"])
@EXAMPLES
@given(doc=mutated_scenarios())
def test_a_mutated_scenario_is_run_or_refused_in_one_line(tmp_path: Path, command: str, doc: dict[str, Any]) -> None:
    scenario = tmp_path / "mutated.yaml"
    scenario.write_text(yaml.safe_dump(doc), encoding="utf-8")
    extra = ["--seeds", "2", "--workers", "1"] if command == "swarm" else []
    code, stderr = invoke([command, str(scenario), "--out", str(tmp_path / "out"), *extra])
    assert_kept_promise(code, stderr, ("mutated.yaml",))


@pytest.fixture(scope="module")
def small_archive(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    out = tmp_path_factory.mktemp("archive") / "small.parquet"
    code, stderr = invoke(["scans", "generate", "--out", str(out), "--scans", "200", "--assets", "6", "--seed", "5"])
    assert code == 0, stderr
    return out.read_bytes()


@EXAMPLES
@given(cut=st.integers(min_value=0, max_value=10**6), flip=st.integers(min_value=0, max_value=10**6),
       how=st.sampled_from(["truncate", "flip", "append"]))
def test_a_damaged_archive_is_read_or_refused_in_one_line(tmp_path: Path, small_archive: bytes,
                                                         cut: int, flip: int, how: str) -> None:
    data = bytearray(small_archive)
    if how == "truncate":
        data = data[: cut % len(data)]
    elif how == "flip":
        data[flip % len(data)] ^= 0xFF
    else:
        data += b"\x00garbage"
    archive = tmp_path / "damaged.parquet"
    archive.write_bytes(bytes(data))
    scenario = tmp_path / "on_archive.yaml"
    scenario.write_text(yaml.safe_dump({"name": "on_archive", "seed": 1,
                                        "data": {"kind": "parquet", "path": "damaged.parquet"}}))
    for args in (["scans", "info", str(archive)], ["run", str(scenario), "--out", str(tmp_path / "out")]):
        code, stderr = invoke(args)
        assert_kept_promise(code, stderr, ("damaged.parquet",))


@EXAMPLES
@given(key=st.sampled_from(["violet.assets", "violet.provenance", "violet.version", "extra"]), value=HOSTILE)
def test_archive_metadata_with_a_bad_value_is_refused_in_one_line(tmp_path: Path, small_archive: bytes,
                                                                  key: str, value: Any) -> None:
    source = tmp_path / "source.parquet"
    source.write_bytes(small_archive)
    table = pq.read_table(source)
    meta = dict(table.schema.metadata or {})
    meta[key.encode()] = json.dumps(value, allow_nan=True).encode()
    archive = tmp_path / "meta.parquet"
    pq.write_table(table.replace_schema_metadata(meta), archive)
    code, stderr = invoke(["scans", "info", str(archive)])
    assert_kept_promise(code, stderr, ("meta.parquet",))


SCAN = json.loads((ROOT / "scenarios/examples/scan_signal.json").read_text())


@EXAMPLES
@given(data=st.data())
def test_a_mutated_scan_is_explained_or_refused_in_one_line(tmp_path: Path, data: st.DataObject) -> None:
    shallow = {key: value for key, value in SCAN.items() if key != "history"}
    shallow["history"] = SCAN["history"][:3]
    path = data.draw(st.sampled_from(key_paths(shallow)))
    doc = mutate(shallow, path, data.draw(st.sampled_from(["replace", "delete", "add"])), data.draw(HOSTILE))
    scan = tmp_path / "scan.json"
    scan.write_text(json.dumps(doc, allow_nan=True), encoding="utf-8")
    code, stderr = invoke(["explain", "--scan", str(scan)])
    assert_kept_promise(code, stderr, ("scan.json",))
