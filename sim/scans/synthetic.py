"""Seeded synthetic scans with the pathologies the engine must survive, streamed batch by batch.

Prices are correlated GBM paths (one market factor plus idiosyncratic noise, rounded to each
asset's tick) with the 10 stablecoins pegged near 1.0 in every scan. ``vel_div`` is a
stochastic-volatility process whose heavy negative tail puts a few % of scans below the -0.02
threshold with a median near -0.034, plus rare spikes down to ``-spike_max`` (real signal in the
live feed). The EsoF plane updates every few minutes, sometimes stalls for longer than the 15 min
staleness limit and is sometimes missing. ``edge`` plants a tradeable effect: after a signal scan
the asset an IRP-like rule selects drifts down, so shorts have positive expectancy iff edge > 0.

Every quantity draws from its own named stream, consumed in scan order, and every recursion
carries its state across batches, so the output is identical for any batch size and memory does
not grow with the number of scans.
"""
from __future__ import annotations

import json
import math
from typing import Iterator

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.rng import RngStreams
from sim.scans.source import Funding
from violet_engine.constants import IRP_LOOKBACK, STABLECOIN_SYMBOLS, THRESHOLD
from violet_engine.portable_math import exp, log, log10
from violet_engine.scan_batch import NO_TS, ScanBatch

#: 2026-01-01T00:00:00Z in Unix ms.
DEFAULT_START_MS = 1_767_225_600_000

# Shape constants of the vel_div process, calibrated together with the config defaults so that
# P(vel_div < -0.02) is about 3% and the median of those scans about -0.034.
VEL_DIV_PERSISTENCE = 0.8       # AR(1) of the direction term: signals come in short runs
VOL_REGIME_PERSISTENCE = 0.99   # AR(1) of the log-volatility: calm and agitated regimes
VOL_REGIME_CAP = 2.5            # log-volatility capped at this many sigmas: with the default scale
                                # the base process stays above -0.6, so every value <= -1 is a spike
SPIKE_MIN = 1.0                 # spikes are log-uniform in [SPIKE_MIN, spike_max]

ESOF_PERSISTENCE = 0.95         # AR(1) per update of the latent EsoF state (about an hour)
ESOF_RANGE = 0.1                # score = ESOF_RANGE * tanh(state), inside (-0.1, 0.1)


class SyntheticConfig(BaseModel):
    """Everything that shapes the synthetic scans (the seed is separate). Vols are per scan."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    n_scans: int = Field(17_280, ge=1)
    n_assets: int = Field(40, ge=1, le=100, description="trading assets SYN00USDT..")
    stablecoins: bool = Field(True, description="list the 10 pegged symbols in every scan")
    start_ms: int = Field(DEFAULT_START_MS, ge=0)
    cadence_ms: int = Field(5_000, gt=0)
    market_vol: float = Field(1.5e-4, ge=0, description="log-vol of the common factor")
    idio_vol: float = Field(2.5e-4, ge=0, description="mean idiosyncratic log-vol")
    stable_noise: float = Field(1e-4, ge=0, description="sd of stablecoin prices around 1.0")
    price_digits: int = Field(5, ge=1, le=12, description="significant digits of the tick at the start price")
    vel_div_scale: float = Field(0.00238, gt=0)
    vel_div_vol_of_vol: float = Field(1.5, ge=0)
    spike_rate: float = Field(1e-4, ge=0, le=1, description="share of scans that are spikes")
    spike_max: float = Field(605.0, ge=SPIKE_MIN)
    signal_threshold: float = Field(THRESHOLD, lt=0)
    lookback: int = Field(IRP_LOOKBACK, ge=1, description="IRP window in scans")
    edge: float = Field(3e-5, ge=0, description="per-scan log drift down of the selected asset")
    edge_scans: int = Field(120, ge=1, description="scans the drift lasts after a signal")
    esof: bool = True
    esof_update_ms: int = Field(180_000, gt=0)
    esof_stall_prob: float = Field(0.01, ge=0, le=1, description="chance an update is followed by a stall")
    esof_stall_min_ms: int = Field(960_000, gt=0)
    esof_stall_max_ms: int = Field(3_600_000, gt=0)
    esof_missing_rate: float = Field(0.002, ge=0, le=1, description="share of scans without a score")

    @model_validator(mode="after")
    def _stall_range(self) -> "SyntheticConfig":
        if self.esof_stall_min_ms > self.esof_stall_max_ms:
            raise ValueError("esof_stall_min_ms must be <= esof_stall_max_ms")
        return self

    def trading_assets(self) -> tuple[str, ...]:
        return tuple(f"SYN{i:02d}USDT" for i in range(self.n_assets))


def _ar1(x0: float, phi: float, shocks: np.ndarray) -> np.ndarray:
    """``x[i] = phi * x[i-1] + shocks[i]`` from ``x[-1] = x0``, evaluated strictly in order so that
    splitting the shocks across batches gives bit-identical values."""
    values, x = [], x0
    append = values.append
    for shock in shocks.tolist():  # a plain loop: a third faster than accumulate with a lambda
        x = phi * x + shock
        append(x)
    return np.array(values, dtype=np.float64)


class VelDivProcess:
    """``scale * exp(min(h, cap)) * z`` with AR(1) ``z`` and AR(1) log-vol ``h``, plus spikes."""

    def __init__(self, config: SyntheticConfig, streams: RngStreams) -> None:
        self._cfg = config
        self._z_rng = streams.stream("synthetic.vel_div.direction")
        self._h_rng = streams.stream("synthetic.vel_div.volatility")
        self._spike_rng = streams.stream("synthetic.vel_div.spike")
        self._size_rng = streams.stream("synthetic.vel_div.spike_size")
        self._z = 0.0
        self._h = 0.0

    def draw(self, n: int) -> np.ndarray:
        cfg = self._cfg
        vov = cfg.vel_div_vol_of_vol
        z = _ar1(self._z, VEL_DIV_PERSISTENCE,
                 math.sqrt(1 - VEL_DIV_PERSISTENCE**2) * self._z_rng.standard_normal(n))
        h = _ar1(self._h, VOL_REGIME_PERSISTENCE,
                 vov * math.sqrt(1 - VOL_REGIME_PERSISTENCE**2) * self._h_rng.standard_normal(n))
        self._z, self._h = float(z[-1]), float(h[-1])
        base = cfg.vel_div_scale * exp(np.minimum(h, VOL_REGIME_CAP * vov)) * z
        spike = self._spike_rng.random(n) < cfg.spike_rate
        size = SPIKE_MIN * exp(self._size_rng.random(n) * math.log(cfg.spike_max / SPIKE_MIN))
        return np.where(spike, -size, base)


class EsofPlane:
    """The EsoF score as seen by scans: the latest update at or before each scan's time.

    Updates come every ``esof_update_ms``; after an update the feed may stall for
    ``esof_stall_min_ms..esof_stall_max_ms`` (the timestamp stops advancing, the score goes stale),
    and single scans may carry no score at all.
    """

    def __init__(self, config: SyntheticConfig, streams: RngStreams, start_ms: int) -> None:
        self._cfg = config
        self._state_rng = streams.stream("synthetic.esof.state")
        self._stall_rng = streams.stream("synthetic.esof.stall")
        self._missing_rng = streams.stream("synthetic.esof.missing")
        self._state = 0.0
        self._last = (NO_TS, math.nan)
        self._next_ms = start_ms

    def at(self, ts_ms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(score, score ts_ms) for ascending scan times; NaN / NO_TS where missing."""
        cfg = self._cfg
        events = [self._last]
        while self._next_ms <= ts_ms[-1]:
            shock = self._state_rng.standard_normal()
            self._state = ESOF_PERSISTENCE * self._state + math.sqrt(1 - ESOF_PERSISTENCE**2) * shock
            events.append((self._next_ms, ESOF_RANGE * math.tanh(self._state)))
            gap = cfg.esof_update_ms
            if self._stall_rng.random() < cfg.esof_stall_prob:
                gap = int(self._stall_rng.integers(cfg.esof_stall_min_ms, cfg.esof_stall_max_ms, endpoint=True))
            self._next_ms += gap
        self._last = events[-1]
        ev_ts = np.array([t for t, _ in events], dtype=np.int64)
        ev_score = np.array([s for _, s in events], dtype=np.float64)
        # events[0] is the previous update (or the NO_TS placeholder), so every index is >= 0
        idx = np.searchsorted(ev_ts, ts_ms, side="right") - 1
        score, ts = ev_score[idx], ev_ts[idx]
        missing = (self._missing_rng.random(len(ts_ms)) < cfg.esof_missing_rate) | (ts == NO_TS)
        return np.where(missing, np.nan, score), np.where(missing, NO_TS, ts)


class _PricePaths:
    """Log prices ``B - edge * C``: ``B`` the GBM path, ``C`` the count of drifting scans so far.

    Carried state is fixed-size: the last ``lookback`` rows of ``B`` and of the drift mask, the last
    ``B`` and ``C`` rows, and per asset the last scan index its drift covers.
    """

    def __init__(self, config: SyntheticConfig, streams: RngStreams) -> None:
        self._cfg = config
        k = config.n_assets
        init = streams.stream("synthetic.init")
        start = exp(init.uniform(math.log(0.01), math.log(50_000.0), k))
        self._beta = init.uniform(0.5, 1.5, k)
        self._idio = config.idio_vol * init.uniform(0.5, 1.5, k)
        self._decimals = (config.price_digits - 1 - np.floor(log10(start))).astype(int)
        self._market_rng = streams.stream("synthetic.market")
        self._idio_rng = streams.stream("synthetic.idio")
        lb = config.lookback
        self._b_last = log(start)
        self._c_last = np.zeros(k, dtype=np.int64)
        self._b_hist = np.zeros((lb, k))
        self._drift_hist = np.zeros((lb, k), dtype=bool)
        self._drift_until = np.full(k, -1, dtype=np.int64)

    def next(self, first: int, vel_div: np.ndarray) -> np.ndarray:
        """Prices of scans ``first .. first + len(vel_div) - 1`` (0-based), shape (n, n_assets)."""
        cfg, n, lb = self._cfg, len(vel_div), self._cfg.lookback
        shocks = (cfg.market_vol * self._beta * self._market_rng.standard_normal(n)[:, None]
                  + self._idio * self._idio_rng.standard_normal((n, cfg.n_assets)))
        b_ext = np.concatenate([self._b_hist, np.cumsum(np.vstack([self._b_last, shocks]), axis=0)[1:]])
        drift_ext = np.concatenate([self._drift_hist, np.zeros((n, cfg.n_assets), dtype=bool)])
        drift = drift_ext[lb:]
        for j in np.flatnonzero(self._drift_until >= first):
            drift[: self._drift_until[j] - first + 1, j] = True
        if cfg.edge > 0:
            self._plant_edge(first, vel_div, b_ext, drift_ext)
        c = self._c_last + np.cumsum(drift, axis=0)
        log_price = b_ext[lb:] - cfg.edge * c
        self._b_last, self._c_last = b_ext[-1].copy(), c[-1].copy()
        self._b_hist, self._drift_hist = b_ext[-lb:].copy(), drift_ext[-lb:].copy()
        prices = exp(log_price)
        for j, d in enumerate(self._decimals.tolist()):
            prices[:, j] = np.round(prices[:, j], d)
        return prices

    def _plant_edge(self, first: int, vel_div: np.ndarray, b_ext: np.ndarray, drift_ext: np.ndarray) -> None:
        """At each signal scan pick the asset with the lowest lookback log return (the median is
        common to all, so IRP's argmax is this argmin; ties go to the lower column = name) and
        mark it drifting for the next ``edge_scans`` scans."""
        cfg, lb = self._cfg, self._cfg.lookback
        for t in np.flatnonzero(vel_div < cfg.signal_threshold).tolist():
            if first + t < lb:
                continue  # IRP warm-up: no asset has a full window yet
            window_return = b_ext[lb + t] - b_ext[t] - cfg.edge * drift_ext[t + 1: lb + t + 1].sum(axis=0)
            j = int(np.argmin(window_return))
            self._drift_until[j] = max(int(self._drift_until[j]), first + t + cfg.edge_scans)
            drift_ext[lb + t + 1: lb + t + 1 + cfg.edge_scans, j] = True


class SyntheticScanSource:
    """A ScanSource of ``config.n_scans`` synthetic scans; every ``batches()`` call replays them."""

    def __init__(self, config: SyntheticConfig | None = None, seed: int = 0, batch_size: int = 65536) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.config = config or SyntheticConfig()
        self.seed = seed
        self.batch_size = batch_size
        self._streams = RngStreams(seed)
        trading = self.config.trading_assets()
        self.assets: tuple[str, ...] = tuple(sorted(trading + (STABLECOIN_SYMBOLS if self.config.stablecoins else ())))
        self._trading_cols = np.array([self.assets.index(a) for a in trading])
        self._stable_cols = np.array([j for j, a in enumerate(self.assets) if a in STABLECOIN_SYMBOLS], dtype=np.int64)
        self.funding: Funding = {}
        self.provenance = json.dumps({"source": "synthetic", "generator": "sim.scans.synthetic",
                                      "seed": seed, "config": self.config.model_dump()}, sort_keys=True)

    @property
    def num_scans(self) -> int:
        return self.config.n_scans

    def batches(self) -> Iterator[ScanBatch]:
        cfg = self.config
        vel_div_process = VelDivProcess(cfg, self._streams)
        esof = EsofPlane(cfg, self._streams, cfg.start_ms) if cfg.esof else None
        paths = _PricePaths(cfg, self._streams)
        stable_rng = self._streams.stream("synthetic.stable")
        for first in range(0, cfg.n_scans, self.batch_size):
            n = min(self.batch_size, cfg.n_scans - first)
            index = np.arange(first, first + n, dtype=np.int64)
            ts = cfg.start_ms + index * cfg.cadence_ms
            vel_div = vel_div_process.draw(n)
            prices = np.empty((n, len(self.assets)))
            prices[:, self._trading_cols] = paths.next(first, vel_div)
            if len(self._stable_cols):
                peg = 1.0 + cfg.stable_noise * stable_rng.standard_normal((n, len(self._stable_cols)))
                prices[:, self._stable_cols] = np.round(peg, cfg.price_digits - 1)
            if esof is not None:
                score, score_ts = esof.at(ts)
            else:
                score, score_ts = np.full(n, np.nan), np.full(n, NO_TS, dtype=np.int64)
            yield ScanBatch(assets=self.assets, ts_ms=ts, scan_number=index + 1, vel_div=vel_div,
                            prices=prices, present=np.ones(prices.shape, dtype=bool),
                            esof_score=score, esof_ts_ms=score_ts)
