"""Times as users type them (epoch milliseconds or ISO 8601), as exact integer milliseconds."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def parse_instant(value: str | int | None) -> int | None:
    """``None``, integer milliseconds (as int or text), or an ISO 8601 date/time (UTC unless it
    says otherwise), as exact integer milliseconds."""
    if value is None or isinstance(value, int):
        return value
    text = value.strip()
    if text.lstrip("-").isdigit():
        return int(text)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"not a time: {text!r} (use epoch milliseconds or ISO 8601)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return (moment - _EPOCH) // timedelta(milliseconds=1)
