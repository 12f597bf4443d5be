"""Data faults: the same faulty scan stream whatever the batch size, every corrupted scan rejected
with a reason, every source scan accounted for, spikes sized as signal."""
from __future__ import annotations

import numpy as np
import pytest

from sim.faults.config import parse_faults
from sim.faults.data_faults import DataFaults
from sim.faults.probes import Probes
from sim.rng import RngStreams
from sim.scans.synthetic import SyntheticConfig
from sim.scenario.schema import SyntheticData
from sim.scenario import parse_scenario
from sim.scenario.sources import open_source
from sim.harness.simulate import simulate
from violet_engine import DecisionEngine
from violet_engine.constants import MAX_LEVERAGE
from violet_engine.decision_batch import OUTCOME_CODE
from violet_engine.types import Outcome

REJECT = OUTCOME_CODE[Outcome.REJECT]

ALL = [
    {"kind": "duplicate_scan", "rate": 0.01}, {"kind": "out_of_order_scan", "rate": 0.01},
    {"kind": "corrupt_field", "rate": 0.01}, {"kind": "vel_div_spike", "rate": 0.005},
    {"kind": "price_gap", "through": "stop", "rate": 0.002}, {"kind": "scan_gap", "rate": 0.01, "duration_ms": 60000},
    {"kind": "stale_esof", "rate": 0.01}, {"kind": "mark_divergence", "rate": 0.01, "duration_ms": 300000},
]
FIELDS = ("ts_ms", "scan_number", "vel_div", "prices", "present", "esof_score", "esof_ts_ms")


def _stream(faults, batch_size: int, seed: int = 3):
    src = open_source(SyntheticData(kind="synthetic", config=SyntheticConfig(n_scans=3000, n_assets=8),
                                    batch_size=batch_size), seed)
    layer = DataFaults(parse_faults(faults), RngStreams(seed), Probes())
    out = list(layer.apply(src.batches()))
    cols = {f: np.concatenate([getattr(b, f) for b in out]) for f in FIELDS}
    cols["marks"] = np.concatenate([b.prices if b.marks is None else b.marks for b in out])
    return cols, layer


@pytest.mark.parametrize("fault", ALL + [ALL], ids=[f["kind"] for f in ALL] + ["all"])
def test_the_stream_does_not_depend_on_the_batch_size(fault):
    faults = fault if isinstance(fault, list) else [fault]
    whole, layer = _stream(faults, 65_536)
    assert sum(layer.probes.counts.values()) > 0, "the fault never fired"
    for size in (1, 7, 500):
        cut, _ = _stream(faults, size)
        for name, col in whole.items():
            assert np.array_equal(col, cut[name], equal_nan=True), (size, name)


def test_every_corrupted_scan_is_rejected_and_every_source_scan_accounted_for():
    cols, layer = _stream(ALL, 1000)
    assert layer.source_scans == 3000
    assert len(cols["ts_ms"]) == layer.source_scans - layer.dropped + layer.duplicated
    engine = DecisionEngine()
    src = open_source(SyntheticData(kind="synthetic", config=SyntheticConfig(n_scans=3000, n_assets=8)), 3)
    layer = DataFaults(parse_faults(ALL), RngStreams(3), Probes())
    rejected = set()
    for batch in layer.apply(src.batches()):
        d = engine.decide_batch(batch, 10_000.0)
        rejected.update(batch.scan_number[d.outcome == REJECT].tolist())
        accepted = set(batch.scan_number[d.outcome != REJECT].tolist())
        assert not accepted & layer.corrupted
    assert layer.corrupted and layer.corrupted <= rejected
    assert layer.duplicated and layer.dropped


def test_a_faulty_feed_runs_clean():
    sc = parse_scenario({"name": "d", "seed": 4, "data": {"kind": "synthetic", "config": {"n_scans": 3000}},
                         "faults": ALL, "expect": {"spike_saturation": True, "violations": 0}}, "d.yaml")
    s = simulate(sc).summary
    assert s.passed, s.breaches
    f = s.facts
    assert f.rejects_by_reason and f.faults["scans_corrupted"] > 0 and f.spike_decisions > 0
    assert s.scans_in == f.faults["source_scans"] - f.faults["scans_dropped"] + f.faults["scans_duplicated"]
    assert MAX_LEVERAGE == 9.0 and f.spike_unsaturated == 0
