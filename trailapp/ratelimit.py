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

__all__ = ["Limit", "Quota", "TooManyRequests", "check", "record", "quota", "tightest",
           "check_all", "record_all", "tightest_quota", "headers", "client_key", "prune"]
from .store import Reader, Writer

RETENTION_S = 72 * 3600


@dataclass(frozen=True)
class Limit:
    """At most `count` events per `window_s` seconds in `bucket`."""

    bucket: str
    count: int
    window_s: int


@dataclass(frozen=True)
class Quota:
    """What is left of a limit for one client: the limit, what remains of it, and the
    seconds until the window frees its next event (the RateLimit-* header values)."""

    limit: int
    remaining: int
    reset: int


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


def quota(reader: Reader, limit: Limit, client: str, now: float | None = None
          ) -> Quota | None:
    """What is left of a limit for a client now (None when the limit is off)."""
    if limit.count <= 0:
        return None
    now = time.time() if now is None else now
    events = reader.rate_events(limit.bucket, client, now - limit.window_s)
    remaining = max(0, limit.count - len(events))
    # The next event to fall out of the window frees a slot; with none, a full window.
    reset = int(events[0] + limit.window_s - now) + 1 if events else limit.window_s
    return Quota(limit.count, remaining, max(1, min(reset, limit.window_s)))


def tightest(quotas: list[Quota | None]) -> Quota | None:
    """The quota closest to running out (the one the RateLimit headers report)."""
    live = [q for q in quotas if q is not None]
    return min(live, key=lambda q: (q.remaining, q.limit), default=None)


def check_all(reader: Reader, limits: list[tuple[Limit, str]]) -> None:
    """Check several limits, each for its own client key (e.g. install and address)."""
    for limit, client in limits:
        check(reader, limit, client)


def record_all(writer: Writer, limits: list[tuple[Limit, str]]) -> None:
    """Count one event against several limits, each for its own client key."""
    for limit, client in limits:
        record(writer, limit, client)


def tightest_quota(reader: Reader, limits: list[tuple[Limit, str]]) -> Quota | None:
    """What is left of the tightest of several limits (for RateLimit headers)."""
    return tightest([quota(reader, limit, client) for limit, client in limits])


def headers(q: Quota | None) -> dict[str, str]:
    """The IETF draft's RateLimit-Limit, -Remaining and -Reset headers for a quota."""
    if q is None:
        return {}
    return {"RateLimit-Limit": str(q.limit), "RateLimit-Remaining": str(q.remaining),
            "RateLimit-Reset": str(q.reset)}


def prune(writer: Writer, now: float | None = None) -> int:
    """Forget events older than the retention time; return how many went."""
    now = time.time() if now is None else now
    return writer.prune_rate_events(now - RETENTION_S)
