-- BLUE's trades as recorded, artifacts included: the live emitter writes one trade id many times
-- (duplicate emission, identical pnl; the real legs are in trade_exit_legs) and HIBERNATE_HALT
-- exits with bars_held = 0. Studies clean on read, so this table keeps every row (plain MergeTree).
-- leverage is the conviction in [0.5, 9]; notional = entry_price * quantity = capital_before *
-- 0.20 * leverage. The btc/dvol columns are the regime context at entry (null when not recorded).
CREATE TABLE IF NOT EXISTS trade_events
(
    trade_id       String,
    asset          LowCardinality(String),
    side           LowCardinality(String),
    entry_time     DateTime64(3, 'UTC'),
    exit_time      DateTime64(3, 'UTC'),
    entry_price    Float64,
    exit_price     Float64,
    quantity       Float64,
    capital_before Decimal(38, 18),
    leverage       Float64,
    notional       Decimal(38, 18),
    pnl            Decimal(38, 18),
    exit_reason    LowCardinality(String),
    bars_held      Int32,
    vel_div_entry  Float64,
    esof_mult      Float64,
    btc_price      Nullable(Float64),
    btc_ma99       Nullable(Float64),
    dvol           Nullable(Float64)
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(entry_time)
ORDER BY (entry_time, trade_id)
