"""The rules of young people's translations (issue 13), shared by submitting and
moderating: what may be translated, into which language, and how an approved
translation shows on the original's feature.

A translation is a contribution of kind `translation` whose `parent_id` names what it
translates: a published story, question or reply (domain.TRANSLATABLE_KINDS; its
`place_id` is then the original's place), or a place's name and description (its
`parent_id` and `place_id` are both the place's id: target "place"). Its `municipality`
is the translator's town, whose organisers moderate it (policy.py).

Plain Python over a store snapshot; no service imports, so both submission_rules and
moderation can use it.
"""

from __future__ import annotations

import json
from typing import Any

from .domain import CONTRIBUTION_KINDS, LANGS, PLACE_TRANSLATION_FIELDS, TRANSLATABLE_KINDS
from .errors import Conflict, NotFound, Unprocessable
from .store import Reader


def target(row: dict[str, Any]) -> str:
    """What a translation row translates: "place" or "contribution"."""
    return "place" if row["parent_id"] == row["place_id"] else "contribution"


def published_parent(reader: Reader, parent_id: str) -> dict[str, Any]:
    """The published text a translation may be made of; 404 for an unknown id, one
    not published, or one of a kind that is not translated (nothing more is said)."""
    parent = reader.contribution(parent_id)
    if parent is None or parent["status"] != "approved" or \
            parent["kind"] not in TRANSLATABLE_KINDS:
        raise NotFound(f"There is no published text {parent_id!r} to translate.")
    return parent


def public_place(reader: Reader, place_id: str) -> dict[str, Any]:
    """The public place whose texts are translated; 404 when there is none."""
    place = reader.feature_row("places", place_id)
    if place is None:
        raise NotFound(f"There is no place {place_id!r}.")
    return place


def place_texts(place: dict[str, Any]) -> dict[str, dict[str, str]]:
    """A place's name and description in each language it has."""
    texts = json.loads(place["record"])["texts"]
    return {field: texts.get(field) or {} for field in PLACE_TRANSLATION_FIELDS.values()}


def check_new(reader: Reader, target_kind: str, parent_id: str, lang: str
              ) -> dict[str, Any]:
    """The place row a new translation hangs off, after the checks: the parent exists and
    is public, and lang is one it lacks (422 naming lang otherwise)."""
    if target_kind == "place":
        place = public_place(reader, parent_id)
        texts = place_texts(place)
        if all(texts[field].get(lang) for field in texts if texts[field]):
            raise Unprocessable("lang", f"the place {parent_id!r} already has its texts "
                                f"in {lang!r}")
        return place
    parent = published_parent(reader, parent_id)
    if parent["lang"] == lang:
        raise Unprocessable("lang", f"the text is written in {lang!r}; translate it into "
                            "another language")
    if reader.translations_of(parent_id, status="approved", lang=lang):
        raise Unprocessable("lang", f"the text already has an approved translation into "
                            f"{lang!r}")
    place = reader.feature_row("places", parent["place_id"])
    if place is None:
        raise NotFound(f"There is no published text {parent_id!r} to translate.")
    return place


def check_approvable(reader: Reader, row: dict[str, Any]) -> None:
    """A translation may be approved while its original is public and no other
    translation into its language is approved (409 otherwise)."""
    if target(row) == "place":
        if reader.feature_row("places", row["parent_id"]) is None:
            raise Conflict(f"The place {row['parent_id']!r} is no longer public.")
        return
    parent = reader.contribution(row["parent_id"])
    if parent is None or parent["status"] != "approved":
        raise Conflict("The translated text is no longer published; this translation "
                       "cannot be approved now.")
    others = [t for t in reader.translations_of(row["parent_id"], status="approved",
                                                lang=row["lang"]) if t["id"] != row["id"]]
    if others:
        raise Conflict(f"Another translation into {row['lang']!r} is already approved.")


def decorate(record: dict[str, Any], translations: list[dict[str, Any]]) -> None:
    """Add approved translations to an original's feature record (in place): their
    title and text in their language, and who translated them (render() adds the
    "translated by young people" marker where a translation is served)."""
    if not translations:
        return
    collection = CONTRIBUTION_KINDS.get(record["kind"], record["collection"])
    original = f"/collections/{collection}/items/{record['id']}"
    original_lang = next(iter(record["texts"]["name"]))
    served: dict[str, Any] = {}
    for row in translations:
        if row["lang"] == original_lang or row["lang"] in served:
            continue
        record["texts"]["name"][row["lang"]] = row["title"]
        record["texts"]["description"][row["lang"]] = row["body"]
        served[row["lang"]] = {"id": row["id"], "by": row["pseudonym"],
                               "original_lang": original_lang,
                               "original": f"{original}?lang={original_lang}"}
    record["translations"] = served


def context(reader: Reader, row: dict[str, Any]) -> dict[str, Any] | None:
    """For a moderator: what a translation translates, beside it in the queue: the
    original text (its title, text, language, author and state) or the place's name and
    description in the original languages; None for any other kind."""
    if row["kind"] != "translation" or not row.get("parent_id"):
        return None
    if target(row) == "place":
        place = reader.feature_row("places", row["parent_id"])
        if place is None:
            return {"target": "place", "id": row["parent_id"], "status": "erased"}
        texts = place_texts(place)
        name, description = texts.get("name") or {}, texts.get("description") or {}
        lang = next((code for code in LANGS if name.get(code)), None)
        return {"target": "place", "id": row["parent_id"], "status": "approved",
                "lang": lang, "title": name.get(lang) if lang else None,
                "body": description.get(lang) if lang else None, "pseudonym": None}
    original = reader.contribution(row["parent_id"])
    if original is None:
        return {"target": "contribution", "id": row["parent_id"], "status": "erased"}
    return {"target": "contribution", **{k: original[k] for k in (
        "id", "kind", "status", "lang", "title", "body", "pseudonym")}}
