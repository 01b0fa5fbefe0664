"""Organisers' photos of places: added with a credit and a licence (a caption in sv, en
and tn if they like), cleaned like young people's photos (re-encoded JPEG with no
metadata, and a thumbnail), published on the place at once as `properties.images`, and
so carried by sync and packs. Every change is audited; only an organiser of the place's
municipality may make it.
"""

from __future__ import annotations

import io
import json
import secrets
from typing import Any, BinaryIO

from . import audit, packcache, policy, text
from .auth import Organiser
from .contributions import Settings
from .domain import IMAGE_LICENCES, IMAGE_TEXT_LIMITS, IMAGES_PER_PLACE, LANGS
from .errors import Conflict, MediaError, NotFound, Unprocessable
from .media import IMAGE_TYPES, read_capped, sniff
from .publishing import republish_place
from .store import Store
from .times import now_rfc3339


def _plain(value: str | None, field: str, limit: int, required: bool) -> str | None:
    if value is None or not value.strip():
        if required:
            raise Unprocessable(field, "is required")
        return None
    try:
        return text.clean(value, field=field, max_length=limit, multiline=False)
    except text.TextError as exc:
        raise Unprocessable(field, str(exc)) from None


def add(store: Store, settings: Settings, who: Organiser | None, place_id: str,
        upload: BinaryIO, credit: str | None, licence: str | None,
        captions: dict[str, str | None]) -> dict[str, Any]:
    """Clean and store a photo of a place and publish it there; its public entry."""
    with store.reader() as reader:
        place = reader.feature_row("places", place_id)
        policy.authorise_object(who, place["municipality"] if place else None,
                                f"place {place_id!r}")
    credit = _plain(credit, "credit", IMAGE_TEXT_LIMITS["credit"], required=True)
    if licence not in IMAGE_LICENCES:
        raise Unprocessable("licence", f"one of {', '.join(IMAGE_LICENCES)}")
    caption = {lang: _plain(captions.get(lang), f"caption_{lang}",
                            IMAGE_TEXT_LIMITS["caption"], required=False) for lang in LANGS}
    data = read_capped(upload, settings.limits)
    if sniff(data[:8192]) not in IMAGE_TYPES:
        raise MediaError(415, "file", "a place photo must be a JPEG, PNG or WebP image "
                         "(judged by content)")
    item = settings.media.process("file", io.BytesIO(data), settings.limits)
    names = [item.file, item.thumb_file or ""]
    row = {"id": secrets.token_hex(12), "place_id": place_id,
           "municipality": place["municipality"], "file": item.file,  # type: ignore[index]
           "thumb_file": item.thumb_file, "bytes": item.bytes, "width": item.width,
           "height": item.height, "credit": credit, "licence": licence,
           "caption": json.dumps(caption, ensure_ascii=False), "created": now_rfc3339(),
           "created_by": who.username if who else "cli"}
    try:
        with store.writer() as writer:
            if len(writer.place_images(place_id)) >= IMAGES_PER_PLACE:
                raise Conflict(f"A place may have at most {IMAGES_PER_PLACE} photos; "
                               "delete one first.")
            writer.insert_place_image(row)
            republish_place(writer, place_id)
            audit.record(writer, who, "add-image", "place", place_id, row["municipality"],
                         None, {k: row[k] for k in ("id", "credit", "licence", "caption")})
            settings.media.publish(names)  # in place just before the row commits
    except BaseException:
        settings.media.discard(names)
        raise
    return {"id": row["id"], "place": place_id, "credit": credit, "licence": licence,
            "caption": caption, "href": f"/media/{item.file}",
            "thumbnail": f"/media/{item.thumb_file}", "width": item.width,
            "height": item.height}


def delete(store: Store, settings: Settings, who: Organiser | None, place_id: str,
           image_id: str) -> None:
    """Remove a photo from a place: its row, its files and every built pack."""
    with store.writer() as writer:
        row = writer.place_image(image_id)
        if row is None or row["place_id"] != place_id:
            raise NotFound(f"There is no photo {image_id!r} of place {place_id!r}.")
        policy.authorise_object(who, row["municipality"], f"photo {image_id!r}")
        writer.delete_place_image(image_id)
        republish_place(writer, place_id)
        audit.record(writer, who, "delete-image", "place", place_id, row["municipality"],
                     {k: row[k] for k in ("id", "credit", "licence", "caption")}, None)
    settings.media.discard([row["file"], row["thumb_file"]])
    if settings.pack_dir:
        packcache.purge(settings.pack_dir)
