-- Run journal: see 030_violet_decisions.sql for the delivery key.
-- Round trips (entry to exit) with exact money columns.
CREATE TABLE IF NOT EXISTS violet_trades
(
    run_id            LowCardinality(String),
    batch_seq         UInt32,
    row_idx           UInt32,
    entry_ts_ms       DateTime64(3, 'UTC'),
    exit_ts_ms        DateTime64(3, 'UTC'),
    symbol            LowCardinality(String),
    side              LowCardinality(String),
    quantity          Decimal(38, 18),
    entry_price       Decimal(38, 18),
    exit_price        Decimal(38, 18),
    conviction        Float64,
    exchange_leverage Int64,
    margin            Decimal(38, 18),
    fees              Decimal(38, 18),
    funding           Decimal(38, 18),
    insurance         Decimal(38, 18),
    pnl               Decimal(38, 18),
    exit_reason       LowCardinality(String),
    bars_held         Int64
)
ENGINE = ReplacingMergeTree
ORDER BY (run_id, batch_seq, row_idx)
SETTINGS non_replicated_deduplication_window = 10000
