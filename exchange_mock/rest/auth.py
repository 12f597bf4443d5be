"""BingX request authentication: API key, HMAC-SHA256 signature, timestamp window.

The signature is the lowercase hex HMAC-SHA256, keyed by the secret, of the parameters exactly as
the client sent them, ``signature`` removed and percent-decoded. Clients may order and encode the
parameters as they like (ccxt sorts the keys and percent-encodes JSON values but signs the raw
text), so the server must neither sort nor re-encode: it decodes the bytes it received. When the
parameters are split between the query string and a form body, the signed text is the query part
immediately followed by the body part, with no ``&`` between them, as BingX documents it.

The timestamp must lie within ``recvWindow`` ms (default 5000) before the server's clock, and no
more than ``FUTURE_TOLERANCE_MS`` after it (BingX does not document a future tolerance; this is
the common exchange convention). The server's clock is passed in: this module never reads one.

A server may cap ``recvWindow`` (off by default, as BingX documents no maximum). A window over the
cap is answered 80014, invalid parameter: BingX documents no code for it (100421 means a bad
timestamp, and ccxt maps it to BadSymbol).
"""
from __future__ import annotations

import hashlib
import hmac
import re
from enum import IntEnum
from typing import Mapping
from urllib.parse import unquote_to_bytes

from exchange_mock.errors import Code, VenueError

DEFAULT_RECV_WINDOW_MS = 5000
FUTURE_TOLERANCE_MS = 1000
_MILLIS = re.compile(r"[0-9]{1,15}")


class AuthCode(IntEnum):
    BAD_SIGNATURE = 100001
    NULL_SIGNATURE = 100412
    BAD_API_KEY = 100413
    BAD_TIMESTAMP = 100421
    RECV_WINDOW_OVER_CAP = int(Code.INVALID_PARAMETER)  # undocumented by BingX: invalid parameter


class AuthError(Exception):
    """A refused request, with BingX's code and message."""

    def __init__(self, code: AuthCode, msg: str) -> None:
        super().__init__(f"{int(code)} {msg}")
        self.code = code
        self.msg = msg


def sign(secret: str, payload: bytes) -> str:
    return hmac.new(secret.encode("utf-8"), payload, hashlib.sha256).hexdigest()


def _unsigned(raw: bytes) -> bytes:
    """``raw`` without its ``signature=`` pairs, percent-decoded."""
    kept = [pair for pair in raw.split(b"&") if unquote_to_bytes(pair.split(b"=", 1)[0]) != b"signature"]
    return unquote_to_bytes(b"&".join(kept))


def signed_payload(raw_query: bytes, raw_body: bytes = b"") -> bytes:
    """The text a client signs, rebuilt from the raw query string and form body as received."""
    return _unsigned(raw_query) + _unsigned(raw_body)


def _millis(params: Mapping[str, str], name: str) -> int | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    if not _MILLIS.fullmatch(value):
        raise AuthError(AuthCode.BAD_TIMESTAMP, f"Null timestamp or timestamp mismatch: {name} is not a number of ms")
    return int(value)


def known_key(api_key: str | None, secrets: Mapping[str, str]) -> str:
    """``api_key`` if the server knows it; ``AuthError`` 100413 otherwise. All that BingX's
    listen-key calls check when they come without a signature."""
    if not api_key:
        raise AuthError(AuthCode.BAD_API_KEY, "Null apiKey")
    if api_key not in secrets:
        raise AuthError(AuthCode.BAD_API_KEY, "Incorrect apiKey")
    return api_key


def authenticate(api_key: str | None, secrets: Mapping[str, str], params: Mapping[str, str],
                 payload: bytes, now_ms: int, max_recv_window_ms: int | None = None) -> str:
    """The request's API key once every check passes; ``AuthError`` at the first that fails.

    Order: key (100413), signature present (100412), signature matches (100001), then
    ``recvWindow`` against the cap, if any (80014), and the timestamp (100421), which are only
    meaningful once the signature vouches for them."""
    secret = secrets[known_key(api_key, secrets)]
    given = params.get("signature", "")
    if not given:
        raise AuthError(AuthCode.NULL_SIGNATURE, "Null signature")
    if not hmac.compare_digest(sign(secret, payload).encode(), given.lower().encode("utf-8")):
        raise AuthError(AuthCode.BAD_SIGNATURE, "Signature verification failed due to signature mismatch")
    timestamp = _millis(params, "timestamp")
    window = _millis(params, "recvWindow")
    window = DEFAULT_RECV_WINDOW_MS if window is None else window
    if max_recv_window_ms is not None and window > max_recv_window_ms:  # the cap is >= the default
        detail = f"recvWindow: {window} ms is over this server's maximum of {max_recv_window_ms} ms"
        raise AuthError(AuthCode.RECV_WINDOW_OVER_CAP, VenueError(Code.INVALID_PARAMETER, detail=detail).msg)
    if timestamp is None or not now_ms - window <= timestamp <= now_ms + FUTURE_TOLERANCE_MS:
        raise AuthError(AuthCode.BAD_TIMESTAMP, "Null timestamp or timestamp mismatch")
    return api_key
