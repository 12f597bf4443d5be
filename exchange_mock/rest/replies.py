"""Replies in BingX's envelope, as one function, so that the endpoints, the admin gate and the
size limits answer alike: JSON ``{"code", "msg", ...}`` with the HTTP status given.

Refusals that happen before a request reaches an endpoint (unknown path, method not allowed,
missing admin token, oversized request) carry the HTTP status as their ``code`` too. ccxt reads
the body's code before the HTTP status, and maps the codes 401, 403 and 404 in a body to its
AuthenticationError, PermissionDenied and BadRequest, as BingX's own gateway answers them.
"""
from __future__ import annotations

import json
from typing import Any

from starlette.responses import Response

from exchange_mock.envelope import error


def reply(payload: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(payload, separators=(",", ":"), allow_nan=False)
    return Response(body, status_code=status, headers=headers, media_type="application/json")


def http_status(payload: dict[str, Any]) -> int:
    """The HTTP status of an endpoint's answer: 200, or the code itself when the code is an HTTP
    status (the listen-key calls answer 404 for an unknown key, as BingX documents). Venue codes
    are five and six digits, so they never collide."""
    code = payload.get("code")
    return code if isinstance(code, int) and 400 <= code < 600 else 200


def refusal(status: int, msg: str, headers: dict[str, str] | None = None) -> Response:
    """An HTTP-level refusal: the status is both the HTTP status and the envelope's code."""
    return reply(error(status, msg), status, headers)
