"""``violet-sim explain``: one scan through the decision core, every intermediate number shown."""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import click

from sim.cli.common import TEXT, fail_on_user_error
from sim.errors import UserError
from violet_engine import Decision, DecisionEngine, EngineConfig, Reject, RejectReason
from violet_engine.config import load_engine_config


@click.command()
@click.option("--scan", "scan_path", type=TEXT, required=True, metavar="FILE.json", help="The scan to explain (a JSON object).")
@click.option("--capital", default=10000.0, show_default=True, type=float, help="Capital (USDT) to size the notional for.")
@click.option("--config", "config_path", type=TEXT, metavar="FILE", help="EngineConfig as .yaml/.yml or .json (default: SPEC settings).")
@click.option("--history", "history_path", type=TEXT, metavar="FILE.jsonl", help="Earlier scans, one JSON object per line, oldest first.")
@fail_on_user_error
def explain(scan_path: str, capital: float, config_path: str | None, history_path: str | None) -> None:
    """Explain the engine's decision for one scan.

    IRP selection needs the prices of the previous 50 accepted scans. Give them as a "history"
    list (oldest first) inside the scan file, or with --history, which then replaces that list.
    History scans run through the engine first; only the last scan's outcome is printed, as one
    JSON object. Example: violet-sim explain --scan scenarios/examples/scan_signal.json

    A scan with a data fault (NaN vel_div, zero price, time going back...) is explained as a
    REJECT. A file that cannot be used (missing, not JSON, fields of the wrong type) is an
    error: one line on stderr, exit code 2.
    """
    click.echo(json.dumps(_explain(scan_path, capital, config_path, history_path), indent=2, allow_nan=False))


def _explain(scan_path: str, capital: float, config_path: str | None, history_path: str | None) -> dict[str, Any]:
    if not (math.isfinite(capital) and capital >= 0):
        raise UserError(f"--capital must be a finite number >= 0, got {capital}")
    scan = _read_json(scan_path, "scan file")
    if not isinstance(scan, dict):
        raise UserError(f"scan file {scan_path!r} must hold a JSON object, not {type(scan).__name__}")
    embedded = scan.pop("history", [])
    history = _read_history(history_path) if history_path else embedded
    if not isinstance(history, list) or not all(isinstance(h, dict) for h in history):
        raise UserError(f"scan file {scan_path!r}: \"history\" must be a list of scan objects")
    try:
        config = load_engine_config(config_path) if config_path else EngineConfig()
        engine = DecisionEngine(config)
    except ValueError as exc:
        raise UserError(str(exc)) from None

    for i, earlier in enumerate(history):
        _refuse_schema_errors(engine.decide(earlier, capital), f"{history_path or scan_path}: history[{i}]")
    outcome = engine.decide(scan, capital)
    _refuse_schema_errors(outcome, f"scan file {scan_path!r}")
    return _report(outcome, len(history), config.config_hash())


def _read_text(path: str, what: str) -> str:
    try:
        return Path(path).read_text()
    except FileNotFoundError:
        raise UserError(f"{what} {path!r} not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read {what} {path!r}: {exc}") from None


def _read_json(path: str, what: str) -> Any:
    text = _read_text(path, what)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(f"{what} {path!r} is not valid JSON (line {exc.lineno} column {exc.colno}: {exc.msg})") from None


def _read_history(path: str) -> list[Any]:
    scans = []
    for number, line in enumerate(_read_text(path, "history file").splitlines(), start=1):
        if line.strip():
            try:
                scans.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise UserError(f"history file {path!r} line {number} is not valid JSON ({exc.msg})") from None
    return scans


def _refuse_schema_errors(outcome: Any, where: str) -> None:
    if isinstance(outcome, Reject) and outcome.reason is RejectReason.SCHEMA_INVALID:
        shown = f" (value {outcome.value!r})" if outcome.value else ""
        raise UserError(f"{where}: field {outcome.field!r} is missing or has the wrong type{shown}")


_DECISION_FIELDS = (
    "asset",
    "vel_div",
    "strength",
    "conviction_base",
    "steepener_mult",
    "esof_mult",
    "conviction",
    "notional_fraction",
    "capital",
    "notional",
    "irp_score",
)


def _report(outcome: Any, history_scans: int, config_hash: str) -> dict[str, Any]:
    report: dict[str, Any] = {
        "outcome": outcome.outcome.value,
        "ts_ms": outcome.ts_ms,
        "scan_number": outcome.scan_number,
        "reject_reason": None,
        "reject_field": None,
        "reject_value": None,
        **dict.fromkeys(_DECISION_FIELDS),
        "irp_top": [],
        "history_scans": history_scans,
        "config_hash": config_hash,
    }
    if isinstance(outcome, Reject):
        report.update(reject_reason=outcome.reason.value, reject_field=outcome.field, reject_value=outcome.value)
        return report
    report["vel_div"] = outcome.vel_div
    if isinstance(outcome, Decision):
        report.update({name: getattr(outcome, name) for name in _DECISION_FIELDS})
        report["irp_top"] = [{"asset": asset, "score": score} for asset, score in outcome.irp_top]
    return report
