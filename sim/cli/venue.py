"""``violet-sim venue``: the mock BingX venue as an HTTP server."""
from __future__ import annotations

from pathlib import Path

import click

from sim.cli.common import FiniteFloatRange, PathParam, TEXT, fail_on_user_error
from sim.harness.venue_server import serve as run_server


@click.group()
def venue() -> None:
    """The mock BingX USDT-M perpetual venue over HTTP."""


@venue.command()
@click.option("--host", type=TEXT, default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535), help="0: any free port.")
@click.option("--scenario", type=PathParam(dir_okay=False, path_type=Path),
              help="Replay this scenario's scans as the venue's prices.")
@click.option("--speed", default=1.0, show_default=True, type=FiniteFloatRange(min=0, min_open=True),
              help="Replay speed: 60 plays an hour of scans in a minute.")
@click.option("--accounts", type=PathParam(dir_okay=False, path_type=Path),
              help="YAML/JSON list of {api_key, secret, initial_balance}; default: one demo key.")
@click.option("--admin", is_flag=True, help="Mount POST /admin/advance to set time and prices (tests).")
@click.option("--admin-token", type=TEXT, help="Token /admin/advance requires (X-ADMIN-TOKEN header); default: the "
                                    "accounts file's admin_token, else a random one, printed at start.")
@click.option("--max-recv-window", type=click.IntRange(min=5000), metavar="MS",
              help="Refuse a recvWindow over MS with 80014 (default: no maximum, as BingX documents none).")
@fail_on_user_error
def serve(host: str, port: int, scenario: Path | None, speed: float, accounts: Path | None, admin: bool,
          admin_token: str | None, max_recv_window: int | None) -> None:
    """Serve BingX's swap REST API (the paths ccxt's bingx class calls) over the venue."""
    run_server(host=host, port=port, scenario=scenario, accounts=accounts, speed=speed, admin=admin,
               admin_token=admin_token, max_recv_window_ms=max_recv_window, echo=click.echo)
