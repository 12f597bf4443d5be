"""Property test over every command's option values: each leaf command of ``violet-sim`` is run
(as a real process) from a valid invocation with one option given a hostile value. The exit code
is 0, 1 or 2, no traceback reaches stderr, and a refusal is one line naming the option or its
value. A valid value may start long work (a certification, a server): a run still busy after the
time limit accepted its input and is stopped."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from importlib import import_module
from pathlib import Path

import click
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.cli import COMMANDS

ROOT = Path(__file__).resolve().parents[2]
XRP_5M = ROOT.parent / "shared" / "data" / "market" / "E_freqtrade_testdata" / "xrp_usdt_perp_2021-11" / "XRPUSDT_5m.csv"
BUSY_AFTER_S = 8.0
#: examples in CI; set VIOLET_PROPERTY_EXAMPLES for a deeper search.
EXAMPLES = int(os.environ.get("VIOLET_PROPERTY_EXAMPLES", "40"))

#: a valid invocation per leaf command; {tmp}, {scenario}, {archive}, {contracts}, {scan} are filled in.
VALID: dict[str, list[str]] = {
    "run": ["run", "{scenario}", "--out", "{tmp}/out"],
    "swarm": ["swarm", "{scenario}", "--seeds", "2", "--out", "{tmp}/out"],
    "certify": ["certify", "--out", "{tmp}/cert", "--seeds", "1", "--root", str(ROOT)],
    "golden check": ["golden", "check", "--root", "{tmp}"],
    "golden update": ["golden", "update", "{scenario}", "--root", "{tmp}"],
    "scans generate": ["scans", "generate", "--out", "{tmp}/g.parquet", "--scans", "60", "--assets", "4"],
    "scans from-candles": ["scans", "from-candles", "--candles", "{candles}", "--out", "{tmp}/c.parquet"],
    "scans info": ["scans", "info", "{archive}"],
    "contracts import": ["contracts", "import", "{contracts}", "--out", "{tmp}/table"],
    "db init": ["db", "init"],
    "db import-scans": ["db", "import-scans", "{archive}"],
    "db export-scans": ["db", "export-scans", "{tmp}/e.parquet"],
    "db seed-recorded": ["db", "seed-recorded", "--trades", "100"],
    "db deliver-spool": ["db", "deliver-spool", "--spool", "{tmp}/spool"],
    "db runs": ["db", "runs"],
    "study clean": ["study", "clean", "--out", "{tmp}/st"],
    "study parity": ["study", "parity", "--out", "{tmp}/st"],
    "study margin": ["study", "margin", "--out", "{tmp}/st"],
    "study regimes": ["study", "regimes", "--out", "{tmp}/st"],
    "explain": ["explain", "--scan", "{scan}"],
    "venue serve": ["venue", "serve", "--admin", "--port", "0"],
}

HOSTILE = st.one_of(st.sampled_from(["", "-1", "0", "nan", "inf", "-inf", "1e999", "99999999999999999999",
                                     "abc", "../..", "/nonexistent/x", "{tmp}", "{scenario}", "é", " 1",
                                     "1,5", "0x10", "http://127.0.0.1:9/none", "chdb://", "2021-13-45"]),
                    st.text(alphabet="ab1-.:/ %", max_size=6))


def leaf_commands() -> list[tuple[str, click.Command]]:
    """Every runnable command, by its space-joined path."""
    found: list[tuple[str, click.Command]] = []

    def walk(command: click.Command, path: str) -> None:
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                walk(sub, f"{path} {name}")
        else:
            found.append((path, command))
    for name, (module, _) in COMMANDS.items():
        walk(getattr(import_module(module), name), name)
    return found


OPTIONS = [(path, option.opts[0]) for path, command in leaf_commands() for option in command.params
           if isinstance(option, click.Option) and not option.is_flag and option.name != "help"]


def test_every_command_has_a_valid_invocation() -> None:
    assert sorted(VALID) == sorted(path for path, _ in leaf_commands())


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    base = tmp_path_factory.mktemp("inputs")
    scenario = base / "tiny.yaml"
    scenario.write_text(yaml.safe_dump({"name": "tiny", "seed": 1,
                                        "data": {"kind": "synthetic", "config": {"n_scans": 120, "n_assets": 5}}}))
    archive = base / "small.parquet"
    subprocess.run([sys.executable, "-m", "sim", "scans", "generate", "--out", str(archive), "--scans", "80",
                    "--assets", "4"], check=True, capture_output=True)
    contracts = base / "contracts.json"
    contracts.write_text(json.dumps({"code": 0, "msg": "", "data": [
        {"symbol": "WIF-USDT", "quantityPrecision": 0, "pricePrecision": 4, "tradeMinQuantity": "1",
         "tradeMinUSDT": "2", "maxLongLeverage": 50, "maxShortLeverage": 50, "makerFeeRate": "0.0002",
         "takerFeeRate": "0.0005", "status": 1}]}))
    dsn = f"chdb://{base}/store"
    for command in (["db", "init"], ["db", "seed-recorded", "--trades", "200"]):
        subprocess.run([sys.executable, "-m", "sim", *command, "--dsn", dsn], check=True, capture_output=True)
    return {"dsn": dsn, "scenario": str(scenario), "archive": str(archive), "contracts": str(contracts),
            "scan": str(ROOT / "scenarios" / "examples" / "scan_signal.json"), "candles": str(XRP_5M)}


def with_option(args: list[str], option: str, value: str) -> list[str]:
    """``args`` with ``option`` given ``value`` (replacing a value already there)."""
    if option in args:
        at = args.index(option)
        return args[:at + 1] + [value] + args[at + 2:]
    return args + [option, value]


def run_cli(args: list[str], tmp: Path, dsn: str) -> tuple[int | None, str]:
    """Exit code (None: still busy after the limit, stopped) and stderr of a real process."""
    env = {**os.environ, "VIOLET_CLICKHOUSE_DSN": dsn, "PYTHONHASHSEED": "0"}
    proc = subprocess.Popen([sys.executable, "-m", "sim", *args], cwd=tmp, env=env, text=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        _, stderr = proc.communicate(timeout=BUSY_AFTER_S)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return None, ""
    return proc.returncode, stderr


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(command_option=st.sampled_from(OPTIONS), value=HOSTILE)
def test_an_option_value_is_used_or_refused_in_one_line(tmp_path_factory: pytest.TempPathFactory,
                                                        inputs: dict[str, str], command_option: tuple[str, str],
                                                        value: str) -> None:
    command, option = command_option
    tmp = tmp_path_factory.mktemp("case")
    fill = {**inputs, "tmp": str(tmp)}
    args = [part.format(**fill) for part in with_option(VALID[command], option, value)]
    code, stderr = run_cli(args, tmp, inputs["dsn"])
    if code is None:
        return
    assert code in (0, 1, 2), f"{args}: exit {code}: {stderr}"
    assert "Traceback" not in stderr, stderr
    if code == 2:
        lines = [line for line in stderr.splitlines() if line.strip()]
        assert len(lines) == 1, f"{args}: a refusal must be one line: {stderr!r}"
        named = (option, option.lstrip("-"), args[args.index(option) + 1])
        assert any(name.strip() and name in lines[0] for name in named), f"{args}: {lines[0]!r} names none of {named}"
