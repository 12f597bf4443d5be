"""``violet-sim venue serve``: the scan replay that drives prices, and the command itself."""
from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from rest_kit import START_MS, make_host

from exchange_mock.rest import TOKEN_HEADER

from sim.cli import main
from sim.scans.synthetic import SyntheticConfig, SyntheticScanSource
from sim.harness.venue_server import ScanReplay

SYNTHETIC = SyntheticConfig(n_scans=40, n_assets=2, stablecoins=False, start_ms=START_MS)


def test_the_replay_applies_every_scan_in_order() -> None:
    host = make_host()
    source = SyntheticScanSource(SYNTHETIC, seed=3, batch_size=16)
    assert ScanReplay(host, source.batches(), speed=1e9).run() == 40
    last = list(source.batches())[-1]
    assert host.venue.server_time()["data"]["serverTime"] == int(last.ts_ms[-1])
    assert host.prices == {"SYN00-USDT": float(last.prices[-1, 0]), "SYN01-USDT": float(last.prices[-1, 1])}
    premium = host.venue.premium_index(symbol="SYN00-USDT")["data"]
    assert float(premium["markPrice"]) == pytest.approx(float(last.prices[-1, 0]), rel=1e-4)


def test_the_replay_waits_in_wall_clock_time_and_stops() -> None:
    host = make_host()
    replay = ScanReplay(host, SyntheticScanSource(SYNTHETIC, seed=3).batches(), speed=1.0)  # scans 5 s apart
    threading.Timer(0.3, replay.stop).start()
    started = time.monotonic()
    assert replay.run() == 1
    assert 0.25 < time.monotonic() - started < 3
    assert host.venue.server_time()["data"]["serverTime"] == START_MS


def _serve(*args: str) -> tuple[subprocess.Popen[str], str]:
    """The command in a subprocess on a free port; returns it and its base URL."""
    command = [sys.executable, "-c", "from sim.cli import main; main()", "venue", "serve", "--port", "0", *args]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.startswith("serving BingX swap API on http://127.0.0.1:"), line
    return proc, line.split()[5].removesuffix("/openApi")


def _wait_for(url: str, deadline_s: float = 15) -> httpx.Response:
    deadline = time.monotonic() + deadline_s
    while True:
        try:
            return httpx.get(url, timeout=2)
        except httpx.TransportError:
            assert time.monotonic() < deadline, f"{url} never answered"
            time.sleep(0.05)


def _step(base: str, token: str | None) -> httpx.Response:
    headers = {} if token is None else {TOKEN_HEADER: token}
    return httpx.post(f"{base}/admin/advance", json={"ts_ms": START_MS, "prices": {"BTC-USDT": 60000}},
                      headers=headers, timeout=5)


def test_serve_with_admin_prints_a_fresh_token_that_admin_calls_need(tmp_path: Path) -> None:
    accounts = tmp_path / "accounts.yaml"
    accounts.write_text("- {api_key: k1, secret: s1, initial_balance: 500}\n")
    proc, base = _serve("--admin", "--accounts", str(accounts))
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("admin token: ") and f"send it in the {TOKEN_HEADER} header" in line, line
        token = line.split()[2]
        assert len(token) == 32 and int(token, 16) >= 0
        assert _wait_for(f"{base}/openApi/swap/v2/server/time").json()["code"] == 0
        assert _step(base, None).status_code == 401
        assert _step(base, token[::-1]).status_code == 403
        assert _step(base, token).json() == {"code": 0, "msg": "", "data": {"ts_ms": START_MS, "events": {}}}
    finally:
        proc.terminate()
        proc.wait(timeout=15)


@pytest.mark.parametrize("given", ["file", "option"])
def test_the_admin_token_from_the_accounts_file_or_the_option(tmp_path: Path, given: str) -> None:
    accounts = tmp_path / "accounts.yaml"
    accounts.write_text("admin_token: file-token-0123456789\naccounts:\n  - {api_key: k1, secret: s1}\n")
    option = ["--admin-token", "option-token-0123456789"] if given == "option" else []
    proc, base = _serve("--admin", "--accounts", str(accounts), *option)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("admin token: as given by --admin-token" if option else
                               "admin token: from the accounts file"), line
        assert "token-0123456789" not in line  # a token someone chose is not echoed
        _wait_for(f"{base}/openApi/swap/v2/server/time")
        assert _step(base, "file-token-0123456789").status_code == (403 if option else 200)
        assert _step(base, "option-token-0123456789").status_code == (200 if option else 403)
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def test_serve_replays_a_scenario(tmp_path: Path) -> None:
    scenario = tmp_path / "replay.yaml"
    scenario.write_text("name: replay\nseed: 3\ndata:\n  kind: synthetic\n"
                        "  config: {n_scans: 50, n_assets: 2, stablecoins: false}\n")
    proc, base = _serve("--scenario", str(scenario), "--speed", "100000")
    try:
        url = f"{base}/openApi/swap/v2/quote/premiumIndex?symbol=SYN01-USDT"
        deadline = time.monotonic() + 15
        while _wait_for(url).json()["data"]["markPrice"] == "0":
            assert time.monotonic() < deadline, "no replayed price arrived"
            time.sleep(0.05)
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def test_user_errors_are_one_line_and_exit_2(tmp_path: Path) -> None:
    bad_accounts = tmp_path / "accounts.yaml"
    bad_accounts.write_text("- {api_key: a}\n")
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    try:
        for args, message in [
            ([], "give --scenario FILE"),
            (["--admin", "--scenario", str(tmp_path / "s.yaml")], "give --scenario FILE"),
            (["--admin", "--speed", "0"], "0.0 is not in the range x>0"),
            (["--admin", "--accounts", str(bad_accounts)], "entry 0: secret: Field required"),
            (["--scenario", str(tmp_path / "absent.yaml")], "cannot read"),
            (["--admin", "--port", str(busy.getsockname()[1])], "cannot listen on 127.0.0.1:"),
            (["--admin", "--port", "http"], "'http' is not a valid integer range"),
            (["--scenario", str(tmp_path / "s.yaml"), "--admin-token", "t" * 16], "--admin-token needs --admin"),
            (["--admin", "--admin-token", "short"], "--admin-token: admin_token must be 16-256 printable ASCII"),
            (["--admin", "--max-recv-window", "1000"], "1000 is not in the range x>=5000"),
        ]:
            result = CliRunner().invoke(main, ["venue", "serve", *args])
            assert result.exit_code == 2, (args, result.output)
            assert result.output.count("\n") == 1 and result.output.startswith("error: ") and message in result.output
    finally:
        busy.close()


def test_a_replay_that_fails_stops_the_server_with_one_line(tmp_path: Path) -> None:
    """The archive's footer is sound, so the server starts; its third row group's page header is
    damaged, so the replay fails there. The server must stop (exit 2, one line naming the file and
    the row), not go on serving prices frozen at scan 100."""
    import pyarrow.parquet as pq
    from sim.scans.archive import write_archive
    archive = tmp_path / "damaged.parquet"
    source = SyntheticScanSource(SyntheticConfig(n_scans=200, n_assets=2, stablecoins=False, start_ms=START_MS),
                                 seed=3, batch_size=50)
    write_archive(archive, source.batches())
    offset = pq.ParquetFile(archive).metadata.row_group(2).column(0).data_page_offset
    data = bytearray(archive.read_bytes())
    data[offset:offset + 8] = b"\xff" * 8
    archive.write_bytes(bytes(data))
    scenario = tmp_path / "replay.yaml"
    scenario.write_text("name: replay\nseed: 1\ndata: {kind: parquet, path: damaged.parquet, batch_size: 50}\n")
    proc = subprocess.run([sys.executable, "-m", "sim", "venue", "serve", "--port", "0", "--scenario", str(scenario),
                           "--speed", "1e9"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith(f"error: the scan replay stopped the server: {archive}: damaged data after row 100 (")
    assert "Traceback" not in proc.stderr
