"""Young people's translations (issue 13): submit one (a contribution of kind
`translation`, through the same pipeline as a story: consent, token, idempotency, rate
limits), list what still needs translating, and apply an approved translation of a
place's texts to the place. The rules themselves are in translation_rules.py.

Plain Python: the HTTP layer hands in validated fields; the answers are plain dicts.
"""

from __future__ import annotations

import json
from typing import Any

from . import contributions, editing, i18n, policy, translation_rules
from .auth import Organiser
from .domain import (
    CONTRIBUTION_KINDS,
    LANGS,
    MUNICIPALITIES,
    PLACE_TRANSLATION_FIELDS,
    TRANSLATABLE_KINDS,
)
from .errors import Conflict, NotFound, Unprocessable
from .features import place_ref
from .store import Store, Writer
from .submission_rules import Submission


def submit(store: Store, settings: contributions.Settings, target: str, parent_id: str,
           fields: dict[str, Any], *, client: str, idempotency_key: str | None = None,
           install_id: str | None = None, workshop_code: str | None = None
           ) -> tuple[dict[str, Any], Any]:
    """Accept a translation of a published text (target "contribution") or of a place's
    texts (target "place") as pending, moderated by the translator's town."""
    sub = Submission(kind="translation", parent_id=parent_id, target=target, **fields)
    receipt, quota = contributions.submit(store, settings, sub, [], client=client,
                                          idempotency_key=idempotency_key,
                                          install_id=install_id, workshop_code=workshop_code)
    receipt["translates"] = _translates(target, parent_id)
    return receipt, quota


def _translates(target: str, parent_id: str) -> dict[str, Any]:
    if target == "place":
        return {"target": "place", **place_ref(parent_id)}
    return {"target": "contribution", "id": parent_id}


def tasks(store: Store, lang: str, municipality: str | None, limit: int
          ) -> dict[str, Any]:
    """Published texts and place texts missing lang, so young people can help: texts
    first (oldest published first), then places. Pseudonyms only, no personal data."""
    if lang not in LANGS:
        raise Unprocessable("lang", f"one of {', '.join(LANGS)}")
    if municipality is not None and municipality not in MUNICIPALITIES:
        raise Unprocessable("municipality", f"one of {', '.join(MUNICIPALITIES)}")
    with store.reader() as reader:
        texts = reader.untranslated(TRANSLATABLE_KINDS, lang, municipality, limit)
        places = [{"id": r["id"], "record": r["record"],
                   "municipality": json.loads(r["record"])["municipality"]}
                  for r in reader.records("places")]
    places = [p for p in places if municipality in (None, p["municipality"])]
    items: list[dict[str, Any]] = []
    for row in texts:
        collection = CONTRIBUTION_KINDS.get(row["kind"])
        items.append({
            "target": "contribution", "kind": row["kind"], "id": row["id"],
            "municipality": row["municipality"], "lang": row["lang"],
            "missing": ["title", "body"],
            "texts": {"title": row["title"], "body": row["body"]},
            "pseudonym": row["pseudonym"], "place": place_ref(row["place_id"]),
            "href": f"/collections/{collection}/items/{row['id']}" if collection else None,
            "translate": f"/contributions/{row['id']}/translations"})
    for place in places:
        if len(items) >= limit:
            break
        texts_of = translation_rules.place_texts(place)
        missing = [field for field, api in PLACE_TRANSLATION_FIELDS.items()
                   if texts_of[api] and not texts_of[api].get(lang)]
        if not missing:
            continue
        source = {api: i18n.pick(texts_of[api], lang) for api in texts_of}
        items.append({
            "target": "place", "kind": "place", "id": place["id"],
            "municipality": place["municipality"],
            "lang": source["name"][1], "missing": missing,
            "texts": {field: source[api][0] for field, api in
                      PLACE_TRANSLATION_FIELDS.items()},
            "pseudonym": None, "place": place_ref(place["id"]),
            "href": f"/collections/places/items/{place['id']}",
            "translate": f"/places/{place['id']}/translations"})
    return {"lang": lang, "items": items[:limit], "numberReturned": len(items[:limit])}


def apply(store: Store, by: Organiser | None, translation_id: str) -> dict[str, Any]:
    """An organiser of the place's town writes an approved youth translation of a place's
    texts into the place's fields (audited). 404 for no such translation or a place of
    another town; 409 while the translation is not approved."""
    who = policy.signed_in(by)
    with store.writer() as writer:
        row = writer.contribution(translation_id)
        if row is None or row["kind"] != "translation" or \
                translation_rules.target(row) != "place":
            raise NotFound(f"There is no translation of a place {translation_id!r}.")
        place = writer.organiser_row("places", row["place_id"])
        if place is None:
            raise NotFound(f"There is no translation of a place {translation_id!r}.")
        policy.apply_translation(who, place["municipality"], translation_id)
        if row["status"] != "approved":
            raise Conflict(f"This translation is {row['status']}; only an approved one can "
                           "be applied.")
        values = _place_values(row, json.loads(place["record"]))
        record = editing.set_place_texts(writer, who, row["place_id"], row["lang"], values,
                                         action="apply-translation",
                                         translation_id=translation_id, actor=who.username)
    return {"id": translation_id, "place": place_ref(row["place_id"]), "lang": row["lang"],
            "applied": sorted(values), "name": record["texts"].get("name") or {},
            "description": record["texts"].get("description") or {}}


def _place_values(row: dict[str, Any], record: dict[str, Any]) -> dict[str, str]:
    """The place fields a translation fills: those the place has a text for."""
    return {api: row[field] for field, api in PLACE_TRANSLATION_FIELDS.items()
            if record["texts"].get(api) or api == "name"}


def take_back(writer: Writer, row: dict[str, Any]) -> None:
    """An erased translation of a place's texts leaves the place too: texts it put there
    (still as it wrote them) are removed again."""
    if row["kind"] != "translation" or translation_rules.target(row) != "place":
        return
    place = writer.organiser_row("places", row["place_id"])
    if place is None:
        return
    texts = json.loads(place["record"])["texts"]
    values: dict[str, str | None] = {
        api: None for field, api in PLACE_TRANSLATION_FIELDS.items()
        if (texts.get(api) or {}).get(row["lang"]) == row[field]}
    if values:
        editing.set_place_texts(writer, None, row["place_id"], row["lang"], values,
                                action="erase-translation", translation_id=row["id"],
                                actor="contributor")
