-- Run journal: see 030_violet_decisions.sql for the delivery key.
-- The equity curve: wallet, equity and margin in use over time.
CREATE TABLE IF NOT EXISTS violet_equity
(
    run_id      LowCardinality(String),
    batch_seq   UInt32,
    row_idx     UInt32,
    ts_ms       DateTime64(3, 'UTC'),
    wallet      Decimal(38, 18),
    equity      Decimal(38, 18),
    margin_used Decimal(38, 18)
)
ENGINE = ReplacingMergeTree
ORDER BY (run_id, batch_seq, row_idx)
SETTINGS non_replicated_deduplication_window = 10000
