"""Times: the one RFC 3339 parser and the store's timestamp format."""

from __future__ import annotations

import re
from datetime import UTC, datetime

RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def parse_instant(raw: str) -> datetime:
    """A full RFC 3339 date-time with a time zone (a bare date is not enough)."""
    text = raw.strip()
    if not RFC3339.match(text):
        raise ValueError("must be a full RFC 3339 date-time with time zone, "
                         "for example 2026-05-01T12:00:00Z")
    try:
        value = datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError("must be a full RFC 3339 date-time with time zone, "
                         "for example 2026-05-01T12:00:00Z") from None
    if value.tzinfo is None:
        raise ValueError("needs a time zone (Z or an offset such as +02:00)")
    try:
        return value.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00:00+14:00 lies before year 1 in UTC
        raise ValueError("lies outside the years 0001..9999 in UTC") from None


def rfc3339(value: datetime) -> str:
    """A UTC instant formatted like the store's timestamps (sortable as text)."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def now_rfc3339() -> str:
    """The current UTC time as RFC 3339 with milliseconds."""
    return rfc3339(datetime.now(UTC))
