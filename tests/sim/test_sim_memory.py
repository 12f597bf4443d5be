"""Peak memory against replay length, measured as the operating system sees it (the child's
``VmHWM``), not as ``tracemalloc`` does: the readers' native memory (Arrow, the embedded ClickHouse
engine) is where replays used to grow. Each reader streams a short and a ten times longer replay
in a fresh process, and the long one may need at most 10% (plus a few MB of allocator slack)
more than the short one. Both failed before the fixes: the ClickHouse reader sorted the rest of
the dataset for every page (522 -> 847 MB measured here), and the Parquet reader held a spent row
group beside the next (136 -> 163 MB). ``benchmarks/bench_memory.py`` measures whole runs at 7
and 90 days."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sim.scans.archive import write_archive
from sim.scans.synthetic import SyntheticConfig, SyntheticScanSource
from sim.store.scratch import scratch_database

SHORT, LONG = 131_072, 1_310_720  # scans: 2 and 20 batches (row groups) of 65,536
SLACK_MB = 8  # allocator rounding and page-cache noise between two processes
FLAT = 1.10   # ten times the scans, at most 10% more peak memory

#: Streams every batch of the named source and prints the growth of the peak RSS (MB) over the
#: peak after the source was opened: the reader's own memory, not the interpreter's.
CHILD = """
import json, sys
from sim.scenario import parse_scenario
from sim.scenario.sources import open_source

def hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM"):
            return int(line.split()[1]) / 1024

source = open_source(parse_scenario({"name": "memory", "data": json.loads(sys.argv[1])}, "memory").data, 1)
before = hwm()
scans = sum(len(b) for b in source.batches())
print(json.dumps({"scans": scans, "growth_mb": hwm() - before}))
"""


def _growth(data: dict) -> float:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    out = subprocess.run([sys.executable, "-c", CHILD, json.dumps(data)], env=env, capture_output=True, text=True,
                         check=True, timeout=120)
    return json.loads(out.stdout)["growth_mb"]


def _violet(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "sim", *args], check=True, capture_output=True, timeout=120)


@pytest.fixture(scope="module")
def archives(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    folder = tmp_path_factory.mktemp("memory")
    paths = {}
    for n in (SHORT, LONG):
        paths[n] = folder / f"scans{n}.parquet"
        write_archive(paths[n], SyntheticScanSource(SyntheticConfig(n_scans=n, n_assets=20), seed=3).batches())
    return paths


def _assert_flat(short: float, long: float, ratio: float) -> None:
    assert long <= ratio * short + SLACK_MB, f"peak grew {short:.0f} MB -> {long:.0f} MB with 10x the scans"


def test_parquet_reader_memory_does_not_grow_with_replay_length(archives: dict[int, Path]):
    short, long = (_growth({"kind": "parquet", "path": str(archives[n])}) for n in (SHORT, LONG))
    _assert_flat(short, long, FLAT)


def test_clickhouse_reader_memory_does_not_grow_with_replay_length(archives: dict[int, Path], tmp_path: Path):
    with scratch_database(tmp_path / "chdb", "violet_memory") as dsn:
        _violet("db", "init", "--dsn", dsn)
        for n in (SHORT, LONG):
            _violet("db", "import-scans", str(archives[n]), "--dsn", dsn, "--dataset", f"scans{n}")
        short, long = (_growth({"kind": "clickhouse", "dsn": dsn, "dataset": f"scans{n}"}) for n in (SHORT, LONG))
    _assert_flat(short, long, FLAT)
