"""REST test fixtures; the helpers live in ``rest_kit`` (importable from this folder)."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterator

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from rest_kit import InProcess, TestClock, live_server, make_host  # noqa: E402

from exchange_mock.rest import VenueHost  # noqa: E402


@pytest.fixture
def clock() -> TestClock:
    return TestClock()


@pytest.fixture
def host() -> VenueHost:
    return make_host()


@pytest.fixture
def server(host: VenueHost, clock: TestClock) -> Iterator[str]:
    with live_server(host, clock) as base_url:
        yield base_url


@pytest.fixture
def app(host: VenueHost) -> InProcess:
    return InProcess(host)
