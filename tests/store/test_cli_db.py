"""``violet-sim db`` end to end on embedded ClickHouse, including its one-line errors."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from sim.cli import main
from sim.scans.archive import ParquetScanSource, write_archive
from sim.store.dsn import parse_dsn
from sim.store.journal_sink import ClickHouseJournalSink
from sim.store.scan_store import ClickHouseScanSource
from violet_engine.scan_batch import ScanBatch


def violet(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_init_creates_database_and_is_repeatable(fresh_dsn):
    database = parse_dsn(fresh_dsn).database
    for _ in range(2):
        code, out = violet("db", "init", "--dsn", fresh_dsn)
        assert code == 0 and out.startswith(
            f"{database}: 12 tables (journal_runs, scan_datasets, scan_funding, scans, trade_events")


def test_scans_round_trip_through_the_cli(dsn, tmp_path):
    rows = [{"ts_ms": 1_781_308_800_000 + 5_000 * i, "scan_number": i, "vel_div": -0.01 * (i % 5),
             "prices": {"BTCUSDT": 60_000.0 + i, "ZECUSDT": 40.0} if i % 3 else {"BTCUSDT": 60_000.0}}
            for i in range(50)]
    write_archive(tmp_path / "day.parquet", [ScanBatch.from_rows(rows)], provenance="cli test")
    assert violet("db", "import-scans", str(tmp_path / "day.parquet"), "--dsn", dsn, "--dataset", "day") == (
        0, "imported 50 scans from " + str(tmp_path / "day.parquet") + " as dataset 'day'\n")
    code, out = violet("db", "export-scans", str(tmp_path / "part.parquet"), "--dsn", dsn, "--dataset", "day",
                       "--start", "2026-06-13T00:00:10Z", "--end", str(1_781_308_800_000 + 5_000 * 20))
    assert (code, out) == (0, f"exported 18 scans of dataset 'day' to {tmp_path / 'part.parquet'}\n")
    exported = ParquetScanSource(tmp_path / "part.parquet")
    assert exported.provenance == "cli test" and exported.num_scans == 18
    assert ClickHouseScanSource(dsn, dataset="day").num_scans == 50


def test_seed_recorded_refuses_to_append(dsn, tmp_path):
    code, out = violet("db", "seed-recorded", "--dsn", dsn, "--trades", "300", "--seed", "3")
    assert code == 0 and json.loads(out)["trade_ids"] == 300
    assert violet("db", "seed-recorded", "--dsn", dsn, "--trades", "300") == (
        2, f"error: table {parse_dsn(dsn).database}.trade_events is not empty (use --replace to overwrite it)\n")
    assert violet("db", "seed-recorded", "--dsn", dsn, "--trades", "300", "--replace")[0] == 0
    assert violet("db", "seed-recorded", "--parquet", str(tmp_path / "pq"), "--trades", "300")[0] == 0
    assert sorted(p.name for p in (tmp_path / "pq").iterdir()) == ["trade_events.parquet", "trade_exit_legs.parquet"]


def test_deliver_spool(dsn, decisions, tmp_path):
    sink = ClickHouseJournalSink("left-over", "http://127.0.0.1:9/violet", spool_dir=tmp_path)
    sink.write("decisions", decisions(0, 25))
    assert sink.close().spooled == 25
    assert violet("db", "deliver-spool", "--dsn", dsn, "--spool", str(tmp_path)) == (
        0, "delivered 1 batches (25 rows); runs now complete: left-over\n")


@pytest.mark.parametrize("args, message", [
    (["db", "init", "--dsn", "mysql://x"], "bad DSN 'mysql://x': scheme must be chdb, http or https"),
    (["db", "export-scans", "x.parquet", "--dataset", "none"], "scan dataset 'none' not found"),
    (["db", "import-scans", "missing.parquet"], "not a readable Parquet scan archive"),
    (["db", "export-scans", "x.parquet", "--start", "yesterday"], "not a time: 'yesterday'"),
])
def test_errors_are_one_line_exit_2(dsn, args, message):
    code, out = violet(*args, *(["--dsn", dsn] if "--dsn" not in args else []))
    assert code == 2 and out.startswith("error: ") and message in out and out.count("\n") == 1
