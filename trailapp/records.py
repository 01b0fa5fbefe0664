"""The geodata schema: what a place or trail record holds, and every rule it must meet
before it is written, whether it comes from a file, a GPX track or an organiser.

A record is checked whole and every fault is added to `problems` (file, feature and
fault), so one load or one request lists them all at once. Texts and attributes are
cleaned as plain text; sources are http(s) addresses or citations in words.
"""

from __future__ import annotations

import re
from typing import Any

from . import domain, text
from .errors import InvalidGeodata
from .features import INTERNAL_TEXT_FIELDS, TEXT_FIELDS
from .formats import Problems
from .geo import GeometryError, check_in_municipality, parse_geometry, to_geojson
from .i18n import LANGS

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")
COLLECTIONS = domain.GEODATA_COLLECTIONS
ACCURACIES = domain.ACCURACIES
DIFFICULTIES = (None, "easy", "moderate", "demanding")
STAGE_ROLES = ("main", "branch", "connector")
TEXT_KEYS = {f"{f}_{lang}" for f in TEXT_FIELDS for lang in LANGS}
#: Organisers' own texts (INTERNAL_TEXT_FIELDS): stored, never public.
INTERNAL_KEYS = {f"{f}_{lang}" for f in INTERNAL_TEXT_FIELDS for lang in LANGS}


def in_languages(check: Any) -> Any:
    """A check that also takes the value as {sv, en, tn} (each passing check, or null,
    one at least given): a public attribute written in several languages."""
    def checked(v: Any) -> bool:
        if isinstance(v, dict) and v and set(v) <= set(LANGS):
            return any(x is not None for x in v.values()) and all(
                x is None or check(x) for x in v.values())
        return bool(check(v))
    return checked


def _is_text(v: Any) -> bool:
    return isinstance(v, str)


def _is_lengths(v: Any) -> bool:
    return isinstance(v, dict) and all(
        isinstance(x, int | float) and not isinstance(x, bool) and x > 0 for x in v.values())


_text = in_languages(_is_text)


def _is_visiting(v: Any) -> bool:
    """Visiting guidance: access (one of domain.ACCESS), opening times and an
    accessibility note as text (or {sv, en, tn}), accessibility from domain.ACCESSIBILITY."""
    if not isinstance(v, dict) or set(v) - {"access", "opening_times", "accessibility",
                                            "accessibility_note"}:
        return False
    access, ways = v.get("access"), v.get("accessibility", [])
    return ((access is None or access in domain.ACCESS)
            and isinstance(ways, list) and all(w in domain.ACCESSIBILITY for w in ways)
            and all(v.get(k) is None or _text(v[k])
                    for k in ("opening_times", "accessibility_note")))
# Plain attributes a feature may carry, with a check of each value's type.
ATTR_CHECKS: dict[str, Any] = {
    "source": lambda v: isinstance(v, str) and v.strip() != "",
    "additional_sources": lambda v: isinstance(v, list) and all(isinstance(s, str) for s in v),
    "address": _text,
    "name_local": _text,
    "osm_relation": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "official_length_km": in_languages(_is_lengths),
    "official_length_source": lambda v: isinstance(v, str),
    "difficulty": lambda v: v in DIFFICULTIES,
    "overnight_cabins": lambda v: isinstance(v, list) and all(_text(s) for s in v),
    "rest_cabins": lambda v: isinstance(v, list) and all(_text(s) for s in v),
    "connectors": lambda v: isinstance(v, list) and all(_text(s) for s in v),
    "stages": lambda v: isinstance(v, list),
    "stage_source": lambda v: isinstance(v, str),
    "waypoints": lambda v: isinstance(v, list),
    "start_place": lambda v: isinstance(v, str),
    # How far from its point an approximate place may lie (metres, from its source).
    "uncertainty_m": lambda v: isinstance(v, int | float) and not isinstance(v, bool) and v > 0,
    # Set when organisers approve a field survey.
    "surveyed_by": lambda v: isinstance(v, list) and all(isinstance(s, str) for s in v),
    "survey": lambda v: isinstance(v, dict),
    # Sensitive heritage (issue 14): what a reader may want warning of, and how to visit.
    "content_notes": lambda v: isinstance(v, list) and len(set(v)) == len(v) and all(
        n in domain.CONTENT_NOTES for n in v),
    "private_home": lambda v: isinstance(v, bool),
    "visiting": lambda v: _is_visiting(v),
}
STRUCTURE_KEYS = {"collection", "municipality", "kind", "accuracy", "protection"}
# Attributes naming where the data comes from: a web address (http or https only) or a
# citation in words (see text.source).
SOURCE_KEYS = ("source", "additional_sources", "official_length_source", "stage_source")
NAME_MAX, TEXT_MAX, ATTR_MAX = 200, 5000, 1000



def record_from_feature(feature: Any, source: str, index: int, problems: Problems
                         ) -> dict[str, Any] | None:
    label = f"#{index}"
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        problems.add(source, label, "not a GeoJSON Feature")
        return None
    fid = feature.get("id")
    if not isinstance(fid, str) or not ID_PATTERN.match(fid):
        problems.add(source, label, "id must be a string of a-z, 0-9, '.', '_' or '-' "
                     "(up to 100 characters, starting with a letter or digit)")
        return None
    props = feature.get("properties")
    if not isinstance(props, dict):
        problems.add(source, fid, "properties must be an object")
        return None
    before = len(problems.items)
    unknown = sorted(set(props) - TEXT_KEYS - INTERNAL_KEYS - STRUCTURE_KEYS - set(ATTR_CHECKS))
    if unknown:
        problems.add(source, fid, f"unknown properties {', '.join(unknown)}")
    texts: dict[str, dict[str, str | None]] = {}
    internal: dict[str, dict[str, str | None]] = {}
    for key in sorted((TEXT_KEYS | INTERNAL_KEYS) & set(props)):
        value = props[key]
        if value is not None and (not isinstance(value, str) or not value.strip()):
            problems.add(source, fid, f"{key} must be text or null")
            continue
        text_field, lang = key.rsplit("_", 1)
        into = internal if key in INTERNAL_KEYS else texts
        into.setdefault(text_field, {code: None for code in LANGS})[lang] = value
    if not any((texts.get("name") or {}).values()):
        problems.add(source, fid, "needs a name (name_sv, name_en or name_tn)")
    attrs = {}
    for key, check in ATTR_CHECKS.items():
        if key in props:
            if not check(props[key]):
                problems.add(source, fid, f"property {key} has a value of the wrong kind")
            attrs[key] = props[key]
    if "stages" in attrs and isinstance(attrs["stages"], list):
        _check_stages(attrs["stages"], source, fid, problems)
    record = {
        "collection": props.get("collection"),
        "id": fid,
        "municipality": props.get("municipality"),
        "kind": props.get("kind"),
        "accuracy": props.get("accuracy"),
        "geometry": feature.get("geometry"),
        "texts": texts,
        "internal": internal,
        "attrs": attrs,
    }
    if props.get("protection") is not None or attrs.get("private_home") is True:
        # A private home is shown as an area, seen from the street, unless said otherwise.
        record["protection"] = props.get("protection") or "area"
    if attrs.get("private_home") is True and isinstance(attrs.get("visiting", {}), dict):
        attrs["visiting"] = {"access": "private-view-from-street", **attrs.get("visiting", {})}
    check_record(record, source, problems)
    return record if len(problems.items) == before else None


def _check_stages(stages: list[Any], source: str, fid: str, problems: Problems) -> None:
    seqs = []
    for i, stage in enumerate(stages):
        if not isinstance(stage, dict):
            problems.add(source, fid, f"stage {i} must be an object")
            continue
        seq, km = stage.get("seq"), stage.get("length_km")
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
            problems.add(source, fid, f"stage {i}: seq must be a positive whole number")
        seqs.append(seq)
        if not isinstance(stage.get("from"), str) or not isinstance(stage.get("to"), str):
            problems.add(source, fid, f"stage {i}: 'from' and 'to' must be names")
        if km is not None and (not isinstance(km, int | float) or isinstance(km, bool) or km <= 0):
            problems.add(source, fid, f"stage {i}: length_km must be a positive number")
        if stage.get("role") not in STAGE_ROLES:
            problems.add(source, fid, f"stage {i}: role must be one of {', '.join(STAGE_ROLES)}")
    if len(set(seqs)) != len(seqs):
        problems.add(source, fid, "stages have duplicate seq numbers")


def check_record(record: dict[str, Any], source: str, problems: Problems) -> None:
    """Checks every record passes, whatever format it came from."""
    fid = record["id"]
    _clean_texts(record, source, problems)
    if record["collection"] not in COLLECTIONS:
        problems.add(source, fid, f"collection must be one of {', '.join(COLLECTIONS)}")
    municipality = domain.get(record["municipality"] or "")
    if municipality is None:
        problems.add(source, fid, f"unknown municipality {record['municipality']!r} "
                     f"(known: {', '.join(domain.MUNICIPALITIES)})")
    if not isinstance(record["kind"], str) or not re.match(r"^[a-z][a-z0-9-]{0,49}$",
                                                           record["kind"] or ""):
        problems.add(source, fid, "kind must be a short lower-case word (a-z, 0-9, '-')")
    if record["accuracy"] not in ACCURACIES:
        problems.add(source, fid, f"accuracy must be one of {', '.join(ACCURACIES)}")
    protection = record.get("protection")
    if protection is not None and protection not in domain.PROTECTION_LEVELS:
        problems.add(source, fid, "protection must be one of "
                     f"{', '.join(domain.PROTECTION_LEVELS)}")
    elif protection not in (None, "exact") and record["collection"] != "places":
        problems.add(source, fid, "only places can be protected")
    geometry = record["geometry"]
    if geometry is None:
        if record["accuracy"] != "unknown":
            problems.add(source, fid, "a feature without geometry must have accuracy 'unknown'")
        return
    if record["accuracy"] == "unknown":
        problems.add(source, fid, "accuracy 'unknown' needs a null geometry: never guess a "
                     "location (use 'approximate' for an estimate with its basis)")
    allowed = {"LineString", "MultiLineString"} if record["collection"] == "trails" else None
    try:
        geom = parse_geometry(geometry, allowed)
        if municipality is not None:
            check_in_municipality(geom, municipality)
        record["geometry"] = to_geojson(geom)
    except GeometryError as exc:
        problems.add(source, fid, str(exc))


def _clean_texts(record: dict[str, Any], source: str, problems: Problems) -> None:
    """Every text of a place or trail as plain text, by the rules of contributions
    (text.clean): names on one line; sources only http(s) addresses or citations. The
    public GeoJSON is read by web maps, which may show a name as HTML or a source as a
    link. Cleaned in place (like the geometry); a text that cannot be kept is a problem."""
    def plain(value: Any, field: str, max_length: int = ATTR_MAX,
              multiline: bool = False) -> Any:
        if isinstance(value, str):
            if field in SOURCE_KEYS:
                return text.source(value, field=field, max_length=max_length)
            return text.clean(value, field=field, max_length=max_length, multiline=multiline)
        if isinstance(value, list):  # a list of names or sources, stages, waypoints
            return [plain(v, field) for v in value]
        if isinstance(value, dict):  # a stage or waypoint; lengths by section name
            return {plain(k, field): plain(v, field if field in SOURCE_KEYS else k)
                    for k, v in value.items()}
        return value

    all_texts = [*(record.get("texts") or {}).items(), *(record.get("internal") or {}).items()]
    for text_field, values in all_texts:
        for lang, value in values.items():
            if isinstance(value, str) and not value.strip():
                values[lang] = None  # a GPX/KML file's empty <desc> (GeoJSON refuses it)
            elif value is not None:
                try:
                    values[lang] = plain(value, f"{text_field}_{lang}",
                                         NAME_MAX if text_field == "name" else TEXT_MAX,
                                         multiline=text_field != "name")
                except text.TextError as exc:
                    problems.add(source, record["id"], str(exc))
    attrs = record.get("attrs") or {}
    for key, value in attrs.items():
        try:
            attrs[key] = plain(value, key)
        except text.TextError as exc:
            problems.add(source, record["id"], f"property {key}: {exc}")


def feature_record(feature: Any, collection: str, source: str = "request") -> dict[str, Any]:
    """One GeoJSON Feature in the geodata schema, checked like a loaded file; 422 with
    every fault otherwise. Used when an organiser creates or edits a place or trail."""
    problems = Problems()
    if isinstance(feature, dict) and isinstance(feature.get("properties"), dict):
        feature["properties"].setdefault("collection", collection)
    record = record_from_feature(feature, source, 0, problems)
    if record is not None and record["collection"] != collection:
        problems.add(source, record["id"], f"collection must be {collection}")
    if problems.items or record is None:
        raise InvalidGeodata("; ".join(problems.items),
                             errors=[{"message": p} for p in problems.items])
    return record
