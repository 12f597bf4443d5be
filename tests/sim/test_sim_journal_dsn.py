"""``violet-sim run --journal-dsn``: the run's journal also lands in ClickHouse (embedded chDB here),
row for row the same counts as the run directory. Runs in a subprocess because the embedded
engine holds one data directory per process."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

COUNT = """
import sys, clickhouse_connect
c = clickhouse_connect.get_client(dsn="chdb://" + sys.argv[1])
print(" ".join(str(c.query(f"SELECT count() FROM violet.violet_{t}").result_rows[0][0])
               for t in ("decisions", "trades", "fills", "equity")))
"""


def test_run_writes_its_journal_to_clickhouse(tmp_path: Path):
    db, out = tmp_path / "chdb", tmp_path / "run"
    proc = subprocess.run([sys.executable, "-m", "sim", "run", str(ROOT / "scenarios" / "stale_esof.yaml"),
                           "--out", str(out), "--journal-dsn", f"chdb:{db}"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 spooled" in proc.stdout
    summary = json.loads((out / "summary.json").read_text())
    counts = subprocess.run([sys.executable, "-c", COUNT, str(db)], capture_output=True, text=True, timeout=120)
    decisions, trades, fills, equity = map(int, counts.stdout.split())
    assert decisions == summary["decided"] and trades == summary["trades"] and fills == summary["fills"]
    assert equity > 0


def test_a_bad_or_unreachable_journal_dsn_fails_at_start(tmp_path: Path):
    """A typo in the DSN, or a server that does not answer at start, is exit 2 before the run,
    not a finished run with every journal batch spooled; nothing is written."""
    import socket
    with socket.socket() as probe:  # a loopback port with nothing listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    for dsn, says in ((f"bogus://{tmp_path}", "scheme must be chdb, http or https"),
                      (f"http://default@127.0.0.1:{port}/violet", "unreachable: Connection refused")):
        out = tmp_path / "run"
        proc = subprocess.run([sys.executable, "-m", "sim", "run", str(ROOT / "scenarios" / "slot_gating.yaml"),
                               "--out", str(out), "--journal-dsn", dsn], cwd=ROOT, capture_output=True, text=True,
                              timeout=120)
        assert proc.returncode == 2, proc.stdout + proc.stderr
        line, = proc.stderr.splitlines()
        assert line.startswith("error: --journal-dsn: ") and says in line
        assert not out.exists() and proc.stdout == ""
