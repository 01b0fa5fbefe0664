"""Organisers review the field survey: what each place's fixes agree on and each
trail's walked tracks, then approve a place's location (or set it by hand, or reject
the fixes), publish a trail's line, and export what was surveyed for OpenStreetMap.

Only organisers of the place's municipality see fixes and tracks (404 for others, as
for anything that does not exist). Every decision is audited, published at once (sync
carries it as one upsert; packs are rebuilt from the new content version) and closes
the pending fixes or tracks, which are then erased after the retention time.

Longer than 300 lines because places and trails are reviewed side by side: one page,
one audit trail, one retention rule.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from shapely.geometry import shape

from . import audit, consensus, domain, geo, i18n, policy, survey, survey_tracks
from .auth import Organiser
from .errors import Conflict, NotFound, Unprocessable
from .features import place_ref
from .geo import GeometryError
from .moderation import republish_at
from .publishing import RELATED_ATTRS, publish
from .store import Reader, Store, Writer

MONTHS = {"sv": ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
                 "september", "oktober", "november", "december"),
          "en": ("January", "February", "March", "April", "May", "June", "July", "August",
                 "September", "October", "November", "December")}


def _record(reader: Reader, collection: str, feature_id: str, who: Organiser | None
            ) -> dict[str, Any]:
    row = reader.organiser_row(collection, feature_id)  # exact, if protected
    what = f"{collection[:-1]} {feature_id!r}"
    if row is None:
        policy.signed_in(who)
        raise NotFound(f"There is no {what}.")
    policy.authorise_object(who, row["municipality"], what)
    return json.loads(row["record"])


def _name(record: dict[str, Any], lang: str) -> str:
    return i18n.pick(record["texts"].get("name"), lang)[0] or record["id"]


# -- what is waiting ------------------------------------------------------------------


def overview(store: Store, settings: survey.Settings, who: Organiser | None,
             municipality: str | None, lang: str) -> dict[str, Any]:
    """Every place and trail of the organiser's municipalities that still needs a
    survey, with its consensus so far (places) or its pending tracks (trails)."""
    scope = policy.scope(who, municipality)
    with store.reader() as reader:
        agreed = survey.consensus_by_place(reader, scope, settings.rules)
        tracks = reader.track_counts(scope)
        rows = [json.loads(r["record"]) for c in domain.GEODATA_COLLECTIONS
                for r in reader.organiser_records(c)]
    places, trails = [], []
    for record in rows:
        if record["municipality"] not in scope:
            continue
        if record["collection"] == "places" and survey.needs_survey(record):
            c = agreed.get(record["id"])
            places.append({"id": record["id"], "name": _name(record, lang),
                           "municipality": record["municipality"],
                           "accuracy": record["accuracy"],
                           "consensus": c.as_dict() if c else None,
                           "ready": bool(c and c.ready)})
        elif record["collection"] == "trails":
            counts = tracks.get(record["id"], {})
            trails.append({"id": record["id"], "name": _name(record, lang),
                           "municipality": record["municipality"],
                           "accuracy": record["accuracy"],
                           "tracks": {"pending": counts.get("pending", 0),
                                      "published": counts.get("published", 0)}})
    places.sort(key=lambda p: (not p["ready"], -(p["consensus"] or {}).get("votes", 0),
                               p["name"]))
    trails.sort(key=lambda t: t["name"])
    return {"places": places, "trails": trails}


def place(store: Store, settings: survey.Settings, who: Organiser | None, place_id: str,
          lang: str) -> dict[str, Any]:
    """One place's survey: its old point and uncertainty, every pending fix (accuracy,
    method, day, note, photo, distance to the consensus, outlier or not) and the
    consensus."""
    with store.reader() as reader:
        record = _record(reader, "places", place_id, who)
        rows = reader.fixes_of_place(place_id)
    agreed = consensus.combine(survey.voters(rows), settings.rules)
    voter_of = {f.id: f.voter for f in survey.voters(rows)}
    labels: dict[str, str] = {}
    fixes = []
    for r in rows:
        label = labels.setdefault(voter_of[r["id"]], f"S{len(labels) + 1}")
        fixes.append({
            "id": r["id"], "surveyor": label, "pseudonym": r["pseudonym"],
            "lon": r["lon"], "lat": r["lat"], "accuracy_m": r["accuracy_m"],
            "method": r["method"], "observed_on": r["observed_on"],
            "received_on": r["received_on"], "note": r["note"],
            "photo": f"/media/{r['photo_file']}" if r["photo_file"] else None,
            "thumbnail": f"/media/{r['photo_thumb']}" if r["photo_thumb"] else None,
            "credit": bool(r["credit"]),
            "distance_m": agreed.distance_m.get(r["id"]),
            "outlier": r["id"] in agreed.outliers})
    old = record["geometry"]["coordinates"][:2] if record["geometry"] else None
    moved = None
    if old is not None and agreed.lon is not None:
        moved = round(float(geo.geodesic_distances_m(old[0], old[1], np.array([agreed.lon]),
                                                     np.array([agreed.lat]))[0]), 1)
    return {"place": {**place_ref(place_id), "name": _name(record, lang),
                      "municipality": record["municipality"], "accuracy": record["accuracy"],
                      "point": old, "uncertainty_m": survey.uncertainty_m(record),
                      "location_note": i18n.pick(record["texts"].get("location_note"),
                                                 lang)[0]},
            "fixes": fixes, "consensus": {**agreed.as_dict(), "moved_m": moved},
            "rules": {"min_fixes": settings.rules.min_votes,
                      "agree_within_m": settings.rules.agree_m}}


# -- deciding a place -----------------------------------------------------------------


def _month() -> str:
    return datetime.now(UTC).strftime("%Y-%m")


def _provenance_note(survey_attr: dict[str, Any]) -> dict[str, str | None]:
    year, month = survey_attr["month"].split("-")
    when = {lang: f"{MONTHS[lang][int(month) - 1]} {year}" for lang in MONTHS}
    if survey_attr["method"] == "set by an organiser":
        return {"sv": f"Läget är satt av kommunen efter en fältinventering, {when['sv']}.",
                "en": f"The location was set by the municipality after a field survey, "
                      f"{when['en']}.", "tn": None}
    if "tracks" in survey_attr:
        n = survey_attr["tracks"]
        return {"sv": f"Leden är inmätt i fält av unga: {n} spår, {when['sv']}.",
                "en": f"The line was walked and recorded by young surveyors: {n} track(s), "
                      f"{when['en']}.", "tn": None}
    n, spread = survey_attr["fixes"], survey_attr["spread_m"]
    return {"sv": f"Läget är uppmätt i fält av unga: {n} mätningar, spridning {spread:g} m, "
                  f"{when['sv']}.",
            "en": f"Located in the field by young surveyors: {n} fixes, spread {spread:g} m, "
                  f"{when['en']}.", "tn": None}


def _publish_located(writer: Writer, record: dict[str, Any], geometry: dict[str, Any],
                     survey_attr: dict[str, Any], credited: list[str]) -> dict[str, Any]:
    before = json.loads(json.dumps(record))
    record["geometry"] = geometry
    record["accuracy"] = "surveyed"
    attrs = {k: v for k, v in record["attrs"].items() if k not in RELATED_ATTRS}
    attrs.pop("uncertainty_m", None)
    attrs["survey"] = survey_attr
    if credited:
        attrs["surveyed_by"] = credited
    else:
        attrs.pop("surveyed_by", None)
    record["attrs"] = attrs
    record["texts"]["location_note"] = _provenance_note(survey_attr)
    publish(writer, record)
    return before


def decide_place(store: Store, settings: survey.Settings, who: Organiser | None,
                 place_id: str, action: str, reason: str | None = None,
                 lon: float | None = None, lat: float | None = None) -> dict[str, Any]:
    """approve (the consensus becomes the place's location), set (a position the
    organiser chose, e.g. after reading the fixes' notes) or reject (the fixes, with a
    reason; the place keeps its location)."""
    day = survey.today_utc()
    with store.writer() as writer:
        record = _record(writer, "places", place_id, who)
        if not survey.needs_survey(record):
            raise Conflict("This place is already located; edit it in Places to move it.")
        rows = writer.fixes_of_place(place_id)
        agreed = consensus.combine(survey.voters(rows), settings.rules)
        if action == "reject":
            if not reason or not reason.strip():
                raise Unprocessable("reason", "say why the fixes are rejected")
            if not rows:
                raise Conflict("There are no pending fixes to reject.")
            writer.decide_fixes(place_id, [], day, reason.strip()[:500])
            audit.record(writer, who, "survey-reject", "place", place_id,
                         record["municipality"], {"fixes": len(rows)}, {"reason": reason})
            return {"place": place_ref(place_id), "decision": "rejected",
                    "fixes": len(rows)}
        if action == "approve":
            if not agreed.ready:
                raise Conflict(f"The fixes do not agree yet: {agreed.counted} independent "
                               f"fix(es) within {agreed.spread_m} m; at least "
                               f"{settings.rules.min_votes} within {settings.rules.agree_m:g} m "
                               "are needed. Set the location by hand instead if you are sure.")
            point = [agreed.lon, agreed.lat]
            survey_attr = {"method": "field survey", "fixes": agreed.counted,
                           "spread_m": agreed.spread_m, "month": _month()}
            accepted = [r["id"] for r in rows if r["id"] not in agreed.outliers]
        elif action == "set":
            if lon is None or lat is None:
                raise Unprocessable("lon" if lon is None else "lat",
                                    "give the position to set (lon and lat)")
            point = [round(lon, 7), round(lat, 7)]
            survey_attr = {"method": "set by an organiser", "month": _month()}
            accepted = [r["id"] for r in rows if r["id"] not in agreed.outliers]
        else:
            raise Unprocessable("action", "must be approve, set or reject")
        geometry = {"type": "Point", "coordinates": point}
        try:
            geo.check_in_municipality(geo.parse_geometry(geometry),
                                      domain.MUNICIPALITIES[record["municipality"]])
        except GeometryError:
            raise Unprocessable("lon", "the position is outside the place's municipality") \
                from None
        writer.decide_fixes(place_id, accepted, day, "not used: too far from the others")
        credited = writer.credited_pseudonyms("fix", place_id)
        before = _publish_located(writer, record, geometry, survey_attr, credited)
        republish_at(writer, place_id)  # its stories move with it
        after = json.loads(writer.organiser_row("places", place_id)["record"])
        audit.record(writer, who, f"survey-{action}", "place", place_id,
                     record["municipality"], before, after)
    return {"place": place_ref(place_id), "decision": action, "geometry": geometry,
            "survey": survey_attr, "fixes_used": len(accepted), "fixes": len(rows)}


# -- trails ---------------------------------------------------------------------------


def trail(store: Store, settings: survey.Settings, who: Organiser | None, trail_id: str,
          lang: str) -> dict[str, Any]:
    """A trail's pending and published tracks, and how far apart each pair lies."""
    with store.reader() as reader:
        record = _record(reader, "trails", trail_id, who)
        rows = reader.tracks_of_trail(trail_id, ("pending", "published"))
    crs = domain.MUNICIPALITIES[record["municipality"]].metric_crs
    tracks = [{"id": r["id"], "status": r["status"], "pseudonym": r["pseudonym"],
               "stages": json.loads(r["stages"]), "length_m": r["length_m"],
               "coverage": r["coverage"], "points_in": r["points_in"],
               "points_out": r["points_out"], "observed_on": r["observed_on"],
               "received_on": r["received_on"], "note": r["note"], "credit": bool(r["credit"]),
               "geometry": json.loads(r["geometry"])} for r in rows]
    pairs = []
    # Walks may cross themselves (out and back): shapely as is, not the checked parser.
    lines = {t["id"]: shape(t["geometry"]) for t in tracks[:12]}
    ids = list(lines)
    for i, a in enumerate(ids):
        for b in ids[i + 1:]:
            mean_m, max_m = survey_tracks.distance_between_m(lines[a], lines[b], crs)
            pairs.append({"a": a, "b": b, "mean_m": round(mean_m, 1), "max_m": round(max_m, 1)})
    return {"trail": {"id": trail_id, "name": _name(record, lang),
                      "municipality": record["municipality"], "accuracy": record["accuracy"],
                      "official_length_m": survey.official_length_m(record, []),
                      "geometry": record["geometry"]},
            "tracks": tracks, "distances": pairs,
            "length_warning_share": settings.length_warn}


def publish_trail(store: Store, settings: survey.Settings, who: Organiser | None,
                  trail_id: str, track_ids: list[str]) -> dict[str, Any]:
    """The trail's line from one track, or several in stage order (a MultiLineString):
    audited, published at once; pending tracks not used are rejected."""
    if not track_ids:
        raise Unprocessable("tracks", "name at least one track, in stage order")
    if len(set(track_ids)) != len(track_ids):
        raise Unprocessable("tracks", "names a track twice")
    with store.writer() as writer:
        record = _record(writer, "trails", trail_id, who)
        by_id = {r["id"]: r for r in writer.tracks_of_trail(trail_id, ("pending", "published"))}
        missing = [t for t in track_ids if t not in by_id]
        if missing:
            raise Unprocessable("tracks", f"trail {trail_id!r} has no track {missing[0]!r} "
                                "waiting or published")
        lines = [json.loads(by_id[t]["geometry"])["coordinates"] for t in track_ids]
        geometry = ({"type": "LineString", "coordinates": lines[0]} if len(lines) == 1
                    else {"type": "MultiLineString", "coordinates": lines})
        length = sum(by_id[t]["length_m"] for t in track_ids)
        stages = sorted({s for t in track_ids for s in json.loads(by_id[t]["stages"])})
        official = survey.official_length_m(record, stages)
        warning = None
        if official and abs(length - official) / official > settings.length_warn:
            warning = (f"The line is {length / 1000:.2f} km, the official length "
                       f"{official / 1000:.2f} km: {abs(length - official) / official:.0%} "
                       "apart. Check that the right tracks were chosen.")
        try:
            geo.check_in_municipality(geo.parse_geometry(geometry),
                                      domain.MUNICIPALITIES[record["municipality"]])
        except GeometryError as exc:
            raise Unprocessable("tracks", f"these tracks do not make a trail line: {exc}. "
                                "Choose tracks that do not cross themselves or each other, "
                                "or split the trail into stages") from None
        before = json.loads(json.dumps(record))
        writer.decide_tracks(trail_id, track_ids, survey.today_utc(), "not used for the line")
        record["geometry"] = geometry
        record["accuracy"] = "surveyed"
        survey_attr = {"method": "field survey", "tracks": len(track_ids), "month": _month()}
        record["attrs"]["survey"] = survey_attr
        credited = writer.credited_pseudonyms("track", trail_id)
        if credited:
            record["attrs"]["surveyed_by"] = credited
        else:
            record["attrs"].pop("surveyed_by", None)
        record["texts"]["location_note"] = _provenance_note(survey_attr)
        publish(writer, record)
        after = json.loads(writer.feature_row("trails", trail_id)["record"])
        audit.record(writer, who, "survey-publish", "trail", trail_id, record["municipality"],
                     before, after)
    return {"trail": {"id": trail_id, "href": f"/collections/trails/items/{trail_id}"},
            "geometry_type": geometry["type"], "length_m": round(length, 1),
            "official_length_m": official, "warning": warning}


def reject_track(store: Store, who: Organiser | None, track_id: str, reason: str) -> None:
    if not reason or not reason.strip():
        raise Unprocessable("reason", "say why the track is rejected")
    with store.writer() as writer:
        row = writer.survey_item("track", track_id)
        if row is None:
            policy.signed_in(who)
            raise NotFound(f"There is no track {track_id!r}.")
        policy.authorise_object(who, row["municipality"], f"track {track_id!r}")
        if row["status"] != "pending":
            raise Conflict(f"This track is {row['status']}, not waiting.")
        writer.reject_track(track_id, survey.today_utc(), reason.strip()[:500])
        audit.record(writer, who, "survey-reject", "track", track_id, row["municipality"],
                     {"status": "pending"}, {"status": "rejected", "reason": reason})


# -- open data ------------------------------------------------------------------------

#: Proposed OpenStreetMap tags per kind of place (a mapper checks them before use).
OSM_TAGS: dict[str, dict[str, str]] = {
    "church": {"amenity": "place_of_worship", "religion": "christian", "building": "church"},
    "museum": {"tourism": "museum"},
    "archaeological-site": {"historic": "archaeological_site"},
    "farmhouse": {"historic": "farm"},
    "historic-building": {"historic": "building"},
    "industrial-heritage": {"historic": "yes"},
    "nature-heritage": {"leisure": "nature_reserve", "boundary": "protected_area"},
    "viewpoint": {"tourism": "viewpoint"},
    "town": {"place": "town"},
}


def osm_export(store: Store, who: Organiser | None, municipality: str | None
               ) -> dict[str, Any]:
    """Surveyed places and trail lines as GeoJSON with proposed OpenStreetMap tags:
    positions, names and how they were surveyed; no pseudonym or other personal data."""
    scope = policy.scope(who, municipality)
    with store.reader() as reader:
        rows = [json.loads(r["record"]) for c in domain.GEODATA_COLLECTIONS
                for r in reader.records(c)]
    features = []
    for record in rows:
        if record["municipality"] not in scope or record["accuracy"] != "surveyed":
            continue
        names = record["texts"].get("name") or {}
        local = domain.MUNICIPALITIES[record["municipality"]].primary_lang
        tags: dict[str, Any] = {}
        if record["collection"] == "places":
            tags.update(OSM_TAGS.get(record["kind"], {"historic": "yes"}))
        else:
            tags.update({"type": "route", "route": "hiking"})
        if names.get(local) or names.get("en"):
            tags["name"] = names.get(local) or names.get("en")
        for lang in domain.LANGS:
            if names.get(lang) and names.get(lang) != tags.get("name"):
                tags[f"name:{lang}"] = names[lang]
        prov = record["attrs"].get("survey", {})
        tags["source"] = "survey"
        tags["source:date"] = prov.get("month")
        features.append({"type": "Feature", "id": f"{record['collection']}/{record['id']}",
                         "geometry": record["geometry"],
                         "properties": {"proposed_osm_tags": tags,
                                        "survey": {k: v for k, v in prov.items()},
                                        "trailapp_id": record["id"],
                                        "licence": domain.SURVEY_DATA_LICENCE}})
    return {"type": "FeatureCollection", "features": features,
            "licence": domain.SURVEY_DATA_LICENCE,
            "note": "Positions measured by young surveyors with phones and approved by the "
                    "municipality. Review each against imagery before adding it to "
                    "OpenStreetMap. No personal data is included."}


# -- retention ------------------------------------------------------------------------


def purge_decided(writer: Writer, settings: survey.Settings, now: datetime
                  ) -> tuple[int, list[str]]:
    """Inside the retention job's write: erase fixes and tracks whose place or trail was
    decided more than the retention time ago, or that have waited more than a year
    (SURVEY_PENDING_DAYS) with no decision; return how many went and their photo files."""
    decided = (now - timedelta(days=settings.retention_days)).date().isoformat()
    waited = (now - timedelta(days=domain.SURVEY_PENDING_DAYS)).date().isoformat()
    files: list[str] = []
    count = 0
    for kind in ("fix", "track"):
        rows = writer.survey_items_expired(kind, decided, waited)
        for row in rows:
            files += [n for n in (row.get("photo_file"), row.get("photo_thumb")) if n]
            writer.delete_survey_item(kind, row["id"])
        count += len(rows)
    return count, files
