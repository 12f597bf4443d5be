"""Golden outputs: the canonical result of each scenario, kept under ``golden/<scenario>/``.

A golden directory holds ``summary.json`` (counts, journal hash, the scenario file it came from)
and one CSV per journal table in the canonical text form the journal hash is computed over, so a
change shows up first as a different hash and then as a readable diff of the first differing rows.
"""
from __future__ import annotations

import csv
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pyarrow.parquet as pq

from sim.journal.schema import TABLES
from sim.journal.writer import canonical
from sim.scenario import load_scenario
from sim.harness.simulate import simulate

SUMMARY_KEYS = ("scenario", "seed", "scans_in", "decided", "no_signal", "no_pick", "rejected", "gated",
                "orders", "fills", "trades", "liquidations", "violations", "final_equity", "journal_sha256")


@dataclass(frozen=True)
class GoldenDiff:
    scenario: str
    ok: bool
    lines: tuple[str, ...]


def _rows(run_dir: Path, table: str) -> Iterator[list[str]]:
    path = run_dir / f"{table}.parquet"
    for batch in pq.ParquetFile(str(path)).iter_batches():
        cols = [c.to_pylist() for c in batch.columns]
        for i in range(batch.num_rows):
            yield [canonical(c[i]) for c in cols]


def _run(scenario_file: Path, work: Path) -> dict:
    scenario = load_scenario(scenario_file)
    result = simulate(scenario, out_dir=work)
    return result.summary.to_dict()


def write_golden(scenario_file: Path, golden_root: Path, project_root: Path) -> Path:
    """Run the scenario and store its outputs as the new golden copy."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        summary = _run(scenario_file, work)
        dest = golden_root / summary["scenario"]
        dest.mkdir(parents=True, exist_ok=True)
        doc = {k: summary[k] for k in SUMMARY_KEYS}
        doc["scenario_file"] = scenario_file.resolve().relative_to(project_root.resolve()).as_posix()
        (dest / "summary.json").write_text(json.dumps(doc, indent=2) + "\n")
        for table, schema in TABLES.items():
            with open(dest / f"{table}.csv", "w", newline="") as fh:
                w = csv.writer(fh, lineterminator="\n")
                w.writerow(schema.names)
                w.writerows(_rows(work, table))
    return dest


def check_golden(golden_dir: Path, project_root: Path, max_rows: int = 3) -> GoldenDiff:
    """Re-run the golden's scenario and compare: the journal hash, then the first differing rows."""
    expected = json.loads((golden_dir / "summary.json").read_text())
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        summary = _run(project_root / expected["scenario_file"], work)
        if summary["journal_sha256"] == expected["journal_sha256"]:
            return GoldenDiff(expected["scenario"], True, ())
        lines = [f"journal hash {summary['journal_sha256'][:16]}... != golden {expected['journal_sha256'][:16]}..."]
        for key in SUMMARY_KEYS:
            if str(summary[key]) != str(expected[key]) and key != "journal_sha256":
                lines.append(f"summary.{key}: golden {expected[key]!r}, now {summary[key]!r}")
        for table, schema in TABLES.items():
            with open(golden_dir / f"{table}.csv", newline="") as fh:
                gold = list(csv.reader(fh))[1:]
            now = list(_rows(work, table))
            shown = 0
            for i in range(max(len(gold), len(now))):
                g = gold[i] if i < len(gold) else None
                n = now[i] if i < len(now) else None
                if g == n:
                    continue
                lines.append(f"{table} row {i + 1}:")
                lines.append(f"  golden: {_fmt(schema.names, g)}")
                lines.append(f"  now:    {_fmt(schema.names, n)}")
                shown += 1
                if shown >= max_rows:
                    break
        return GoldenDiff(expected["scenario"], False, tuple(lines))


def _fmt(names: list[str], row: list[str] | None) -> str:
    return "(no row)" if row is None else ", ".join(f"{k}={v}" for k, v in zip(names, row))
