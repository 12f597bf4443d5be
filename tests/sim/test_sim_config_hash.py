"""A run's config hash (and so its ClickHouse run id) names the run, not the checkout it ran in."""
from __future__ import annotations

import shutil
from pathlib import Path

from sim.harness.simulate import config_hash
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]


def test_the_same_scenario_from_two_folders_has_one_hash_and_new_data_another(tmp_path: Path):
    for where in ("a", "b"):
        shutil.copytree(ROOT / "scenarios", tmp_path / where / "scenarios")
    one = config_hash(load_scenario(tmp_path / "a" / "scenarios" / "baseline.yaml"), 7)
    assert one == config_hash(load_scenario(tmp_path / "b" / "scenarios" / "baseline.yaml"), 7)
    assert one != config_hash(load_scenario(tmp_path / "a" / "scenarios" / "baseline.yaml"), 8)
    archive = tmp_path / "b" / "scenarios" / "data" / "synthetic_sample.parquet"
    archive.write_bytes(archive.read_bytes() + b"\\0")
    assert one != config_hash(load_scenario(tmp_path / "b" / "scenarios" / "baseline.yaml"), 7)
