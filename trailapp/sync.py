"""Delta sync for the app's offline copy: what changed since a cursor.

The cursor is the change log's sequence number, written in the same transaction as
the change. Writes are serialised, so a reader's snapshot holds every change up to
its newest one and none after: a page answers exactly the changes in the range
(since, next], and the next page starts where it ended. A change committed while a
client syncs lands after `next` and is never skipped.
"""

from __future__ import annotations

from typing import Any

from .domain import COLLECTION_IDS
from .errors import ResyncRequired
from .features import dumps
from .store import Reader

COLLECTIONS = COLLECTION_IDS  # a sync carries every public collection by default


def cursor(seq: int) -> str:
    """The opaque cursor a client sends back (its format: domain.CURSOR)."""
    return f"s{seq}"


def changes(reader: Reader, since: int, *, collections: tuple[str, ...] = COLLECTIONS,
            municipality: str | None = None, lang: str = "en", limit: int = 500,
            current: int | None = None) -> dict[str, Any]:
    """One page of changes after `since`: upserts with the current feature, and
    tombstones for what was deleted or unpublished; each feature once, at its last
    change in the page. `current` is the snapshot's content version when the caller
    has read it already."""
    if current is None:
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
