-- Run journal: see 030_violet_decisions.sql for the delivery key.
-- Orders sent to the venue with its final status and response code.
CREATE TABLE IF NOT EXISTS violet_orders
(
    run_id          LowCardinality(String),
    batch_seq       UInt32,
    row_idx         UInt32,
    ts_ms           DateTime64(3, 'UTC'),
    order_id        Int64,
    client_order_id String,
    symbol          LowCardinality(String),
    side            LowCardinality(String),
    type            LowCardinality(String),
    time_in_force   LowCardinality(String),
    reduce_only     Bool,
    purpose         LowCardinality(String),
    quantity        Decimal(38, 18),
    price           Decimal(38, 18),
    status          LowCardinality(String),
    executed_qty    Decimal(38, 18),
    avg_price       Decimal(38, 18),
    code            Int64,
    msg             String
)
ENGINE = ReplacingMergeTree
ORDER BY (run_id, batch_seq, row_idx)
SETTINGS non_replicated_deduplication_window = 10000
