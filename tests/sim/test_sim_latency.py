"""The venue link's latency: a request reaches the venue ``out`` ms after it is sent and its answer
comes back ``back`` ms later; fills carry the venue's time, the journal the engine's."""
from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from sim.scenario import ScenarioError, parse_scenario
from sim.harness.simulate import simulate

LATENCY_MS = 250


def _run(tmp_path: Path, latency: dict) -> tuple[dict, list[dict], list[dict], list[dict]]:
    scenario = parse_scenario({"name": "lat", "seed": 3, "latency": latency,
                               "data": {"kind": "synthetic", "config": {"n_scans": 6000}}}, "t")
    summary = simulate(scenario, out_dir=tmp_path).summary
    read = lambda t: pq.read_table(tmp_path / f"{t}.parquet").to_pylist()  # noqa: E731
    return summary, read("decisions"), read("orders"), read("fills")


def test_orders_fill_at_venue_time_and_answer_after_the_round_trip(tmp_path: Path):
    summary, decisions, orders, fills = _run(tmp_path, {"per_kind": {"place_order": LATENCY_MS}})
    assert summary.passed and summary.trades > 0
    entered = {d["scan_number"]: d["ts_ms"] for d in decisions if d["action"] == "ENTER"}
    entries = [o for o in orders if o["purpose"] == "ENTRY"]
    assert len(entries) == len(entered)
    fill_ts = {f["order_id"]: f["ts_ms"] for f in fills}
    for o in entries:
        decided_at = entered[int(o["client_order_id"][2:])]
        # sent at or after the decision (an exit on the same scan may go first), filled on arrival
        assert fill_ts[o["order_id"]] == o["ts_ms"] - LATENCY_MS
        assert o["ts_ms"] - decided_at in (2 * LATENCY_MS, 4 * LATENCY_MS)


def test_jitter_is_seeded(tmp_path: Path):
    a, *_ = _run(tmp_path / "a", {"default_ms": 20, "jitter_ms": 30})
    b, *_ = _run(tmp_path / "b", {"default_ms": 20, "jitter_ms": 30})
    c, *_ = _run(tmp_path / "c", {"default_ms": 0})
    assert a.journal_sha256 == b.journal_sha256 != c.journal_sha256


def test_a_typo_in_a_request_kind_is_refused_with_its_key_path():
    """``place_ordr`` would silently mean "the default latency"; like a fault spec's ``requests``,
    the latency table takes request kinds only, and never a negative delay."""
    base = {"name": "t", "data": {"kind": "synthetic", "config": {"n_scans": 100}}}
    for latency, needle in (({"per_kind": {"place_ordr": 40}}, "latency.per_kind.place_ordr"),
                            ({"per_kind": {"place_order": -5}}, "latency.per_kind.place_order")):
        with pytest.raises(ScenarioError) as err:
            parse_scenario({**base, "latency": latency}, "t.yaml")
        assert needle in str(err.value)
    with pytest.raises(ScenarioError) as err:
        parse_scenario({**base, "faults": [{"kind": "lost_response", "rate": 0.1, "requests": ["place_ordr"]}]},
                       "t.yaml")
    assert "faults.0.requests.0" in str(err.value)


@pytest.mark.parametrize("jitter_ms", [1, 30, 1_000, 2**33])
def test_jitter_drawn_in_blocks_is_the_jitter_drawn_one_by_one(jitter_ms: int):
    """The model draws its jitter JITTER_BLOCK at a time; every request must get the value a draw
    per request gives (across several block boundaries, per-kind bases included)."""
    import numpy as np

    from sim.kernel.latency import JITTER_BLOCK, LatencyConfig, LatencyModel
    from sim.kernel.requests import RequestKind
    from sim.rng import RngStreams

    config = LatencyConfig(default_ms=20, per_kind={RequestKind.PLACE_ORDER: 250}, jitter_ms=jitter_ms)
    model = LatencyModel(config, RngStreams(9).stream("latency"))
    reference = RngStreams(9).stream("latency")
    kinds = [RequestKind.PLACE_ORDER, RequestKind.POSITIONS, RequestKind.BALANCE]
    for i in range(3 * JITTER_BLOCK + 7):
        kind = kinds[i % 3]
        base = 250 if kind is RequestKind.PLACE_ORDER else 20
        assert model.one_way(kind) == base + int(reference.integers(0, jitter_ms + 1)), i
    assert isinstance(model.one_way(kinds[0]), int) and not isinstance(model.one_way(kinds[0]), np.integer)
