"""``violet-sim contracts import``: the venue's contract table from BingX's contracts answer."""
from __future__ import annotations

from importlib import resources
from pathlib import Path

import click

from exchange_mock.contract_import import ContractImportError, contract_rows, write_contract_table
from sim.cli.common import PathParam, fail_on_user_error
from sim.errors import UserError


@click.group()
def contracts() -> None:
    """Contract tables for the venue (symbols, precisions, minimums, leverage, fees)."""


@contracts.command("import")
@click.argument("contracts_json", type=PathParam(dir_okay=False, path_type=Path))
@click.option("--out", "out_dir", required=True, type=PathParam(file_okay=False, path_type=Path),
              help="Folder to write contracts.csv and maint_tiers.csv (a scenario's venue.contracts_dir).")
@fail_on_user_error
def import_contracts(contracts_json: Path, out_dir: Path) -> None:
    """Read CONTRACTS_JSON, the saved answer of BingX's GET /openApi/swap/v2/quote/contracts, and
    write the venue's contract table to --out (point a scenario's venue.contracts_dir at it)."""
    try:
        rows = contract_rows(contracts_json)
    except ContractImportError as exc:
        raise UserError(str(exc)) from None
    ladders = resources.files("exchange_mock").joinpath("data", "maint_tiers.csv").read_text(encoding="utf-8")
    try:
        path = write_contract_table(rows, out_dir, ladders)
    except OSError as exc:
        raise UserError(f"{out_dir}: cannot write the contract table ({exc.strerror})") from None
    click.echo(f"{len(rows)} contracts written to {path}")
