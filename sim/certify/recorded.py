"""Recorded BLUE trades for certification: from the real tables, or generated when there are none.

Parity and the margin envelope are measured on recorded trades. An empty *embedded* store is
seeded with the project's generator so that a fresh checkout certifies end to end; a server is
never written to. Whether the trades are real or generated is decided by content, not by who
wrote them: trades identical to the generator's output for the profile's seed are reported as
"generated (seed N)", anything else as recorded tables, naming the seed they were compared with.
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from types import ModuleType
from typing import Any, Callable

import pyarrow as pa

from sim.errors import UserError
from sim.journal.writer import canonical
from sim.recorded.generator import RecordedConfig, generate
from sim.recorded.tables import TRADE_EVENTS_SCHEMA, is_dsn, load_table, store_recorded
from sim.store.client import session
from sim.store.dsn import parse_dsn, resolve_dsn
from sim.store.schema import TRADE_EVENTS, apply_ddl
from sim.studies import clean, margin, parity, regimes
from sim.studies.report import write_report
from sim.studies.trades import clean_trades

from sim.certify.evidence import Recorded

STUDIES: tuple[ModuleType, ...] = (clean, parity, margin, regimes)
#: A total order of trade event rows (duplicates are identical), as ``load_table`` reads them.
_ORDER = [("entry_time", "ascending"), ("trade_id", "ascending"), ("exit_time", "ascending")]


def events_sha256(events: pa.Table) -> str:
    """sha256 over the canonical text of every trade event row, in a total order."""
    digest = hashlib.sha256()
    rows = events.cast(TRADE_EVENTS_SCHEMA).sort_by(_ORDER)
    for batch in rows.to_batches():
        for row in zip(*(c.to_pylist() for c in batch.columns)):
            digest.update(("\x1f".join(canonical(v) for v in row) + "\n").encode())
    return digest.hexdigest()


def _seed_if_empty(dsn: str, generator: RecordedConfig, log: Callable[[str], None]) -> None:
    """Create the tables and store generated trades when an embedded store has no trade events."""
    with session(dsn, create_database=True) as client:
        apply_ddl(client)
        empty = not client.command(f"SELECT count() FROM {TRADE_EVENTS}")
    if empty:
        log(f"recorded trades: {parse_dsn(dsn).display} is empty, seeding it with generated trades "
            f"(seed {generator.seed})")
        made = generate(generator)
        store_recorded(made.events, made.legs, dsn)


def load_recorded(source: str | None, generator: RecordedConfig, out: Path, log: Callable[[str], None],
                  params: dict[str, dict[str, Any]]) -> Recorded:
    """Trade events from ``source`` (a DSN, a Parquet directory, or None for the default store),
    cleaned, with every study written under ``out/studies`` (``params``: per study name, the
    keyword arguments of its ``compute``)."""
    if source is not None and not is_dsn(source):
        shown, events = source, load_table(source)
    else:
        dsn = resolve_dsn(source)
        target = parse_dsn(dsn)
        if target.kind == "chdb":
            _seed_if_empty(dsn, generator, log)
        shown, events = target.display, load_table(dsn)
    if events.num_rows == 0:
        raise UserError(f"no recorded trade events in {shown}")
    sha = events_sha256(events)
    generated = sha == events_sha256(generate(generator).events)
    trades = clean_trades(events)
    if trades.clean.num_rows == 0:
        raise UserError(f"no clean recorded trades in {shown}")
    results, files = {}, {}
    for study in STUDIES:
        result = study.compute(trades, **params.get(study.NAME, {}))
        results[study.NAME] = result
        files[study.NAME] = write_report(out / "studies", study.NAME, study.TITLE, result,
                                         study.figure(result, trades))[0]
    origin = (f"generated (seed {generator.seed})" if generated
              else f"recorded tables (not the generator's output for seed {generator.seed})")
    return Recorded(trades, shown, origin, sha, results, files, generator.seed if generated else None)
