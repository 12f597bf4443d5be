"""``violet-sim venue serve``: the mock venue over HTTP, with the wall clock and a price driver.

The REST layer (``exchange_mock.rest``) reads no clock; a live server gives it the wall clock for
signature timestamps and rate limits. The venue's own time moves only through its ``advance``:
either from a scenario's scans, replayed in wall-clock time (``ScanReplay``), or by hand through
``POST /admin/advance`` when the server is started with ``admin``, for callers that send the admin
token (given, read from the accounts file, or generated and printed at start).
"""
from __future__ import annotations

import logging
import math
import socket
import threading
import time
from pathlib import Path
from typing import Callable, Iterable

import numpy as np
import uvicorn

from exchange_mock import Venue, to_venue_symbol
from exchange_mock.rest import (
    DEMO_ACCOUNT,
    TOKEN_HEADER,
    AccountsFile,
    AccountsFileError,
    Limits,
    VenueHost,
    create_app,
    load_accounts_file,
    new_token,
    uvicorn_options,
)
from exchange_mock.rest.accounts import check_admin_token
from sim.errors import UserError
from violet_engine import ScanBatch

log = logging.getLogger("sim.harness.venue_server")


def wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


def _columns(assets: Iterable[str]) -> list[tuple[int, str]]:
    """(column, venue symbol) of every USDT asset; other quotes cannot be traded on this venue."""
    out = []
    for j, asset in enumerate(assets):
        try:
            out.append((j, to_venue_symbol(asset)))
        except ValueError:
            continue
    return out


def _row(values: np.ndarray, present: np.ndarray, i: int, columns: list[tuple[int, str]]) -> dict[str, float]:
    """Scan ``i`` as ``{venue symbol: price}``: listed assets with a number (the venue itself
    ignores prices that are not positive and finite)."""
    row = {}
    for j, symbol in columns:
        value = float(values[i, j])
        if present[i, j] and not math.isnan(value):
            row[symbol] = value
    return row


class ScanReplay:
    """Applies scans to the venue in wall-clock time: the scan at ``ts`` is applied
    ``(ts - first ts) / speed`` ms after the first. A scan that is already due is applied at once
    (the replay catches up rather than skips), so the venue sees every scan, in order."""

    def __init__(self, host: VenueHost, batches: Iterable[ScanBatch], speed: float,
                 now: Callable[[], float] = time.monotonic) -> None:
        if not speed > 0:
            raise ValueError(f"speed must be positive: {speed}")
        self._host = host
        self._batches = batches
        self._speed = speed
        self._now = now
        self._stop = threading.Event()

    def stop(self) -> None:
        self._stop.set()

    def _wait_until(self, due: float) -> bool:
        """False once stopped; otherwise waits until ``due`` (``now`` seconds) and returns True."""
        delay = due - self._now()
        return not (self._stop.wait(delay) if delay > 0 else self._stop.is_set())

    def run(self) -> int:
        """Replay until the scans end or ``stop``; returns the number of scans applied."""
        applied = 0
        origin: tuple[int, float] | None = None
        for batch in self._batches:
            columns = _columns(batch.assets)
            for i in range(len(batch)):
                ts = int(batch.ts_ms[i])
                if origin is None:
                    origin = (ts, self._now())
                if not self._wait_until(origin[1] + (ts - origin[0]) / 1000 / self._speed):
                    return applied
                marks = None if batch.marks is None else _row(batch.marks, batch.present, i, columns)
                self._host.advance(ts, _row(batch.prices, batch.present, i, columns), marks)
                applied += 1
        log.info("replay finished after %d scans; prices stay at the last scan", applied)
        return applied


def _listen(host: str, port: int) -> socket.socket:
    """Bind before starting, so that a busy port is a one-line user error."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise UserError(f"cannot listen on {host}:{port} ({exc.strerror})") from None
    return sock


def _admin_token(given: str | None, from_file: str | None) -> tuple[str, str]:
    """The admin token and the start-up line that tells where it came from: ``--admin-token``,
    else the accounts file's ``admin_token``, else a fresh one, printed since nobody else knows it."""
    if given is not None:
        return check_admin_token(given, "--admin-token"), "admin token: as given by --admin-token"
    if from_file is not None:
        return from_file, "admin token: from the accounts file"
    token = new_token()
    return token, f"admin token: {token}"


def _accounts(path: Path | None) -> AccountsFile:
    try:
        return load_accounts_file(path) if path is not None else AccountsFile((DEMO_ACCOUNT,))
    except AccountsFileError as exc:
        raise UserError(str(exc)) from None


def serve(*, host: str, port: int, scenario: Path | None, accounts: Path | None, speed: float,
          admin: bool, admin_token: str | None = None, max_recv_window_ms: int | None = None,
          echo: Callable[[str], None] = print) -> None:
    """Build the venue, its accounts and price driver, and serve until interrupted."""
    if (scenario is None) == (not admin):
        raise UserError("give --scenario FILE (replayed prices) or --admin (prices set through POST /admin/advance)")
    if admin_token is not None and not admin:
        raise UserError("--admin-token needs --admin")
    accounts_file = _accounts(accounts)
    keys = accounts_file.accounts
    try:
        token, token_line = _admin_token(admin_token, accounts_file.admin_token) if admin else (None, "")
        limits = Limits(max_recv_window_ms=max_recv_window_ms)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    replay = None
    if scenario is not None:
        # imported here: the scenario and source modules pull in the whole simulator, which an
        # admin-driven server does not need
        from sim.scenario import load_scenario
        from sim.scenario.sources import open_source
        spec = load_scenario(scenario)
        vhost = VenueHost(Venue(spec.venue), keys)
        replay = ScanReplay(vhost, open_source(spec.data, spec.seed).batches(), speed)
    else:
        vhost = VenueHost(Venue(), keys)
    sock = _listen(host, port)
    app = create_app(vhost, wall_clock_ms, admin_token=token, limits=limits)
    echo(f"serving BingX swap API on http://{host}:{sock.getsockname()[1]}/openApi "
         f"(keys: {', '.join(k.api_key for k in keys)}; prices: {'admin' if admin else f'replay x{speed:g}'})")
    if token_line:
        echo(f"{token_line} (send it in the {TOKEN_HEADER} header to /admin/advance)")
    server = uvicorn.Server(uvicorn.Config(app, log_level="info", **uvicorn_options()))
    driver = ReplayDriver(replay, server) if replay is not None else None
    if driver is not None:
        threading.Thread(target=driver.run, name="scan-replay", daemon=True).start()
    try:
        server.run(sockets=[sock])
    finally:
        if replay is not None:
            replay.stop()
        sock.close()
    if driver is not None:
        driver.raise_failure()


class ReplayDriver:
    """Runs the scan replay beside the server. A replay that fails (a damaged archive page, a
    bug) stops the server: a venue whose prices silently froze would keep answering with stale
    marks. The failure is raised again in the serving thread once the server has stopped, so
    the command ends with its one line and a non-zero exit code."""

    def __init__(self, replay: ScanReplay, server: uvicorn.Server) -> None:
        self._replay, self._server = replay, server
        self.failure: BaseException | None = None

    def run(self) -> None:
        try:
            self._replay.run()
        except BaseException as exc:  # noqa: BLE001 - whatever it is, the server must not go on
            self.failure = exc
            self._server.should_exit = True

    def raise_failure(self) -> None:
        if self.failure is None:
            return
        if isinstance(self.failure, UserError):
            raise UserError(f"the scan replay stopped the server: {self.failure}") from None
        raise self.failure
