-- Run journal: see 030_violet_decisions.sql for the delivery key.
-- Venue fills with exact fees and realized PnL.
CREATE TABLE IF NOT EXISTS violet_fills
(
    run_id       LowCardinality(String),
    batch_seq    UInt32,
    row_idx      UInt32,
    ts_ms        DateTime64(3, 'UTC'),
    trade_id     Int64,
    order_id     Int64,
    symbol       LowCardinality(String),
    side         LowCardinality(String),
    quantity     Decimal(38, 18),
    price        Decimal(38, 18),
    fee          Decimal(38, 18),
    liquidity    LowCardinality(String),
    realized_pnl Decimal(38, 18)
)
ENGINE = ReplacingMergeTree
ORDER BY (run_id, batch_seq, row_idx)
SETTINGS non_replicated_deduplication_window = 10000
