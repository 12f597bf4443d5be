"""Scans built from real Binance candles, so fills, margin and liquidation meet real price paths.

One scan per candle open time common to all chosen assets; prices are candle closes. Marks are
the closes too (``marks=None``): the only mark series (folder A, 8 h mark candles) is far too
coarse for intrabar liquidation, and a perpetual's last price tracks its mark closely at 1-5 min.
Funding comes from folder A's 8 h settlement files (B's symbols are all in A); spot (C) has none.
The candles carry no scanner output, so ``vel_div`` is either the seeded synthetic process or
``velocity_divergence_proxy`` below, and EsoF is absent unless the synthetic plane is asked for.
A window is at most a few thousand candles per asset, so it is loaded once and sliced into batches.
"""
from __future__ import annotations

import csv
import json
import math
import os
from pathlib import Path
from typing import Iterator, Literal, Sequence

import numpy as np
import pyarrow.csv as pacsv
from numpy.lib.stride_tricks import sliding_window_view

from sim.instants import parse_instant
from sim.rng import RngStreams
from sim.scans.source import Funding
from sim.scans.synthetic import EsofPlane, SyntheticConfig, VelDivProcess
from violet_engine.constants import STABLECOIN_SYMBOLS, THRESHOLD
from violet_engine.portable_math import log, power
from violet_engine.scan_batch import NO_TS, ScanBatch

ENV_VAR = "VIOLET_MARKET_DATA"
DATASETS = {
    "A": "A_binance_usdm_perp_5m_2023-07",
    "B": "B_binance_usdm_perp_1m_2023-07-13",
    "C": "C_binance_spot_5m_2021-05-19_crash",
}
FUNDING_DIR = "A_binance_usdm_perp_funding_8h_2023-07"
FUNDED = ("A", "B")
LICENCE = "GPL-3.0 source repositories; the numbers are Binance market data"

PROXY_FAST = 3          # bars of the short-horizon market velocity
PROXY_SLOW = 30         # bars of the long-horizon velocity and of the volatility scale
PROXY_SHARE = 0.03      # share of scans the proxy puts below the threshold
PROXY_MEDIAN = -0.034   # median vel_div of those scans

VelDivMode = Literal["proxy", "synthetic"]


def market_data_root(override: str | Path | None = None) -> Path:
    """The candle folder root: ``override``, else ``$VIOLET_MARKET_DATA``, else
    ``../shared/data/market`` next to the project root."""
    if override is not None:
        return Path(override)
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR])
    return Path(__file__).resolve().parents[2].parent / "shared" / "data" / "market"


def _read_csv(path: Path, columns: dict[str, str]) -> dict[str, np.ndarray]:
    opts = pacsv.ConvertOptions(include_columns=list(columns), column_types=columns)
    table = pacsv.read_csv(str(path), convert_options=opts)
    return {name: table.column(name).to_numpy() for name in columns}


def velocity_divergence_proxy(closes: np.ndarray, traded: np.ndarray) -> np.ndarray:
    """A scanner-like vel_div from closes (n, A); ``traded`` masks the non-stablecoin columns.

    ``m_t`` = cross-sectional median of the one-bar log returns (the market's velocity);
    ``z_t = (mean(m, last F bars) - mean(m, last S bars)) / rms(m, last S bars)`` with F = 3,
    S = 30: negative when the short-horizon velocity falls below the longer-horizon one.
    ``vel_div = -0.02 * sign(z) * (|z| / |q|) ** k`` with ``q`` the 3% quantile of z over the
    window and ``k`` chosen so that the 1.5% quantile maps to -0.034: by construction 3% of the
    scans are signals and their median is -0.034. Timing is causal; only these two scale
    constants are fitted on the whole window. The first S scans (warm-up) get 0.
    """
    if closes.shape[0] <= PROXY_SLOW + 1:
        raise ValueError(f"the vel_div proxy needs more than {PROXY_SLOW + 1} candles, got {closes.shape[0]}")
    m = np.median(np.diff(log(closes[:, traded]), axis=0), axis=1)
    windows = sliding_window_view(m, PROXY_SLOW)                       # row i ends at scan i + S
    slow = windows.mean(axis=1)
    fast = windows[:, -PROXY_FAST:].mean(axis=1)
    rms = np.sqrt((windows**2).mean(axis=1))
    z = np.divide(fast - slow, rms, out=np.zeros_like(rms), where=rms > 0)
    q_share, q_median = np.quantile(z, [PROXY_SHARE, PROXY_SHARE / 2])
    if not q_median < q_share < 0:
        raise ValueError("the window is too flat for the vel_div proxy")
    k = math.log(PROXY_MEDIAN / THRESHOLD) / math.log(q_median / q_share)
    vel_div = np.zeros(closes.shape[0])
    vel_div[PROXY_SLOW:] = -THRESHOLD * np.sign(z) * power(np.abs(z) / -q_share, k)
    return vel_div


def provenance_lines(root: Path, files: Sequence[str]) -> list[str]:
    """Header and verbatim lines of ``root/PROVENANCE.csv`` whose ``file`` is in ``files``
    (nothing when the data root has no provenance file)."""
    path = root / "PROVENANCE.csv"
    if not path.is_file():
        return []
    wanted = set(files)
    header, *lines = path.read_text().splitlines(keepends=True)
    return [header] + [line for line in lines if next(csv.reader([line]))[0] in wanted]


def _read_window(folder: Path, asset: str, lo: float, hi: float) -> tuple[np.ndarray, np.ndarray]:
    """(open times, closes) of one asset's candles with ``lo <= ts < hi``."""
    path = folder / f"{asset}.csv"
    if not path.is_file():
        raise ValueError(f"asset {asset} not in {folder.name}")
    cols = _read_csv(path, {"ts_utc_ms": "int64", "close": "float64"})
    keep = (cols["ts_utc_ms"] >= lo) & (cols["ts_utc_ms"] < hi)
    return cols["ts_utc_ms"][keep], cols["close"][keep]


def _load_window(folder: Path, assets: Sequence[str] | None, start: str | int | None,
                 end: str | int | None) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """(asset columns, the open times common to them, closes (n, A)) for ``[start, end)``.

    Without ``assets``: every asset with a candle at every open time seen in the window."""
    lo = -math.inf if start is None else parse_instant(start)
    hi = math.inf if end is None else parse_instant(end)
    names = sorted(set(assets)) if assets is not None else sorted(p.stem for p in folder.glob("*.csv"))
    if not names:
        raise ValueError(f"no assets chosen in {folder.name}")
    series = {a: _read_window(folder, a, lo, hi) for a in names}
    union = np.unique(np.concatenate([ts for ts, _ in series.values()]))
    if assets is None:
        names = [a for a in names if len(series[a][0]) == len(union)]
    common = union
    for a in names:
        common = np.intersect1d(common, series[a][0], assume_unique=True)
    if len(common) == 0:
        raise ValueError(f"no candle time common to the chosen assets in {folder.name} and window")
    prices = np.column_stack([close[np.isin(ts, common)] for ts, close in (series[a] for a in names)])
    return tuple(names), common.astype(np.int64), prices


class CandleScanSource:
    """A ScanSource over one candle folder (``"A"``, ``"B"`` or ``"C"``), window ``[start, end)``.

    ``assets`` defaults to every asset of the folder that has a candle at every open time seen in
    the window (so no asset is dropped for a late listing unless it misses part of the window).
    """

    def __init__(self, dataset: str, assets: Sequence[str] | None = None, start: str | int | None = None,
                 end: str | int | None = None, *, vel_div: VelDivMode = "proxy", seed: int = 0,
                 esof: bool = False, data_root: str | Path | None = None, batch_size: int = 65536) -> None:
        if dataset not in DATASETS:
            raise ValueError(f"unknown dataset {dataset!r}: choose one of {', '.join(DATASETS)}")
        if vel_div not in ("proxy", "synthetic"):
            raise ValueError(f"unknown vel_div mode {vel_div!r}: choose proxy or synthetic")
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.root = market_data_root(data_root)
        folder = self.root / DATASETS[dataset]
        if not folder.is_dir():
            raise FileNotFoundError(f"candle folder {folder} not found (set {ENV_VAR} or pass the data root)")
        self.dataset, self.batch_size = dataset, batch_size
        self.assets, self.ts_ms, self.prices = _load_window(folder, assets, start, end)
        n = len(self.ts_ms)
        streams = RngStreams(seed)
        if vel_div == "proxy":
            traded = np.array([a not in STABLECOIN_SYMBOLS for a in self.assets])
            self.vel_div = velocity_divergence_proxy(self.prices, traded)
        else:
            self.vel_div = VelDivProcess(SyntheticConfig(), streams).draw(n)
        if esof:
            self.esof_score, self.esof_ts_ms = EsofPlane(SyntheticConfig(), streams, int(self.ts_ms[0])).at(self.ts_ms)
        else:
            self.esof_score, self.esof_ts_ms = np.full(n, np.nan), np.full(n, NO_TS, dtype=np.int64)
        self.funding: Funding = self._funding() if dataset in FUNDED else {}
        self.files = [f"{DATASETS[dataset]}/{a}.csv" for a in self.assets] + [
            f"{FUNDING_DIR}/{a}_funding.csv" for a in sorted(self.funding)]
        self.provenance = json.dumps({
            "source": "candles", "dataset": DATASETS[dataset], "assets": list(self.assets),
            "first_ts_ms": int(self.ts_ms[0]), "last_ts_ms": int(self.ts_ms[-1]), "scans": n,
            "prices": "candle close", "marks": "candle close (only 8 h mark candles exist)",
            "vel_div": "proxy" if vel_div == "proxy" else f"synthetic seed {seed}",
            "esof": f"synthetic seed {seed}" if esof else "absent",
            "licence": LICENCE, "files": self.provenance_rows(),
        }, sort_keys=True)

    def _funding(self) -> Funding:
        """Settlements inside the scans' time span, timestamps as recorded (A's carry ms jitter)."""
        out: Funding = {}
        for a in self.assets:
            path = self.root / FUNDING_DIR / f"{a}_funding.csv"
            if not path.is_file():
                continue
            cols = _read_csv(path, {"ts_utc_ms": "int64", "funding_rate": "float64"})
            keep = (cols["ts_utc_ms"] >= self.ts_ms[0]) & (cols["ts_utc_ms"] <= self.ts_ms[-1])
            out[a] = list(zip(cols["ts_utc_ms"][keep].tolist(), cols["funding_rate"][keep].tolist()))
        return out

    def provenance_rows(self) -> list[dict[str, str]]:
        """The rows of the data root's ``PROVENANCE.csv`` for the files this source read."""
        return list(csv.DictReader(provenance_lines(self.root, self.files)))

    @property
    def num_scans(self) -> int:
        return len(self.ts_ms)

    def batches(self) -> Iterator[ScanBatch]:
        whole = ScanBatch(assets=self.assets, ts_ms=self.ts_ms, scan_number=np.arange(1, len(self.ts_ms) + 1, dtype=np.int64),
                          vel_div=self.vel_div, prices=self.prices, present=np.ones(self.prices.shape, dtype=bool),
                          esof_score=self.esof_score, esof_ts_ms=self.esof_ts_ms)
        for first in range(0, len(whole), self.batch_size):
            yield whole.slice(first, first + self.batch_size)
