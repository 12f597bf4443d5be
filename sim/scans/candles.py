"""Scans built from real candles, so fills, margin and liquidation meet real price paths.

Candles come from any folders or files (layouts: ``sim/scans/candle_files.py``), or from one of
the bundled market folders by name (``dataset`` A, B or C). The universe is every symbol read.
Scan times are the union grid of the candles' open times at their common interval, and each scan
is stamped at its candle's **close** time (open + interval): the close price is not known before.
A symbol is absent (``present`` false) before its first and after its last candle, and its span
is listed in the provenance. A candle missing inside a symbol's span is a gap: gaps are counted
and reported, and handled by the ``gaps`` policy: ``forward_fill`` (the default: the symbol stays
listed at its last close), ``drop_scan`` (the scan is dropped for every symbol) or ``fail``.

Prices are candle closes. Marks are the closes of mark-price candles when given (the latest mark
candle closed by the scan's stamp, held for at most one mark interval; otherwise the candle
close), else the candle closes. Funding is each symbol's recorded settlement series, stamps and
rates as in the files, inside the scans' span. The candles carry no scanner output, so
``vel_div`` is either the seeded synthetic process or ``velocity_divergence_proxy`` below, and
EsoF is absent unless the synthetic plane is asked for (without it every decision gets the stale
EsoF fallback multiplier). A window is loaded once and sliced into batches.
"""
from __future__ import annotations

import csv
import json
import math
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Literal, Sequence

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from sim.errors import UserError
from sim.instants import parse_instant
from sim.rng import RngStreams
from sim.scans.candle_files import CandleFileError, Series, load_kind, timeframe_ms, timeframe_text, utc
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

GAP_POLICIES = ("forward_fill", "drop_scan", "fail")
GapPolicy = Literal["forward_fill", "drop_scan", "fail"]
DEFAULT_GAPS: GapPolicy = "forward_fill"
GAPS_SHOWN = 5          # gap timestamps listed per symbol in the report

VelDivMode = Literal["proxy", "synthetic"]
Paths = Sequence[str | Path] | str | Path | None


class CandleGapError(UserError):
    """A gap under ``gaps: fail``: names the file, the symbol and the missing candle's open time."""


def market_data_root(override: str | Path | None = None) -> Path:
    """The candle folder root: ``override``, else ``$VIOLET_MARKET_DATA``, else
    ``../shared/data/market`` next to the project root."""
    if override is not None:
        return Path(override)
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR])
    return Path(__file__).resolve().parents[2].parent / "shared" / "data" / "market"


def velocity_divergence_proxy(closes: np.ndarray, traded: np.ndarray) -> np.ndarray:
    """A scanner-like vel_div from closes (n, A); ``traded`` masks the non-stablecoin columns.

    ``m_t`` = cross-sectional median of the one-bar log returns (the market's velocity) over the
    assets listed in both scans (NaN closes are absent; a scan with none gets 0);
    ``z_t = (mean(m, last F bars) - mean(m, last S bars)) / rms(m, last S bars)`` with F = 3,
    S = 30: negative when the short-horizon velocity falls below the longer-horizon one.
    ``vel_div = -0.02 * sign(z) * (|z| / |q|) ** k`` with ``q`` the 3% quantile of z over the
    window and ``k`` chosen so that the 1.5% quantile maps to -0.034: by construction 3% of the
    scans are signals and their median is -0.034. Timing is causal; only these two scale
    constants are fitted on the whole window. The first S scans (warm-up) get 0.
    """
    if closes.shape[0] <= PROXY_SLOW + 1:
        raise ValueError(f"the vel_div proxy needs more than {PROXY_SLOW + 1} candles, got {closes.shape[0]}")
    returns = np.diff(log(closes[:, traded]), axis=0)
    if np.isnan(returns).any():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            m = np.nan_to_num(np.nanmedian(returns, axis=1), nan=0.0)
    else:
        m = np.median(returns, axis=1)
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



def _paths(value: Paths) -> list[Path]:
    if value is None:
        return []
    if isinstance(value, (str, Path)):
        return [Path(value)]
    return [Path(v) for v in value]


@dataclass
class Alignment:
    """Candles of every symbol on one grid of scans (stamped at close), and what was done to them."""

    assets: tuple[str, ...]
    interval_ms: int
    ts_ms: np.ndarray          # scan stamps: candle close times
    prices: np.ndarray         # (n, A) closes, NaN where absent
    present: np.ndarray        # (n, A)
    spans: dict[str, tuple[int, int]]            # symbol -> (first, last) candle open time in the window
    gaps: dict[str, dict[str, object]] = field(default_factory=dict)   # symbol -> {count, first, file}
    dropped_scans: int = 0
    excluded: list[str] = field(default_factory=list)                  # symbols with no candle in the window

    def late_or_early(self) -> dict[str, dict[str, int]]:
        """Symbols whose candles start after the first scan's candle or end before the last one."""
        lo = min(s for s, _ in self.spans.values())
        hi = max(e for _, e in self.spans.values())
        return {a: {"first_open_ms": s, "last_open_ms": e, "first_scan_ms": s + self.interval_ms,
                    "last_scan_ms": e + self.interval_ms}
                for a, (s, e) in sorted(self.spans.items()) if s > lo or e < hi}


def align_candles(candles: dict[str, Series], lo: float, hi: float, gaps: GapPolicy) -> Alignment:
    """Every symbol's candles with open time in ``[lo, hi)`` on the union grid; gaps per ``gaps``."""
    if gaps not in GAP_POLICIES:
        raise UserError(f"unknown gap policy {gaps!r}: choose one of {', '.join(GAP_POLICIES)}")
    windows: dict[str, tuple[np.ndarray, np.ndarray, Series]] = {}
    excluded = []
    for a, s in sorted(candles.items()):
        keep = (s.ts_ms >= lo) & (s.ts_ms < hi)
        if keep.any():
            windows[a] = (s.ts_ms[keep], s.values[keep], s)
        else:
            excluded.append(a)
    if not windows:
        raise UserError("no candle in the window for any symbol")
    intervals = {s.interval_ms for _, _, s in windows.values()}
    if len(intervals) > 1:
        by = ", ".join(f"{a} {timeframe_text(s.interval_ms or 0)}" for a, (_, _, s) in windows.items())
        raise UserError(f"candles of different intervals ({by}): choose one with --interval")
    interval = int(intervals.pop() or 0)
    g0 = min(int(ts[0]) for ts, _, _ in windows.values())
    g1 = max(int(ts[-1]) for ts, _, _ in windows.values())
    for a, (ts, _, s) in windows.items():
        if (int(ts[0]) - g0) % interval:
            raise CandleFileError(f"{s.files[0]}: open time {int(ts[0])} of {a} is off the {timeframe_text(interval)} "
                                  f"grid of the other symbols (first open {g0})")
    n = (g1 - g0) // interval + 1
    assets = tuple(windows)
    prices = np.full((n, len(assets)), np.nan)
    filled = np.zeros((n, len(assets)), dtype=bool)
    span = np.zeros((n, len(assets)), dtype=bool)
    spans: dict[str, tuple[int, int]] = {}
    report: dict[str, dict[str, object]] = {}
    for j, a in enumerate(assets):
        ts, close, s = windows[a]
        idx = (ts - g0) // interval
        prices[idx, j] = close
        filled[idx, j] = True
        span[idx[0]: idx[-1] + 1, j] = True
        spans[a] = (int(ts[0]), int(ts[-1]))
        missing = np.flatnonzero(span[:, j] & ~filled[:, j])
        if len(missing):
            opens = [g0 + int(i) * interval for i in missing]
            report[a] = {"count": len(missing), "first_open_ms": opens[:GAPS_SHOWN],
                         "file": s.file_at(opens[0]).name}
    gap_cells = span & ~filled
    if gaps == "fail" and report:
        first_row = int(np.flatnonzero(gap_cells.any(axis=1))[0])
        j = int(np.flatnonzero(gap_cells[first_row])[0])
        a, t = assets[j], g0 + first_row * interval
        total = sum(int(r["count"]) for r in report.values())  # type: ignore[call-overload]
        raise CandleGapError(f"{windows[a][2].file_at(t)}: {a}: no candle opening at {t} ({utc(t)}); "
                             f"{total} gaps in {len(report)} symbols (gaps: fail)")
    dropped = 0
    if gaps == "forward_fill" and report:
        for j in range(len(assets)):
            col = prices[:, j]
            holes = np.flatnonzero(gap_cells[:, j])
            if len(holes):
                last = np.maximum.accumulate(np.where(filled[:, j], np.arange(n), 0))
                col[holes] = col[last[holes]]
        present = span
    else:
        present = filled
        if gaps == "drop_scan" and report:
            keep = ~gap_cells.any(axis=1)
            dropped = int((~keep).sum())
            prices, present = prices[keep], present[keep]
            g_open = g0 + np.flatnonzero(keep).astype(np.int64) * interval
            return Alignment(assets, interval, g_open + interval, prices, present, spans, report, dropped, excluded)
    ts_open = g0 + np.arange(n, dtype=np.int64) * interval
    return Alignment(assets, interval, ts_open + interval, prices, present, spans, report, dropped, excluded)


def align_marks(marks: dict[str, Series], alignment: Alignment) -> tuple[np.ndarray, dict[str, object]]:
    """Mark prices at the scan stamps: the close of the latest mark candle closed by the stamp,
    held for less than one mark interval; otherwise (no mark file, before the first or after the
    last mark candle, a gap in the marks) the candle close. Returns the marks and their provenance."""
    al = alignment
    out = al.prices.copy()
    fallback: dict[str, int] = {}
    intervals: dict[str, str] = {}
    for j, a in enumerate(al.assets):
        s = marks.get(a)
        if s is None:
            continue
        closes_at = s.ts_ms + int(s.interval_ms or 0)
        k = np.searchsorted(closes_at, al.ts_ms, side="right") - 1
        kk = np.clip(k, 0, None)
        ok = (k >= 0) & (al.ts_ms - closes_at[kk] < int(s.interval_ms or 0))
        out[:, j] = np.where(ok, s.values[kk], al.prices[:, j])
        short = int((~ok & al.present[:, j]).sum())
        if short:
            fallback[a] = short
        intervals[a] = timeframe_text(int(s.interval_ms or 0))
    out[~al.present] = np.nan
    info: dict[str, object] = {
        "source": "mark-price candle closes: the latest mark candle closed by the scan stamp, held "
                  "(forward-filled) for less than one mark interval; otherwise the candle close",
        "interval": intervals if len(set(intervals.values())) != 1 else next(iter(intervals.values()), "-"),
        "scans_on_candle_close": fallback,
        "symbols_without_marks": [a for a in al.assets if a not in marks],
    }
    return out, info


class CandleScanSource:
    """A ScanSource over real candles: ``candles`` (folders or files), or a bundled ``dataset``
    (``"A"``, ``"B"`` or ``"C"`` under the market data root; funding for A and B from folder A's
    8 h files), window ``[start, end)`` on candle open times.

    ``assets`` limits the universe (default: every symbol read). ``marks`` and ``funding`` are
    folders or files of mark-price candles and funding settlements. ``interval`` chooses the
    candle timeframe when a folder holds several (freqtrade keeps 5m and 1h side by side).
    """

    def __init__(self, dataset: str | None = None, assets: Sequence[str] | None = None,
                 start: str | int | None = None, end: str | int | None = None, *,
                 candles: Paths = None, marks: Paths = None, funding: Paths = None,
                 gaps: GapPolicy = DEFAULT_GAPS, interval: str | None = None,
                 vel_div: VelDivMode = "proxy", seed: int = 0, esof: bool = False,
                 data_root: str | Path | None = None, batch_size: int = 65536) -> None:
        if vel_div not in ("proxy", "synthetic"):
            raise ValueError(f"unknown vel_div mode {vel_div!r}: choose proxy or synthetic")
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        if (dataset is None) == (candles is None):
            raise UserError("give exactly one of dataset (A, B, C) or candles (folders or files)")
        candle_paths, mark_paths, funding_paths = _paths(candles), _paths(marks), _paths(funding)
        if dataset is not None:
            if dataset not in DATASETS:
                raise ValueError(f"unknown dataset {dataset!r}: choose one of {', '.join(DATASETS)}")
            self.root = market_data_root(data_root)
            folder = self.root / DATASETS[dataset]
            if not folder.is_dir():
                raise FileNotFoundError(f"candle folder {folder} not found (set {ENV_VAR} or pass the data root)")
            candle_paths = [folder]
            if dataset in FUNDED and not funding_paths:
                funding_paths = [self.root / FUNDING_DIR]
        self.dataset, self.batch_size, self.gap_policy = dataset, batch_size, gaps
        interval_ms = None if interval is None else timeframe_ms(interval)
        series, _ = load_kind(candle_paths, "candles", interval_ms)
        if assets is not None:
            wanted = sorted(set(assets))
            unknown = [a for a in wanted if a not in series]
            if unknown:
                raise UserError(f"asset {', '.join(unknown)} not in {', '.join(str(p) for p in candle_paths)}")
            series = {a: series[a] for a in wanted}
        lo = -math.inf if start is None else parse_instant(start)
        hi = math.inf if end is None else parse_instant(end)
        self.alignment = al = align_candles(series, lo, hi, gaps)  # type: ignore[arg-type]
        self.assets, self.ts_ms, self.prices, self.present = al.assets, al.ts_ms, al.prices, al.present
        if len(self.ts_ms) == 0:
            raise UserError("no scans left after dropping the scans with gaps")
        self.interval_ms = al.interval_ms
        mark_series: dict[str, Series] = {}
        mark_notes: dict[str, str] = {}
        if mark_paths:
            mark_series, mark_notes = load_kind(mark_paths, "mark", finest=True)
            mark_series = {a: s for a, s in mark_series.items() if a in self.assets}
        if mark_series:
            self.marks: np.ndarray | None
            self.marks, marks_info = align_marks(mark_series, al)
            if mark_notes:
                marks_info["chosen_interval"] = {a: v for a, v in mark_notes.items() if a in mark_series}
        else:
            self.marks = None
            marks_info = "candle close (no mark-price candles given)" if dataset is None else \
                "candle close (only 8 h mark candles exist)"
        funding_series: dict[str, Series] = {}
        if funding_paths:
            funding_series, _ = load_kind(funding_paths, "funding")
        self.funding: Funding = {a: list(zip(s.ts_ms.tolist(), s.values.tolist()))
                                 for a, s in sorted(funding_series.items()) if a in self.assets}
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
        read = [f for a in self.assets for f in series[a].files]
        read += [f for a in self.assets if a in mark_series for f in mark_series[a].files]
        read += [f for a in sorted(self.funding) for f in funding_series[a].files]
        if dataset is None:
            self.root = _provenance_root(read)
        self.files = [_relative(f, self.root) for f in read]
        fields: dict[str, object] = {
            "source": "candles", "assets": list(self.assets),
            "first_ts_ms": int(self.ts_ms[0]), "last_ts_ms": int(self.ts_ms[-1]), "scans": n,
            "interval": timeframe_text(self.interval_ms),
            "stamps": "candle close time (open time + interval)",
            "prices": "candle close", "marks": marks_info,
            "gaps": {"policy": gaps, "symbols": al.gaps, "scans_dropped": al.dropped_scans,
                     "filled": "price = last close, asset listed" if gaps == "forward_fill" else None},
            "spans": al.late_or_early(), "no_candles_in_window": al.excluded,
            "funding": {"symbols": len(self.funding), "series": "as recorded in the files, every row",
                        "symbols_without": [a for a in self.assets if a not in self.funding]},
            "vel_div": "proxy" if vel_div == "proxy" else f"synthetic seed {seed}",
            "esof": f"synthetic seed {seed}" if esof else "absent",
            "files": self.provenance_rows(),
        }
        if dataset is not None:
            fields.update(dataset=DATASETS[dataset], licence=LICENCE)
        else:
            fields["read"] = self.files
        self.provenance = json.dumps(fields, sort_keys=True)

    def provenance_rows(self) -> list[dict[str, str]]:
        """The rows of the data root's ``PROVENANCE.csv`` for the files this source read."""
        return list(csv.DictReader(provenance_lines(self.root, self.files)))

    @property
    def num_scans(self) -> int:
        return len(self.ts_ms)

    def batches(self) -> Iterator[ScanBatch]:
        whole = ScanBatch(assets=self.assets, ts_ms=self.ts_ms, scan_number=np.arange(1, len(self.ts_ms) + 1, dtype=np.int64),
                          vel_div=self.vel_div, prices=self.prices, present=self.present,
                          esof_score=self.esof_score, esof_ts_ms=self.esof_ts_ms, marks=self.marks)
        for first in range(0, len(whole), self.batch_size):
            yield whole.slice(first, first + self.batch_size)


def _provenance_root(files: Sequence[Path]) -> Path:
    """Where to look for a ``PROVENANCE.csv``: the files' common folder or one of its three parents."""
    common = Path(os.path.commonpath([str(f.resolve().parent) for f in files]))
    for root in (common, *list(common.parents)[:3]):
        if (root / "PROVENANCE.csv").is_file():
            return root
    return common


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()
