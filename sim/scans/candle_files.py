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
"""
from __future__ import annotations

import csv
import gzip
import io
import json
import re
import zipfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Literal, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.feather as feather
import pyarrow.parquet as pq

from sim.errors import UserError

Kind = Literal["candles", "mark", "funding"]
SUFFIXES = (".csv", ".zip", ".feather", ".parquet", ".json", ".json.gz")
#: Files of a data folder that are about the data, not data.
METADATA_FILES = frozenset({"PROVENANCE.csv", "CROSS_SECTIONS.csv"})

TIME_COLUMNS = ("ts_utc_ms", "open_time", "date", "timestamp", "time", "ts_ms", "calc_time", "fundingTime")
RATE_COLUMNS = ("funding_rate", "last_funding_rate", "fundingRate")
_UNIT_MS = {"s": 1_000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000}

_FREQTRADE = re.compile(r"^([A-Z0-9]+)_([A-Z0-9]+)(?:_[A-Z0-9]+)?-(\d+[smhdw])(?:-([A-Za-z_]+))?$")
_BINANCE = re.compile(r"^([A-Z0-9]+)-(\d+[smhdw])-\d{4}-\d{2}(?:-\d{2})?$")
_BINANCE_FUNDING = re.compile(r"^([A-Z0-9]+)-fundingRate-\d{4}-\d{2}(?:-\d{2})?$")
_REPO = re.compile(r"^([A-Z0-9]+?)(?:_(mark|funding))?(?:_(\d+[smhdw]))?$")
_FREQTRADE_KINDS: dict[str | None, Kind | None] = {None: "candles", "futures": "candles", "spot": "candles",
                                                   "mark": "mark", "funding_rate": "funding"}


class CandleFileError(UserError):
    """A candle, mark or funding file that cannot be used (names the file, the field and the value)."""


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


# ---------------------------------------------------------------- reading one file

def looks_like_funding(path: Path) -> bool:
    """Whether a file whose name does not say its kind holds funding rates (by its header or
    columns; a headerless CSV of three fields is Binance's funding layout)."""
    try:
        if path.name.endswith((".csv", ".zip")):
            text = _csv_text(path) if path.name.endswith(".zip") else path.open(encoding="utf-8").readline()
            first = next(csv.reader(io.StringIO(text.splitlines()[0] if text else "")), [])
            if first and all(_is_number(c) for c in first):
                return len(first) <= 3
            return any(c.strip() in RATE_COLUMNS for c in first)
        if path.name.endswith(".feather"):
            names = feather.read_table(str(path), memory_map=True).column_names
        elif path.name.endswith(".parquet"):
            names = pq.read_schema(str(path)).names
        else:
            return False
    except (OSError, UnicodeDecodeError, zipfile.BadZipFile, pa.ArrowInvalid, csv.Error):
        return False
    return any(c in RATE_COLUMNS for c in names)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _csv_text(path: Path) -> str:
    if path.name.endswith(".zip"):
        with zipfile.ZipFile(path) as zf:
            inner = [n for n in zf.namelist() if n.endswith(".csv")]
            if len(inner) != 1:
                raise CandleFileError(f"{path}: expected one CSV inside the zip, found {len(inner)}")
            return zf.read(inner[0]).decode("utf-8")
    return path.read_text(encoding="utf-8")


def _to_ms(path: Path, field: str, ts: np.ndarray) -> np.ndarray:
    """Epoch ms from ms, us (Binance spot since 2025) or s."""
    if len(ts) == 0:
        return ts
    big = int(np.abs(ts).max())
    if big >= 10**17:
        raise CandleFileError(f"{path}: {field} = {big}: not an epoch time in s, ms or us")
    if big >= 10**14:
        return ts // 1000
    if big < 10**11:
        return ts * 1000
    return ts


def _columns_from_csv(path: Path, kind: Kind) -> tuple[np.ndarray, np.ndarray, str, str]:
    """(times, values, time field, value field) of a CSV file."""
    try:
        rows = list(csv.reader(io.StringIO(_csv_text(path))))
    except (UnicodeDecodeError, csv.Error, zipfile.BadZipFile) as exc:
        raise CandleFileError(f"{path}: not a readable CSV ({exc})") from None
    rows = [r for r in rows if r and any(c.strip() for c in r)]
    if not rows:
        raise CandleFileError(f"{path}: empty file")
    first = [c.strip() for c in rows[0]]
    line0 = 1
    if all(_is_number(c) for c in first):
        header = None
    else:
        header, rows, line0 = first, rows[1:], 2
    if header is None:
        # Binance without a header: klines open_time,open,high,low,close,...; funding calc_time,hours,rate
        if kind == "funding":
            t_i, v_i, t_name, v_name = 0, (2 if len(first) >= 3 else 1), "calc_time", "last_funding_rate"
        else:
            if len(first) < 5:
                raise CandleFileError(f"{path}: line 1: {len(first)} fields without a header; expected "
                                      f"open_time,open,high,low,close,...")
            t_i, v_i, t_name, v_name = 0, 4, "open_time", "close"
    else:
        t_name = next((c for c in TIME_COLUMNS if c in header), "")
        if not t_name:
            raise CandleFileError(f"{path}: header {','.join(header)}: no time column ({', '.join(TIME_COLUMNS)})")
        wanted = RATE_COLUMNS if kind == "funding" else ("close",)
        v_name = next((c for c in wanted if c in header), "")
        if not v_name:
            raise CandleFileError(f"{path}: header {','.join(header)}: no {' or '.join(wanted)} column")
        t_i, v_i = header.index(t_name), header.index(v_name)
    ts = np.empty(len(rows), dtype=np.int64)
    vals = np.empty(len(rows))
    for i, r in enumerate(rows):
        try:
            raw_t = r[t_i].strip()
            ts[i] = int(raw_t) if raw_t.lstrip("-").isdigit() else int(float(raw_t))
        except (ValueError, IndexError, OverflowError):
            raise CandleFileError(f"{path}: line {i + line0}: {t_name} = {r[t_i] if t_i < len(r) else ''!r}: "
                                  f"not an epoch time") from None
        try:
            vals[i] = float(r[v_i])
        except (ValueError, IndexError):
            raise CandleFileError(f"{path}: line {i + line0}: {v_name} = {r[v_i] if v_i < len(r) else ''!r}: "
                                  f"not a number") from None
    return ts, vals, t_name, v_name


def _columns_from_table(path: Path, table: pa.Table, kind: Kind) -> tuple[np.ndarray, np.ndarray, str, str]:
    names = table.column_names
    t_name = next((c for c in TIME_COLUMNS if c in names), "")
    if not t_name:
        raise CandleFileError(f"{path}: columns {','.join(names)}: no time column ({', '.join(TIME_COLUMNS)})")
    wanted = (*RATE_COLUMNS, "open") if kind == "funding" else ("close",)
    v_name = next((c for c in wanted if c in names), "")
    if not v_name:
        raise CandleFileError(f"{path}: columns {','.join(names)}: no {' or '.join(wanted)} column")
    t_col = table.column(t_name)
    if pa.types.is_timestamp(t_col.type):
        t_col = pc.cast(pc.cast(t_col, pa.timestamp("ms", tz=t_col.type.tz), safe=False), pa.int64())
    elif not pa.types.is_integer(t_col.type):
        raise CandleFileError(f"{path}: {t_name} has type {t_col.type}, not a timestamp or epoch integer")
    if t_col.null_count or table.column(v_name).null_count:
        col = t_name if t_col.null_count else v_name
        row = pc.index(pc.is_null(table.column(col)), True).as_py()
        raise CandleFileError(f"{path}: row {row + 1}: {col} = null")
    ts = np.asarray(t_col.to_numpy(zero_copy_only=False), dtype=np.int64)
    try:
        vals = np.asarray(table.column(v_name).to_numpy(zero_copy_only=False), dtype=np.float64)
    except (ValueError, TypeError, pa.ArrowInvalid):
        raise CandleFileError(f"{path}: {v_name} has type {table.column(v_name).type}, not a number") from None
    if pa.types.is_timestamp(table.column(t_name).type):
        return ts, vals, t_name, v_name
    return _to_ms(path, t_name, ts), vals, t_name, v_name


def _columns_from_json(path: Path, kind: Kind) -> tuple[np.ndarray, np.ndarray, str, str]:
    try:
        raw = gzip.decompress(path.read_bytes()) if path.name.endswith(".gz") else path.read_bytes()
        rows = json.loads(raw)
    except (OSError, ValueError) as exc:
        raise CandleFileError(f"{path}: not readable JSON ({exc})") from None
    if not isinstance(rows, list):
        raise CandleFileError(f"{path}: expected [[ts, open, high, low, close, volume], ...]")
    v_i, v_name = (1, "open") if kind == "funding" else (4, "close")
    ts = np.empty(len(rows), dtype=np.int64)
    vals = np.empty(len(rows))
    for i, r in enumerate(rows):
        if not isinstance(r, list) or len(r) <= v_i:
            raise CandleFileError(f"{path}: row {i + 1}: {r!r}: expected [ts, open, high, low, close, volume]")
        try:
            ts[i] = int(r[0])
        except (TypeError, ValueError):
            raise CandleFileError(f"{path}: row {i + 1}: date = {r[0]!r}: not an epoch time") from None
        try:
            vals[i] = float(r[v_i])
        except (TypeError, ValueError):
            raise CandleFileError(f"{path}: row {i + 1}: {v_name} = {r[v_i]!r}: not a number") from None
    return _to_ms(path, "date", ts), vals, "date", v_name


def read_columns(path: Path, kind: Kind) -> tuple[np.ndarray, np.ndarray, str, str]:
    """(times in ms, closes or rates, time field, value field) of one file, in file order."""
    name = path.name
    try:
        if name.endswith((".csv", ".zip")):
            ts, vals, t_name, v_name = _columns_from_csv(path, kind)
            return _to_ms(path, t_name, ts), vals, t_name, v_name
        if name.endswith(".feather"):
            return _columns_from_table(path, feather.read_table(str(path)), kind)
        if name.endswith(".parquet"):
            return _columns_from_table(path, pq.read_table(str(path)), kind)
        if name.endswith((".json", ".json.gz")):
            return _columns_from_json(path, kind)
    except (OSError, pa.ArrowInvalid) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise CandleFileError(f"{path}: not readable ({' '.join(str(exc).split())})") from None
    raise CandleFileError(f"{path}: unknown file type (read: {', '.join(SUFFIXES)})")


# ---------------------------------------------------------------- one symbol's series

@dataclass(frozen=True)
class Series:
    """One symbol's candles (open times, closes, interval) or funding (stamps, rates) of one kind."""

    symbol: str
    kind: Kind
    files: tuple[Path, ...]
    ts_ms: np.ndarray
    values: np.ndarray
    interval_ms: int | None  # None for funding
    file_of_row: np.ndarray  # index into files for each row

    def file_at(self, ts_ms: int) -> Path:
        """The file whose rows span ``ts_ms`` (the nearest earlier row's file)."""
        i = max(int(np.searchsorted(self.ts_ms, ts_ms, side="right")) - 1, 0)
        return self.files[int(self.file_of_row[i])]


def _merge(symbol: str, kind: Kind, files: Sequence[Path]) -> tuple[np.ndarray, np.ndarray, np.ndarray, str, str]:
    parts = []
    for k, f in enumerate(files):
        ts, vals, t_name, v_name = read_columns(f, kind)
        if kind != "funding":
            bad = ~(np.isfinite(vals) & (vals > 0))
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise CandleFileError(f"{f}: {t_name} {int(ts[i])}: {v_name} = {float(vals[i])!r}: not a positive price")
        elif not np.isfinite(vals).all():
            i = int(np.flatnonzero(~np.isfinite(vals))[0])
            raise CandleFileError(f"{f}: {t_name} {int(ts[i])}: {v_name} = {float(vals[i])!r}: not a rate")
        parts.append((ts, vals, np.full(len(ts), k, dtype=np.int64)))
    ts = np.concatenate([p[0] for p in parts])
    vals = np.concatenate([p[1] for p in parts])
    src = np.concatenate([p[2] for p in parts])
    order = np.argsort(ts, kind="stable")
    ts, vals, src = ts[order], vals[order], src[order]
    dup = np.flatnonzero(np.diff(ts) == 0)
    if len(dup):
        clash = dup[vals[dup] != vals[dup + 1]]
        if len(clash):
            i = int(clash[0])
            raise CandleFileError(f"{files[int(src[i + 1])]}: {t_name} {int(ts[i])}: two rows with {v_name} "
                                  f"{float(vals[i])!r} and {float(vals[i + 1])!r}")
        keep = np.ones(len(ts), dtype=bool)
        keep[dup + 1] = False
        ts, vals, src = ts[keep], vals[keep], src[keep]
    return ts, vals, src, t_name, v_name


def read_series(symbol: str, kind: Kind, files: Sequence[Path], name_timeframe_ms: int | None) -> Series:
    """A symbol's files of one kind merged, with the candle interval measured and checked."""
    ts, vals, src, t_name, _ = _merge(symbol, kind, files)
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
    return Series(symbol, kind, tuple(files), ts, vals, interval, src)


def load_kind(paths: Sequence[str | Path], kind: Kind, interval_ms: int | None = None,
              finest: bool = False) -> tuple[dict[str, Series], dict[str, str]]:
    """Every symbol's series of ``kind`` under ``paths``, and notes on choices made.

    Where a folder has files named as this kind for a symbol, its files that do not say their kind
    are not used for it. A symbol with files of several timeframes (freqtrade keeps 5m and 1h side by side) takes
    ``interval_ms`` if given, else the finest when ``finest``, else it is an error."""
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
        series = read_series(symbol, kind, files, tf)
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


