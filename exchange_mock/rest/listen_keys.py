"""Listen keys: the credential of a user-data stream, as BingX issues them.

``POST /openApi/user/auth/userDataStream`` mints a key for the caller's account and answers
``{"listenKey": "<64 hex>"}`` (no envelope, as BingX sends it); the stream connects with
``?listenKey=<key>``. A key lives ``TTL_MS`` (60 min) on the server's clock, the one
signatures are checked against, not the venue's market time; ``PUT`` with ``listenKey`` extends
it to 60 min from then, ``DELETE`` ends it. An unknown or expired key is answered HTTP 404
(code 404), as BingX documents "no such listenKey". The key is random, like the admin token: it
guards who may listen to an account and plays no part in what the venue computes.

BingX documents these calls with the ``X-BX-APIKEY`` header alone; ccxt signs them like any
private call. Both are served: a request that sends a signature has it checked.
"""
from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass
from typing import Callable

from exchange_mock import params
from exchange_mock.envelope import error, ok
from exchange_mock.errors import VenueError, required
from exchange_mock.rest.routing import FIVE_PER_S, Call, Envelope, Param, Route
from exchange_mock.venue import AccountApi

TTL_MS = 60 * 60 * 1000
PATH = "/openApi/user/auth/userDataStream"
NOT_FOUND = 404
NO_SUCH_KEY = "listenKey does not exist or has expired"
#: Live keys one account may hold; minting one more retires the account's oldest.
MAX_KEYS_PER_ACCOUNT = 10


def _answered(fn: Callable[[ListenKeys, Call], Envelope]) -> Callable[[ListenKeys, Call], Envelope]:
    """A refused parameter is the envelope's error, as every endpoint answers it."""
    @functools.wraps(fn)
    def wrapper(self: ListenKeys, call: Call) -> Envelope:
        try:
            return fn(self, call)
        except VenueError as exc:
            return error(exc.code, exc.msg)
    return wrapper


@dataclass(slots=True)
class _Grant:
    account: AccountApi
    expires_ms: int


class ListenKeys:
    """The keys the server has issued. Touched only under the host's lock."""

    def __init__(self) -> None:
        self._grants: dict[str, _Grant] = {}

    def owner(self, key: str | None, now_ms: int) -> AccountApi | None:
        """The account ``key`` opens at ``now_ms``, or ``None`` (unknown or expired)."""
        grant = self._grants.get(key or "")
        return grant.account if grant is not None and now_ms < grant.expires_ms else None

    def mint(self, account: AccountApi, now_ms: int) -> str:
        self._grants = {k: g for k, g in self._grants.items() if now_ms < g.expires_ms}
        held = [k for k, g in self._grants.items() if g.account is account]
        for old in held[:max(0, len(held) - MAX_KEYS_PER_ACCOUNT + 1)]:
            del self._grants[old]
        key = secrets.token_hex(32)
        self._grants[key] = _Grant(account, now_ms + TTL_MS)
        return key

    def _granted(self, call: Call, key: str) -> bool:
        return self.owner(key, call.now_ms) is call.account

    @_answered
    def extend(self, call: Call) -> Envelope:
        key = self._key(call)
        if not self._granted(call, key):
            return error(NOT_FOUND, NO_SUCH_KEY)
        self._grants[key].expires_ms = call.now_ms + TTL_MS
        return ok()

    @_answered
    def delete(self, call: Call) -> Envelope:
        key = self._key(call)
        if not self._granted(call, key):
            return error(NOT_FOUND, NO_SUCH_KEY)
        del self._grants[key]
        return ok()

    @_answered
    def create(self, call: Call) -> Envelope:
        params.check_extra(call.params)
        return {"listenKey": self.mint(call.account, call.now_ms)}

    @staticmethod
    def _key(call: Call) -> str:
        fields = dict(call.params)
        key = fields.pop("listenKey", "")
        params.check_extra(fields)
        if not key:
            raise required("listenKey")
        return key


def listen_key_routes(keys: ListenKeys) -> tuple[Route, ...]:
    """The three calls, bound to the server's key registry."""
    key = (Param("listenKey", required=True),)
    note = ("The key lives 60 min on the server's clock (the one signatures are checked against); PUT "
            "extends it to 60 min from then. An unknown or expired key: HTTP 404, code 404.")
    return (
        Route("listen_key_create", "POST", PATH, "Mint a listen key for the user-data stream", keys.create,
              FIVE_PER_S, key_only=True,
              note="Answers {\"listenKey\": \"<64 hex>\"} without an envelope, as BingX does. " + note),
        Route("listen_key_extend", "PUT", PATH, "Extend a listen key", keys.extend, FIVE_PER_S,
              key_only=True, params=key, note=note),
        Route("listen_key_delete", "DELETE", PATH, "End a listen key", keys.delete, FIVE_PER_S,
              key_only=True, params=key, note=note + " Its open streams are closed at their next push."),
    )
