"""Publishing: turn a validated record into a stored, rendered feature.

Everything that becomes public passes through publish(): trails get their derived
figures (geodesic length, walking time), every language is rendered, the search
text and bounds are set, and the store writes it with its change-log entry.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from . import features, i18n, protection, trails
from .geo import parse_geometry
from .store import Reader, Writer
from .times import now_rfc3339

RENDER_VERSION = 3  # bump when render() changes, then run `flask rerender`


def content_hash(record: dict[str, Any]) -> str:
    """A hash of what a record says (not when it was written)."""
    stable = {k: v for k, v in record.items() if k not in ("updated", "created")}
    stable["render_version"] = RENDER_VERSION
    blob = json.dumps(stable, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


def _search_text(record: dict[str, Any]) -> str:
    parts = [record["id"], record["kind"]]
    for field in ("name", "description"):
        parts += [t for t in (record["texts"].get(field) or {}).values() if t]
    return "\n".join(parts)


#: What a place says about what hangs off it, rendered again when that changes.
RELATED_ATTRS = ("stories", "activities", "latest_story_at", "images", "twins")


def place_name(reader: Reader, place_id: str) -> dict[str, str]:
    """A place's name in each language it has (empty when there is no such place)."""
    row = reader.feature_row("places", place_id)
    if row is None:
        return {}
    return json.loads(row["record"])["texts"].get("name") or {}


def twins_attr(reader: Reader, place_id: str) -> list[dict[str, Any]]:
    """A place's active twins as `properties.twins` lists them: the twin, the other
    place, its town, the theme (issue 13)."""
    out = []
    for row in reader.twins_of_place(place_id):
        other, town = ((row["twin_place_id"], row["twin_municipality"])
                       if row["place_id"] == place_id else
                       (row["place_id"], row["municipality"]))
        out.append({"id": row["id"], "href": features.twin_ref(row["id"]),
                    "theme": row["theme"],
                    "theme_label": i18n.LABELS[f"theme.{row['theme']}"],
                    "place": {**features.place_ref(other),
                              "name": place_name(reader, other)},
                    "municipality": town})
    return out


def images_attr(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A place's photos as published: links, size, credit, licence, caption per language."""
    return [{"href": f"/media/{r['file']}", "thumbnail": f"/media/{r['thumb_file']}",
             "type": "image/jpeg", "width": r["width"], "height": r["height"],
             "credit": r["credit"], "licence": r["licence"],
             "caption": json.loads(r["caption"])} for r in rows]


def to_row(record: dict[str, Any], updated: str,
           related: dict[str, int] | None = None,
           latest_story_at: str | None = None,
           images: list[dict[str, Any]] | None = None,
           twins: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The store row for a record: derived figures, rendered JSON, bounds and hash.

    related holds a place's counts of published stories and activities; they are
    rendered with links to them, beside latest_story_at (when the newest of them was
    published, null when none), and are part of the hash (a new story changes the
    place's representation).
    """
    record = trails.with_derived(record) if record["collection"] == "trails" else \
        dict(protection.public_record(record))  # only the public position is stored here
    if related is not None:
        record = {**record, "attrs": {**record["attrs"], **{
            name: {"count": count,
                   "href": f"/collections/{name}/items?place={record['id']}"}
            for name, count in related.items()}, "latest_story_at": latest_story_at,
            "images": images or [], "twins": twins or []}}
    digest = content_hash(record)
    record["updated"] = updated
    geometry = record["geometry"]
    bounds: tuple[float | None, ...] = (None, None, None, None)
    geom_type = None
    if geometry is not None:
        geom = parse_geometry(geometry)
        bounds = tuple(float(b) for b in geom.bounds)
        geom_type = geometry["type"]
    time_start = record.get("time_start") or updated
    time_end = record.get("time_end") or time_start
    rendered = {lang: features.render(record, lang) for lang in i18n.LANGS}
    return {
        "collection": record["collection"],
        "id": record["id"],
        "municipality": record["municipality"],
        "kind": record["kind"],
        # The column's CHECK (m001) knows three classes; a surveyed location is exact
        # there. The record and the rendered JSON say "surveyed".
        "accuracy": "exact" if record["accuracy"] == "surveyed" else record["accuracy"],
        "geometry": None if geometry is None else features.dumps(geometry),
        "geom_type": geom_type,
        "minx": bounds[0], "miny": bounds[1], "maxx": bounds[2], "maxy": bounds[3],
        "time_start": time_start,
        "time_end": time_end,
        "created": updated,
        "updated": updated,
        "content_hash": digest,
        "record": features.dumps({k: v for k, v in record.items() if k != "updated"}),
        "search_text": _search_text(record),
        "json_sv": rendered["sv"], "json_en": rendered["en"], "json_tn": rendered["tn"],
        "place_id": record.get("place_id"),
    }


def publish(writer: Writer, record: dict[str, Any], updated: str | None = None) -> bool:
    """Write one record as a public feature; True when it changed anything.

    A protected place's exact record is kept apart for organisers (store.protection) and
    only its public position is published; a place only organisers may see is taken off
    the public side.
    """
    if record["collection"] != "places":
        return writer.upsert_feature(to_row(record, updated or now_rfc3339()))
    if protection.level(record) == "exact":
        writer.drop_protected(record["id"])
    else:
        exact = {k: v for k, v in record.items() if k not in ("updated", *RELATED_ATTRS)}
        exact["attrs"] = {k: v for k, v in record["attrs"].items() if k not in RELATED_ATTRS}
        writer.keep_protected({"id": record["id"], "municipality": record["municipality"],
                               "protection": protection.level(record),
                               "record": features.dumps(exact),
                               "updated": updated or now_rfc3339()})
    if not protection.is_public(record):
        writer.delete_feature("places", record["id"])
        _refresh_twins(writer, record["id"])
        return True
    changed = writer.upsert_feature(to_row(record, updated or now_rfc3339(),
                                           writer.related_counts(record["id"]),
                                           writer.latest_published(record["id"]),
                                           images_attr(writer.place_images(record["id"])),
                                           twins_attr(writer, record["id"])))
    if changed:
        _refresh_twins(writer, record["id"])
    return changed


def _refresh_twins(writer: Writer, place_id: str) -> None:
    """Render a changed place's active twins again. A twin's feature names both places
    and when each last changed, so the twin town's sync and pack (whose summary of this
    place would otherwise go stale) move on too."""
    from .twins import feature_record  # twins publishes through this module

    for row in writer.twins_of_place(place_id):
        writer.upsert_feature(to_row(feature_record(writer, row), now_rfc3339()))


def republish_place(writer: Writer, place_id: str) -> None:
    """Render a place again with its current story and activity counts."""
    row = writer.organiser_row("places", place_id)  # the exact record, if protected
    if row is not None:
        record = json.loads(row["record"])
        for name in RELATED_ATTRS:
            record["attrs"].pop(name, None)
        publish(writer, record)


def rerender_all(writer: Writer,
                 progress: Callable[[str, int, int], None] | None = None) -> int:
    """Render every stored feature again (after render() changed); return how many
    changed. `progress(phase, done, total)` hears of each feature."""
    count = 0
    rows = writer.records()
    for number, row in enumerate(rows, 1):
        if progress:
            progress("render", number, len(rows))
        record = json.loads(row["record"])
        record["updated"] = row["updated"]
        related, latest, images, twins = None, None, None, None
        if record["collection"] == "places":
            for name in RELATED_ATTRS:
                record["attrs"].pop(name, None)
            related = writer.related_counts(record["id"])
            latest = writer.latest_published(record["id"])
            images = images_attr(writer.place_images(record["id"]))
            twins = twins_attr(writer, record["id"])
        fresh = to_row(record, row["updated"], related, latest, images, twins)
        if fresh["content_hash"] != row["content_hash"]:
            fresh["created"] = row["created"]
            writer.upsert_feature(fresh)
            count += 1
    return count
