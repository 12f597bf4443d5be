"""Scans built from real candles, so fills, margin and liquidation meet real price paths.

Candles come from any folders or files (layouts: ``sim/scans/candle_files.py``), or from one of
the bundled market folders by name (``dataset`` A, B or C). The universe is every symbol read.
Scan times are the union grid of the candles' open times at their common interval, and each scan
is stamped at its candle's **close** time (open + interval): the close price is not known before.
A symbol is absent (``present`` false) before its first and after its last candle, and its span
is listed in the provenance. A candle missing inside a symbol's span is a gap: gaps are counted
and reported, and handled by the ``gaps`` policy: ``forward_fill`` (the default: the symbol stays
listed at its last close), ``drop_scan`` (the scan is dropped for every symbol) or ``fail``.

Prices are candle closes; highs and lows are the candles' own, so that a venue can look inside
the bar (a symbol whose files have none, and a filled gap, get high = low = close). Marks are the
closes of mark-price candles when given (the latest mark candle closed by the scan's stamp, held
for at most one mark interval; otherwise the candle close), else the candle closes. Funding is
each symbol's recorded settlement series, stamps and rates as in the files, inside the scans'
span. The candles carry no scanner output, so ``vel_div`` is either the seeded synthetic process
or ``velocity_divergence_proxy`` below, and EsoF is absent unless the synthetic plane is asked for
(without it every decision gets the stale EsoF fallback multiplier). A window is loaded once and
sliced into batches.
"""
from __future__ import annotations

import csv
import json
import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Literal, Sequence

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from sim.errors import UserError
from sim.instants import parse_instant
from sim.rng import RngStreams
from sim.scans.candle_files import (ENV_VAR, Series, common_grid, load_kind, market_data_root, provenance_lines,
                                    provenance_root, relative_name, timeframe_ms, timeframe_text, utc)
from sim.scans.source import Funding
from sim.scans.synthetic import EsofPlane, SyntheticConfig, VelDivProcess
from violet_engine.constants import STABLECOIN_SYMBOLS, THRESHOLD
from violet_engine.portable_math import log, power
from violet_engine.scan_batch import NO_TS, ScanBatch

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
    highs: np.ndarray | None = None  # (n, A) candle highs, NaN where absent; None: no symbol has them
    lows: np.ndarray | None = None   # (n, A) candle lows, likewise
    without_extremes: list[str] = field(default_factory=list)          # symbols whose files have no high/low

    def late_or_early(self) -> dict[str, dict[str, int]]:
        """Symbols whose candles start after the first scan's candle or end before the last one."""
        lo = min(s for s, _ in self.spans.values())
        hi = max(e for _, e in self.spans.values())
        return {a: {"first_open_ms": s, "last_open_ms": e, "first_scan_ms": s + self.interval_ms,
                    "last_scan_ms": e + self.interval_ms}
                for a, (s, e) in sorted(self.spans.items()) if s > lo or e < hi}


def align_candles(candles: dict[str, Series], lo: float, hi: float, gaps: GapPolicy) -> Alignment:
    """Every symbol's candles with open time in ``[lo, hi)`` on the union grid; gaps per ``gaps``.

    Highs and lows (where any symbol has them) sit in the same cells as the closes; a symbol whose
    files have none gets high = low = close, and a forward-filled cell high = low = the filled close."""
    if gaps not in GAP_POLICIES:
        raise UserError(f"unknown gap policy {gaps!r}: choose one of {', '.join(GAP_POLICIES)}")
    windows = {a: s.window(lo, hi) for a, s in sorted(candles.items())}
    excluded = [a for a, s in windows.items() if not len(s.ts_ms)]
    windows = {a: s for a, s in windows.items() if len(s.ts_ms)}
    if not windows:
        raise UserError("no candle in the window for any symbol")
    interval, g0, n = common_grid(windows)
    assets = tuple(windows)
    prices = np.full((n, len(assets)), np.nan)
    extremes = any(s.highs is not None for s in windows.values())
    highs, lows = (np.full_like(prices, np.nan), np.full_like(prices, np.nan)) if extremes else (None, None)
    filled = np.zeros((n, len(assets)), dtype=bool)
    span = np.zeros((n, len(assets)), dtype=bool)
    spans: dict[str, tuple[int, int]] = {}
    report: dict[str, dict[str, object]] = {}
    for j, (a, s) in enumerate(windows.items()):
        idx = (s.ts_ms - g0) // interval
        prices[idx, j] = s.values
        if highs is not None and lows is not None:
            highs[idx, j] = s.values if s.highs is None else s.highs
            lows[idx, j] = s.values if s.lows is None else s.lows
        filled[idx, j] = True
        span[idx[0]: idx[-1] + 1, j] = True
        spans[a] = (int(s.ts_ms[0]), int(s.ts_ms[-1]))
        missing = np.flatnonzero(span[:, j] & ~filled[:, j])
        if len(missing):
            opens = [g0 + int(i) * interval for i in missing]
            report[a] = {"count": len(missing), "first_open_ms": opens[:GAPS_SHOWN],
                         "file": s.file_at(opens[0]).name}
    gap_cells = span & ~filled
    if gaps == "fail" and report:
        raise _gap_error(windows, report, gap_cells, g0, interval)
    ts_open = g0 + np.arange(n, dtype=np.int64) * interval
    al = Alignment(assets, interval, ts_open + interval, prices, filled, spans, report, 0, excluded,
                   highs, lows, [a for a, s in windows.items() if s.highs is None or s.lows is None])
    if gaps == "forward_fill" and report:
        _forward_fill(al, filled, gap_cells)
    elif gaps == "drop_scan" and report:
        _drop_scans(al, ~gap_cells.any(axis=1))
    return al


def _gap_error(windows: dict[str, Series], report: dict[str, dict[str, object]], gap_cells: np.ndarray,
               g0: int, interval: int) -> CandleGapError:
    """The first gap in time, naming its file, symbol and open time, and how many there are."""
    first_row = int(np.flatnonzero(gap_cells.any(axis=1))[0])
    a = tuple(windows)[int(np.flatnonzero(gap_cells[first_row])[0])]
    t = g0 + first_row * interval
    total = sum(int(r["count"]) for r in report.values())  # type: ignore[call-overload]
    return CandleGapError(f"{windows[a].file_at(t)}: {a}: no candle opening at {t} ({utc(t)}); "
                          f"{total} gaps in {len(report)} symbols (gaps: fail)")


def _forward_fill(al: Alignment, filled: np.ndarray, gap_cells: np.ndarray) -> None:
    """Each gap at its symbol's last close, the symbol listed. No bar was seen there: high = low = that close."""
    n = len(al.ts_ms)
    for j in range(len(al.assets)):
        holes = np.flatnonzero(gap_cells[:, j])
        if len(holes):
            last = np.maximum.accumulate(np.where(filled[:, j], np.arange(n), 0))
            al.prices[holes, j] = al.prices[last[holes], j]
            for extreme in (al.highs, al.lows):
                if extreme is not None:
                    extreme[holes, j] = al.prices[holes, j]
    al.present = filled | gap_cells


def _drop_scans(al: Alignment, keep: np.ndarray) -> None:
    """Only the scans in ``keep`` (the others had a gap in some symbol)."""
    al.dropped_scans = int((~keep).sum())
    al.ts_ms, al.prices, al.present = al.ts_ms[keep], al.prices[keep], al.present[keep]
    if al.highs is not None and al.lows is not None:
        al.highs, al.lows = al.highs[keep], al.lows[keep]


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
    With ``extremes`` (the default) the batches carry each candle's high and low (``highs``,
    ``lows``; ``has_extremes`` says whether any file had them) so that a venue can look inside
    the bar; without, the high and low columns are not read and the provenance does not mention them.
    """

    def __init__(self, dataset: str | None = None, assets: Sequence[str] | None = None,
                 start: str | int | None = None, end: str | int | None = None, *,
                 candles: Paths = None, marks: Paths = None, funding: Paths = None,
                 gaps: GapPolicy = DEFAULT_GAPS, interval: str | None = None,
                 vel_div: VelDivMode = "proxy", seed: int = 0, esof: bool = False,
                 data_root: str | Path | None = None, batch_size: int = 65536, extremes: bool = True) -> None:
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
        series = _candles(candle_paths, assets, interval, extremes)
        lo = -math.inf if start is None else parse_instant(start)
        hi = math.inf if end is None else parse_instant(end)
        self.alignment = al = align_candles(series, lo, hi, gaps)  # type: ignore[arg-type]
        self.assets, self.ts_ms, self.prices, self.present = al.assets, al.ts_ms, al.prices, al.present
        self.highs, self.lows = al.highs, al.lows
        self.has_extremes = al.highs is not None
        if len(self.ts_ms) == 0:
            raise UserError("no scans left after dropping the scans with gaps")
        self.interval_ms = al.interval_ms
        mark_series, marks_info = self._marks(mark_paths)
        funding_series = load_kind(funding_paths, "funding")[0] if funding_paths else {}
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
            self.root = provenance_root(read)
        self.files = [relative_name(f, self.root) for f in read]
        fields = self._fields(marks_info, "proxy" if vel_div == "proxy" else f"synthetic seed {seed}",
                              f"synthetic seed {seed}" if esof else "absent", extremes)
        self.provenance = json.dumps(fields, sort_keys=True)

    def _marks(self, mark_paths: list[Path]) -> tuple[dict[str, Series], object]:
        """Set ``marks`` from the mark-price candles (None without); returns their series and provenance."""
        mark_series: dict[str, Series] = {}
        mark_notes: dict[str, str] = {}
        if mark_paths:
            mark_series, mark_notes = load_kind(mark_paths, "mark", finest=True)
            mark_series = {a: s for a, s in mark_series.items() if a in self.assets}
        self.marks: np.ndarray | None = None
        if not mark_series:
            return mark_series, "candle close (no mark-price candles given)" if self.dataset is None else \
                "candle close (only 8 h mark candles exist)"
        self.marks, marks_info = align_marks(mark_series, self.alignment)
        if mark_notes:
            marks_info["chosen_interval"] = {a: v for a, v in mark_notes.items() if a in mark_series}
        return mark_series, marks_info

    def _fields(self, marks_info: object, vel_div: str, esof: str, extremes: bool) -> dict[str, object]:
        """The provenance: where every number of the scans came from."""
        al, gaps = self.alignment, self.gap_policy
        filled = "price = last close, asset listed" if gaps == "forward_fill" else None
        if filled and self.has_extremes:
            filled = "price = high = low = last close, asset listed"
        fields: dict[str, object] = {
            "source": "candles", "assets": list(self.assets),
            "first_ts_ms": int(self.ts_ms[0]), "last_ts_ms": int(self.ts_ms[-1]), "scans": len(self.ts_ms),
            "interval": timeframe_text(self.interval_ms),
            "stamps": "candle close time (open time + interval)",
            "prices": "candle close", "marks": marks_info,
            "gaps": {"policy": gaps, "symbols": al.gaps, "scans_dropped": al.dropped_scans, "filled": filled},
            "spans": al.late_or_early(), "no_candles_in_window": al.excluded,
            "funding": {"symbols": len(self.funding), "series": "as recorded in the files, every row",
                        "symbols_without": [a for a in self.assets if a not in self.funding]},
            "vel_div": vel_div, "esof": esof, "files": self.provenance_rows(),
        }
        if extremes:
            fields["extremes"] = "candle high and low" if self.has_extremes else "none in the files"
            fields["symbols_without_extremes"] = al.without_extremes
        if self.dataset is not None:
            fields.update(dataset=DATASETS[self.dataset], licence=LICENCE)
        else:
            fields["read"] = self.files
        return fields

    def provenance_rows(self) -> list[dict[str, str]]:
        """The rows of the data root's ``PROVENANCE.csv`` for the files this source read."""
        return list(csv.DictReader(provenance_lines(self.root, self.files)))

    @property
    def num_scans(self) -> int:
        return len(self.ts_ms)

    def batches(self) -> Iterator[ScanBatch]:
        whole = ScanBatch(assets=self.assets, ts_ms=self.ts_ms, scan_number=np.arange(1, len(self.ts_ms) + 1, dtype=np.int64),
                          vel_div=self.vel_div, prices=self.prices, present=self.present,
                          esof_score=self.esof_score, esof_ts_ms=self.esof_ts_ms, marks=self.marks,
                          highs=self.highs, lows=self.lows)
        for first in range(0, len(whole), self.batch_size):
            yield whole.slice(first, first + self.batch_size)


def _candles(paths: list[Path], assets: Sequence[str] | None, interval: str | None,
             extremes: bool) -> dict[str, Series]:
    """Every symbol's candle series under ``paths`` (only ``assets`` when given)."""
    series, _ = load_kind(paths, "candles", None if interval is None else timeframe_ms(interval), extremes=extremes)
    if assets is None:
        return series
    wanted = sorted(set(assets))
    unknown = [a for a in wanted if a not in series]
    if unknown:
        raise UserError(f"asset {', '.join(unknown)} not in {', '.join(str(p) for p in paths)}")
    return {a: series[a] for a in wanted}


def _paths(value: Paths) -> list[Path]:
    if value is None:
        return []
    if isinstance(value, (str, Path)):
        return [Path(value)]
    return [Path(v) for v in value]
