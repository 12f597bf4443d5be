"""``violet-sim run``: one scenario, a run directory, a verdict."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from sim.cli.common import UserError, fail_on_user_error
from sim.journal.writer import RunJournal
from sim.progress import progress_bar
from sim.scenario import load_scenario
from sim.store.client import StoreError, session
from sim.store.journal_runs import JournalRun
from sim.store.journal_sink import ClickHouseJournalSink, SinkReport
from sim.store.schema import apply_ddl
from sim.swarm import swarm_variant
from sim.world import config_hash, simulate


@click.command()
@click.argument("scenario_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--seed", type=click.IntRange(min=0), default=None, help="Override the scenario's seed.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Run directory (default: runs/<scenario>-seed<N>).")
@click.option("--journal-dsn", default=None, metavar="DSN",
              help="Also write the journal tables to ClickHouse (e.g. chdb:.violet/chdb or http://...).")
@click.option("--swarm", "swarm_draw", is_flag=True,
              help="Apply the swarm's fault draw for this seed (replays a `violet-sim swarm` run exactly).")
@fail_on_user_error
def run(scenario_file: Path, seed: int | None, out_dir: Path | None, journal_dsn: str | None,
        swarm_draw: bool) -> None:
    """Replay SCENARIO_FILE through the engine into the mock venue.

    Exit code 0 when every expectation holds, 1 when one fails, 2 on bad input.
    """
    scenario = load_scenario(scenario_file)
    seed = scenario.seed if seed is None else seed
    if swarm_draw:
        scenario = swarm_variant(scenario, seed)
    out_dir = out_dir or Path("runs") / f"{scenario.name}-seed{seed}"
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"{out_dir}: cannot create the run directory ({exc.strerror})") from None
    journal = RunJournal(out_dir)
    sink = None
    if journal_dsn is not None:
        try:
            with session(journal_dsn, create_database=True) as client:
                apply_ddl(client)
        except StoreError as exc:  # unreachable now: the sink spools and delivers when it is back
            click.echo(f"warning: {exc}; journal batches will be spooled", err=True)
        run_key = JournalRun.of(scenario.name, seed, config_hash(scenario, seed))
        sink = ClickHouseJournalSink(run_key, journal_dsn, spool_dir=out_dir / "spool")
        journal.add_sink(sink)
    with progress_bar(scenario.name) as progress:
        result = simulate(scenario, seed=seed, out_dir=out_dir, progress=progress, journal=journal)
    click.echo(render_summary(result.summary, out_dir))
    if sink is not None:
        report = sink.close(journal_sha256=result.summary["journal_sha256"])
        click.echo(render_delivery(report, out_dir))
        if report.conflict:
            click.echo(f"warning: {report.conflict}", err=True)
    sys.exit(0 if result.passed else 1)


def render_delivery(report: SinkReport, out_dir: Path) -> str:
    """The journal's ClickHouse outcome: under which run id, and whether it is all there yet."""
    present = f" ({report.already_present} batches already there)" if report.already_present else ""
    line = (f"  journal to ClickHouse as run {report.run_id}: {sum(report.delivered.values()):,} rows delivered"
            f"{present}, {report.spooled:,} spooled{f' ({report.last_error})' if report.spooled else ''}, "
            f"{sum(report.rejected.values())} rejected; ")
    if report.complete:
        return line + "run complete"
    deliver = f"violet-sim db deliver-spool --dsn DSN --spool {out_dir / 'spool'}"
    return line + f"run incomplete until `{deliver}` delivers the rest"


def render_summary(s: dict, out_dir: Path) -> str:
    f = s["facts"]
    lines = [
        f"scenario {s['scenario']} (seed {s['seed']}): {'PASSED' if s['passed'] else 'FAILED'}",
        f"  scans {s['scans_in']:,}: decided {s['decided']:,}, no signal {s['no_signal']:,}, "
        f"no pick {s['no_pick']:,}, rejected {s['rejected']:,}",
        f"  gated {s['gated']:,} {f['gated_by_reason']}",
        f"  orders {s['orders']:,}, fills {s['fills']:,}, trades {s['trades']:,}, liquidations {s['liquidations']}",
        f"  exits {f['exit_reasons']}",
        f"  final equity {s['final_equity']} USDT, exchange leverage {f['exchange_leverages']}, "
        f"max margin use {f['max_margin_utilization']:.1%}",
    ]
    for e in s["expectations"]:
        lines.append(f"  {'ok  ' if e['passed'] else 'FAIL'} {e['name']}: expected {e['expected']}, measured {e['measured']}")
    for b in s["breaches"]:
        lines.append(f"  BREACH {b['invariant']} at {b['ts_ms']}: {b['detail']}")
    lines.append(f"  journal sha256 {s['journal_sha256']}")
    lines.append(f"  outputs in {out_dir}")
    return "\n".join(lines)
