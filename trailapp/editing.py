"""Organisers look after their places and trails: create, edit, delete, and give a
trail its surveyed line from a GPX file. Every change is checked like a loaded file,
limited to the organiser's municipalities, audited, and public at once."""

from __future__ import annotations

import json
from typing import Any

from . import audit, i18n, loader, policy, protection, records
from .auth import Organiser
from .domain import GEODATA_COLLECTIONS, LANGS
from .errors import Conflict, NotFound, Unprocessable
from .media import MediaStore
from .moderation import republish_at
from .publishing import RELATED_ATTRS, publish
from .store import Reader, Store, Writer

COLLECTIONS = ("places", "trails")


def _stored(row: dict[str, Any] | None) -> dict[str, Any] | None:
    return json.loads(row["record"]) if row else None


def overview(store: Store, by: Organiser | None, lang: str) -> list[dict[str, Any]]:
    """The places and trails of the organiser's municipalities, with what is still
    to check: name, location status and the organiser-only notes and caveats, in lang
    (with the usual fallback)."""
    who = policy.signed_in(by)
    with store.reader() as reader:
        rows = [r for collection in GEODATA_COLLECTIONS
                for r in reader.organiser_records(collection)]
    out = []
    for row in rows:
        record = json.loads(row["record"])
        if not who.may_act_on(record["municipality"]):
            continue
        internal = record.get("internal", {})
        out.append({
            "collection": record["collection"], "id": record["id"],
            "municipality": record["municipality"],
            "name": i18n.pick(record["texts"].get("name"), lang)[0] or record["id"],
            "located": record["geometry"] is not None, "accuracy": record["accuracy"],
            "protection": protection.level(record),
            "notes": i18n.pick(internal.get("notes_internal"), lang)[0],
            "caveats": i18n.pick(internal.get("caveats"), lang)[0]})
    return sorted(out, key=lambda r: (r["municipality"], r["collection"], r["name"]))


def get(reader: Reader, by: Organiser, collection: str, feature_id: str) -> dict[str, Any]:
    """The whole stored record of a place or trail, with its organiser-only texts
    (internal: working notes and caveats), for an organiser of its municipality; 404
    for anyone else (as for a feature that does not exist)."""
    policy.signed_in(by)
    row = reader.organiser_row(collection, feature_id)  # the exact record, if protected
    if row is None:
        raise NotFound(f"There is no {collection[:-1]} {feature_id!r}.")
    policy.authorise_object(by, row["municipality"], f"{collection[:-1]} {feature_id!r}")
    record = json.loads(row["record"])
    record.setdefault("internal", {})
    record["updated"] = row["updated"]
    return record


def as_feature(record: dict[str, Any]) -> dict[str, Any]:
    """A stored place or trail record as a GeoJSON Feature in the geodata schema, to be
    changed and saved again: what publishing adds (stories, photos, twins, cells) is left
    out, as it would be from a file."""
    props: dict[str, Any] = {k: record.get(k) for k in records.STRUCTURE_KEYS}
    if props["protection"] is None:
        del props["protection"]
    for texts in (record.get("texts") or {}, record.get("internal") or {}):
        for field, values in texts.items():
            props.update({f"{field}_{lang}": v for lang, v in (values or {}).items()
                          if lang in LANGS and v is not None})
    props.update({k: v for k, v in record["attrs"].items() if k in records.ATTR_CHECKS})
    return {"type": "Feature", "id": record["id"], "geometry": record["geometry"],
            "properties": props}


def set_care(store: Store, by: Organiser, place_id: str, level: str, reason: str | None,
             content_notes: list[str], visiting: dict[str, Any] | None,
             cell_m: float | None = None) -> dict[str, Any]:
    """Change a place's location protection, content notes and visiting guidance (the
    dashboard's place page), keeping the rest of the record: saved as a PUT of the whole
    place is, so the same checks, reason rule and audit entries apply."""
    with store.reader() as reader:
        feature = as_feature(get(reader, by, "places", place_id))
    props = feature["properties"]
    props["protection"] = level
    if reason is not None:
        props["protection_reason"] = reason
    for key, value in (("content_notes", content_notes), ("visiting", visiting)):
        if value:
            props[key] = value
        else:
            props.pop(key, None)
    return save(store, by, "places", feature, create=False, cell_m=cell_m)


def save(store: Store, by: Organiser, collection: str, feature: dict[str, Any], *,
         create: bool, cell_m: float | None = None) -> dict[str, Any]:
    """Create (409 if the id exists) or replace (404 if it does not) one feature.

    A place's protection (properties.protection) is audited; lowering it needs
    properties.protection_reason (422 naming `reason`). A place newly shown as an area
    gets cells of cell_m metres (the setting) and keeps them after.
    """
    policy.signed_in(by)
    props = feature.get("properties") if isinstance(feature, dict) else None
    reason = props.pop("protection_reason", None) if isinstance(props, dict) else None
    if reason is not None and not isinstance(reason, str):
        raise Unprocessable("reason", "must be text")
    record = records.feature_record(feature, collection)
    policy.authorise_object(by, record["municipality"], f"{collection[:-1]} {record['id']!r}")
    with store.writer() as writer:
        existing = writer.organiser_row(collection, record["id"])
        if create and existing is not None:
            raise Conflict(f"There is already a {collection[:-1]} {record['id']!r}; edit it "
                           "with PUT instead.")
        if not create:
            if existing is None:
                raise NotFound(f"There is no {collection[:-1]} {record['id']!r}.")
            policy.authorise_object(by, existing["municipality"],
                                    f"{collection[:-1]} {record['id']!r}")
        old = _stored(existing)
        _protect(writer, old, record, reason, cell_m)
        publish(writer, record)
        if collection == "places" and existing is not None:
            republish_at(writer, record["id"])  # its stories move with it
        # The record as published: a trail with its length and walking time.
        stored = _stored(writer.organiser_row(collection, record["id"])) or record
        audit.record(writer, by, "create" if create else "update", collection[:-1], record["id"],
              record["municipality"], old, stored)
        if old is not None and protection.level(old) != protection.level(record):
            audit.record(writer, by, "protection", collection[:-1], record["id"],
                         record["municipality"], {"protection": protection.level(old)},
                         {"protection": protection.level(record), "reason": reason})
    return stored


def _protect(writer: Writer, old: dict[str, Any] | None, record: dict[str, Any],
             reason: str | None, cell_m: float | None) -> None:
    """The rules of a place's protection: a reason to lower it, a fixed cell size, and
    nothing published at a place that becomes visible to organisers only."""
    protection.check_change(old, record, reason)
    if protection.level(record) == "area":
        keep = old is not None and protection.level(old) == "area"
        record["protection_cell_m"] = protection.cell_size(old) if old is not None and keep \
            else cell_m or protection.cell_size(record)
    if (old is not None and not protection.is_public(record)
            and writer.approved_of_place(record["id"])):
        raise Conflict("Stories or activities are published at this place; hide them "
                       "before making the place visible to organisers only.")


def delete(store: Store, by: Organiser, collection: str, feature_id: str,
           media: MediaStore | None = None) -> None:
    """Delete a place or trail; a place with contributions is kept (409). A place's
    photos go with it (rows, and files when the media store is given)."""
    with store.writer() as writer:
        existing = writer.organiser_row(collection, feature_id)
        if existing is None:
            raise NotFound(f"There is no {collection[:-1]} {feature_id!r}.")
        policy.authorise_object(by, existing["municipality"], f"{collection[:-1]} {feature_id!r}")
        if collection == "places":
            count = writer.contribution_count_for_place(feature_id)
            if count:
                raise Conflict(f"{count} contribution(s) belong to this place; reject or "
                               "erase them first, or edit the place instead.")
            twinned = [t["id"] for status in ("proposed", "active")
                       for t in writer.twins_of_place(feature_id, status)]
            if twinned:
                raise Conflict(f"This place is twinned with the other town "
                               f"({', '.join(twinned)}); end the twin first (both towns "
                               "see it end), then delete the place.")
        images = writer.delete_place_images_of(feature_id) if collection == "places" else []
        writer.delete_feature(collection, feature_id)
        writer.drop_protected(feature_id) if collection == "places" else None
        audit.record(writer, by, "delete", collection[:-1], feature_id, existing["municipality"],
              _stored(existing), None)
    if media is not None:
        media.discard([name for r in images for name in (r["file"], r["thumb_file"])])


def upload_gpx(store: Store, by: Organiser, trail_id: str, data: bytes,
               accuracy: str = "exact") -> dict[str, Any]:
    """Replace a trail's line with the track of a GPX file (names and stages kept)."""
    with store.writer() as writer:
        existing = writer.feature_row("trails", trail_id)
        if existing is None:
            raise NotFound(f"There is no trail {trail_id!r}.")
        policy.authorise_object(by, existing["municipality"], f"trail {trail_id!r}")
        before = _stored(existing)
        record = loader.gpx_line(data, before, accuracy)
        publish(writer, record)
        # The record as published, with the length and walking time of the new line.
        record = _stored(writer.feature_row("trails", trail_id)) or record
        audit.record(writer, by, "upload-gpx", "trail", trail_id, existing["municipality"],
              before, record)
    return record


def set_place_texts(writer: Writer, by: Organiser | None, place_id: str, lang: str,
                    values: dict[str, str | None], action: str, translation_id: str,
                    actor: str = "system") -> dict[str, Any]:
    """Write (or, with None, remove) a place's texts in one language (name, description),
    republish it and its stories, and audit the change: a young person's translation
    applied by an organiser, or taken out again when the translator erases it. The entry
    is filed under the translation (a contribution), so erasing it blanks the words."""
    row = writer.organiser_row("places", place_id)
    if row is None:
        raise NotFound(f"There is no place {place_id!r}.")
    old = json.loads(row["record"])
    record = json.loads(row["record"])
    for name in RELATED_ATTRS:  # rendered again by publish()
        record["attrs"].pop(name, None)
    for field, value in values.items():
        texts = dict(record["texts"].get(field) or {})
        if value is None:
            texts.pop(lang, None)
        else:
            texts[lang] = value
        record["texts"][field] = texts
    publish(writer, record)
    republish_at(writer, place_id)
    audit.record(writer, by, action, "contribution", translation_id, record["municipality"],
                 {"place": place_id, "lang": lang,
                  **{f: (old["texts"].get(f) or {}).get(lang) for f in values}},
                 {"place": place_id, "lang": lang,
                  **{f: (record["texts"].get(f) or {}).get(lang) for f in values}}, actor)
    return record
