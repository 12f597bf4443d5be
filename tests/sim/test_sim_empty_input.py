"""A run that used no scan tested nothing: it fails its built-in ``scans_used`` check (exit 1)
instead of reading as PASSED."""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
from click.testing import CliRunner

from sim.cli import main
from sim.harness.simulate import simulate
from sim.scans.archive import write_archive
from sim.scans.synthetic import SyntheticConfig, SyntheticScanSource
from sim.scenario import load_scenario


def _scenario(tmp_path: Path, vel_div_nan: bool, n_scans: int = 400) -> Path:
    source = SyntheticScanSource(SyntheticConfig(n_scans=n_scans, n_assets=6), seed=2, batch_size=200)
    batches = [dataclasses.replace(b, vel_div=np.full_like(b.vel_div, np.nan)) if vel_div_nan else b
               for b in source.batches()]
    write_archive(tmp_path / "scans.parquet", batches)
    path = tmp_path / "input.yaml"
    path.write_text(json.dumps({"name": "input", "seed": 2, "data": {"kind": "parquet", "path": "scans.parquet"}}))
    return path


def test_every_scan_rejected_is_a_failed_run_not_passed(tmp_path: Path) -> None:
    result = simulate(load_scenario(_scenario(tmp_path, vel_div_nan=True)))
    assert result.summary.scans_in == 400 and result.facts.rejected == 400
    first = result.summary.expectations[0]
    assert (first.name, first.measured, first.passed) == ("scans_used", 0, False)
    assert not result.passed
    res = CliRunner().invoke(main, ["run", str(tmp_path / "input.yaml"), "--out", str(tmp_path / "out")])
    assert res.exit_code == 1 and "scans_used" in res.output


def test_a_run_that_used_its_scans_passes_the_check(tmp_path: Path) -> None:
    result = simulate(load_scenario(_scenario(tmp_path, vel_div_nan=False)))
    first = result.summary.expectations[0]
    assert (first.name, first.passed) == ("scans_used", True) and first.measured == 400 - result.facts.rejected
