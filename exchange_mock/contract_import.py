"""The venue's contract table from BingX's own ``GET /openApi/swap/v2/quote/contracts`` answer.

A universe from 2025 lists symbols the bundled table (2023) does not know; rather than guessing,
a user saves BingX's contracts answer and imports it. Every row keeps BingX's precisions,
minimums, leverage caps and fee rates; the maintenance ladder (not in that answer) is the
bundled one for the contract's leverage class, and the row says so in ``note``.
"""
from __future__ import annotations

import csv
import io
import json
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

COLUMNS = ("symbol", "pricePrecision", "quantityPrecision", "tradeMinQuantity", "tradeMinUSDT", "maxLongLeverage",
           "maxShortLeverage", "makerFeeRate", "takerFeeRate", "tiers", "source", "note")
#: Bundled maintenance ladders by the leverage they allow (the highest class at or below).
LADDERS = ((75, "L75"), (50, "L50"), (25, "L25"), (0, "L20"))
_INTEGERS = ("pricePrecision", "quantityPrecision", "maxLongLeverage", "maxShortLeverage")
_DECIMALS = ("tradeMinQuantity", "tradeMinUSDT", "makerFeeRate", "takerFeeRate")


class ContractImportError(ValueError):
    """A contracts file that cannot be used; the message names the file, the row and the field."""


def _rows(path: Path) -> list[dict[str, Any]]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ContractImportError(f"{path}: not a readable JSON file ({exc})") from None
    data = doc.get("data") if isinstance(doc, dict) else doc
    if not isinstance(data, list) or not data:
        raise ContractImportError(f"{path}: expected BingX's contracts answer (a non-empty 'data' list)")
    return data


def _field(path: Path, i: int, row: dict[str, Any], name: str, kind: type) -> Any:
    value = row.get(name)
    try:
        parsed = kind(str(value)) if kind is Decimal else int(str(value))
    except (InvalidOperation, ValueError):
        raise ContractImportError(f"{path}: data[{i}].{name}: not a number ({value!r})") from None
    if parsed < 0 or (kind is Decimal and not parsed.is_finite()):
        raise ContractImportError(f"{path}: data[{i}].{name}: must be a finite number >= 0 ({value!r})")
    return parsed


def contract_rows(path: Path) -> list[dict[str, str]]:
    """One venue contract row per symbol that is online (``status`` 1) in the answer, sorted."""
    out: dict[str, dict[str, str]] = {}
    for i, row in enumerate(_rows(path)):
        symbol = str(row.get("symbol") or "")
        if not symbol.endswith("-USDT"):
            raise ContractImportError(f"{path}: data[{i}].symbol: expected a BingX symbol like BTC-USDT ({symbol!r})")
        if str(row.get("status", 1)) != "1":
            continue
        values = {name: _field(path, i, row, name, int) for name in _INTEGERS}
        values |= {name: _field(path, i, row, name, Decimal) for name in _DECIMALS}
        leverage = max(values["maxLongLeverage"], values["maxShortLeverage"])
        ladder = next(name for floor, name in LADDERS if leverage >= floor)
        out[symbol] = {"symbol": symbol, **{k: str(v) for k, v in values.items()}, "tiers": ladder,
                       "source": "bingx", "note": f"imported from {path.name}; maintenance ladder {ladder} assumed"}
    if not out:
        raise ContractImportError(f"{path}: no online contract (status 1) in the answer")
    return [out[s] for s in sorted(out)]


def write_contract_table(rows: list[dict[str, str]], out_dir: Path, ladders_csv: str) -> Path:
    """``contracts.csv`` and the maintenance ladders it names, as a venue ``contracts_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    (out_dir / "contracts.csv").write_text(buffer.getvalue(), encoding="utf-8")
    (out_dir / "maint_tiers.csv").write_text(ladders_csv, encoding="utf-8")
    return out_dir / "contracts.csv"
