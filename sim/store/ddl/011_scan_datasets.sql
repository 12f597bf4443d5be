-- One row per imported scan dataset: the asset column order of its ScanBatches (including assets
-- that no scan in a given range lists), whether it carries mark prices, and where it came from.
CREATE TABLE IF NOT EXISTS scan_datasets
(
    dataset    LowCardinality(String),
    assets     Array(String),
    with_marks Bool,
    provenance String
)
ENGINE = ReplacingMergeTree
ORDER BY dataset
