"""Rate limits per client, kept in the database so every worker process shares them.

A client is a keyed hash of its address (the address itself is never stored);
events older than the window are ignored and pruned after 72 hours.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass

from .errors import TooManyRequests

__all__ = ["Limit", "TooManyRequests", "check", "record", "client_key", "prune"]
from .store import Reader, Writer

RETENTION_S = 72 * 3600


@dataclass(frozen=True)
class Limit:
    """At most `count` events per `window_s` seconds in `bucket`."""

    bucket: str
    count: int
    window_s: int


def client_key(secret: str, address: str) -> str:
    """A keyed hash of a client address: stable for the limit, useless to anyone else."""
    return hmac.new(secret.encode(), address.encode(), hashlib.sha256).hexdigest()[:32]


def check(reader: Reader, limit: Limit, client: str, now: float | None = None) -> None:
    """Raise TooManyRequests when the client has used up the limit."""
    if limit.count <= 0:
        return  # 0 turns the limit off (benchmarks)
    now = time.time() if now is None else now
    events = reader.rate_events(limit.bucket, client, now - limit.window_s)
    if len(events) >= limit.count:
        oldest = events[len(events) - limit.count]
        raise TooManyRequests(limit, max(1, int(oldest + limit.window_s - now) + 1))


def record(writer: Writer, limit: Limit, client: str, now: float | None = None) -> None:
    """Count one event (inside the write that it belongs to), after checking again."""
    if limit.count <= 0:
        return
    now = time.time() if now is None else now
    check(writer, limit, client, now)
    writer.add_rate_event(limit.bucket, client, now)


def prune(writer: Writer, now: float | None = None) -> int:
    """Forget events older than the retention time; return how many went."""
    now = time.time() if now is None else now
    return writer.prune_rate_events(now - RETENTION_S)
