"""Memory against replay length: peak RSS of whole `violet-sim run` processes over 7 and 90 days
of 5-second scans, from a Parquet archive and from ClickHouse (embedded chDB), side by side.

A replay streams its scans in batches and its journal in row groups, so a 90-day run should need
no more memory than a 7-day one (the promise: within 10%). Each run is a fresh process, measured
with ``wait4`` (the child's own peak RSS). Not a test; the streaming tests check the same shape
at small sizes with ``tracemalloc``.

    .venv/bin/python benchmarks/bench_memory.py [--days 7,90] [--assets 20] [--sources parquet,clickhouse]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SCAN_MS = 5_000
DAY_MS = 86_400_000


def violet(*args: str) -> tuple[float, float]:
    """Run ``violet-sim ARGS`` in a fresh process; (wall seconds, peak RSS in MB) of that process."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "sim", *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"violet-sim {' '.join(args)} exited {code}: {proc.stderr.read().decode()[-400:]}")
    return wall, usage.ru_maxrss / 1024


def scenario(work: Path, name: str, data: dict) -> Path:
    path = work / f"{name}.yaml"
    path.write_text(json.dumps({"name": name, "seed": 1, "data": data}))
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", default="7,90", help="comma-separated replay lengths in days")
    ap.add_argument("--assets", type=int, default=20, help="trading assets (10 stablecoins are added)")
    ap.add_argument("--sources", default="parquet,clickhouse")
    ap.add_argument("--keep", type=Path, default=None, help="keep archives, store and runs here")
    args = ap.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="violet-mem-"))
    work.mkdir(parents=True, exist_ok=True)
    sources = args.sources.split(",")
    dsn = f"chdb://{work / 'store'}"
    if "clickhouse" in sources:
        violet("db", "init", "--dsn", dsn)
    rows: list[tuple[str, int, int, float, float]] = []
    for days in (int(d) for d in args.days.split(",")):
        scans = days * DAY_MS // SCAN_MS
        archive = work / f"days{days}.parquet"
        violet("scans", "generate", "--out", str(archive), "--scans", str(scans), "--assets", str(args.assets))
        if "parquet" in sources:
            run = scenario(work, f"parquet{days}", {"kind": "parquet", "path": str(archive)})
            wall, rss = violet("run", str(run), "--out", str(work / f"run-parquet{days}"))
            rows.append(("parquet", days, scans, wall, rss))
        if "clickhouse" in sources:
            violet("db", "import-scans", str(archive), "--dsn", dsn, "--dataset", f"days{days}")
            run = scenario(work, f"clickhouse{days}", {"kind": "clickhouse", "dsn": dsn, "dataset": f"days{days}"})
            wall, rss = violet("run", str(run), "--out", str(work / f"run-clickhouse{days}"))
            rows.append(("clickhouse", days, scans, wall, rss))
    print(f"{'source':<11}{'days':>5}{'scans':>12}{'wall s':>9}{'peak RSS MB':>13}{'vs shortest':>13}")
    shortest = {source: rss for source, *_, rss in reversed(rows)}  # each source's first (shortest) run
    for source, days, scans, wall, rss in rows:
        print(f"{source:<11}{days:>5}{scans:>12,}{wall:>9.1f}{rss:>13,.0f}{rss / shortest[source]:>12.2f}x")


if __name__ == "__main__":
    main()
