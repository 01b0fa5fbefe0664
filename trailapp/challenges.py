"""Challenges (issue 14): something for young people to do at a place or along a trail,
set by the town's organisers in sv/en/tn.

A challenge is a free answer, a photo task, an audio interview task ("ask an elder
about…"), a detail to find, or multiple choice. An active one is published as a feature
of the `challenges` collection: at its place's PUBLIC position (an `area` place's cell
centre, none for a `hidden` one, not published at all at an `organisers` place), or
along its trail (no position of its own; `properties.trail` names it). The correct
option of a multiple-choice challenge stays on the server: it is in no feature, sync,
pack or organiser listing served to the app. Every change is audited; who may do what
is decided in policy.py (own town only; another town's challenge is a 404).
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from shapely.geometry import shape

from . import audit, policy, text
from .auth import Organiser
from .domain import (
    CHALLENGE_KINDS,
    CHALLENGE_OPTIONS,
    CHALLENGE_TEXT_LIMITS,
    LANGS,
)
from .errors import Conflict, NotFound, Unprocessable
from .features import place_ref
from .publishing import publish
from .store import Reader, Store, Writer
from .times import now_rfc3339

COLLECTION = "challenges"
_AUDITED = ("status", "kind", "place_id", "trail_id", "texts", "options", "correct_option")


def challenge_ref(challenge_id: str) -> str:
    """The path of a challenge's public feature."""
    return f"/collections/{COLLECTION}/items/{challenge_id}"


def _texts(value: dict[str, str | None] | None, field: str, *, required: bool,
           multiline: bool) -> dict[str, str]:
    """A text in each language given (at least one when required), as plain text."""
    out: dict[str, str] = {}
    for lang, raw in (value or {}).items():
        if lang not in LANGS:
            raise Unprocessable(field, f"languages are {', '.join(LANGS)}, not {lang!r}")
        if raw is None or not raw.strip():
            continue
        try:
            out[lang] = text.clean(raw, field=f"{field}.{lang}", multiline=multiline,
                                   max_length=CHALLENGE_TEXT_LIMITS[field.split(".")[0]])
        except text.TextError as exc:
            raise Unprocessable(f"{field}.{lang}", str(exc)) from None
    if required and not out:
        raise Unprocessable(field, "give it in at least one language (sv, en or tn)")
    return out


def _options(kind: str, options: list[dict[str, str | None]] | None,
             correct: int | None) -> tuple[list[dict[str, str]], int | None]:
    if kind != "multiple-choice":
        if options:
            raise Unprocessable("options", "only a multiple-choice challenge has options")
        if correct is not None:
            raise Unprocessable("correct_option", "only a multiple-choice challenge has one")
        return [], None
    fewest, most = CHALLENGE_OPTIONS
    if not options or not fewest <= len(options) <= most:
        raise Unprocessable("options", f"give {fewest} to {most} options")
    clean = [_texts(o, f"option.{i}", required=True, multiline=False)
             for i, o in enumerate(options)]
    if correct is None or not 0 <= correct < len(clean):
        raise Unprocessable("correct_option", f"the index (0 to {len(clean) - 1}) of the "
                            "right option")
    return clean, correct


def create(store: Store, by: Organiser, municipality: str, kind: str,
           place_id: str | None, trail_id: str | None,
           title: dict[str, str | None], prompt: dict[str, str | None],
           options: list[dict[str, str | None]] | None = None,
           correct_option: int | None = None) -> dict[str, Any]:
    """Set a challenge at a place or along a trail of the organiser's town; published at
    once (it can be withdrawn)."""
    policy.set_challenge(by, municipality)
    if kind not in CHALLENGE_KINDS:
        raise Unprocessable("kind", f"one of {', '.join(CHALLENGE_KINDS)}")
    if (place_id is None) == (trail_id is None):
        raise Unprocessable("place", "give either place or trail (one of them)")
    texts = {"title": _texts(title, "title", required=True, multiline=False),
             "prompt": _texts(prompt, "prompt", required=True, multiline=True)}
    clean_options, correct = _options(kind, options, correct_option)
    with store.writer() as writer:
        collection, target = ("places", place_id) if place_id else ("trails", trail_id)
        found = writer.feature_row(collection, target or "")
        if found is None and collection == "places":
            protected = writer.protected_row(target or "")
            found = protected and {"municipality": protected["municipality"]}
        if found is None or found["municipality"] != municipality:
            field = "place" if place_id else "trail"
            raise Unprocessable(field, f"there is no {field} {target!r} in {municipality}")
        now = now_rfc3339()
        row = {"id": "c" + secrets.token_hex(8), "municipality": municipality,
               "place_id": place_id, "trail_id": trail_id, "kind": kind,
               "status": "active", "texts": json.dumps(texts, ensure_ascii=False),
               "options": json.dumps(clean_options, ensure_ascii=False),
               "correct_option": correct, "created_by": by.username, "created": now,
               "updated": now}
        writer.insert_challenge(row)
        publish_challenge(writer, row)
        audit.record(writer, by, "create", "challenge", row["id"], municipality, None,
                     _snapshot(row))
        return view(row)


def _load(writer: Reader, by: Organiser, challenge_id: str) -> dict[str, Any]:
    row = writer.challenge(challenge_id)
    return policy.challenge(by, row, challenge_id)


def withdraw(store: Store, by: Organiser, challenge_id: str) -> dict[str, Any]:
    """Take a challenge off the public side (its answers stay until erased)."""
    with store.writer() as writer:
        row = _load(writer, by, challenge_id)
        if row["status"] == "withdrawn":
            raise Conflict("This challenge is withdrawn already.")
        writer.set_challenge(challenge_id, status="withdrawn", updated=now_rfc3339())
        writer.delete_feature(COLLECTION, challenge_id)  # a tombstone for sync
        after = writer.challenge(challenge_id) or row
        audit.record(writer, by, "withdraw", "challenge", challenge_id, row["municipality"],
                     _snapshot(row), _snapshot(after))
        return view(after)


def get(store: Store, by: Organiser, challenge_id: str) -> dict[str, Any]:
    """One challenge as organisers see it (the right option included)."""
    with store.reader() as reader:
        return view(_load(reader, by, challenge_id), organiser=True)


def listing(store: Store, by: Organiser, municipality: str | None,
            status: str | None) -> list[dict[str, Any]]:
    """The challenges of the organiser's towns (or the one asked for), oldest first."""
    towns = policy.scope(by, municipality)
    with store.reader() as reader:
        return [view(r, organiser=True) for r in reader.challenges(towns, status)]


def view(row: dict[str, Any], organiser: bool = True) -> dict[str, Any]:
    """What organisers see of a challenge."""
    out = {k: row[k] for k in ("id", "municipality", "kind", "status", "created_by",
                               "created", "updated")}
    out.update(json.loads(row["texts"]))
    out["options"] = json.loads(row["options"]) or None
    if organiser:
        out["correct_option"] = row["correct_option"]
    out["place"] = place_ref(row["place_id"]) if row["place_id"] else None
    out["trail"] = ({"id": row["trail_id"],
                     "href": f"/collections/trails/items/{row['trail_id']}"}
                    if row["trail_id"] else None)
    out["href"] = challenge_ref(row["id"]) if row["status"] == "active" else None
    return out


def _snapshot(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row.get(k) for k in _AUDITED}


def feature_record(row: dict[str, Any], place: dict[str, Any] | None) -> dict[str, Any]:
    """The public feature of an active challenge: never its right option."""
    texts = json.loads(row["texts"])
    geometry = None
    accuracy = "unknown"
    if place is not None:
        geometry = json.loads(place["geometry"]) if place["geometry"] else None
        accuracy = place["accuracy"]
        if geometry is not None and geometry["type"] != "Point":
            point = shape(geometry).representative_point()
            geometry = {"type": "Point", "coordinates": [point.x, point.y]}
    attrs: dict[str, Any] = {
        "challenge_kind": row["kind"],
        "prompt": texts["prompt"],
        "options": json.loads(row["options"]) or None,
        "place": place_ref(row["place_id"]) if row["place_id"] else None,
        "trail": ({"id": row["trail_id"],
                   "href": f"/collections/trails/items/{row['trail_id']}"}
                  if row["trail_id"] else None),
        "answers_href": f"/challenges/{row['id']}/answers",
    }
    return {"collection": COLLECTION, "id": row["id"], "municipality": row["municipality"],
            "kind": "challenge", "accuracy": accuracy, "geometry": geometry,
            "texts": {"name": texts["title"]}, "attrs": attrs,
            "place_id": row["place_id"]}


def publish_challenge(writer: Writer, row: dict[str, Any]) -> None:
    """Publish an active challenge where its place is public now (or along its trail);
    a challenge at a place only organisers may see is not public."""
    if row["status"] != "active":
        return
    place = None
    if row["place_id"]:
        place = writer.feature_row("places", row["place_id"])
        if place is None:  # an `organisers` place (or gone): nothing public
            writer.delete_feature(COLLECTION, row["id"])
            return
    publish(writer, feature_record(row, place))


def republish_at(writer: Writer, place_id: str) -> None:
    """Publish a place's active challenges again, at the place as it is now."""
    for row in writer.challenges_at(place_id):
        publish_challenge(writer, row)


def public_challenge(reader: Reader, challenge_id: str) -> dict[str, Any]:
    """An active, published challenge, or 404 (a withdrawn one takes no answers)."""
    row = reader.challenge(challenge_id)
    if row is None or row["status"] != "active" or \
            reader.feature_row(COLLECTION, challenge_id) is None:
        raise NotFound(f"There is no challenge {challenge_id!r}.")
    return row
