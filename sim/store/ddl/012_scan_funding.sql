-- Funding settlements that come with a scan dataset (a Parquet archive's violet.funding series):
-- one row per symbol and settlement time, so a replayed time range gets its own settlements.
CREATE TABLE IF NOT EXISTS scan_funding
(
    dataset LowCardinality(String),
    symbol  LowCardinality(String),
    ts_ms   DateTime64(3, 'UTC'),
    rate    Float64
)
ENGINE = MergeTree
ORDER BY (dataset, symbol, ts_ms)
