"""The accounts file: which API keys the server accepts, their secrets and starting balances.

A YAML (or JSON, which YAML reads too) list, one entry per key; each key is its own venue account:

    - {api_key: alice-key, secret: alice-secret, initial_balance: 10000}
    - {api_key: bob-key, secret: bob-secret}        # initial_balance: the venue's default

Without a file the server accepts ``DEMO_ACCOUNT`` only.
"""
from __future__ import annotations

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


def parse_accounts(raw: Any, origin: str) -> tuple[ApiAccount, ...]:
    if not isinstance(raw, list) or not raw:
        raise AccountsFileError(f"{origin}: expected a non-empty list of {{api_key, secret, initial_balance}}")
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


def load_accounts(path: str | Path) -> tuple[ApiAccount, ...]:
    p = Path(path)
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise AccountsFileError(f"{p}: cannot read ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise AccountsFileError(f"{p}: not valid YAML or JSON ({getattr(exc, 'problem', exc)})") from None
    return parse_accounts(raw, str(p))
