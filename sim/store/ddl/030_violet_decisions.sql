-- Run journal. Columns mirror the Arrow schema of the same table in sim/journal/schema.py (the
-- *ts_ms columns hold those millisecond instants as DateTime64), after the delivery key: a run
-- writes batches numbered batch_seq per table, each inserted with the dedup token
-- run_id/table/batch_seq, and the ReplacingMergeTree key (run_id, batch_seq, row_idx) collapses any
-- copy that got past the token window. Within a run the key is time order.
-- Engine decisions (ENTER or GATED with its reason), one row per decided scan.
CREATE TABLE IF NOT EXISTS violet_decisions
(
    run_id            LowCardinality(String),
    batch_seq         UInt32,
    row_idx           UInt32,
    ts_ms             DateTime64(3, 'UTC'),
    scan_number       Int64,
    asset             LowCardinality(String),
    vel_div           Float64,
    conviction_base   Float64,
    esof_mult         Float64,
    conviction        Float64,
    notional_fraction Float64,
    capital           Float64,
    notional          Float64,
    action            LowCardinality(String),
    gate_reason       LowCardinality(String)
)
ENGINE = ReplacingMergeTree
ORDER BY (run_id, batch_seq, row_idx)
SETTINGS non_replicated_deduplication_window = 10000
