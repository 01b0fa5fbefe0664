"""Twin places (issue 13): a place in one town paired with a place in the other, with a
theme and a short text in sv/en/tn.

An organiser of one town proposes; an organiser of the other town accepts; either ends
it. Every step is audited in the same transaction. Until accepted only organisers see a
twin; once active it is published as a feature of the `twins` collection (both places,
the theme, the text) and each place lists it under `properties.twins`. Who may take
which step is decided in policy.py.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from shapely.geometry import shape

from . import audit, i18n, moderation, policy, text
from .auth import Organiser
from .domain import LANGS, TWIN_TEXT_LENGTH, TWIN_THEMES
from .errors import Conflict, NotFound, Unprocessable
from .features import place_ref, twin_ref
from .publishing import place_name, publish, republish_place
from .store import Reader, Store, Writer
from .store.features import FeatureFilter
from .times import now_rfc3339

COLLECTION = "twins"
_AUDITED = ("status", "place_id", "twin_place_id", "theme", "text")


def _texts(value: dict[str, str | None]) -> dict[str, str]:
    """The short text in each language given (at least one), as plain text."""
    out: dict[str, str] = {}
    for lang, raw in value.items():
        if lang not in LANGS:
            raise Unprocessable("text", f"languages are {', '.join(LANGS)}, not {lang!r}")
        if raw is None or not raw.strip():
            continue
        try:
            out[lang] = text.clean(raw, field=f"text.{lang}", max_length=TWIN_TEXT_LENGTH)
        except text.TextError as exc:
            raise Unprocessable(f"text.{lang}", str(exc)) from None
    if not out:
        raise Unprocessable("text", "say in at least one language what the places share")
    return out


def propose(store: Store, by: Organiser, municipality: str, place_id: str,
            twin_place_id: str, theme: str, texts: dict[str, str | None]) -> dict[str, Any]:
    """Propose pairing a place of the organiser's town (municipality) with a place of the
    other town; it waits for an organiser of the other town."""
    policy.propose_twin(by, municipality)
    if theme not in TWIN_THEMES:
        raise Unprocessable("theme", f"one of {', '.join(TWIN_THEMES)}")
    clean = _texts(texts)
    with store.writer() as writer:
        place = writer.feature_row("places", place_id)
        if place is None or place["municipality"] != municipality:
            raise Unprocessable("place", f"there is no place {place_id!r} in {municipality}")
        twin_place = writer.feature_row("places", twin_place_id)
        if twin_place is None:
            raise Unprocessable("twin_place", f"there is no place {twin_place_id!r}")
        if twin_place["municipality"] == municipality:
            raise Unprocessable("twin_place", "a twin place lies in the other town")
        if writer.open_twin(place_id, twin_place_id) is not None:
            raise Conflict("These two places are already paired (or proposed).")
        now = now_rfc3339()
        row = {"id": "t" + secrets.token_hex(8), "status": "proposed", "place_id": place_id,
               "municipality": municipality, "twin_place_id": twin_place_id,
               "twin_municipality": twin_place["municipality"], "theme": theme,
               "text": json.dumps(clean, ensure_ascii=False), "proposed_by": by.username,
               "proposed_at": now, "updated": now}
        writer.insert_twin(row)
        audit.record(writer, by, "propose", "twin", row["id"], municipality, None,
                     _snapshot(row))
        return view(row)


def _load(writer: Writer, twin_id: str) -> dict[str, Any]:
    row = writer.twin(twin_id)
    if row is None:
        raise NotFound(f"There is no twin {twin_id!r}.")
    return row


def accept(store: Store, by: Organiser, twin_id: str) -> dict[str, Any]:
    """The other town's organiser accepts a proposal: the twin is published."""
    with store.writer() as writer:
        row = _load(writer, twin_id)
        policy.accept_twin(by, row)
        if row["status"] != "proposed":
            raise Conflict(f"This twin is {row['status']}; only a proposed one can be "
                           "accepted.")
        now = now_rfc3339()
        writer.set_twin(twin_id, status="active", accepted_by=by.username, accepted_at=now,
                        updated=now)
        after = _load(writer, twin_id)
        publish_twin(writer, after)
        audit.record(writer, by, "accept", "twin", twin_id, row["twin_municipality"],
                     _snapshot(row), _snapshot(after))
        return view(after)


def end(store: Store, by: Organiser, twin_id: str) -> dict[str, Any]:
    """Either town ends a twin (or declines a proposal): it leaves the public side."""
    with store.writer() as writer:
        row = _load(writer, twin_id)
        acting = policy.end_twin(by, row)
        if row["status"] == "ended":
            raise Conflict("This twin has ended already.")
        now = now_rfc3339()
        writer.set_twin(twin_id, status="ended", ended_by=by.username, ended_at=now,
                        updated=now)
        if row["status"] == "active":
            writer.delete_feature(COLLECTION, twin_id)  # a tombstone for sync
            for place_id in (row["place_id"], row["twin_place_id"]):
                republish_place(writer, place_id)
                moderation.republish_at(writer, place_id)  # questions name their twins
        after = _load(writer, twin_id)
        audit.record(writer, by, "end", "twin", twin_id, acting, _snapshot(row),
                     _snapshot(after))
        return view(after)


def listing(store: Store, by: Organiser, municipality: str | None,
            status: str | None) -> list[dict[str, Any]]:
    """The twins that involve the organiser's towns (or the one asked for)."""
    towns = policy.scope(by, municipality)
    with store.reader() as reader:
        return [view(r, reader) for r in reader.twins(towns, status)]


def view(row: dict[str, Any], reader: Reader | None = None) -> dict[str, Any]:
    """What organisers see of a twin."""
    out = {k: row.get(k) for k in ("id", "status", "municipality", "twin_municipality",
                               "theme", "proposed_by", "proposed_at", "accepted_by",
                               "accepted_at", "ended_by", "ended_at")}
    out["text"] = json.loads(row["text"])
    out["place"] = place_ref(row["place_id"])
    out["twin_place"] = place_ref(row["twin_place_id"])
    out["href"] = twin_ref(row["id"]) if row["status"] == "active" else None
    if reader is not None:
        for key, place_id in (("place", row["place_id"]), ("twin_place", row["twin_place_id"])):
            place = reader.feature_row("places", place_id)
            out[key]["geometry"] = json.loads(place["geometry"]) if place and \
                place["geometry"] else None
            out[key]["name"] = _name(reader, place_id)
    return out


def _snapshot(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row.get(k) for k in _AUDITED}


_name = place_name


def feature_record(reader: Reader, row: dict[str, Any]) -> dict[str, Any]:
    """The public feature of an active twin: both places (a MultiPoint of those with a
    location), the theme and its label, the text; its municipality is the proposer's."""
    points, accuracies, places = [], [], []
    for place_id in (row["place_id"], row["twin_place_id"]):
        place = reader.feature_row("places", place_id)
        if place is None:
            continue
        accuracies.append(place["accuracy"])
        if place["geometry"]:
            point = shape(json.loads(place["geometry"])).representative_point()
            points.append([point.x, point.y])
        places.append({**place_ref(place_id), "municipality": place["municipality"],
                       "name": _name(reader, place_id), "updated": place["updated"]})
    names = [p["name"] for p in places]
    title = {lang: " – ".join(i18n.pick(n, lang)[0] or "" for n in names) for lang in LANGS}
    accuracy = "unknown" if not points else (
        "approximate" if "approximate" in accuracies else "exact")
    return {
        "collection": COLLECTION, "id": row["id"], "municipality": row["municipality"],
        "kind": "twin", "accuracy": accuracy,
        "geometry": {"type": "MultiPoint", "coordinates": points} if points else None,
        "texts": {"name": title, "description": json.loads(row["text"])},
        "attrs": {"theme": row["theme"], "theme_label": i18n.LABELS[f"theme.{row['theme']}"],
                  "places": places, "since": row["accepted_at"]},
    }


def publish_twin(writer: Writer, row: dict[str, Any]) -> None:
    """Publish an active twin and render both places again with it."""
    publish(writer, feature_record(writer, row))
    for place_id in (row["place_id"], row["twin_place_id"]):
        republish_place(writer, place_id)
        moderation.republish_at(writer, place_id)  # questions name their twins


#: How much of a twin place's description a pack carries.
SUMMARY_LENGTH = 280


def twin_places(reader: Reader, municipality: str, lang: str) -> list[dict[str, Any]]:
    """The other town's places paired with this town's (active twins), each as a short
    summary: name, a short description, a thumbnail, and the twins it belongs to; so
    that the app shows the other town offline."""
    out: dict[str, dict[str, Any]] = {}
    joined, _ = reader.page(FeatureFilter(COLLECTION), lang, 10**9, 0)
    for twin in json.loads(f"[{joined}]"):
        for place in twin["properties"]["places"]:
            if place["municipality"] == municipality:
                continue
            if place["id"] in out:
                out[place["id"]]["properties"]["twins"].append(twin["id"])
                continue
            text = reader.feature_json("places", place["id"], lang)
            if text is None:
                continue
            feature = json.loads(text)
            props = feature["properties"]
            description = props.get("description") or ""
            if len(description) > SUMMARY_LENGTH:
                description = description[:SUMMARY_LENGTH - 1].rstrip() + "…"
            images = props.get("images") or []
            out[place["id"]] = {"type": "Feature", "id": feature["id"],
                                "geometry": feature["geometry"], "properties": {
                                    "name": props.get("name"), "description": description,
                                    "municipality": props["municipality"],
                                    "thumbnail": images[0]["thumbnail"] if images else None,
                                    "twins": [twin["id"]]}}
    return [out[k] for k in sorted(out)]
