-- The real exit legs of recorded trades (a trade closes in one or more legs); their pnl sums to
-- the trade's pnl, which trade_events repeats on every duplicate row.
CREATE TABLE IF NOT EXISTS trade_exit_legs
(
    trade_id    String,
    leg         UInt16,
    exit_time   DateTime64(3, 'UTC'),
    exit_price  Float64,
    quantity    Float64,
    pnl         Decimal(38, 18),
    exit_reason LowCardinality(String)
)
ENGINE = MergeTree
ORDER BY (trade_id, leg)
