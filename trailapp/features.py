"""The one GeoJSON writer: records to Feature / FeatureCollection JSON, and links.

A record is a plain dict: collection, id, municipality, kind, accuracy, geometry
(GeoJSON dict or None), texts {field: {lang: text}}, attrs {name: value}, updated.
Features are rendered once per language when they are written, and the stored JSON
keeps "properties" as the last member so that per-request values (a distance) can
be added without parsing it again (see with_properties).
"""

from __future__ import annotations

import json
import re
from typing import Any

from . import i18n

TEXT_FIELDS = ("name", "description", "location_note", "heritage_status", "condition_note")
#: Organisers' own texts on a place or trail (working notes, what to verify, doubts):
#: kept in the record's "internal" member, shown to organisers, never rendered here.
INTERNAL_TEXT_FIELDS = ("notes_internal", "caveats")
GEOJSON = "application/geo+json"
JSON = "application/json"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
GPX = "application/gpx+xml"


def dumps(obj: Any) -> str:
    """Compact JSON with real UTF-8 characters (smaller for Swedish text)."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def render(record: dict[str, Any], lang: str) -> str:
    """One feature as GeoJSON text in one language."""
    props: dict[str, Any] = {}
    text_language: dict[str, str] = {}
    for field in TEXT_FIELDS:
        value, used = i18n.pick(record["texts"].get(field), lang)
        if value is not None and used is not None:
            props[field] = value
            text_language[field] = used
    accuracy = record["accuracy"]
    props["municipality"] = record["municipality"]
    props["kind"] = record["kind"]
    props["accuracy"] = accuracy
    props["location_status"] = "to-be-surveyed" if record["geometry"] is None else accuracy
    props["location_label"] = i18n.label(
        "unknown" if record["geometry"] is None else accuracy, lang)
    if record["collection"] == "places":  # how much of its position is public (issue 14)
        protection = record.get("protection") or "exact"
        props["protection"] = protection
        if protection == "hidden":
            props["location_status"] = "not-shown"
            props["location_label"] = i18n.label("protection.hidden", lang)
        elif protection == "area" and record["geometry"] is not None:
            props["location_label"] = i18n.label("protection.area", lang)
    for key, value in record["attrs"].items():
        used: set[str] = set()
        props[key] = _localise(value, lang, used)
        if used:  # an attribute in several languages: say which one was served
            text_language[key] = lang if used == {lang} else sorted(used - {lang})[0]
    if "content_notes" in record["attrs"]:
        props["content_note_labels"] = [i18n.label(f"note.{n}", lang)
                                        for n in record["attrs"]["content_notes"]]
    _translation_marker(record, props, text_language, lang)
    props["text_language"] = text_language
    props["updated"] = record["updated"]
    feature = {
        "type": "Feature",
        "id": record["id"],
        "geometry": record["geometry"],
        "properties": props,
    }
    return dumps(feature)


def _translation_marker(record: dict[str, Any], props: dict[str, Any],
                        text_language: dict[str, str], lang: str) -> None:
    """Where a young person's translation is served (issue 13): who translated it, a
    "translated by young people" marker and a link to the original; every rendering
    lists the languages the text has."""
    translations = record.get("translations")
    if not translations:
        return
    original = next(iter(translations.values()))
    props["translations"] = [{"lang": original["original_lang"], "original": True,
                              "href": original["original"]}] + [
        {"lang": t_lang, "original": False,
         "href": f"{t['original'].split('?', 1)[0]}?lang={t_lang}"}
        for t_lang, t in sorted(translations.items())]
    served = translations.get(text_language.get("name") or "")
    if served is not None:
        props["translated_by"] = served["by"]
        props["translation"] = {"by_young_people": True,
                                "label": i18n.label("translated-by-young-people", lang),
                                "original_lang": served["original_lang"],
                                "original": served["original"]}


def _localise(value: Any, lang: str, used: set[str]) -> Any:
    """Attributes may hold {sv, en, tn} texts (a stage note, a cabin's name, lengths
    keyed by section); pick one language, adding the one served to used."""
    if isinstance(value, dict) and value and set(value) <= set(i18n.LANGS):
        picked, served = i18n.pick(value, lang)
        if served is not None:
            used.add(served)
        return _localise(picked, lang, used)
    if isinstance(value, list):
        return [_localise(v, lang, used) for v in value]
    if isinstance(value, dict):
        return {k: _localise(v, lang, used) for k, v in value.items()}
    return value


def with_properties(feature_json: str, extra: dict[str, Any]) -> str:
    """Add members to a rendered feature's properties (which render() puts last)."""
    if not extra:
        return feature_json
    if not feature_json.endswith("}}"):  # not from render(): take the slow, sure way
        feature = json.loads(feature_json)
        feature["properties"] = {**(feature.get("properties") or {}), **extra}
        return dumps(feature)
    inner = dumps(extra)[1:-1]
    head = feature_json[:-2]
    sep = "" if head.endswith("{") else ","
    return f"{head}{sep}{inner}}}}}"


def with_links(feature_json: str, links: list[dict[str, Any]]) -> str:
    """A rendered feature with a links member added after its properties."""
    return f'{feature_json[:-1]},"links":{dumps(links)}}}'


def collection_json(features: str, returned: int, *, number_matched: int | None,
                    links: list[dict[str, Any]], extra: dict[str, Any] | None = None) -> str:
    """A FeatureCollection around already rendered features (joined by commas)."""
    tail: dict[str, Any] = {}
    if number_matched is not None:
        tail["numberMatched"] = number_matched
    tail["numberReturned"] = returned
    tail["links"] = links
    if extra:
        tail.update(extra)
    return '{"type":"FeatureCollection","features":[' + features + "]," + dumps(tail)[1:]


def place_ref(place_id: str) -> dict[str, str]:
    """A place as every response refers to one: its id and its feature's path (made
    absolute by the HTTP layer, see absolute_links; packs keep the path)."""
    return {"id": place_id, "href": f"/collections/places/items/{place_id}"}


def twin_ref(twin_id: str) -> str:
    """The path of a twin's public feature (twins.py)."""
    return f"/collections/twins/items/{twin_id}"


_LINK_MEMBER = re.compile(r'"(href|thumbnail)":"/')


def absolute_links(text: str, base: str) -> str:
    """JSON text with every `href` and `thumbnail` path made an absolute URL under base.

    Stored features keep paths (one rendering serves every host and the packs); a
    response is made absolute for the address it was asked at. Only a member's value can
    match: inside a JSON string a quote is escaped. Plain replaces, not a regular
    expression: a page of 1000 features is half a megabyte, and the regular expression
    took longer over it than the database did to read it.
    """
    if '"' in base:  # never from a valid Host; one pass, so nothing inserted is rescanned
        return _LINK_MEMBER.sub(lambda m: f'"{m.group(1)}":"{base}/', text)
    for member in ("href", "thumbnail"):
        text = text.replace(f'"{member}":"/', f'"{member}":"{base}/')
    return text


def link(href: str, rel: str, type_: str, title: str | None = None, **more: Any
         ) -> dict[str, Any]:
    """One OGC link object."""
    out: dict[str, Any] = {"href": href, "rel": rel, "type": type_}
    if title:
        out["title"] = title
    out.update(more)
    return out
