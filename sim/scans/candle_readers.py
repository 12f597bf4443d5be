"""One candle, mark-price or funding file as columns, whatever layout it is in.

The layouts (``sim/scans/candle_files.py`` lists them) differ only in where the columns sit and
how times are written, so each reader finds the time column, the close (or the rate) and, for
candles, the bar's high and low, and hands back plain arrays in file order. Everything that
depends on more than one file (merging, the interval, gaps) is left to the callers. A cell that
cannot be used is reported here, where its line or row is still known: one ``CandleFileError``
line naming the file, the line or row, the field and the value.
"""
from __future__ import annotations

import csv
import gzip
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Literal, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.feather as feather
import pyarrow.parquet as pq

from sim.errors import UserError

Kind = Literal["candles", "mark", "funding"]
SUFFIXES = (".csv", ".zip", ".feather", ".parquet", ".json", ".json.gz")
TIME_COLUMNS = ("ts_utc_ms", "open_time", "date", "timestamp", "time", "ts_ms", "calc_time", "fundingTime")
RATE_COLUMNS = ("funding_rate", "last_funding_rate", "fundingRate")
EXTREME_COLUMNS = ("high", "low")
#: Binance's headerless klines: open_time,open,high,low,close,...
_BINANCE_FIELDS = {"open_time": 0, "high": 2, "low": 3, "close": 4}
#: freqtrade JSON rows: [ts, open, high, low, close, volume]
_JSON_FIELDS = {"open": 1, "high": 2, "low": 3, "close": 4}


class CandleFileError(UserError):
    """A candle, mark or funding file that cannot be used (names the file, the field and the value)."""


@dataclass(frozen=True)
class Columns:
    """One file's columns in file order: open times (ms), closes or rates, the names of those two
    fields in the file, and the bars' highs and lows (None: the file has none, or they were not asked for)."""

    ts_ms: np.ndarray
    values: np.ndarray
    t_name: str
    v_name: str
    highs: np.ndarray | None = None
    lows: np.ndarray | None = None


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


def _check_extremes(path: Path, where: Callable[[int], str], highs: np.ndarray, lows: np.ndarray) -> None:
    """Every high and low a positive, finite price (``where(i)`` names row ``i``: a line or a row)."""
    for name, values in zip(EXTREME_COLUMNS, (highs, lows)):
        bad = ~(np.isfinite(values) & (values > 0))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise CandleFileError(f"{path}: {where(i)}: {name} = {float(values[i])!r}: not a positive price")


# ---------------------------------------------------------------- CSV

def _csv_rows(path: Path) -> tuple[list[str] | None, list[list[str]], list[str], int]:
    """(header or None, data rows, first row, line number of the first data row) of a CSV file."""
    try:
        rows = list(csv.reader(io.StringIO(_csv_text(path))))
    except (UnicodeDecodeError, csv.Error, zipfile.BadZipFile) as exc:
        raise CandleFileError(f"{path}: not a readable CSV ({exc})") from None
    rows = [r for r in rows if r and any(c.strip() for c in r)]
    if not rows:
        raise CandleFileError(f"{path}: empty file")
    first = [c.strip() for c in rows[0]]
    if all(_is_number(c) for c in first):
        return None, rows, first, 1
    return first, rows[1:], first, 2


def _csv_fields(path: Path, header: list[str] | None, first: list[str], kind: Kind,
                extremes: bool) -> dict[str, tuple[int, str]]:
    """Where the columns are: ``{"time"|"value"|"high"|"low": (index, field name)}`` (no high/low
    entries when the file has none or they are not read)."""
    if header is None:
        # Binance without a header: klines open_time,open,high,low,close,...; funding calc_time,hours,rate
        if kind == "funding":
            return {"time": (0, "calc_time"), "value": (2 if len(first) >= 3 else 1, "last_funding_rate")}
        if len(first) < 5:
            raise CandleFileError(f"{path}: line 1: {len(first)} fields without a header; expected "
                                  f"open_time,open,high,low,close,...")
        names = ("open_time", "close", *(EXTREME_COLUMNS if extremes else ()))
        return {key: (_BINANCE_FIELDS[n], n) for key, n in zip(("time", "value", "high", "low"), names)}
    t_name = next((c for c in TIME_COLUMNS if c in header), "")
    if not t_name:
        raise CandleFileError(f"{path}: header {','.join(header)}: no time column ({', '.join(TIME_COLUMNS)})")
    wanted = RATE_COLUMNS if kind == "funding" else ("close",)
    v_name = next((c for c in wanted if c in header), "")
    if not v_name:
        raise CandleFileError(f"{path}: header {','.join(header)}: no {' or '.join(wanted)} column")
    fields = {"time": (header.index(t_name), t_name), "value": (header.index(v_name), v_name)}
    if extremes and all(c in header for c in EXTREME_COLUMNS):
        fields.update({c: (header.index(c), c) for c in EXTREME_COLUMNS})
    return fields


def _csv_floats(path: Path, rows: list[list[str]], line0: int, i: int, name: str) -> np.ndarray:
    out = np.empty(len(rows))
    for k, r in enumerate(rows):
        try:
            out[k] = float(r[i])
        except (ValueError, IndexError):
            raise CandleFileError(f"{path}: line {k + line0}: {name} = {r[i] if i < len(r) else ''!r}: "
                                  f"not a number") from None
    return out


def _columns_from_csv(path: Path, kind: Kind, extremes: bool = True) -> Columns:
    """The columns of a CSV file, times as written (s, ms or us)."""
    header, rows, first, line0 = _csv_rows(path)
    fields = _csv_fields(path, header, first, kind, extremes and kind == "candles")
    (t_i, t_name), (v_i, v_name) = fields["time"], fields["value"]
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
    if "high" not in fields:
        return Columns(ts, vals, t_name, v_name)
    highs, lows = (_csv_floats(path, rows, line0, *fields[c]) for c in EXTREME_COLUMNS)
    _check_extremes(path, lambda i: f"line {i + line0}", highs, lows)
    return Columns(ts, vals, t_name, v_name, highs, lows)


# ---------------------------------------------------------------- feather / Parquet

def _table_floats(path: Path, table: pa.Table, name: str) -> np.ndarray:
    """Column ``name`` as float64: a null is named by its row, a non-numeric type by the column."""
    column = table.column(name)
    if column.null_count:
        row = pc.index(pc.is_null(column), True).as_py()
        raise CandleFileError(f"{path}: row {row + 1}: {name} = null")
    try:
        return np.asarray(column.to_numpy(zero_copy_only=False), dtype=np.float64)
    except (ValueError, TypeError, pa.ArrowInvalid):
        raise CandleFileError(f"{path}: {name} has type {column.type}, not a number") from None


def _columns_from_table(path: Path, table: pa.Table, kind: Kind, extremes: bool = True) -> Columns:
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
    if t_col.null_count:
        row = pc.index(pc.is_null(t_col), True).as_py()
        raise CandleFileError(f"{path}: row {row + 1}: {t_name} = null")
    ts = np.asarray(t_col.to_numpy(zero_copy_only=False), dtype=np.int64)
    vals = _table_floats(path, table, v_name)
    if not pa.types.is_timestamp(table.column(t_name).type):
        ts = _to_ms(path, t_name, ts)
    if not (extremes and kind == "candles" and all(c in names for c in EXTREME_COLUMNS)):
        return Columns(ts, vals, t_name, v_name)
    highs, lows = (_table_floats(path, table, c) for c in EXTREME_COLUMNS)
    _check_extremes(path, lambda i: f"row {i + 1}", highs, lows)
    return Columns(ts, vals, t_name, v_name, highs, lows)


# ---------------------------------------------------------------- freqtrade JSON

def _json_floats(path: Path, rows: Sequence[list], i: int, name: str) -> np.ndarray:
    out = np.empty(len(rows))
    for k, r in enumerate(rows):
        try:
            out[k] = float(r[i])
        except (TypeError, ValueError):
            raise CandleFileError(f"{path}: row {k + 1}: {name} = {r[i]!r}: not a number") from None
    return out


def _columns_from_json(path: Path, kind: Kind, extremes: bool = True) -> Columns:
    try:
        raw = gzip.decompress(path.read_bytes()) if path.name.endswith(".gz") else path.read_bytes()
        rows = json.loads(raw)
    except (OSError, ValueError) as exc:
        raise CandleFileError(f"{path}: not readable JSON ({exc})") from None
    if not isinstance(rows, list):
        raise CandleFileError(f"{path}: expected [[ts, open, high, low, close, volume], ...]")
    v_name = "open" if kind == "funding" else "close"
    ts = np.empty(len(rows), dtype=np.int64)
    for i, r in enumerate(rows):
        if not isinstance(r, list) or len(r) <= _JSON_FIELDS[v_name]:
            raise CandleFileError(f"{path}: row {i + 1}: {r!r}: expected [ts, open, high, low, close, volume]")
        try:
            ts[i] = int(r[0])
        except (TypeError, ValueError):
            raise CandleFileError(f"{path}: row {i + 1}: date = {r[0]!r}: not an epoch time") from None
    vals = _json_floats(path, rows, _JSON_FIELDS[v_name], v_name)
    ts = _to_ms(path, "date", ts)
    if not (extremes and kind == "candles"):
        return Columns(ts, vals, "date", v_name)
    highs, lows = (_json_floats(path, rows, _JSON_FIELDS[c], c) for c in EXTREME_COLUMNS)
    _check_extremes(path, lambda i: f"row {i + 1}", highs, lows)
    return Columns(ts, vals, "date", v_name, highs, lows)


def read_columns(path: Path, kind: Kind, extremes: bool = True) -> Columns:
    """One file's times in ms, closes or rates and, for candles with ``extremes``, highs and lows
    (None where the file has no high and low columns), in file order."""
    name = path.name
    try:
        if name.endswith((".csv", ".zip")):
            c = _columns_from_csv(path, kind, extremes)
            return Columns(_to_ms(path, c.t_name, c.ts_ms), c.values, c.t_name, c.v_name, c.highs, c.lows)
        if name.endswith(".feather"):
            return _columns_from_table(path, feather.read_table(str(path)), kind, extremes)
        if name.endswith(".parquet"):
            return _columns_from_table(path, pq.read_table(str(path)), kind, extremes)
        if name.endswith((".json", ".json.gz")):
            return _columns_from_json(path, kind, extremes)
    except (OSError, pa.ArrowInvalid) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise CandleFileError(f"{path}: not readable ({' '.join(str(exc).split())})") from None
    raise CandleFileError(f"{path}: unknown file type (read: {', '.join(SUFFIXES)})")
