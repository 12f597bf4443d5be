"""The run-output tables: one Arrow schema per table, the contract other tools read.

Parquet files in a run directory and the ClickHouse journal tables both follow these schemas.
Money columns are ``decimal128(38, 18)``: the venue's ledger is exact and these carry it unchanged.
"""
from __future__ import annotations

import pyarrow as pa

MONEY = pa.decimal128(38, 18)

DECISIONS = pa.schema([
    ("ts_ms", pa.int64()),
    ("scan_number", pa.int64()),
    ("asset", pa.string()),
    ("vel_div", pa.float64()),
    ("conviction_base", pa.float64()),
    ("esof_mult", pa.float64()),
    ("conviction", pa.float64()),
    ("notional_fraction", pa.float64()),
    ("capital", pa.float64()),
    ("notional", pa.float64()),
    ("action", pa.string()),          # ENTER | GATED
    ("gate_reason", pa.string()),     # "" when ENTER
])

REJECTS = pa.schema([
    ("ts_ms", pa.int64()),
    ("scan_number", pa.int64()),
    ("reason", pa.string()),
    ("field", pa.string()),
    ("value", pa.string()),
])

ORDERS = pa.schema([
    ("ts_ms", pa.int64()),
    ("order_id", pa.int64()),
    ("client_order_id", pa.string()),
    ("symbol", pa.string()),
    ("side", pa.string()),
    ("type", pa.string()),
    ("time_in_force", pa.string()),
    ("reduce_only", pa.bool_()),
    ("purpose", pa.string()),         # ENTRY | EXIT
    ("quantity", MONEY),
    ("price", MONEY),
    ("status", pa.string()),          # final status as the venue reported it
    ("executed_qty", MONEY),
    ("avg_price", MONEY),
    ("code", pa.int64()),             # venue response code (0 = accepted)
    ("msg", pa.string()),
])

FILLS = pa.schema([
    ("ts_ms", pa.int64()),
    ("trade_id", pa.int64()),
    ("order_id", pa.int64()),
    ("symbol", pa.string()),
    ("side", pa.string()),
    ("quantity", MONEY),
    ("price", MONEY),
    ("fee", MONEY),
    ("liquidity", pa.string()),       # MAKER | TAKER | LIQUIDATION
    ("realized_pnl", MONEY),
])

TRADES = pa.schema([
    ("entry_ts_ms", pa.int64()),
    ("exit_ts_ms", pa.int64()),
    ("symbol", pa.string()),
    ("side", pa.string()),
    ("quantity", MONEY),
    ("entry_price", MONEY),
    ("exit_price", MONEY),
    ("conviction", pa.float64()),
    ("exchange_leverage", pa.int64()),
    ("margin", MONEY),
    ("fees", MONEY),
    ("funding", MONEY),
    ("insurance", MONEY),             # INSURANCE_CLEAR: the fund's cover of a deficit the trade left
    ("pnl", MONEY),                   # realized - fees + funding + insurance
    ("exit_reason", pa.string()),
    ("bars_held", pa.int64()),
])

EQUITY = pa.schema([
    ("ts_ms", pa.int64()),
    ("wallet", MONEY),
    ("equity", MONEY),
    ("margin_used", MONEY),
])

TABLES: dict[str, pa.Schema] = {
    "decisions": DECISIONS,
    "rejects": REJECTS,
    "orders": ORDERS,
    "fills": FILLS,
    "trades": TRADES,
    "equity": EQUITY,
}
