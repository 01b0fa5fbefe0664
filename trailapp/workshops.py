"""Workshops: an organiser opens a session for a group of young people (a class, a club)
and gets a short code; submissions sent with the code (header X-Workshop-Code) share a
higher limit than one address would have, and are grouped in the moderation queue.

The code is a shared secret of the room: only a keyed hash of it is stored, it is shown
once, it is valid for a few hours and for one municipality, and wrong codes are limited
per address. Workshops are not public (no collection, nothing in sync or packs); a
workshop row and the link from its contributions are deleted some days after it ended.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from . import audit, policy, ratelimit, text
from .auth import Organiser
from .domain import (
    MUNICIPALITIES,
    WORKSHOP_CODE_ALPHABET,
    WORKSHOP_CODE_LENGTH,
    WORKSHOP_NAME_LENGTH,
    WORKSHOP_RETENTION_DAYS,
)
from .errors import NotFound, Unprocessable
from .store import Reader, Store, Writer
from .times import rfc3339

FIELD = "X-Workshop-Code"
#: The same words for an unknown, expired or closed code: which of them is not said.
NOT_VALID = "is not the code of a live workshop (check it, or ask your organiser)"
#: Wrong codes per address per hour: a code cannot be found by trying.
WRONG_CODE_LIMIT = ratelimit.Limit("workshop-code-refused", 10, 3600)


def code_hash(secret: str, code: str) -> str:
    """How a code is stored and looked up: a keyed hash of it (case does not matter)."""
    return hmac.new(secret.encode(), b"workshop-code\x1f" + code.upper().encode(),
                    hashlib.sha256).hexdigest()


def _new_code() -> str:
    return "".join(secrets.choice(WORKSHOP_CODE_ALPHABET) for _ in range(WORKSHOP_CODE_LENGTH))


def view(row: dict[str, Any]) -> dict[str, Any]:
    """What an organiser sees of a workshop (never its code)."""
    return {"id": row["id"], "municipality": row["municipality"], "name": row["name"],
            "expected_participants": row["expected_participants"],
            "created": row["created"], "created_by": row["created_by"],
            "ends_at": row["ends_at"], "closed_at": row["closed_at"],
            "contributions": row.get("contributions", 0)}


def open_workshop(store: Store, who: Organiser | None, secret: str, *, municipality: str,
                  name: str, hours: int, expected_participants: int | None = None,
                  now: datetime | None = None) -> dict[str, Any]:
    """Open a workshop; the answer holds its code, shown this once."""
    organiser = policy.open_in(who, municipality)
    try:
        name = text.clean(name, field="name", max_length=WORKSHOP_NAME_LENGTH,
                          multiline=False)
    except text.TextError as exc:
        raise Unprocessable("name", str(exc)) from None
    now = now or datetime.now(UTC)
    row = {"id": "w" + secrets.token_hex(8), "municipality": municipality, "name": name,
           "expected_participants": expected_participants, "created": rfc3339(now),
           "created_by": organiser.username, "ends_at": rfc3339(now + timedelta(hours=hours)),
           "closed_at": None}
    with store.writer() as writer:
        while True:  # unique among live workshops (a clash is one in millions)
            code = _new_code()
            row["code_hash"] = code_hash(secret, code)
            if writer.live_workshop_by_code(row["code_hash"], rfc3339(now)) is None:
                break
        writer.insert_workshop(row)
        audit.record(writer, organiser, "open", "workshop", row["id"], municipality, None,
                     {"name": name, "ends_at": row["ends_at"]})
    return {**view(row), "code": code}


def live(store: Store, who: Organiser | None, municipality: str | None = None,
         now: datetime | None = None) -> dict[str, Any]:
    """The live workshops of the organiser's municipalities (or the one asked for)."""
    scope = policy.scope(who, municipality)
    with store.reader() as reader:
        rows = reader.live_workshops(scope, rfc3339(now or datetime.now(UTC)))
    return {"items": [view(r) for r in rows]}


def close(store: Store, who: Organiser | None, workshop_id: str,
          now: datetime | None = None) -> dict[str, Any]:
    """End a workshop now (its code stops working); 404 unless the organiser may act on it."""
    at = rfc3339(now or datetime.now(UTC))
    with store.writer() as writer:
        row = _reachable(writer, who, workshop_id)
        if row["closed_at"] is None and row["ends_at"] > at:
            writer.close_workshop(workshop_id, at)
            audit.record(writer, who, "close", "workshop", workshop_id, row["municipality"],
                         None, {"closed_at": at})
        return view(writer.workshop(workshop_id) or row)


def _reachable(reader: Reader, who: Organiser | None, workshop_id: str) -> dict[str, Any]:
    row = reader.workshop(workshop_id)
    policy.authorise_object(who, row["municipality"] if row else None,
                            f"workshop {workshop_id!r}")
    if row is None:  # policy refused it already
        raise NotFound(f"There is no workshop {workshop_id!r}.")
    return row


def name_of(reader: Reader, workshop_id: str | None) -> dict[str, Any] | None:
    """A contribution's workshop as the moderation view shows it: id and name."""
    row = reader.workshop(workshop_id) if workshop_id else None
    return {"id": row["id"], "name": row["name"]} if row else None


def for_code(store: Store, secret: str, code: str, client: str) -> dict[str, Any]:
    """The live workshop of a code sent with a submission; 422 naming the header for an
    unknown, expired or closed code (the same answer for each), 429 after too many
    wrong codes from this address."""
    now = rfc3339(datetime.now(UTC))
    with store.reader() as reader:
        ratelimit.check(reader, WRONG_CODE_LIMIT, client)
        row = reader.live_workshop_by_code(code_hash(secret, code), now)
    if row is None:
        with store.writer() as writer:
            ratelimit.record(writer, WRONG_CODE_LIMIT, client)
        raise Unprocessable(FIELD, NOT_VALID)
    return row


def check_place(workshop: dict[str, Any], municipality: str) -> str:
    """The workshop's id, if its code is for this place's municipality; 422 otherwise."""
    if workshop["municipality"] != municipality:
        where = MUNICIPALITIES[workshop["municipality"]].name["en"]
        raise Unprocessable(FIELD, f"this workshop is for places in {where}; the place "
                            "is in another municipality")
    return str(workshop["id"])


def purge_ended(writer: Writer, now: datetime) -> int:
    """Retention: delete workshops that ended WORKSHOP_RETENTION_DAYS ago, and the link
    from their contributions (the contributions themselves follow their own rules)."""
    return writer.delete_workshops_ended_before(
        rfc3339(now - timedelta(days=WORKSHOP_RETENTION_DAYS)))
