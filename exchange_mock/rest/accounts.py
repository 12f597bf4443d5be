"""The accounts file: which API keys the server accepts, their secrets and starting balances.

A YAML (or JSON, which YAML reads too) list, one entry per key; each key is its own venue account:

    - {api_key: alice-key, secret: alice-secret, initial_balance: 10000}
    - {api_key: bob-key, secret: bob-secret}        # initial_balance: the venue's default

or a mapping that also gives the admin token (``POST /admin/advance``), so that tests started
from the same file know it:

    admin_token: 0f3a...                             # 16-256 printable ASCII characters
    accounts:
      - {api_key: alice-key, secret: alice-secret}

Without a file the server accepts ``DEMO_ACCOUNT`` only.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError


class AccountsFileError(ValueError):
    """An accounts file that cannot be used; the message names the file and the entry."""


class ApiAccount(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    #: Printable ASCII without spaces: it travels in the ``X-BX-APIKEY`` header.
    api_key: str = Field(min_length=1, max_length=256, pattern=r"^[\x21-\x7e]+$")
    secret: str = Field(min_length=1, max_length=256)
    initial_balance: Decimal | None = Field(default=None, ge=0, allow_inf_nan=False)


DEMO_ACCOUNT = ApiAccount(api_key="violet-demo-key", secret="violet-demo-secret")
#: Printable ASCII without spaces (it travels in a header), long enough not to be guessed.
_ADMIN_TOKEN = re.compile(r"[\x21-\x7e]{16,256}")
_FILE_KEYS = frozenset({"accounts", "admin_token"})


@dataclass(frozen=True, slots=True)
class AccountsFile:
    accounts: tuple[ApiAccount, ...]
    admin_token: str | None = None


def check_admin_token(token: object, origin: str) -> str:
    if not isinstance(token, str) or not _ADMIN_TOKEN.fullmatch(token):
        raise AccountsFileError(f"{origin}: admin_token must be 16-256 printable ASCII characters without spaces")
    return token


def parse_accounts(raw: Any, origin: str) -> tuple[ApiAccount, ...]:
    if not isinstance(raw, list) or not raw:
        raise AccountsFileError(f"{origin}: expected a non-empty list of {{api_key, secret, initial_balance}}"
                                " (or {admin_token, accounts: [that list]})")
    accounts: list[ApiAccount] = []
    for index, entry in enumerate(raw):
        try:
            account = ApiAccount.model_validate(entry)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "entry"
            raise AccountsFileError(f"{origin}: entry {index}: {where}: {first['msg']}") from None
        if any(a.api_key == account.api_key for a in accounts):
            raise AccountsFileError(f"{origin}: entry {index}: api_key {account.api_key!r} is listed twice")
        accounts.append(account)
    return tuple(accounts)


def parse_accounts_file(raw: Any, origin: str) -> AccountsFile:
    """The file's content: a list of accounts, or ``{admin_token, accounts}``. A mapping without
    ``accounts`` is taken for a list gone wrong (one account written without the list)."""
    if not isinstance(raw, dict) or "accounts" not in raw:
        return AccountsFile(parse_accounts(raw, origin))
    unknown = sorted(str(k) for k in set(raw) - _FILE_KEYS)
    if unknown:
        raise AccountsFileError(f"{origin}: unknown key {unknown[0]!r}; expected accounts and admin_token")
    token = raw.get("admin_token")
    return AccountsFile(parse_accounts(raw.get("accounts"), origin),
                        None if token is None else check_admin_token(token, origin))


def load_accounts(path: str | Path) -> tuple[ApiAccount, ...]:
    return load_accounts_file(path).accounts


def load_accounts_file(path: str | Path) -> AccountsFile:
    p = Path(path)
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise AccountsFileError(f"{p}: cannot read ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise AccountsFileError(f"{p}: not valid YAML or JSON ({getattr(exc, 'problem', exc)})") from None
    return parse_accounts_file(raw, str(p))
