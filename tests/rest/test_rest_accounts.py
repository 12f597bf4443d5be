"""The accounts file: a YAML or JSON list of keys; each key opens its own venue account."""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from exchange_mock import Venue, VenueConfig
from exchange_mock.rest import AccountsFileError, VenueHost, load_accounts, load_accounts_file


def test_yaml_and_json_files(tmp_path: Path) -> None:
    yaml_file = tmp_path / "accounts.yaml"
    yaml_file.write_text("- {api_key: a-key, secret: a-secret, initial_balance: 2500.5}\n"
                         "- {api_key: b-key, secret: b}\n")
    json_file = tmp_path / "accounts.json"
    json_file.write_text(json.dumps([{"api_key": "c-key", "secret": "c", "initial_balance": "100"}]))
    accounts = load_accounts(yaml_file) + load_accounts(json_file)
    host = VenueHost(Venue(VenueConfig(initial_balance=Decimal(777))), accounts)
    balances = {k: a.account_snapshot()["wallet"] for k, a in host.accounts.items()}
    assert balances == {"a-key": Decimal("2500.5"), "b-key": Decimal(777), "c-key": Decimal(100)}
    assert host.secrets == {"a-key": "a-secret", "b-key": "b", "c-key": "c"}


@pytest.mark.parametrize(("text", "message"), [
    ("{api_key: a, secret: b}", "expected a non-empty list"),
    ("[]", "expected a non-empty list"),
    ("- {api_key: a}", "entry 0: secret: Field required"),
    ("- {api_key: 'a b', secret: s}", "entry 0: api_key: String should match pattern"),
    ("- {api_key: a, secret: s, initial_balance: -1}", "entry 0: initial_balance: Input should be greater than"),
    ("- {api_key: a, secret: s, extra: 1}", "entry 0: extra: Extra inputs are not permitted"),
    ("- {api_key: a, secret: s}\n- {api_key: a, secret: t}", "entry 1: api_key 'a' is listed twice"),
    ("- [unclosed", "not valid YAML or JSON"),
    ("{admin_token: short, accounts: [{api_key: a, secret: s}]}", "admin_token must be 16-256 printable ASCII"),
    ("{admin_token: 'has spaces in it ok?', accounts: [{api_key: a, secret: s}]}", "admin_token must be 16-256"),
    ("{accounts: [{api_key: a, secret: s}], admin: 1}", "unknown key 'admin'; expected accounts and admin_token"),
    ("{accounts: []}", "expected a non-empty list"),
])
def test_bad_files_name_the_file_and_the_entry(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "accounts.yaml"
    path.write_text(text)
    with pytest.raises(AccountsFileError) as bad:
        load_accounts(path)
    assert str(bad.value).startswith(f"{path}: ") and message in str(bad.value)


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(AccountsFileError, match="cannot read"):
        load_accounts(tmp_path / "absent.yaml")


def test_a_file_that_also_gives_the_admin_token(tmp_path: Path) -> None:
    path = tmp_path / "accounts.yaml"
    path.write_text("admin_token: k7-0123456789abcdef\naccounts:\n  - {api_key: a-key, secret: a}\n")
    loaded = load_accounts_file(path)
    assert loaded.admin_token == "k7-0123456789abcdef"
    assert [a.api_key for a in loaded.accounts] == ["a-key"] == [a.api_key for a in load_accounts(path)]
