"""Venue test fixtures; the helpers live in ``venue_kit`` (importable from this folder)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from venue_kit import make_venue  # noqa: E402

from exchange_mock import Venue  # noqa: E402


@pytest.fixture
def venue() -> Venue:
    return make_venue()[0]
