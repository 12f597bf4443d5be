-- Journal runs: two records per run, keyed (run_id, complete). The start record (complete = 0) is
-- sent when a run's journal sink opens; the end record (complete = 1: the rows sent per journal
-- table, the rows rejected, the journal hash) when it closes, delivered only after every batch of
-- the run. A run without an end record was stopped, or its spool is still undelivered. Each
-- record is inserted with the dedup token run_id/runs/complete, so a re-run adds nothing; read
-- with FINAL (the version column keeps the end record). started/finished are wall-clock times of
-- the process that ran it, not simulation time.
CREATE TABLE IF NOT EXISTS journal_runs
(
    run_id         String,
    complete       UInt8,
    scenario       LowCardinality(String),
    seed           Nullable(Int64),
    config_hash    String,
    code_version   LowCardinality(String),
    started        DateTime64(3, 'UTC'),
    finished       DateTime64(3, 'UTC'),
    journal_sha256 String,
    rows           Map(String, UInt64),
    rejected       UInt64
)
ENGINE = ReplacingMergeTree(complete)
ORDER BY run_id
SETTINGS non_replicated_deduplication_window = 10000
