"""``violet-sim run``: one scenario, a run directory, a verdict."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from sim.cli.common import PathParam, TEXT, fail_on_user_error
from sim.errors import UserError
from sim.journal.writer import RunJournal
from sim.progress import progress_bar
from sim.scenario import Scenario, load_scenario
from sim.store.client import StoreError, session
from sim.store.journal_runs import JournalRun
from sim.store.journal_sink import ClickHouseJournalSink, SinkReport
from sim.store.schema import apply_ddl
from sim.harness.run_dir import staged_output
from sim.harness.simulate import config_hash, simulate
from sim.harness.swarm import swarm_variant


@click.command()
@click.argument("scenario_file", type=PathParam(dir_okay=False, path_type=Path))
@click.option("--seed", type=click.IntRange(min=0), default=None, help="Override the scenario's seed.")
@click.option("--out", "out_dir", type=PathParam(file_okay=False, path_type=Path), default=None,
              help="Run directory (default: runs/<scenario>-seed<N>).")
@click.option("--journal-dsn", type=TEXT, default=None, metavar="DSN",
              help="Also write the journal tables to ClickHouse (e.g. chdb:.violet/chdb or http://...).")
@click.option("--swarm", "swarm_draw", is_flag=True,
              help="Apply the swarm's fault draw for this seed (replays a `violet-sim swarm` run exactly).")
@click.option("--engine-path", type=click.Choice(["jump", "per-scan"]), default=None,
              help="Override execution.engine_path: jump (default) or per-scan (the reference; same outputs).")
@fail_on_user_error
def run(scenario_file: Path, seed: int | None, out_dir: Path | None, journal_dsn: str | None,
        swarm_draw: bool, engine_path: str | None) -> None:
    """Replay SCENARIO_FILE through the engine into the mock venue.

    Exit code 0 when every expectation holds, 1 when one fails, 2 on bad input. The run folder is
    written beside --out and swapped in when the run completes: a killed run leaves the previous
    result whole; a second run into the same folder while one writes it is refused.
    """
    scenario = load_scenario(scenario_file)
    seed = scenario.seed if seed is None else seed
    if swarm_draw:
        scenario = swarm_variant(scenario, seed)
    if engine_path is not None:
        scenario = scenario.model_copy(update={"execution": scenario.execution.model_copy(
            update={"engine_path": engine_path})})
    out_dir = out_dir or Path("runs") / f"{scenario.name}-seed{seed}"
    with staged_output(out_dir) as stage:
        journal = RunJournal(stage)
        sink = _sink(scenario, seed, journal_dsn, stage) if journal_dsn is not None else None
        if sink is not None:
            journal.add_sink(sink)
        with progress_bar(scenario.name) as progress:
            result = simulate(scenario, seed=seed, out_dir=stage, progress=progress, journal=journal)
        report = sink.close(journal_sha256=result.summary.journal_sha256) if sink is not None else None
    click.echo(render_summary(result.summary.to_dict(), out_dir))
    if report is not None:
        click.echo(render_delivery(report, out_dir))
        if report.conflict:
            click.echo(f"warning: {report.conflict}", err=True)
    sys.exit(0 if result.passed else 1)


def _sink(scenario: Scenario, seed: int, dsn: str, stage: Path) -> ClickHouseJournalSink:
    """The journal's ClickHouse sink under the run's id. The target must parse and answer at
    start (a typo in the DSN fails at once, exit 2, not after the run with everything spooled);
    an outage during the run is what the sink rides out (it spools and delivers when the server
    is back)."""
    try:
        with session(dsn, create_database=True) as client:
            apply_ddl(client)
    except StoreError as exc:
        raise UserError(f"--journal-dsn: {exc}") from None
    run_key = JournalRun.of(scenario.name, seed, config_hash(scenario, seed))
    return ClickHouseJournalSink(run_key, dsn, spool_dir=stage / "spool")


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
    if f.get("accounting"):
        a = f["accounting"]
        lines.append(f"  wallet {a['final_wallet']} = initial {a['initial']} + realized {a['realized']} + funding "
                     f"{a['funding']} - fees {a['fees']} + insurance {a['insurance']} = initial + trade pnl "
                     f"{a['trades_pnl']} + open position {a['open_booked']}")
    if f.get("open_at_end"):
        o = f["open_at_end"]
        lines.append(f"  OPEN AT END: {o['side']} {o['quantity']} {o['symbol']} from {o['entry_ts_ms']} at "
                     f"{o['entry_price']}, unrealized {o['unrealized_pnl']} USDT (in final equity; no trades row)")
    if f.get("funding"):
        lines.append(funding_line(f["funding"]))
    for warning in f.get("settings_warnings", []):
        lines.append(f"  WARNING {warning}")
    if f.get("intrabar"):
        lines.append(intrabar_line(f["intrabar"]))
    if f.get("contracts_templated"):
        lines.append(f"  template contracts for {', '.join(f['contracts_templated'])}")
    for e in s["expectations"]:
        lines.append(f"  {'ok  ' if e['passed'] else 'FAIL'} {e['name']}: expected {e['expected']}, measured {e['measured']}")
    for b in s["breaches"]:
        lines.append(f"  BREACH {b['invariant']} at {b['ts_ms']}: {b['detail']}")
    lines.append(f"  journal sha256 {s['journal_sha256']}")
    lines.append(f"  outputs in {out_dir}")
    return "\n".join(lines)


def intrabar_line(intrabar: dict) -> str:
    """What looked inside each bar, and what could not (one line)."""
    parts = []
    if intrabar["venue"]:
        parts.append(f"the venue walks each bar (high, then low, then close); marks {intrabar['marks']}")
    if intrabar["exits"]:
        parts.append("exits are asked at the bar's high and low (stop-loss, take-profit touches)")
    return f"  intrabar: {'; '.join(parts)}"


def funding_line(funding: dict) -> str:
    """Which interval each symbol settled at and where it came from, grouped (one line)."""
    if funding.get("kind") != "series":
        return f"  funding: constant {funding['rate']} every {funding['interval_hours']} h"
    symbols = funding.get("symbols", {})
    if not symbols:
        return f"  funding: no recorded series; every settlement at {funding['default_rate']}"
    groups: dict[str, list[str]] = {}
    for symbol, plan in symbols.items():
        groups.setdefault(f"{plan['interval_hours']} h from {plan['from']}", []).append(symbol)
    parts = [f"{key}: {', '.join(names) if len(names) <= 4 else f'{len(names)} symbols'}"
             for key, names in sorted(groups.items())]
    unmatched = sum(int(p["rows_unmatched"]) for p in symbols.values())
    tail = f"; {unmatched} recorded rows matched no settlement" if unmatched else ""
    return (f"  funding: recorded rate of the settlement it was stamped for (tolerance "
            f"{funding['tolerance_ms']} ms, else {funding['default_rate']}); {'; '.join(parts)}{tail}")

