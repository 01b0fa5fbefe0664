"""Delta sync for the app's offline copy: what changed since a cursor.

The cursor is the change log's sequence number, written in the same transaction as
the change. Writes are serialised, so a reader's snapshot holds every change up to
its newest one and none after: a page answers exactly the changes in the range
(since, next], and the next page starts where it ended. A change committed while a
client syncs lands after `next` and is never skipped.
"""

from __future__ import annotations

import re
from typing import Any

from .errors import ApiError, InvalidParameter
from .features import dumps
from .store import Reader

COLLECTIONS = ("places", "trails", "stories", "activities")
CURSOR = re.compile(r"^s(\d{1,18})$")


class ResyncRequired(ApiError):
    """The cursor cannot be answered any more (or never could): start again (410)."""

    status = 410
    code = "ResyncRequired"


def cursor(seq: int) -> str:
    """The opaque cursor a client sends back."""
    return f"s{seq}"


def parse_cursor(text: str) -> int:
    """The sequence number in a cursor; 400 when it is not one of ours."""
    match = CURSOR.match(text)
    if match is None:
        raise InvalidParameter("since", "is not a cursor from this service (they look like "
                               "s1234); use the cursor of a pack or of your last sync")
    return int(match.group(1))


def changes(reader: Reader, since: int, *, collections: tuple[str, ...] = COLLECTIONS,
            municipality: str | None = None, lang: str = "en", limit: int = 500
            ) -> dict[str, Any]:
    """One page of changes after `since`: upserts with the current feature, and
    tombstones for what was deleted or unpublished; each feature once, at its last
    change in the page."""
    current, _ = reader.version()
    floor = reader.sync_floor()
    if since < floor:
        raise ResyncRequired(
            f"The cursor s{since} is older than the oldest change kept (s{floor}). Start "
            "again: install a pack from /packs and sync from its cursor.")
    if since > current:
        raise ResyncRequired(
            f"The cursor s{since} is newer than this service's data (s{current}); the data "
            "may have been restored from a backup. Start again from a pack.")
    rows = reader.changes_after(since, current, collections, municipality, limit)
    more = len(rows) == limit and rows[-1]["seq"] < current
    until = rows[-1]["seq"] if more else current
    last: dict[tuple[str, str], int] = {}
    for row in rows:
        last[(row["collection"], row["feature_id"])] = row["seq"]
    features = reader.features_json(list(last), lang)
    entries = []
    for (collection, feature_id), seq in sorted(last.items(), key=lambda kv: kv[1]):
        head = dumps({"seq": seq, "collection": collection, "id": feature_id})[:-1]
        text = features.get((collection, feature_id))
        if text is None:
            entries.append(head + ',"op":"delete"}')
        else:
            entries.append(head + ',"op":"upsert","feature":' + text + "}")
    return {"since": cursor(since), "next": cursor(until), "more": more,
            "changes": entries, "count": len(entries)}


def body(page: dict[str, Any]) -> str:
    """The JSON text of a page (features spliced in as rendered)."""
    meta = dumps({k: page[k] for k in ("since", "next", "more", "count")})
    return meta[:-1] + ',"changes":[' + ",".join(page["changes"]) + "]}"
