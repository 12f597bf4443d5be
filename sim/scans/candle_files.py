"""Reading candle, mark-price and funding files in the layouts people actually have on disk.

Layouts (detected per file, from its extension and its first line or columns):

- CSV in this repo's schema: ``ts_utc_ms,open,high,low,close,volume`` (``ts_utc_ms`` = open time);
  funding ``ts_utc_ms,funding_rate``.
- Binance's own CSV (data.binance.vision klines, spot or futures, mark-price klines):
  ``open_time,open,high,low,close,volume,close_time,...`` with or without the header line, also
  inside the ``.zip`` Binance publishes; open times in ms (or us, as Binance's 2025+ spot files,
  converted to ms). Binance funding: ``calc_time,funding_interval_hours,last_funding_rate``.
- freqtrade feather / Parquet: columns ``date`` (timestamp, the open time), ``open, high, low,
  close, volume``; a ``-funding_rate`` file carries the rate in ``open``. freqtrade JSON
  (``.json``/``.json.gz``): ``[[ts_ms, open, high, low, close, volume], ...]``.

Symbols and the file's kind come from its name: freqtrade ``XRP_USDT_USDT-5m-futures.feather``
-> XRPUSDT (``-mark`` mark prices, ``-funding_rate`` funding), Binance ``BTCUSDT-1m-2025-01.csv``
-> BTCUSDT (``BTCUSDT-fundingRate-2025-01.csv`` funding), this repo's ``XLMUSDT.csv``,
``XLMUSDT_mark.csv``, ``XLMUSDT_funding.csv`` (optionally with ``_5m``). A symbol's files of one
kind and timeframe (e.g. Binance's monthly files) are concatenated. The interval is the name's
timeframe, else the most common step, and must be regular: every step a multiple of it (a longer
step is a gap, a step off the grid an error).
A file that cannot be read raises ``CandleFileError``: one line naming the file, field and value.

One file's columns are read by ``sim/scans/candle_readers.py``; this module names, lists and
merges the files into one series per symbol, closes with the candles' highs and lows where every
file of the series has them, and refuses a bar that is not whole (``low <= close <= high`` holds
for every candle of the bundled Binance data, so a bar that breaks it is a broken file). It also
knows where the market data lives and where its files came from (``PROVENANCE.csv``).
"""
from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from sim.errors import UserError
from sim.scans.candle_readers import SUFFIXES, CandleFileError, Columns, Kind, looks_like_funding, read_columns

__all__ = ["ENV_VAR", "METADATA_FILES", "SUFFIXES", "CandleFileError", "Columns",
           "FileName", "Kind", "Series", "common_grid", "list_files", "load_kind", "looks_like_funding",
           "market_data_root", "parse_file_name", "provenance_lines", "provenance_root", "read_columns",
           "read_series", "relative_name", "timeframe_ms", "timeframe_text", "utc"]

#: The market data root, when set (see ``market_data_root``).
ENV_VAR = "VIOLET_MARKET_DATA"
#: Files of a data folder that are about the data, not data.
METADATA_FILES = frozenset({"PROVENANCE.csv", "CROSS_SECTIONS.csv"})

_UNIT_MS = {"s": 1_000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000}

_FREQTRADE = re.compile(r"^([A-Z0-9]+)_([A-Z0-9]+)(?:_[A-Z0-9]+)?-(\d+[smhdw])(?:-([A-Za-z_]+))?$")
_BINANCE = re.compile(r"^([A-Z0-9]+)-(\d+[smhdw])-\d{4}-\d{2}(?:-\d{2})?$")
_BINANCE_FUNDING = re.compile(r"^([A-Z0-9]+)-fundingRate-\d{4}-\d{2}(?:-\d{2})?$")
_REPO = re.compile(r"^([A-Z0-9]+?)(?:_(mark|funding))?(?:_(\d+[smhdw]))?$")
_FREQTRADE_KINDS: dict[str | None, Kind | None] = {None: "candles", "futures": "candles", "spot": "candles",
                                                   "mark": "mark", "funding_rate": "funding"}


def timeframe_ms(text: str) -> int:
    """``5m`` -> 300000 (units s, m, h, d, w)."""
    m = re.fullmatch(r"(\d+)([smhdw])", text.strip())
    if not m or int(m.group(1)) <= 0:
        raise UserError(f"not an interval: {text!r} (use e.g. 1m, 5m, 1h, 8h)")
    return int(m.group(1)) * _UNIT_MS[m.group(2)]


def timeframe_text(ms: int) -> str:
    for unit in ("w", "d", "h", "m", "s"):
        if ms % _UNIT_MS[unit] == 0:
            return f"{ms // _UNIT_MS[unit]}{unit}"
    return f"{ms}ms"


@dataclass(frozen=True)
class FileName:
    """What a file's name says: the symbol, the kind (None: the name does not say) and timeframe."""

    symbol: str
    kind: Kind | None
    timeframe_ms: int | None
    other: str | None = None  # a freqtrade candle type this reader does not use (index, premiumIndex)


def _stem(path: Path) -> str:
    name = path.name
    for suffix in sorted(SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return path.stem


def parse_file_name(path: Path) -> FileName:
    stem = _stem(path)
    if m := _FREQTRADE.match(stem):
        kind = _FREQTRADE_KINDS.get(m.group(4), None)
        other = None if m.group(4) in _FREQTRADE_KINDS else m.group(4)
        return FileName(m.group(1) + m.group(2), kind, timeframe_ms(m.group(3)), other)
    if m := _BINANCE_FUNDING.match(stem):
        return FileName(m.group(1), "funding", None)
    if m := _BINANCE.match(stem):
        return FileName(m.group(1), None, timeframe_ms(m.group(2)))
    if m := _REPO.match(stem):
        kind: Kind | None = {"mark": "mark", "funding": "funding"}.get(m.group(2) or "")  # type: ignore[assignment]
        return FileName(m.group(1), kind, timeframe_ms(m.group(3)) if m.group(3) else None)
    raise CandleFileError(f"{path}: cannot tell the symbol from the file name (expected e.g. BTCUSDT.csv, "
                          f"BTCUSDT-1m-2025-01.csv or BTC_USDT_USDT-5m-futures.feather)")


def list_files(paths: Iterable[str | Path], kind: Kind) -> list[tuple[Path, FileName]]:
    """The files of ``kind`` named by ``paths`` (files, or folders read one level deep).

    In a folder, a file whose name says another kind (a freqtrade folder keeps candles, marks and
    funding side by side) or an unused freqtrade candle type is skipped; a file named explicitly
    must not say another kind."""
    out: list[tuple[Path, FileName]] = []
    for given in paths:
        p = Path(given)
        if p.is_dir():
            for f in sorted(p.iterdir()):
                if not f.is_file() or f.name in METADATA_FILES or not f.name.endswith(SUFFIXES):
                    continue
                name = parse_file_name(f)
                if name.other is not None or name.kind not in (None, kind):
                    continue
                if name.kind is None and looks_like_funding(f) != (kind == "funding"):
                    continue
                out.append((f, name))
        elif p.is_file():
            name = parse_file_name(p)
            if name.other is not None or name.kind not in (None, kind):
                what = name.other or name.kind
                raise CandleFileError(f"{p}: the file name says {what}, not {kind}")
            out.append((p, name))
        else:
            raise FileNotFoundError(f"{p}: no such file or folder")
    if not out:
        raise CandleFileError(f"no {kind} files in {', '.join(str(p) for p in paths)}")
    return out


# ---------------------------------------------------------------- one symbol's series

@dataclass(frozen=True)
class Series:
    """One symbol's candles (open times, closes, interval) or funding (stamps, rates) of one kind.

    ``highs`` and ``lows`` are the candles' extremes, row by row with the closes, or None unless
    every file of the series has both."""

    symbol: str
    kind: Kind
    files: tuple[Path, ...]
    ts_ms: np.ndarray
    values: np.ndarray
    interval_ms: int | None  # None for funding
    file_of_row: np.ndarray  # index into files for each row
    highs: np.ndarray | None = None
    lows: np.ndarray | None = None

    def file_at(self, ts_ms: int) -> Path:
        """The file whose rows span ``ts_ms`` (the nearest earlier row's file)."""
        i = max(int(np.searchsorted(self.ts_ms, ts_ms, side="right")) - 1, 0)
        return self.files[int(self.file_of_row[i])]

    def window(self, lo: float, hi: float) -> Series:
        """The rows with open time in ``[lo, hi)`` (of the same files)."""
        keep = (self.ts_ms >= lo) & (self.ts_ms < hi)
        return replace(self, ts_ms=self.ts_ms[keep], values=self.values[keep], file_of_row=self.file_of_row[keep],
                       highs=None if self.highs is None else self.highs[keep],
                       lows=None if self.lows is None else self.lows[keep])


def common_grid(series: dict[str, Series]) -> tuple[int, int, int]:
    """(interval, first open time, number of steps to the last open time) of the grid that the
    symbols' candles share: one interval, and every symbol's first candle on the same grid."""
    intervals = {s.interval_ms for s in series.values()}
    if len(intervals) > 1:
        by = ", ".join(f"{a} {timeframe_text(s.interval_ms or 0)}" for a, s in series.items())
        raise UserError(f"candles of different intervals ({by}): choose one with --interval")
    interval = int(intervals.pop() or 0)
    g0 = min(int(s.ts_ms[0]) for s in series.values())
    g1 = max(int(s.ts_ms[-1]) for s in series.values())
    for a, s in series.items():
        if (int(s.ts_ms[0]) - g0) % interval:
            raise CandleFileError(f"{s.files[0]}: open time {int(s.ts_ms[0])} of {a} is off the "
                                  f"{timeframe_text(interval)} grid of the other symbols (first open {g0})")
    return interval, g0, (g1 - g0) // interval + 1


def _checked(path: Path, kind: Kind, extremes: bool) -> Columns:
    """One file's columns; every close a positive price (every rate finite), every bar whole:
    ``low <= close <= high`` (true of every Binance candle in the bundled market data)."""
    c = read_columns(path, kind, extremes)
    ts, vals, t_name, v_name = c.ts_ms, c.values, c.t_name, c.v_name
    if kind != "funding":
        bad = ~(np.isfinite(vals) & (vals > 0))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise CandleFileError(f"{path}: {t_name} {int(ts[i])}: {v_name} = {float(vals[i])!r}: not a positive price")
    elif not np.isfinite(vals).all():
        i = int(np.flatnonzero(~np.isfinite(vals))[0])
        raise CandleFileError(f"{path}: {t_name} {int(ts[i])}: {v_name} = {float(vals[i])!r}: not a rate")
    if c.highs is not None and c.lows is not None:
        bad = (c.highs < c.lows) | (c.highs < vals) | (c.lows > vals)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            h, lo, close = float(c.highs[i]), float(c.lows[i]), float(vals[i])
            what = "the high is below the low" if h < lo else "the close is outside [low, high]"
            raise CandleFileError(f"{path}: {t_name} {int(ts[i])} ({utc(int(ts[i]))}): high = {h!r}, low = {lo!r}, "
                                  f"{v_name} = {close!r}: {what}")
    return c


def _merge(kind: Kind, files: Sequence[Path], extremes: bool = True) -> tuple[Columns, np.ndarray]:
    """The files' rows in time order, a row repeated in two files kept once (it must agree on
    close, high and low), and the index of the file of each row."""
    parts = [_checked(f, kind, extremes) for f in files]
    t_name, v_name = parts[-1].t_name, parts[-1].v_name
    columns: dict[str, np.ndarray] = {"ts": np.concatenate([c.ts_ms for c in parts]),
                                      v_name: np.concatenate([c.values for c in parts]),
                                      "src": np.concatenate([np.full(len(c.ts_ms), k, dtype=np.int64)
                                                             for k, c in enumerate(parts)])}
    if all(c.highs is not None and c.lows is not None for c in parts):
        columns["high"] = np.concatenate([c.highs for c in parts])  # type: ignore[misc]
        columns["low"] = np.concatenate([c.lows for c in parts])  # type: ignore[misc]
    order = np.argsort(columns["ts"], kind="stable")
    columns = {k: v[order] for k, v in columns.items()}
    ts, src = columns["ts"], columns["src"]
    dup = np.flatnonzero(np.diff(ts) == 0)
    if len(dup):
        for name in (v_name, "high", "low"):
            vals = columns.get(name)
            clash = dup[vals[dup] != vals[dup + 1]] if vals is not None else []
            if len(clash):
                i = int(clash[0])
                raise CandleFileError(f"{files[int(src[i + 1])]}: {t_name} {int(ts[i])}: two rows with {name} "
                                      f"{float(vals[i])!r} and {float(vals[i + 1])!r}")
        keep = np.ones(len(ts), dtype=bool)
        keep[dup + 1] = False
        columns = {k: v[keep] for k, v in columns.items()}
    merged = Columns(columns["ts"], columns[v_name], t_name, v_name, columns.get("high"), columns.get("low"))
    return merged, columns["src"]


def read_series(symbol: str, kind: Kind, files: Sequence[Path], name_timeframe_ms: int | None,
                extremes: bool = True) -> Series:
    """A symbol's files of one kind merged, with the candle interval measured and checked (and,
    for candles with ``extremes``, their highs and lows where every file has them)."""
    merged, src = _merge(kind, files, extremes)
    ts, t_name = merged.ts_ms, merged.t_name
    if len(ts) == 0:
        raise CandleFileError(f"{files[0]}: no rows")
    interval: int | None = None
    if kind != "funding":
        steps = np.diff(ts)
        if len(steps) == 0:
            if name_timeframe_ms is None:
                raise CandleFileError(f"{files[0]}: one candle and no timeframe in the name: the interval is unknown")
            interval = name_timeframe_ms
        else:
            values, counts = np.unique(steps, return_counts=True)
            interval = name_timeframe_ms or int(values[np.argmax(counts)])  # the most common step
            irregular = np.flatnonzero(steps % interval != 0)
            if len(irregular):
                i = int(irregular[0]) + 1
                raise CandleFileError(f"{files[int(src[i])]}: {t_name} = {int(ts[i])}: off the {timeframe_text(interval)} "
                                      f"grid of the other candles (irregular interval)")
    return Series(symbol, kind, tuple(files), ts, merged.values, interval, src, merged.highs, merged.lows)


def load_kind(paths: Sequence[str | Path], kind: Kind, interval_ms: int | None = None,
              finest: bool = False, extremes: bool = True) -> tuple[dict[str, Series], dict[str, str]]:
    """Every symbol's series of ``kind`` under ``paths``, and notes on choices made.

    Where a folder has files named as this kind for a symbol, its files that do not say their kind
    are not used for it. A symbol with files of several timeframes (freqtrade keeps 5m and 1h side by side) takes
    ``interval_ms`` if given, else the finest when ``finest``, else it is an error. Candles carry
    their highs and lows unless ``extremes`` is false (their high and low columns are then not read)."""
    listed = list_files(paths, kind)
    labelled = {name.symbol for _, name in listed if name.kind == kind}
    groups: dict[str, dict[int | None, list[Path]]] = {}
    for path, name in listed:
        if name.kind is None and name.symbol in labelled:
            continue  # the folder names this symbol's files of this kind explicitly: use those
        groups.setdefault(name.symbol, {}).setdefault(name.timeframe_ms if kind != "funding" else None, []).append(path)
    out: dict[str, Series] = {}
    notes: dict[str, str] = {}
    for symbol in sorted(groups):
        by_tf = groups[symbol]
        if kind != "funding" and len(by_tf) > 1 and None not in by_tf:
            tfs = sorted(t for t in by_tf if t is not None)
            if interval_ms is not None:
                if interval_ms not in by_tf:
                    continue
                chosen = interval_ms
            elif finest:
                chosen = tfs[0]
                notes[symbol] = f"{timeframe_text(chosen)} of {', '.join(timeframe_text(t) for t in tfs)}"
            else:
                raise CandleFileError(f"{symbol}: {kind} files of several intervals "
                                      f"({', '.join(timeframe_text(t) for t in tfs)}): choose one with --interval")
            by_tf = {chosen: by_tf[chosen]}
        files = [f for fs in by_tf.values() for f in fs]
        tf = next(iter(by_tf)) if len(by_tf) == 1 else None
        series = read_series(symbol, kind, files, tf, extremes)
        if kind == "candles" and interval_ms is not None and series.interval_ms != interval_ms:
            continue
        out[symbol] = series
    if not out:
        raise CandleFileError(f"no {kind} files of interval {timeframe_text(interval_ms or 0)} in "
                              f"{', '.join(str(p) for p in paths)}")
    return out, notes


def utc(ts_ms: int) -> str:
    """``2023-07-13T00:05:00Z`` (for messages)."""
    return datetime.fromtimestamp(ts_ms / 1000, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------- where the data is and where it came from

def market_data_root(override: str | Path | None = None) -> Path:
    """The candle folder root: ``override``, else ``$VIOLET_MARKET_DATA``, else
    ``../shared/data/market`` next to the project root."""
    if override is not None:
        return Path(override)
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR])
    return Path(__file__).resolve().parents[2].parent / "shared" / "data" / "market"


def provenance_lines(root: Path, files: Sequence[str]) -> list[str]:
    """Header and verbatim lines of ``root/PROVENANCE.csv`` whose ``file`` is in ``files``
    (nothing when the data root has no provenance file)."""
    path = root / "PROVENANCE.csv"
    if not path.is_file():
        return []
    wanted = set(files)
    header, *lines = path.read_text().splitlines(keepends=True)
    return [header] + [line for line in lines if next(csv.reader([line]))[0] in wanted]


def provenance_root(files: Sequence[Path]) -> Path:
    """Where to look for a ``PROVENANCE.csv``: the files' common folder or one of its three parents."""
    common = Path(os.path.commonpath([str(f.resolve().parent) for f in files]))
    for root in (common, *list(common.parents)[:3]):
        if (root / "PROVENANCE.csv").is_file():
            return root
    return common


def relative_name(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` (as written when it lies outside)."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()
