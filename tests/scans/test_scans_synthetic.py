"""The synthetic generator: determinism, streaming, calibration and the planted edge."""
from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from pydantic import ValidationError

from sim.scans.source import ScanSource
from sim.scans.synthetic import SyntheticConfig, SyntheticScanSource
from violet_engine.constants import ESOF_STALE_AFTER_MS, STABLECOIN_SYMBOLS


@pytest.fixture(scope="module")
def long_run(concat) -> dict[str, np.ndarray]:
    """200k scans (about 11.5 days) with default settings: enough for tail statistics."""
    return concat(SyntheticScanSource(SyntheticConfig(n_scans=200_000), seed=11).batches())


def test_is_a_scan_source() -> None:
    source = SyntheticScanSource(SyntheticConfig(n_scans=10))
    assert isinstance(source, ScanSource)
    assert source.num_scans == 10 and source.funding == {}
    assert len(source.assets) == 50 and list(source.assets) == sorted(source.assets)
    assert {f"SYN{i:02d}USDT" for i in range(40)} | set(STABLECOIN_SYMBOLS) == set(source.assets)


def test_config_is_frozen_and_strict() -> None:
    with pytest.raises(ValidationError):
        SyntheticConfig(n_scan=5)  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        SyntheticConfig(esof_stall_min_ms=2, esof_stall_max_ms=1)
    with pytest.raises(ValidationError):
        SyntheticConfig().n_scans = 3  # type: ignore[misc]


def test_same_seed_same_scans_other_seed_other_scans(concat) -> None:
    cfg = SyntheticConfig(n_scans=3_000)
    a, b = (concat(SyntheticScanSource(cfg, seed=5).batches()) for _ in range(2))
    c = concat(SyntheticScanSource(cfg, seed=6).batches())
    for field in a:
        assert np.array_equal(a[field], b[field], equal_nan=True), field
    assert not np.array_equal(a["prices"], c["prices"])
    assert not np.array_equal(a["vel_div"], c["vel_div"])


def test_batch_size_does_not_change_the_scans(concat) -> None:
    cfg = SyntheticConfig(n_scans=20_000)
    a = concat(SyntheticScanSource(cfg, seed=3, batch_size=1000).batches())
    b = concat(SyntheticScanSource(cfg, seed=3, batch_size=7777).batches())
    for field in a:
        assert np.array_equal(a[field], b[field], equal_nan=True), field


def test_streams_are_independent_by_name(concat) -> None:
    """Without the edge, prices never read the vel_div or EsoF streams and vice versa."""
    base = concat(SyntheticScanSource(SyntheticConfig(n_scans=2_000, edge=0.0), seed=1).batches())
    spiky = concat(SyntheticScanSource(SyntheticConfig(n_scans=2_000, edge=0.0, spike_rate=0.05), seed=1).batches())
    no_esof = concat(SyntheticScanSource(SyntheticConfig(n_scans=2_000, edge=0.0, esof=False), seed=1).batches())
    assert not np.array_equal(base["vel_div"], spiky["vel_div"])
    assert np.array_equal(base["prices"], spiky["prices"])
    assert np.array_equal(base["esof_score"], spiky["esof_score"], equal_nan=True)
    assert np.array_equal(base["vel_div"], no_esof["vel_div"]) and np.array_equal(base["prices"], no_esof["prices"])
    assert np.isnan(no_esof["esof_score"]).all() and (no_esof["esof_ts_ms"] == -1).all()


def test_batches_are_bounded_and_scans_numbered() -> None:
    cfg = SyntheticConfig(n_scans=10_001, start_ms=1_000, cadence_ms=5_000)
    batches = list(SyntheticScanSource(cfg, batch_size=2_500).batches())
    assert [len(b) for b in batches] == [2_500] * 4 + [1]
    ts = np.concatenate([b.ts_ms for b in batches])
    numbers = np.concatenate([b.scan_number for b in batches])
    assert ts.dtype == np.int64 and numbers.dtype == np.int64
    assert np.array_equal(numbers, np.arange(1, 10_002))
    assert np.array_equal(ts, 1_000 + 5_000 * np.arange(10_001))


def test_memory_does_not_grow_with_length() -> None:
    """Peak traced memory is set by the batch size: 5x more scans, same peak (within 20%)."""
    def peak(n_scans: int) -> int:
        source = SyntheticScanSource(SyntheticConfig(n_scans=n_scans), seed=2, batch_size=4_000)
        tracemalloc.start()
        for _ in source.batches():
            pass
        peak_bytes = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return peak_bytes

    short, long = peak(20_000), peak(100_000)
    assert long < 1.2 * short


def test_default_start_and_cadence() -> None:
    first = next(SyntheticScanSource(SyntheticConfig(n_scans=2)).batches())
    assert first.ts_ms.tolist() == [1_767_225_600_000, 1_767_225_605_000]  # 2026-01-01T00:00:00Z


def test_stablecoins_listed_and_pegged_in_every_scan(long_run) -> None:
    cols = [j for j, a in enumerate(SyntheticScanSource().assets) if a in STABLECOIN_SYMBOLS]
    assert len(cols) == 10
    assert long_run["present"].all()
    peg = long_run["prices"][:, cols]
    assert np.abs(peg - 1.0).max() < 0.001


def test_prices_positive_and_on_tick(long_run) -> None:
    prices = long_run["prices"]
    assert np.isfinite(prices).all() and (prices > 0).all()
    # every price keeps at most 5 significant digits at the start level (a tick grid)
    first = prices[0]
    decimals = 4 - np.floor(np.log10(first)).astype(int)
    for j in range(prices.shape[1]):
        assert np.array_equal(prices[:, j], np.round(prices[:, j], decimals[j]))


def test_signal_share_and_median_are_calibrated(long_run) -> None:
    """Over 200k scans the signal median's sampling sd is about 0.0008, so +-0.003 is ~4 sd."""
    vel_div = long_run["vel_div"]
    signals = vel_div[vel_div < -0.02]
    assert 0.01 < len(signals) / len(vel_div) < 0.06
    assert abs(float(np.median(signals)) + 0.034) <= 0.003


def test_spikes_at_the_configured_rate(concat) -> None:
    """Spikes are the values <= -1 (the capped base process never gets there); their count is
    Binomial(100k, 2e-3): mean 200, sd 14, so 4 sd is +-57."""
    vel_div = concat(SyntheticScanSource(SyntheticConfig(n_scans=100_000, spike_rate=2e-3), seed=4).batches())["vel_div"]
    spikes = vel_div[vel_div <= -1.0]
    assert abs(len(spikes) - 200) < 57
    assert spikes.min() >= -605.0 and spikes.min() < -300.0
    assert np.isfinite(vel_div).all()


def test_default_spikes_reach_far_down(long_run) -> None:
    vel_div = long_run["vel_div"]
    assert 5 <= int((vel_div <= -1.0).sum()) <= 40  # default rate 1e-4: mean 20
    assert vel_div[vel_div > -1.0].min() > -0.6


def test_esof_plane_has_range_stale_gaps_and_missing_scans(long_run) -> None:
    score, score_ts, ts = long_run["esof_score"], long_run["esof_ts_ms"], long_run["ts_ms"]
    missing = score_ts == -1
    assert np.array_equal(missing, np.isnan(score))
    assert 0.0005 < missing.mean() < 0.01
    seen = score[~missing]
    assert seen.min() > -0.1 and seen.max() < 0.1 and seen.min() < -0.02 and seen.max() > 0.02
    assert (score_ts[~missing] <= ts[~missing]).all()
    stale = (ts - score_ts > ESOF_STALE_AFTER_MS) & ~missing
    assert 0.01 < stale.mean() < 0.2
    assert int((stale[1:] & ~stale[:-1]).sum()) >= 10  # many separate stale gaps
    fresh_age = (ts - score_ts)[~missing & ~stale]
    assert fresh_age.max() <= 900_000 and np.median(fresh_age) <= 180_000


def _irp_forward_returns(data: dict[str, np.ndarray], assets: tuple[str, ...], horizon: int = 60,
                         lookback: int = 50, block: int = 2_000) -> tuple[float, float]:
    """Mean forward log return of the asset SPEC 4.4's IRP picks at each signal scan, and its
    standard error clustered by 2,000-scan blocks (signals come in runs and forward windows
    overlap, so the naive per-signal error understates the noise about 2.5x)."""
    traded = [j for j, a in enumerate(assets) if a not in STABLECOIN_SYMBOLS]
    log_p = np.log(data["prices"][:, traded])
    t = np.flatnonzero(data["vel_div"] < -0.02)
    t = t[(t >= lookback) & (t + horizon < len(log_p))]
    relative = log_p[t] - log_p[t - lookback]
    relative -= np.median(relative, axis=1, keepdims=True)
    pick = np.argmax(-relative, axis=1)  # first maximum = lowest column = symbol order
    forward = log_p[t + horizon, pick] - log_p[t, pick]
    mean = float(forward.mean())
    cluster_sums = np.bincount(t // block, forward - mean)
    return mean, float(np.sqrt((cluster_sums**2).sum()) / len(forward))


@pytest.mark.parametrize("edge", [3e-5, 0.0])
def test_edge_gives_shorts_positive_expectancy(concat, edge: float) -> None:
    """With the edge the picked asset should fall by about edge * 60 = 0.0018 over 60 scans (we
    require at least half of it and 4 clustered standard errors); without it the forward return
    of a martingale is 0, so it must stay within 4 standard errors (~0.0005) of 0."""
    source = SyntheticScanSource(SyntheticConfig(n_scans=100_000, edge=edge), seed=2)
    mean, stderr = _irp_forward_returns(concat(source.batches()), source.assets)
    assert 5e-5 < stderr < 3e-4
    if edge > 0:
        assert mean < -0.5 * edge * 60 and mean < -4 * stderr
    else:
        assert abs(mean) < 4 * stderr
