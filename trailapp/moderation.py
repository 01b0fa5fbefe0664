"""The moderation states and the one rule: nothing is public before an organiser
approves it.

A contribution is pending until approved (published as a feature of the stories or
activities collection) or rejected. A published one can be hidden (by reports or by
an organiser) and restored. Publishing and unpublishing happen in the same
transaction as the status change, so the public side can never be ahead of it.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from shapely.geometry import shape

from .errors import Conflict, NotFound
from .publishing import now_rfc3339, publish, republish_place
from .store import Store, Writer
from .times import rfc3339

COLLECTION = {"story": "stories", "activity": "activities"}
# action -> (states it may start from, state it leads to)
TRANSITIONS = {
    "approve": ({"pending"}, "approved"),
    "reject": ({"pending", "hidden"}, "rejected"),
    "hide": ({"approved"}, "hidden"),
    "restore": ({"hidden"}, "approved"),
}


def _next_state(row: dict[str, Any], action: str) -> str:
    allowed, target = TRANSITIONS[action]
    if row["status"] not in allowed:
        raise Conflict(f"A {row['status']} contribution cannot be {target}; "
                       f"only a {' or '.join(sorted(allowed))} one can.")
    return target


def feature_record(row: dict[str, Any], place: dict[str, Any],
                   media: list[dict[str, Any]]) -> dict[str, Any]:
    """The public feature of an approved contribution: at its place, linked to it.

    Only what the public needs: title, text, pseudonym, media links; never the age
    band, consent details or flags.
    """
    geometry = json.loads(place["geometry"]) if place["geometry"] else None
    if geometry is not None and geometry["type"] != "Point":
        point = shape(geometry).representative_point()
        geometry = {"type": "Point", "coordinates": [point.x, point.y]}
    attrs: dict[str, Any] = {
        "place": {"id": row["place_id"], "href": f"/collections/places/items/{row['place_id']}"},
        "pseudonym": row["pseudonym"],
        "lang": row["lang"],
        "published": row["decided_at"],
        "media": [{
            "type": m["media_type"], "kind": m["kind"], "href": f"/media/{m['file']}",
            "thumbnail": f"/media/{m['thumb_file']}" if m["thumb_file"] else None,
            "width": m["width"], "height": m["height"], "duration_s": m["duration_s"],
        } for m in media],
    }
    record: dict[str, Any] = {
        "collection": COLLECTION[row["kind"]], "id": row["id"],
        "municipality": row["municipality"], "kind": row["kind"],
        "accuracy": place["accuracy"], "geometry": geometry,
        "texts": {"name": {row["lang"]: row["title"]},
                  "description": {row["lang"]: row["body"]}},
        "attrs": attrs, "place_id": row["place_id"],
    }
    if row["kind"] == "activity":
        attrs.update({"starts_at": row["starts_at"], "ends_at": row["ends_at"],
                      "time_zone": row["time_zone"], "meeting_point": row["meeting_point"],
                      "capacity": row["capacity"]})
        record["time_start"] = _utc(row["starts_at"])
        record["time_end"] = _utc(row["ends_at"])
    return record


def _utc(local_iso: str) -> str:
    return rfc3339(datetime.fromisoformat(local_iso))


def _publish(writer: Writer, row: dict[str, Any]) -> None:
    place = writer.feature_row("places", row["place_id"])
    if place is None:
        raise Conflict(f"The place {row['place_id']!r} no longer exists; the contribution "
                       "cannot be published.")
    publish(writer, feature_record(row, place, writer.media_of(row["id"])))
    republish_place(writer, row["place_id"])


def unpublish(writer: Writer, row: dict[str, Any]) -> None:
    """Take a contribution's feature off the public side (leaves a tombstone for sync)."""
    if writer.delete_feature(COLLECTION[row["kind"]], row["id"]):
        republish_place(writer, row["place_id"])


def _load(writer: Writer, contribution_id: str) -> dict[str, Any]:
    row = writer.contribution(contribution_id)
    if row is None:
        raise NotFound(f"There is no contribution {contribution_id!r}.")
    return row


def approve(store: Store, contribution_id: str) -> dict[str, Any]:
    """Approve and publish, in one transaction."""
    with store.writer() as writer:
        row = _load(writer, contribution_id)
        now = now_rfc3339()
        writer.set_status(contribution_id, status=_next_state(row, "approve"),
                          decided_at=now, updated=now, hidden_reason=None)
        row = _load(writer, contribution_id)
        _publish(writer, row)
    return row


def reject(store: Store, contribution_id: str, reason: str) -> dict[str, Any]:
    """Reject with a reason the contributor sees through their token."""
    with store.writer() as writer:
        row = _load(writer, contribution_id)
        now = now_rfc3339()
        writer.set_status(contribution_id, status=_next_state(row, "reject"),
                          rejection_reason=reason, decided_at=now, updated=now)
        unpublish(writer, row)
        return _load(writer, contribution_id)


def hide(writer: Writer, row: dict[str, Any], reason: str) -> None:
    """Hide a published contribution until an organiser looks again."""
    writer.set_status(row["id"], status=_next_state(row, "hide"), hidden_reason=reason,
                      updated=now_rfc3339())
    unpublish(writer, row)


def withdraw(store: Store, contribution_id: str, reason: str = "organiser") -> dict[str, Any]:
    """An organiser takes a published contribution down (it can be restored)."""
    with store.writer() as writer:
        row = _load(writer, contribution_id)
        hide(writer, row, reason)
        return _load(writer, contribution_id)


def restore(store: Store, contribution_id: str) -> dict[str, Any]:
    """Publish a hidden contribution again."""
    with store.writer() as writer:
        row = _load(writer, contribution_id)
        writer.set_status(contribution_id, status=_next_state(row, "restore"),
                          hidden_reason=None, updated=now_rfc3339())
        writer.clear_reports(contribution_id)  # looked at: earlier reports are settled
        row = _load(writer, contribution_id)
        _publish(writer, row)
    return row
