"""The batch path and the per-scan path agree field for field, bit for bit, over generated streams
with rejects, stablecoins, spikes, missing assets and stale EsoF, however the stream is cut."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from violet_engine import Decision, DecisionEngine, EngineConfig, Outcome, ScanBatch
from violet_engine.decision_batch import OUTCOMES
from violet_engine.selector import SelectorConfig
from violet_engine.steepener import SteepenerConfig

ASSETS = ("AAAUSDT", "BBBUSDT", "CCCUSDT", "DDDUSDT", "USDCUSDT")
BAD_PRICES = (0.0, -0.0, -2.0, float("nan"), float("inf"))
VEL_DIVS = st.one_of(
    st.floats(min_value=-0.07, max_value=0.01),
    st.floats(min_value=-0.05, max_value=-0.02),
    st.sampled_from([-605.0, -0.02, -0.05, -0.0337, float("nan"), float("inf"), float("-inf")]),
)
ASSET_STEP = st.tuples(
    st.sampled_from([True] * 9 + [False]),  # listed
    st.sampled_from([None] * 100 + list(BAD_PRICES)),  # a bad price instead of the walk's level
    st.floats(min_value=-0.05, max_value=0.05),  # log step; equal steps make ties
)
SCAN_STEP = st.tuples(
    VEL_DIVS,
    st.sampled_from([5000] * 12 + [1, 0, -5000]),  # ts step
    st.sampled_from([1] * 12 + [2, 0, -1]),  # scan_number step
    st.one_of(st.none(), st.floats(min_value=-0.05, max_value=0.05), st.just(float("nan"))),
    st.sampled_from([None, 0, 60_000, 900_000, 900_001, 5_000_000]),  # EsoF age
    st.lists(ASSET_STEP, min_size=len(ASSETS), max_size=len(ASSETS)),
)


STREAMS = st.integers(min_value=1, max_value=40).flatmap(lambda n: st.lists(SCAN_STEP, min_size=n, max_size=n))


def build_stream(steps):
    rows, level = [], np.full(len(ASSETS), 100.0)
    ts, sn = 1_767_225_600_000, 1
    for vel_div, dts, dsn, score, age, assets in steps:
        ts, sn = ts + dts, sn + dsn
        prices = {}
        for j, (listed, bad, step) in enumerate(assets):
            level[j] *= float(np.exp(step))
            if listed:
                prices[ASSETS[j]] = float(level[j]) if bad is None else bad
        rows.append({"ts_ms": ts, "scan_number": sn, "vel_div": vel_div, "prices": prices,
                     "esof_score": score, "esof_ts_ms": None if age is None else ts - age})
    return rows


def config(lookback, steepener):
    return EngineConfig(
        selector=SelectorConfig(lookback=lookback),
        steepener=SteepenerConfig(enabled=steepener, factor=1.5),
    )


def same(per_scan, batch_model):
    """Field for field, as JSON text so that -0.0 vs 0.0 or a last-bit difference shows."""
    return per_scan.model_dump_json(exclude={"irp_top"}) == batch_model.model_dump_json(exclude={"irp_top"})


@settings(max_examples=60, deadline=None)
@given(
    STREAMS,
    st.integers(min_value=1, max_value=4),
    st.booleans(),
    st.lists(st.integers(min_value=1, max_value=30), max_size=4),
    st.sampled_from([0.0, 1234.5, 1e6]),
)
def test_batch_equals_per_scan(steps, lookback, steepener, cuts, capital):
    cfg = config(lookback, steepener)
    whole = ScanBatch.from_rows(build_stream(steps))
    rows = [whole.row(i) for i in range(len(whole))]

    per_scan_engine = DecisionEngine(cfg)
    per_scan = [per_scan_engine.decide(r, capital) for r in rows]

    result = DecisionEngine(cfg).decide_batch(whole, capital)
    assert sum(result.counts().values()) == len(whole)
    for i, expected in enumerate(per_scan):
        got = result.outcome_at(i)
        assert same(expected, got), (i, expected, got)
        if isinstance(expected, Decision):
            assert result.notional[i] == expected.notional
            assert result.assets[result.asset[i]] == expected.asset
            assert expected.irp_top[0] == (expected.asset, expected.irp_score)
    assert [OUTCOMES[c] for c in result.outcome[result.signal_rows()]] == [Outcome.DECISION] * len(result.signal_rows())

    # Cut into batches whose asset columns differ (each built from its own rows only).
    chunked_engine, bounds = DecisionEngine(cfg), sorted({0, len(rows), *(c for c in cuts if c < len(rows))})
    chunked = []
    for lo, hi in zip(bounds, bounds[1:]):
        part = chunked_engine.decide_batch(ScanBatch.from_rows(rows[lo:hi]), capital)
        chunked += [part.outcome_at(i) for i in range(len(part))]
    assert all(same(a, b) for a, b in zip(per_scan, chunked)) and len(chunked) == len(per_scan)


def test_streams_reach_decisions():
    """Guard against a generator that never exercises the DECISION path."""
    steps = [(-0.03, 5000, 1, 0.03, 0, [(True, None, 0.01 * j) for j in range(len(ASSETS))])] * 5
    result = DecisionEngine(config(2, False)).decide_batch(ScanBatch.from_rows(build_stream(steps)), 1e4)
    assert result.counts()[Outcome.DECISION] == 3


def test_outcome_at_needs_a_capital_for_decisions():
    steps = [(-0.03, 5000, 1, None, None, [(True, None, 0.0)] * len(ASSETS))] * 2
    result = DecisionEngine(config(1, False)).decide_batch(ScanBatch.from_rows(build_stream(steps)))
    assert result.notional is None
    with pytest.raises(ValueError):
        result.outcome_at(1)
    assert result.outcome_at(1, 500.0).capital == 500.0


def test_empty_and_all_rejected_batches_keep_the_state():
    good = build_stream([(-0.03, 5000, 1, None, None, [(True, None, 0.01)] * len(ASSETS))] * 3)
    engine = DecisionEngine(config(2, False))
    assert len(engine.decide_batch(ScanBatch.from_rows(good[:2]))) == 2
    assert len(engine.decide_batch(ScanBatch.from_rows([]))) == 0
    replay = engine.decide_batch(ScanBatch.from_rows(good[:2]))  # same times again: all rejected
    assert replay.counts()[Outcome.REJECT] == 2
    assert engine.decide_batch(ScanBatch.from_rows(good[2:]), 1e4).counts()[Outcome.DECISION] == 1
