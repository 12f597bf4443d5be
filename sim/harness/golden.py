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

from sim.errors import UserError
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
    relative = _scenario_under_root(scenario_file, project_root)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        summary = _run(scenario_file, work)
        dest = golden_root / summary["scenario"]
        dest.mkdir(parents=True, exist_ok=True)
        doc = {k: summary[k] for k in SUMMARY_KEYS}
        doc["scenario_file"] = relative
        (dest / "summary.json").write_text(json.dumps(doc, indent=2) + "\n")
        for table, schema in TABLES.items():
            with open(dest / f"{table}.csv", "w", newline="") as fh:
                w = csv.writer(fh, lineterminator="\n")
                w.writerow(schema.names)
                w.writerows(_rows(work, table))
    return dest


def _scenario_under_root(scenario_file: Path, project_root: Path) -> str:
    """The scenario's path relative to the project root (a golden names its scenario that way,
    so that any checkout can re-run it); a scenario outside the root is refused."""
    try:
        return scenario_file.resolve().relative_to(project_root.resolve()).as_posix()
    except ValueError:
        raise UserError(f"{scenario_file}: not under the project root {project_root.resolve()} "
                        "(give --root, the folder holding golden/ and the scenario)") from None


def check_golden(golden_dir: Path, project_root: Path, max_rows: int = 3) -> GoldenDiff:
    """Re-run the golden's scenario and compare everything the golden holds: the journal hash,
    the summary counts and every CSV row (a CSV edited or damaged by hand is a difference even
    when the run's hash still matches the summary)."""
    expected = _read_summary(golden_dir)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        summary = _run(project_root / expected["scenario_file"], work)
        lines: list[str] = []
        if summary["journal_sha256"] != expected["journal_sha256"]:
            lines.append(f"journal hash {summary['journal_sha256'][:16]}... != golden "
                         f"{expected['journal_sha256'][:16]}...")
        for key in SUMMARY_KEYS:
            if key != "journal_sha256" and str(summary[key]) != str(expected.get(key)):
                lines.append(f"summary.{key}: golden {expected.get(key)!r}, now {summary[key]!r}")
        for table, schema in TABLES.items():
            lines.extend(_table_diff(golden_dir / f"{table}.csv", table, schema.names, list(_rows(work, table)), max_rows))
        return GoldenDiff(expected["scenario"], not lines, tuple(lines))


def _read_summary(golden_dir: Path) -> dict:
    path = golden_dir / "summary.json"
    try:
        doc = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise UserError(f"{path}: not a readable golden summary ({exc})") from None
    missing = [key for key in ("scenario", "scenario_file", "journal_sha256") if key not in doc]
    if missing:
        raise UserError(f"{path}: missing {', '.join(missing)}")
    return doc


def _table_diff(golden_csv: Path, table: str, names: list[str], now: list[list[str]], max_rows: int) -> list[str]:
    """The first ``max_rows`` rows where the golden CSV and this run's table differ."""
    try:
        with open(golden_csv, newline="") as fh:
            rows = list(csv.reader(fh))
    except OSError:
        return [f"{golden_csv.name}: missing from the golden folder"]
    lines: list[str] = []
    if not rows or rows[0] != names:
        lines.append(f"{table} header: golden {rows[0] if rows else '(empty file)'}, now {names}")
    gold = rows[1:]
    for i in range(max(len(gold), len(now))):
        g = gold[i] if i < len(gold) else None
        n = now[i] if i < len(now) else None
        if g == n:
            continue
        lines += [f"{table} row {i + 1}:", f"  golden: {_fmt(names, g)}", f"  now:    {_fmt(names, n)}"]
        if len(lines) >= 3 * max_rows:
            break
    return lines


def _fmt(names: list[str], row: list[str] | None) -> str:
    return "(no row)" if row is None else ", ".join(f"{k}={v}" for k, v in zip(names, row))
