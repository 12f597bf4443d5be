"""The sink through real outages: no journal row lost, none duplicated.

Two genuine ways a target becomes unreachable, with no fake client: an embedded data directory
held by another process (the engine refuses to open a directory another process has locked, as
when a second tool is using it), and a server URL with nothing listening. The first needs the
embedded engine's lock, so those tests run on chDB even when ``VIOLET_CLICKHOUSE_DSN`` names a
server.
"""
from __future__ import annotations

import socket
import subprocess
import sys
from contextlib import contextmanager
from typing import Iterator

from sim.store.client import session
from sim.store.dsn import parse_dsn
from sim.store.journal_runs import stored_runs
from sim.store.journal_sink import ClickHouseJournalSink, deliver_pending
from sim.store.journal_spool import Spool

HOLD = ("import sys, clickhouse_connect\n"
        "client = clickhouse_connect.get_client(dsn=sys.argv[1])\n"
        "client.query('SELECT 1')\n"
        "print('holding', flush=True)\n"
        "sys.stdin.read()\n")


@contextmanager
def directory_held_elsewhere(dsn: str) -> Iterator[None]:
    """Another process opens the embedded engine on the same data directory until the block ends."""
    holder = subprocess.Popen([sys.executable, "-c", HOLD, parse_dsn(dsn).client_dsn],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        yield
    finally:
        holder.stdin.close()
        assert holder.wait(timeout=60) == 0


def stored(dsn: str) -> tuple[list[int], int]:
    """(scan numbers in key order, rows including unmerged copies)."""
    with session(dsn) as client:
        numbers = client.query("SELECT scan_number FROM violet_decisions FINAL "
                               "ORDER BY batch_seq, row_idx").result_columns
        return (list(numbers[0]) if numbers else []), client.command("SELECT count() FROM violet_decisions")


def run_status(dsn: str, run_id: str) -> str:
    return next(run.status for run in stored_runs(dsn) if run.run_id == run_id)


def test_outage_mid_run_loses_and_duplicates_nothing(chdb_dsn, decisions, tmp_path):
    sink = ClickHouseJournalSink("outage", chdb_dsn, spool_dir=tmp_path, batch_rows=50)
    for first in range(0, 150, 50):
        sink.write("decisions", decisions(first, 50))
    assert stored(chdb_dsn) == (list(range(150)), 150)
    with directory_held_elsewhere(chdb_dsn):
        for first in range(150, 400, 50):
            sink.write("decisions", decisions(first, 50))
        sink.flush()
        assert len(Spool(tmp_path).pending("outage")) == 5
    for first in range(400, 500, 50):
        sink.write("decisions", decisions(first, 50))
    report = sink.close()
    assert stored(chdb_dsn) == (list(range(500)), 500)
    assert report.delivered == {"decisions": 500}
    assert report.spooled == 0 and report.retries >= 2
    assert "in use by another process" in report.last_error


def test_sink_stopped_during_outage_then_rerun(chdb_dsn, decisions, tmp_path):
    """The run dies while the target is down; its re-run delivers the spool and adds each row once."""
    sink = ClickHouseJournalSink("stopped", chdb_dsn, spool_dir=tmp_path, batch_rows=40)
    sink.write("decisions", decisions(0, 80))
    with directory_held_elsewhere(chdb_dsn):
        sink.write("decisions", decisions(80, 100))
        stopped = sink.close()
    assert stopped.delivered == {"decisions": 80} and stopped.spooled == 100
    assert not stopped.complete and run_status(chdb_dsn, "stopped").startswith("INCOMPLETE (no end record")
    rerun = ClickHouseJournalSink("stopped", chdb_dsn, spool_dir=tmp_path, batch_rows=40)
    rerun.write("decisions", decisions(0, 180))
    report = rerun.close()
    assert stored(chdb_dsn) == (list(range(180)), 180)
    assert report.delivered == {"decisions": 180} and report.spooled == 0
    assert report.complete and run_status(chdb_dsn, "stopped") == "complete"
    # Batches 0-1 were delivered by the first run; the old spool's last batch (4) went out before
    # the re-run cut its own batch 4. The re-run's 2-3 replaced the identical spooled files.
    assert report.already_present == 3


def test_unreachable_server_spools_everything(dsn, decisions, tmp_path):
    with socket.socket() as probe:  # a loopback port with nothing listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sink = ClickHouseJournalSink("http-down", f"http://default:secret@127.0.0.1:{port}/violet",
                                 spool_dir=tmp_path, batch_rows=30)
    sink.write("decisions", decisions(0, 100))
    report = sink.close()
    assert report.delivered == {} and report.spooled == 100
    assert "Connection refused" in report.last_error and "secret" not in report.last_error
    delivery = deliver_pending(Spool(tmp_path), dsn)
    assert delivery.error is None and sum(rows for _, rows, _ in delivery.confirmed) == 100
    assert stored(dsn) == (list(range(100)), 100)
