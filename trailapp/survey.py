"""Young surveyors in the field: the survey tasks, and sending, checking and erasing a
position fix or a walked track (the organisers' review is in survey_review.py).

A fix is where a young person stood: it is never public, only organisers of the
place's municipality see it, and it goes when its sender erases it or a set time after
the place's location is decided. The rules of a contribution apply (pseudonym, age
band, consent to the current notice, a guardian below the municipality's age, a
keyed retry, a secret token, rate limits). A surveyor who sends several fixes sends
the token of the first one back (Authorization: Bearer): their fixes then count as
one vote. Plain Python: the HTTP layer hands in typed fields and files.

Longer than 300 lines because fixes and tracks share one pipeline (token, retry,
consent, limits, erasure), kept together so that the two cannot drift apart.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import math
import secrets
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo

import numpy as np

from . import (
    config,
    consensus,
    domain,
    erasure_log,
    geo,
    i18n,
    packcache,
    ratelimit,
    submission_limits,
    survey_tracks,
    text,
)
from .contributions import Settings as ContributionSettings
from .contributions import _keyed, _sender, _token, token_hash, token_matches
from .errors import InvalidParameter, MediaError, NotFound, Unauthorized, Unprocessable
from .features import place_ref
from .geo import GeometryError
from .media import read_capped
from .publishing import RELATED_ATTRS, publish
from .store import Reader, Store, Writer
from .submission_rules import check_consent


@dataclass(frozen=True)
class Settings:
    """What the survey needs from the configuration (see docs/operations.md)."""

    contributions: ContributionSettings
    rules: consensus.Rules = field(default_factory=consensus.Rules)
    max_accuracy_m: float = 50.0
    area_margin_m: float = 500.0
    retention_days: int = 30
    length_warn: float = 0.15
    tracks: dict[str, Any] = field(default_factory=dict)  # TRACK_* settings (config)


@dataclass
class Surveyor:
    """Who sends a fix or a track, and their consent (the typed fields of a request)."""

    pseudonym: str
    age_band: str
    consent_by: str
    consent_notice_version: str
    credit: bool = False


@dataclass
class FixFields:
    place: str
    lon: float
    lat: float
    accuracy_m: float
    method: str
    observed_on: str
    note: str | None = None
    people_in_media: bool | None = None
    people_consented: bool | None = None


@dataclass
class TrackFields:
    trail: str
    stages: list[int] = field(default_factory=list)
    observed_on: str | None = None
    note: str | None = None


def _today(municipality: str) -> date:
    return datetime.now(ZoneInfo(domain.MUNICIPALITIES[municipality].timezone)).date()


def today_utc() -> str:
    return datetime.now(ZoneInfo("UTC")).date().isoformat()


def _observed_on(value: str | None, municipality: str, name: str = "observed_on"
                 ) -> str | None:
    if value is None:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise Unprocessable(name, "must be a day, YYYY-MM-DD (never a time of day)") from None
    if len(value) != 10:
        raise Unprocessable(name, "must be a day, YYYY-MM-DD (never a time of day)")
    today = _today(municipality)
    if day > today:
        raise Unprocessable(name, "is in the future")
    if day < today - timedelta(days=366):
        raise Unprocessable(name, "is more than a year ago")
    return day.isoformat()


def _person(surveyor: Surveyor, municipality: str, settings: Settings) -> dict[str, Any]:
    try:
        pseudonym = text.pseudonym(surveyor.pseudonym)
    except text.TextError as exc:
        raise Unprocessable("pseudonym", str(exc)) from None
    check_consent(municipality, surveyor.age_band, surveyor.consent_by,
                  surveyor.consent_notice_version, settings.contributions.guardian_under)
    return {"pseudonym": pseudonym, "age_band": surveyor.age_band,
            "consent_by": surveyor.consent_by,
            "consent_notice_version": surveyor.consent_notice_version,
            "credit": int(surveyor.credit)}


def _note(note: str | None) -> str | None:
    if not note:
        return None
    try:
        return text.clean(note, field="note", max_length=domain.SURVEY_NOTE_LENGTH)
    except text.TextError as exc:
        raise Unprocessable("note", str(exc)) from None


def uncertainty_m(record: dict[str, Any]) -> float | None:
    """The radius around an approximate place's point within which it should lie."""
    value = record.get("attrs", {}).get("uncertainty_m")
    return float(value) if isinstance(value, int | float) else None


def needs_survey(record: dict[str, Any]) -> bool:
    """A place or trail whose location is approximate or unknown."""
    return record["accuracy"] in domain.SURVEY_ACCURACIES


def is_task(record: dict[str, Any]) -> bool:
    """Needs a survey and may be shown to young surveyors: a protected place is never a
    task (its exact point must not be sought out or revealed by a fix's distance)."""
    return needs_survey(record) and (record.get("protection") or "exact") == "exact"


# -- a fix ----------------------------------------------------------------------------


def _checked_fix(reader: Reader, f: FixFields, settings: Settings) -> tuple[dict[str, Any],
                                                                            dict[str, Any]]:
    for name in ("lon", "lat", "accuracy_m"):
        if not math.isfinite(getattr(f, name)):
            raise Unprocessable(name, "must be a finite number")
    if not -180 <= f.lon <= 180:
        raise Unprocessable("lon", "must be a longitude, -180..180")
    if not -90 <= f.lat <= 90:
        raise Unprocessable("lat", "must be a latitude, -90..90")
    if f.accuracy_m <= 0:
        raise Unprocessable("accuracy_m", "must be the phone's reported horizontal "
                            "accuracy in metres, above 0")
    if f.accuracy_m > settings.max_accuracy_m:
        raise Unprocessable("accuracy_m", f"is worse than {settings.max_accuracy_m:g} m: "
                            "wait for a better GPS fix (in the open, away from walls) "
                            "and send again")
    row = reader.feature_row("places", f.place)
    if row is None:
        raise Unprocessable("place", f"there is no place {f.place!r}")
    record = json.loads(row["record"])
    if not is_task(record):
        raise Unprocessable("place", "this place is already located; it needs no fix")
    municipality = domain.MUNICIPALITIES[record["municipality"]]
    try:
        geo.check_in_municipality(geo.parse_geometry(
            {"type": "Point", "coordinates": [f.lon, f.lat]}), municipality)
    except GeometryError:
        raise Unprocessable("lon", f"the position ({f.lon}, {f.lat}) is outside "
                            f"{municipality.name['en']}: check it is longitude, latitude "
                            "in that order") from None
    if record["geometry"] is not None:
        lon0, lat0 = record["geometry"]["coordinates"][:2]
        dist = float(geo.geodesic_distances_m(lon0, lat0, np.array([f.lon]),
                                              np.array([f.lat]))[0])
        allowed = (uncertainty_m(record) or 0.0) + settings.area_margin_m
        if dist > allowed:
            raise Unprocessable("lon", f"the position is {dist:.0f} m from this place's "
                                f"approximate area; a fix must lie within {allowed:.0f} m of "
                                "its point. Is this the right place?")
    fix = {"place_id": record["id"], "municipality": record["municipality"],
           "lon": round(f.lon, 7), "lat": round(f.lat, 7),
           "accuracy_m": round(f.accuracy_m, 1), "method": f.method,
           "observed_on": _observed_on(f.observed_on, record["municipality"]),
           "note": _note(f.note),
           "people_in_media": None if f.people_in_media is None else int(f.people_in_media),
           "people_consented": None if f.people_consented is None else int(f.people_consented)}
    return fix, record


def submit_fix(store: Store, settings: Settings, f: FixFields, surveyor: Surveyor,
               photo: BinaryIO | None, *, client: str, token: str | None,
               idempotency_key: str | None, install_id: str | None
               ) -> tuple[dict[str, Any], ratelimit.Quota | None]:
    """Accept a position fix as pending; the receipt holds the token to keep."""
    cs = settings.contributions
    data = read_capped(photo, cs.limits) if photo is not None else None

    def check(reader: Reader) -> dict[str, Any]:
        row, record = _checked_fix(reader, f, settings)
        row.update(_person(surveyor, record["municipality"], settings))
        if data is not None:
            if f.people_in_media is None:
                raise Unprocessable("people_in_media", "say whether people can be "
                                    "recognised in the photo (true or false)")
            if f.people_in_media and f.people_consented is not True:
                raise Unprocessable("people_consented", "everyone who can be recognised "
                                    "in the photo must agree before it is sent")
        return row

    fields = {**asdict(f), **asdict(surveyor)}
    return _submit(store, settings, "fix", check, fields, data, client=client, token=token,
                   idempotency_key=idempotency_key, install_id=install_id)


# -- a track --------------------------------------------------------------------------


def official_length_m(record: dict[str, Any], stages: list[int]) -> float | None:
    """The official length of a trail (or of the stages named), in metres."""
    attrs = record.get("attrs", {})
    if stages:
        by_seq = {s.get("seq"): s for s in attrs.get("stages") or [] if isinstance(s, dict)}
        km = [by_seq[s].get("length_km") for s in stages]
        return None if any(k is None for k in km) else 1000.0 * sum(km)
    lengths = attrs.get("official_length_km")
    if isinstance(lengths, dict) and lengths and set(lengths) <= set(domain.LANGS):
        lengths = next((v for v in lengths.values() if v), None)
    if isinstance(lengths, dict) and lengths:
        return 1000.0 * sum(lengths.values())
    return None


def _checked_track(reader: Reader, t: TrackFields, data: bytes, name: str,
                   settings: Settings) -> dict[str, Any]:
    row = reader.feature_row("trails", t.trail)
    if row is None:
        raise Unprocessable("trail", f"there is no trail {t.trail!r}")
    record = json.loads(row["record"])
    known = {s.get("seq") for s in record["attrs"].get("stages") or [] if isinstance(s, dict)}
    for seq in t.stages:
        if seq not in known:
            raise Unprocessable("stages", f"trail {t.trail!r} has no stage {seq}")
    if len(set(t.stages)) != len(t.stages):
        raise Unprocessable("stages", "names a stage twice")
    municipality = domain.MUNICIPALITIES[record["municipality"]]
    try:
        track = survey_tracks.read_track(data, name, municipality, settings.tracks)
    except survey_tracks.TrackError as exc:
        if exc.status == 400:
            raise InvalidParameter(exc.field, exc.message) from None
        if exc.status == 413:
            raise MediaError(413, exc.field, exc.message) from None
        raise Unprocessable(exc.field, exc.message) from None
    official = official_length_m(record, t.stages)
    return {"trail_id": record["id"], "municipality": record["municipality"],
            "stages": json.dumps(t.stages), "geometry": json.dumps(track.geometry()),
            "length_m": round(track.length_m, 1),
            "coverage": None if not official else round(track.coverage(official), 3),
            "points_in": track.points_in, "points_out": track.points_out,
            "observed_on": _observed_on(t.observed_on, record["municipality"]),
            "note": _note(t.note)}


def submit_track(store: Store, settings: Settings, t: TrackFields, surveyor: Surveyor,
                 upload: BinaryIO, file_name: str, *, client: str, token: str | None,
                 idempotency_key: str | None, install_id: str | None
                 ) -> tuple[dict[str, Any], ratelimit.Quota | None]:
    """Accept a walked track (GPX or GeoJSON), cleaned at once, as pending."""
    cap = settings.tracks.get("TRACK_MAX_BYTES", config.DEFAULTS["TRACK_MAX_BYTES"])
    data = upload.read(cap + 1)
    if len(data) > cap:
        raise MediaError(413, "track", f"the file is larger than {cap} bytes")

    def check(reader: Reader) -> dict[str, Any]:
        row = _checked_track(reader, t, data, file_name, settings)
        row.update(_person(surveyor, row["municipality"], settings))
        return row

    fields = {**asdict(t), **asdict(surveyor), "file": hashlib.sha256(data).hexdigest()}
    return _submit(store, settings, "track", check, fields, None, client=client, token=token,
                   idempotency_key=idempotency_key, install_id=install_id)


# -- the shared pipeline --------------------------------------------------------------


def _receipt(kind: str, row: dict[str, Any], token: str, replayed: bool) -> dict[str, Any]:
    out = {"id": row["id"], "kind": kind, "status": row["status"],
           "received_on": row["received_on"], "token": token, "replayed": replayed}
    if kind == "fix":
        out["place"] = place_ref(row["place_id"])
    else:
        out["trail"] = {"id": row["trail_id"], "href": f"/collections/trails/items/"
                        f"{row['trail_id']}"}
        out.update(length_m=row["length_m"], coverage=row["coverage"],
                   points_in=row["points_in"], points_out=row["points_out"])
    return out


def _submit(store: Store, settings: Settings, kind: str, check: Any, fields: dict[str, Any],
            photo: bytes | None, *, client: str, token: str | None,
            idempotency_key: str | None, install_id: str | None
            ) -> tuple[dict[str, Any], ratelimit.Quota | None]:
    cs = settings.contributions
    limits = submission_limits.of_submission(cs, client, install_id)
    sender = _sender(cs.secret, client, install_id)
    request_hash = _keyed(cs.secret, f"survey-{kind}", sender,
                          json.dumps(fields, sort_keys=True, default=str),
                          hashlib.sha256(photo or b"").hexdigest(), token_hash(token or ""))
    key_hash = (_keyed(cs.secret, f"survey-{kind}-idempotency", idempotency_key)
                if idempotency_key else None)
    if key_hash is not None:
        with store.reader() as reader:
            existing = reader.survey_item_by_idempotency(kind, key_hash)
        if existing is not None:
            if not hmac.compare_digest(existing["request_hash"], request_hash):
                raise Unprocessable("Idempotency-Key", "this key was already used for "
                                    "another request; use a new key for a new one")
            again = token or _token(cs.secret, f"survey\x1f{idempotency_key}")
            return (_receipt(kind, existing, again, replayed=True),
                    submission_limits.quota(store, limits))
    with store.reader() as reader:
        ratelimit.check_all(reader, limits)
        if token is not None and not reader.survey_token_known(token_hash(token)):
            raise Unauthorized("This survey token is not known (it may have been erased); "
                               "send the fix without it to get a new one.",
                               headers={"WWW-Authenticate": 'Bearer realm="survey"'})
        row = check(reader)
    names: list[str] = []
    try:
        if photo is not None:
            item = cs.media.process("photo", io.BytesIO(photo), cs.limits)
            names += [n for n in (item.file, item.thumb_file) if n]
            if item.kind != "image":
                raise MediaError(415, "photo", "a fix's photo must be a JPEG, PNG or WebP "
                                 "image")
            row.update(photo_file=item.file, photo_thumb=item.thumb_file)
        if token is None:
            token = _token(cs.secret, None if idempotency_key is None
                           else f"survey\x1f{idempotency_key}")
        row.update(id=secrets.token_hex(12), status="pending", token_hash=token_hash(token),
                   install_hash=(submission_limits.install_key(cs.secret, install_id)
                                 if install_id else None),
                   idempotency_key_hash=key_hash, request_hash=request_hash,
                   received_on=today_utc())
        with store.writer() as writer:
            if key_hash is not None and writer.survey_item_by_idempotency(kind, key_hash):
                raise Unprocessable("Idempotency-Key", "a request with this key is being "
                                    "handled; retry in a moment")
            ratelimit.record_all(writer, limits)
            writer.insert_survey_item(kind, row)
            cs.media.publish(names)
    except BaseException:
        cs.media.discard(names)
        raise
    return _receipt(kind, row, token, replayed=False), submission_limits.quota(store, limits)


# -- the surveyor's own view and erasure ----------------------------------------------


def owned(reader: Reader, kind: str, item_id: str, token: str | None) -> dict[str, Any]:
    """The fix or track this token was given for: 401 without a token, the same 404
    for "no such id" and "wrong token"."""
    if not token:
        raise Unauthorized("Send the token you got when you sent it, as "
                           "'Authorization: Bearer <token>'.",
                           headers={"WWW-Authenticate": 'Bearer realm="survey"'})
    row = reader.survey_item(kind, item_id)
    if row is None or not token_matches(row["token_hash"], token):
        raise NotFound(f"There is no {kind} {item_id!r} for this token.")
    return row


def status(store: Store, kind: str, item_id: str, token: str | None) -> dict[str, Any]:
    """What the surveyor may see of their own fix or track."""
    with store.reader() as reader:
        row = owned(reader, kind, item_id, token)
    out = {k: row[k] for k in ("id", "status", "pseudonym", "received_on", "decided_on",
                               "observed_on", "note")}
    out["kind"] = kind
    out["credit"] = bool(row["credit"])
    out["rejection_reason"] = row["rejection_reason"] if row["status"] == "rejected" else None
    if kind == "fix":
        out.update(place=place_ref(row["place_id"]), lon=row["lon"], lat=row["lat"],
                   accuracy_m=row["accuracy_m"], method=row["method"],
                   photo=f"/media/{row['photo_thumb']}" if row["photo_thumb"] else None)
    else:
        out.update(trail={"id": row["trail_id"],
                          "href": f"/collections/trails/items/{row['trail_id']}"},
                   stages=json.loads(row["stages"]), length_m=row["length_m"],
                   coverage=row["coverage"], geometry=json.loads(row["geometry"]))
    return out


def erase(store: Store, settings: Settings, kind: str, item_id: str, token: str | None
          ) -> None:
    """Erase one's own fix or track for good (its photo too); a credit it gave goes."""
    with store.writer() as writer:
        row = owned(writer, kind, item_id, token)
        files = erase_rows(writer, kind, [row])
    settings.contributions.media.discard(files)
    # So that restoring an older backup cannot bring it back (flask reapply-erasures).
    erasure_log.append(settings.contributions.erasure_log, [row["id"]])
    if settings.contributions.pack_dir and row["credit"]:
        packcache.purge(settings.contributions.pack_dir)
    store.checkpoint()


def erase_rows(writer: Writer, kind: str, rows: list[dict[str, Any]]) -> list[str]:
    """Delete fixes or tracks inside one write, withdrawing credits they gave; return
    their photo files."""
    files: list[str] = []
    for row in rows:
        files += [n for n in (row.get("photo_file"), row.get("photo_thumb")) if n]
        writer.delete_survey_item(kind, row["id"])
        if row["credit"] and row["status"] in ("accepted", "published"):
            target = row["place_id"] if kind == "fix" else row["trail_id"]
            credit_again(writer, kind, target, row["pseudonym"])
    return files


def credit_again(writer: Writer, kind: str, target: str, pseudonym: str) -> None:
    """Take an erased fix's or track's pseudonym off a place's or trail's surveyed_by,
    unless another stored fix or track of the same surveyor asked for credit too."""
    collection = "places" if kind == "fix" else "trails"
    row = writer.organiser_row(collection, target)  # exact, if protected
    if row is None or pseudonym in writer.credited_pseudonyms(kind, target):
        return
    record = json.loads(row["record"])
    names = record["attrs"].get("surveyed_by") or []
    if pseudonym not in names:
        return
    kept = [n for n in names if n != pseudonym]
    if kept:
        record["attrs"]["surveyed_by"] = kept
    else:
        record["attrs"].pop("surveyed_by", None)
    for name in RELATED_ATTRS:  # recounted by publish
        record["attrs"].pop(name, None)
    publish(writer, record)


# -- tasks ----------------------------------------------------------------------------


def voters(rows: list[dict[str, Any]]) -> list[consensus.Fix]:
    """Fixes with one voter per surveyor: rows that share a token or an app install
    are one voter (joined transitively)."""
    parent: dict[str, str] = {}

    def find(k: str) -> str:
        while parent.setdefault(k, k) != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for r in rows:
        if r.get("install_hash"):
            parent[find("t" + r["token_hash"])] = find("i" + r["install_hash"])
    return [consensus.Fix(r["id"], find("t" + r["token_hash"]), r["lon"], r["lat"],
                          r["accuracy_m"]) for r in rows]


def consensus_by_place(reader: Reader, municipalities: list[str], rules: consensus.Rules
                       ) -> dict[str, consensus.Consensus]:
    by_place: dict[str, list[dict[str, Any]]] = {}
    for r in reader.fix_positions(municipalities):
        by_place.setdefault(r["place_id"], []).append(r)
    return {pid: consensus.combine(voters(rows), rules) for pid, rows in by_place.items()}


def tasks(reader: Reader, settings: Settings, lang: str, municipality: str | None = None,
          near: tuple[float, float] | None = None, radius_m: float | None = None
          ) -> dict[str, Any]:
    """What is left to survey, as GeoJSON: places whose location is unknown or
    approximate (at their approximate point, or with null geometry) and trails without a
    surveyed line, with what helps to find them and what each still needs."""
    if near is not None:
        inside = [m.id for m in domain.MUNICIPALITIES.values() if m.contains(*near)]
        if municipality is not None and municipality not in inside:
            inside = []
        scope = inside
    else:
        scope = [municipality] if municipality else list(domain.MUNICIPALITY_IDS)
    agreed = consensus_by_place(reader, scope, settings.rules)
    tracks = reader.track_counts(scope)
    out: list[tuple[float, str, dict[str, Any]]] = []
    for collection in domain.GEODATA_COLLECTIONS:
        for row in reader.records(collection):
            record = json.loads(row["record"])
            if record["municipality"] not in scope or not is_task(record):
                continue
            feature = _task(record, lang, agreed.get(record["id"]), tracks.get(record["id"]),
                            settings)
            distance = None
            if near is not None and record["geometry"] is not None:
                lon0, lat0 = record["geometry"]["coordinates"][:2] if \
                    record["geometry"]["type"] == "Point" else (None, None)
                if lon0 is not None:
                    distance = float(geo.geodesic_distances_m(
                        near[0], near[1], np.array([lon0]), np.array([lat0]))[0])
                    reach = (radius_m or 0) + (uncertainty_m(record) or 0)
                    if distance > reach:
                        continue
                    feature["properties"]["distance_m"] = round(distance, 1)
            out.append((math.inf if distance is None else distance, record["id"], feature))
    out.sort(key=lambda t: (t[0], t[1]))
    return {"type": "FeatureCollection", "features": [f for _, _, f in out],
            "numberReturned": len(out)}


def _task(record: dict[str, Any], lang: str, agreed: consensus.Consensus | None,
          tracks: dict[str, int] | None, settings: Settings) -> dict[str, Any]:
    texts = record["texts"]
    props: dict[str, Any] = {
        "task": "locate-place" if record["collection"] == "places" else "record-trail",
        "collection": record["collection"], "municipality": record["municipality"],
        "kind": record["kind"], "accuracy": record["accuracy"],
        "location_label": i18n.label("unknown" if record["geometry"] is None
                                     else record["accuracy"], lang)}
    for name in ("name", "description", "location_note"):
        props[name] = i18n.pick(texts.get(name), lang)[0]
    address = record["attrs"].get("address")
    props["address"] = i18n.pick(address, lang)[0] if isinstance(address, dict) else address
    if record["collection"] == "places":
        props["place"] = place_ref(record["id"])
        props["uncertainty_m"] = uncertainty_m(record)
        votes = agreed.counted if agreed else 0
        props["fixes"] = {"independent": agreed.votes if agreed else 0, "agreeing": votes,
                          "needed": max(0, settings.rules.min_votes - votes),
                          "agree_within_m": settings.rules.agree_m,
                          "ready_for_review": bool(agreed and agreed.ready)}
    else:
        props["trail"] = {"id": record["id"],
                          "href": f"/collections/trails/items/{record['id']}"}
        props["stages"] = [{"seq": s.get("seq"), "from": s.get("from"), "to": s.get("to"),
                            "length_km": s.get("length_km")}
                           for s in record["attrs"].get("stages") or [] if isinstance(s, dict)]
        props["official_length_m"] = official_length_m(record, [])
        props["tracks"] = {"pending": (tracks or {}).get("pending", 0)}
    geometry = record["geometry"] if record["collection"] == "places" else None
    return {"type": "Feature", "id": f"{record['collection']}:{record['id']}",
            "geometry": geometry, "properties": props}
