"""DSN forms for the embedded engine and a server, and the one-line errors for bad ones."""
from __future__ import annotations

from pathlib import Path

import pytest

from sim.store.client import StoreError, connect
from sim.store.dsn import DEFAULT_DATABASE, ENV_VAR, DsnError, parse_dsn, resolve_dsn, with_database


def test_embedded_forms():
    absolute = parse_dsn("chdb:///data/ch?database=replay")
    assert (absolute.kind, absolute.client_dsn, absolute.database) == ("chdb", "chdb:///data/ch", "replay")
    relative = parse_dsn("chdb:.violet/chdb")
    assert relative.path == Path.cwd() / ".violet/chdb" and relative.database == DEFAULT_DATABASE
    assert parse_dsn("chdb://memory").client_dsn == "chdb://memory"


def test_server_form_masks_the_password():
    target = parse_dsn("https://reader:s3cret@ch.example:8443/prod")
    assert (target.kind, target.database) == ("http", "prod")
    assert target.client_dsn == "https://reader:s3cret@ch.example:8443"
    assert "s3cret" not in target.display
    assert parse_dsn("http://ch:8123").database == DEFAULT_DATABASE


def test_explicit_then_environment_then_default(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert resolve_dsn(None) == "chdb:.violet/chdb"
    monkeypatch.setenv(ENV_VAR, "http://ch:8123/x")
    assert resolve_dsn(None) == "http://ch:8123/x"
    assert resolve_dsn("chdb://memory") == "chdb://memory"


@pytest.mark.parametrize("dsn, message", [
    ("postgres://db", "scheme must be chdb, http or https"),
    ("chdb://host/dir", "use chdb:///abs/dir"),
    ("chdb:///d?database=a-b", "not a plain identifier"),
    ("chdb:///d?user=x", "unknown option"),
    ("http:///db", "no host"),
    ("http://h:port/db", "bad port"),
])
def test_bad_dsn_is_one_line(dsn, message):
    with pytest.raises(StoreError, match=message) as info:
        connect(dsn)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("dsn, expected", [
    ("chdb:rel/dir", "chdb:rel/dir?database=t_1"),
    ("chdb:///abs/dir?database=x", "chdb:/abs/dir?database=t_1"),
    ("chdb://memory", "chdb://memory?database=t_1"),
    ("http://u:p@ch:8123/violet", "http://u:p@ch:8123/t_1"),
    ("https://ch:8443", "https://ch:8443/t_1"),
])
def test_with_database_keeps_the_target(dsn, expected):
    moved = with_database(dsn, "t_1")
    assert moved == expected
    assert parse_dsn(moved).client_dsn == parse_dsn(dsn).client_dsn and parse_dsn(moved).database == "t_1"
    with pytest.raises(DsnError, match="not a plain identifier"):
        with_database(dsn, "t-1")
