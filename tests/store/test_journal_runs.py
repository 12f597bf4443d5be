"""Run keys and run records: a changed run gets rows of its own, a re-run adds nothing, and a run
whose journal is not whole in ClickHouse reads as incomplete."""
from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import yaml
from click.testing import CliRunner

from sim.cli import main
from sim.store.client import session
from sim.store.journal_rows import keyed_payload
from sim.store.journal_runs import JournalRun, stored_runs
from sim.store.journal_sink import ClickHouseJournalSink
from sim.store.schema import JOURNAL_RUNS, JOURNAL_TABLES

BASELINE = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.yaml"
KILLED = ("import sys, pyarrow as pa\n"
          "from sim.store.journal_sink import ClickHouseJournalSink\n"
          "rows = pa.ipc.open_file(sys.argv[3]).read_all()\n"
          "sink = ClickHouseJournalSink(sys.argv[1], sys.argv[2], spool_dir=sys.argv[4], batch_rows=50)\n"
          "sink.write('decisions', rows)\n"
          "print('written', flush=True)\n"
          "sys.stdin.read()\n")


def run_baseline(scenario: Path, dsn: str, out: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["run", str(scenario), "--seed", "7", "--out", str(out), "--journal-dsn", dsn])
    return result.exit_code, result.output


def raw_counts(dsn: str) -> dict[str, int]:
    """Rows per table as stored, unmerged copies included."""
    with session(dsn) as client:
        return {t: int(client.command(f"SELECT count() FROM {t}")) for t in [JOURNAL_RUNS, *JOURNAL_TABLES.values()]}


def test_changed_config_is_another_run_and_a_rerun_adds_nothing(dsn, tmp_path):
    doc = yaml.safe_load(BASELINE.read_text())
    doc["data"]["path"] = str(BASELINE.parent / doc["data"]["path"])
    doc["execution"] = {"capital": 20_000}
    richer = tmp_path / "baseline_20k.yaml"
    richer.write_text(yaml.safe_dump(doc))
    code, first = run_baseline(BASELINE, dsn, tmp_path / "a")
    assert code == 0 and "1,011 rows delivered, 0 spooled, 0 rejected; run complete" in first
    code, second = run_baseline(richer, dsn, tmp_path / "b")
    assert code == 0 and "1,019 rows delivered, 0 spooled, 0 rejected; run complete" in second
    runs = stored_runs(dsn)
    assert [(r.scenario, r.seed, r.status, r.found["trades"], r.found["fills"]) for r in runs] == [
        ("baseline", 7, "complete", 47, 95), ("baseline", 7, "complete", 48, 97)]
    assert runs[0].run_id != runs[1].run_id and all(r.run_id.startswith("baseline-seed7-") for r in runs)
    assert [sum(r.found.values()) for r in runs] == [1011, 1019] and [r.sent for r in runs] == [r.found for r in runs]
    before = raw_counts(dsn)
    code, again = run_baseline(BASELINE, dsn, tmp_path / "a")
    assert code == 0 and f"run {runs[0].run_id}: 1,011 rows delivered (5 batches already there)" in again
    assert raw_counts(dsn) == before and before[JOURNAL_RUNS] == 4 and before["violet_trades"] == 95
    assert stored_runs(dsn) == runs


def test_killed_run_reads_incomplete_until_its_rerun_completes(released_dsn, decisions, tmp_path):
    rows = tmp_path / "rows.arrow"
    with pa.OSFile(str(rows), "wb") as sink, pa.ipc.new_file(sink, decisions(0, 120).schema) as writer:
        writer.write_table(decisions(0, 120))
    child = subprocess.Popen([sys.executable, "-c", KILLED, "killed", released_dsn, str(rows), str(tmp_path / "spool")],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "written"
    child.kill()
    assert child.wait(timeout=60) != 0
    [killed] = stored_runs(released_dsn)
    assert killed.status.startswith("INCOMPLETE (no end record") and killed.found["decisions"] == 100
    listing = CliRunner().invoke(main, ["db", "runs", "--dsn", released_dsn]).output
    assert listing.startswith("killed  -  INCOMPLETE (no end record") and "decisions 100," in listing
    rerun = ClickHouseJournalSink("killed", released_dsn, spool_dir=tmp_path / "spool", batch_rows=50)
    rerun.write("decisions", decisions(0, 120))
    assert rerun.close().complete
    [whole] = stored_runs(released_dsn)
    assert (whole.status, whole.found["decisions"], whole.sent["decisions"]) == ("complete", 120, 120)


def test_run_key_follows_config_seed_and_version():
    config = hashlib.sha256(b"scenario").hexdigest()
    run = JournalRun.of("baseline", 7, config, "0.1.0")
    digest = hashlib.sha256(f"{config}\n0.1.0".encode()).hexdigest()[:12]
    assert (run.run_id, run.scenario, run.seed, run.config_hash) == (f"baseline-seed7-{digest}", "baseline", 7, config)
    assert JournalRun.of("baseline", 7, config, "0.1.0") == run
    others = {JournalRun.of("baseline", 8, config, "0.1.0").run_id,
              JournalRun.of("baseline", 7, "0" * 64, "0.1.0").run_id,
              JournalRun.of("baseline", 7, config, "0.2.0").run_id}
    assert len(others) == 3 and run.run_id not in others


def test_same_key_with_another_journal_is_reported(dsn, decisions, tmp_path):
    for attempt, journal in enumerate(("a" * 64, "b" * 64)):
        sink = ClickHouseJournalSink("drifted", dsn, spool_dir=tmp_path)
        sink.write("decisions", decisions(0, 10 + attempt))
        report = sink.close(journal_sha256=journal)
    assert report.complete and report.conflict.startswith("ClickHouse already holds run drifted with journal sha256 "
                                                          "aaaaaaaaaaaaaaaa..., this one is bbbbbbbbbbbbbbbb...")
    [held] = stored_runs(dsn)
    assert (held.journal_sha256, held.found["decisions"]) == ("a" * 64, 10)


def test_rows_without_a_run_record_read_incomplete(dsn, decisions):
    with session(dsn) as client:
        client.insert_arrow("violet_decisions", keyed_payload(decisions(0, 30), "baseline-seed7", 0))
    [legacy] = stored_runs(dsn)
    assert (legacy.run_id, legacy.found["decisions"], legacy.recorded) == ("baseline-seed7", 30, False)
    assert legacy.status == "INCOMPLETE (no run record: written before run records existed)"
