"""Which limits a submission counts against, and under which keys: the app install's
own limit (a keyed hash of its X-Install-Id; without one, the address's), and a coarse
limit per address, so a class of 30 on one Wi-Fi is not one client; in a workshop,
the workshop's shared limit instead of the address's. Plain Python: the
keys arrive already hashed or are hashed here with the server's secret."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from . import ratelimit, workshops
from .store import Store

Limits = list[tuple[ratelimit.Limit, str]]


def install_key(secret: str, install_id: str) -> str:
    """A keyed hash of an install id: stable for the limit, useless to anyone else."""
    return hmac.new(secret.encode(), b"install-limit\x1f" + install_id.encode(),
                    hashlib.sha256).hexdigest()[:32]


def of_submission(settings: Any, client: str, install_id: str | None,
                  workshop_id: str | None = None) -> Limits:
    """The limits (with their keys) a submission from this client and install meets.
    In a workshop, the workshop's shared limit takes the place of the address's."""
    own = install_key(settings.secret, install_id) if install_id else client
    if workshop_id is not None:
        return [(settings.submit_limit, own), (settings.workshop_limit, workshop_id)]
    return [(settings.submit_limit, own), (settings.address_limit, client)]


def of_request(store: Store, settings: Any, client: str, install_id: str | None,
               workshop_code: str | None) -> tuple[Limits, dict[str, Any] | None]:
    """The limits of a submission and the live workshop of its code (None without one;
    a code that is not a live workshop's is a 422, see workshops.for_code)."""
    workshop = (workshops.for_code(store, settings.secret, workshop_code, client)
                if workshop_code else None)
    return (of_submission(settings, client, install_id, workshop["id"] if workshop else None),
            workshop)


def quota(store: Store, limits: Limits) -> ratelimit.Quota | None:
    """What is left of the tightest of these limits now (for the RateLimit headers)."""
    with store.reader() as reader:
        return ratelimit.tightest_quota(reader, limits)
