-- Run journal: see 030_violet_decisions.sql for the delivery key.
-- Scans rejected at validation, with the reason code and the offending field.
CREATE TABLE IF NOT EXISTS violet_rejects
(
    run_id      LowCardinality(String),
    batch_seq   UInt32,
    row_idx     UInt32,
    ts_ms       DateTime64(3, 'UTC'),
    scan_number Int64,
    reason      LowCardinality(String),
    field       LowCardinality(String),
    value       String
)
ENGINE = ReplacingMergeTree
ORDER BY (run_id, batch_seq, row_idx)
SETTINGS non_replicated_deduplication_window = 10000
