-- Scans, one row per scan. Prices are parallel arrays (prices[i] belongs to assets[i]) holding
-- only the assets the scan listed: an unlisted asset is absent and a listed NaN price stays NaN,
-- so a ScanBatch (prices plus present mask) round-trips exactly whatever its asset set. `seq` is
-- the position in the imported archive: replay follows archive order even where timestamps repeat
-- or go backwards, because such scans are rejects the engine must see, not rows to reorder.
-- Time ranges are served by the minmax index on ts_ms; one partition per dataset makes a
-- re-import a partition drop.
CREATE TABLE IF NOT EXISTS scans
(
    dataset     LowCardinality(String),
    seq         UInt64,
    ts_ms       DateTime64(3, 'UTC'),
    scan_number Int64,
    vel_div     Float64,
    esof_score  Nullable(Float64),
    esof_ts_ms  Nullable(DateTime64(3, 'UTC')),
    assets      Array(LowCardinality(String)),
    prices      Array(Float64),
    marks       Array(Float64),
    INDEX ts_range ts_ms TYPE minmax GRANULARITY 1
)
ENGINE = MergeTree
PARTITION BY dataset
ORDER BY (dataset, seq)
