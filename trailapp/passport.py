"""The heritage passport (issue 14): stamps per place and badges, with no account.

The app makes a random passport key once and keeps it; it sends it as X-Passport-Key
with answers to challenges and survey fixes (and, once the exchange has them, replies to
the twin town: link(..., "reply", id) is the hook). The server keeps only a keyed hash
of the key (HMAC with the server's secret) beside each item's id, in passport_links;
the link goes with the item when it is erased or expires (triggers, m012).

GET /passport with the key as bearer shows what APPROVED items earned: a stamp per place
and badges. Nothing else: no ages, no pseudonyms, no ranking; organisers see only how
many passports there are (the report). DELETE /passport removes every link of the key;
the answers and fixes themselves stay (each is erased with its own token).

Badges:
- trail: an approved answer to every active challenge along a trail;
- elder-interview: an approved answer to an audio-interview challenge;
- surveyor: a survey fix accepted;
- twin-reply: an approved reply to the twin town (once replies are linked).
"""

from __future__ import annotations

import json
import re
from typing import Any

from .contributions import _keyed
from .domain import PASSPORT_KEY
from .errors import Unauthorized, Unprocessable
from .features import place_ref
from .store import Store, Writer

_KEY = re.compile(PASSPORT_KEY)


def key_hash(secret: str, key: str) -> str:
    """What is stored for a passport key: its keyed hash (422 for a malformed key)."""
    if not _KEY.match(key):
        raise Unprocessable("X-Passport-Key", "22 to 128 letters, digits, - or _ (a random "
                            "key the app made once)")
    return _keyed(secret, "passport", key)


def _bearer(secret: str, key: str | None) -> str:
    if not key:
        raise Unauthorized("Send the passport key as 'Authorization: Bearer <key>'.",
                           headers={"WWW-Authenticate": 'Bearer realm="passport"'})
    return key_hash(secret, key)


def link(writer: Writer, secret: str, key: str, item_kind: str, item_id: str) -> None:
    """Link an item (an answer, a survey fix, a reply) to a passport."""
    writer.link_passport(key_hash(secret, key), item_kind, item_id)


def link_in(store: Store, secret: str, key: str | None, item_kind: str,
            item_id: str) -> None:
    """link() in a write of its own (for items made by another service's write)."""
    if key:
        with store.writer() as writer:
            link(writer, secret, key, item_kind, item_id)


def view(store: Store, secret: str, key: str | None) -> dict[str, Any]:
    """The stamps and badges of a passport (an unknown key has none yet)."""
    digest = _bearer(secret, key)
    with store.reader() as reader:
        answers = reader.passport_answers(digest)
        fixes = reader.passport_fixes(digest)
        replies = reader.passport_replies(digest)
        trails = reader.trail_challenge_ids()
        stamps: dict[str, dict[str, Any]] = {}
        for item, source in [*((a, "answers") for a in answers),
                             *((f, "survey_fixes") for f in fixes),
                             *((r, "replies") for r in replies)]:
            stamp = stamps.get(item["place_id"])
            if stamp is None:
                stamp = stamps[item["place_id"]] = {
                    "place": {**place_ref(item["place_id"]),
                              "name": json.loads(item["names"] or "{}")},
                    "municipality": item["municipality"],
                    "answers": 0, "survey_fixes": 0, "replies": 0}
            stamp[source] += 1
    done = {a["challenge_id"] for a in answers}
    badges = [{"id": "trail", "trail": {"id": t, "href": f"/collections/trails/items/{t}"}}
              for t, ids in sorted(trails.items()) if ids and ids <= done]
    if any(a["challenge_kind"] == "audio-interview" for a in answers):
        badges.append({"id": "elder-interview"})
    if fixes:
        badges.append({"id": "surveyor"})
    if replies:
        badges.append({"id": "twin-reply"})
    return {"stamps": [stamps[k] for k in sorted(stamps)], "badges": badges,
            "challenges_done": len(done)}


def erase(store: Store, secret: str, key: str | None) -> int:
    """Remove every link of a passport; how many there were."""
    digest = _bearer(secret, key)
    with store.writer() as writer:
        return writer.unlink_passport(digest)
