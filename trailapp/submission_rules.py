"""The rules a submission's fields must meet: plain text within its limits, a place
(by id, or the nearest within the snapping distance of a point that is never kept),
the current privacy notice, a guardian's consent below the municipality's age, a word
on the people in photos, and an activity's times in its municipality's zone.

Plain Python over a store snapshot; every refusal is a 422 naming the field.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from . import domain, geo, privacy, questions, text, translation_rules
from .domain import AGE_BANDS, TEXT_LIMITS
from .errors import Unprocessable
from .store import Reader
from .store.features import FeatureFilter
from .times import parse_instant


@dataclass
class Submission:
    """The fields of a submission, already of the right types (see http.models)."""

    kind: str
    lang: str
    title: str
    body: str
    pseudonym: str
    age_band: str
    consent_by: str
    consent_notice_version: str
    place: str | None = None
    point: tuple[float, float] | None = None
    people_in_media: bool | None = None
    people_consented: bool | None = None
    starts_at: str | None = None
    ends_at: str | None = None
    meeting_point: str | None = None
    capacity: int | None = None
    content_notes: list[str] | None = None  # suggested; applied on approval (moderation)
    joint: bool | None = None  # an activity held by both towns' young people together
    # A translation (issue 13): what it translates, and the translator's own town.
    parent_id: str | None = None
    target: str | None = None
    municipality: str | None = None


def checked_row(reader: Reader, sub: Submission, *, guardian_under: dict[str, int],
                snap_m: float) -> dict[str, Any]:
    """Apply every rule to the fields; return the row to store (without ids, times and
    hashes)."""
    try:
        title = text.clean(sub.title, field="title", max_length=TEXT_LIMITS["title"],
                           multiline=False)
        body = text.clean(sub.body, field="body", max_length=TEXT_LIMITS["body"])
        pseudonym = text.pseudonym(sub.pseudonym)
        meeting_point = (text.clean(sub.meeting_point, field="meeting_point",
                                    max_length=TEXT_LIMITS["meeting_point"], multiline=False)
                         if sub.meeting_point else None)
    except text.TextError as exc:
        name = str(exc).split(" ", 1)[0]
        raise Unprocessable(name, str(exc)) from None
    exchange: dict[str, Any] = {}
    if sub.kind == "translation":
        # The original's place; the translator's town decides on it (policy.py).
        place = translation_rules.check_new(reader, sub.target or "contribution",
                                            sub.parent_id or "", sub.lang)
        municipality = sub.municipality or ""
        if municipality not in domain.MUNICIPALITIES:
            raise Unprocessable("municipality", "say which town the translator lives in")
    else:
        place = _place(reader, sub, snap_m)
        municipality = place["municipality"]
        exchange = questions.check(reader, sub.kind, place, sub.parent_id)
    check_consent(municipality, sub.age_band, sub.consent_by, sub.consent_notice_version,
                  guardian_under)
    row: dict[str, Any] = {
        "kind": sub.kind, "place_id": place["id"], "municipality": municipality,
        "lang": sub.lang, "title": title, "body": body, "pseudonym": pseudonym,
        "age_band": sub.age_band, "consent_by": sub.consent_by,
        "consent_notice_version": sub.consent_notice_version,
        "people_in_media": None if sub.people_in_media is None else int(sub.people_in_media),
        "people_consented": (None if sub.people_consented is None
                             else int(sub.people_consented)),
        "flags": json.dumps(text.flags([title, body, meeting_point or "",
                                         *exchange_pseudonym(sub.kind, pseudonym)],
                                        sub.lang)),
        "content_notes_suggested": json.dumps(
            [n for n in domain.CONTENT_NOTES if n in (sub.content_notes or [])]),
        **exchange,
    }
    if sub.kind == "translation":
        row["parent_id"] = sub.parent_id
    if sub.kind == "activity":
        row.update(_activity_times(sub, municipality), meeting_point=meeting_point,
                   capacity=sub.capacity, joint=int(bool(sub.joint)))
    else:
        for name in ("starts_at", "ends_at", "meeting_point", "capacity", "joint"):
            if getattr(sub, name) is not None:
                raise Unprocessable(name, "only activities have this field")
    return row


def exchange_pseudonym(kind: str, pseudonym: str) -> list[str]:
    """In the exchange the pseudonym is checked with the text (it is shown to the other
    town's young people beside it): "snap kim99" as a name is contact details too."""
    return [pseudonym] if kind in domain.EXCHANGE_KINDS else []


def check_consent(municipality: str, age_band: str, consent_by: str, notice_version: str,
                  guardian_under: dict[str, int]) -> None:
    """Consent to the current notice, by a guardian below the municipality's age."""
    if notice_version != privacy.VERSION:
        raise Unprocessable("consent_notice_version",
                            f"consent must refer to the current privacy notice, version "
                            f"{privacy.VERSION} (see /privacy-notice)")
    threshold = guardian_under[municipality]
    if AGE_BANDS[age_band] < threshold and consent_by != "guardian":
        where = domain.MUNICIPALITIES[municipality].name["en"]
        raise Unprocessable("consent_by", f"in {where} a parent or guardian must give consent "
                            f"for anyone under {threshold}; ask them to agree and send "
                            "consent_by=guardian")


def _place(reader: Reader, sub: Submission, snap_m: float) -> dict[str, Any]:
    if sub.place is not None and sub.point is not None:
        raise Unprocessable("place", "give either place or point, not both")
    if sub.place is not None:
        place = reader.feature_row("places", sub.place)
        if place is None:
            raise Unprocessable("place", f"there is no place {sub.place!r}")
        return place
    if sub.point is None:
        raise Unprocessable("place", "say which place this is about: place (an id) or "
                            "point (lon,lat)")
    lon, lat = sub.point
    found = [c for c in reader.near_candidates(FeatureFilter("places"), lon, lat, snap_m)
             if c.geom_type == "Point"]
    if found:
        dist = geo.geodesic_distances_m(lon, lat, np.array([c.minx for c in found]),
                                        np.array([c.miny for c in found]))
        best = int(np.argmin(dist))
        if dist[best] <= snap_m:
            place = reader.feature_row("places", found[best].id)
            if place is not None:
                return place  # the contributor's own position is not kept
    raise Unprocessable("point", f"no heritage place lies within {snap_m:.0f} m of "
                        "this point; choose a place from the list instead")


def check_people(sub: Submission) -> None:
    """Photos need a word on the people in them, and their agreement."""
    if sub.people_in_media is None:
        raise Unprocessable("people_in_media", "say whether people can be recognised in "
                            "the photos (true or false)")
    if sub.people_in_media and sub.people_consented is not True:
        raise Unprocessable("people_consented", "everyone who can be recognised in a photo "
                            "must agree before it is sent; send people_consented=true once "
                            "they have")


def _activity_times(sub: Submission, municipality: str) -> dict[str, Any]:
    if sub.starts_at is None or sub.ends_at is None:
        raise Unprocessable("starts_at" if sub.starts_at is None else "ends_at",
                            "an activity needs a start and an end (RFC 3339 date-time)")
    try:
        starts = parse_instant(sub.starts_at)
    except ValueError as exc:
        raise Unprocessable("starts_at", str(exc)) from None
    try:
        ends = parse_instant(sub.ends_at)
    except ValueError as exc:
        raise Unprocessable("ends_at", str(exc)) from None
    if ends <= starts:
        raise Unprocessable("ends_at", "the activity must end after it starts")
    if ends - starts > timedelta(days=31):
        raise Unprocessable("ends_at", "an activity may last at most 31 days")
    zone = domain.MUNICIPALITIES[municipality].timezone
    tz = ZoneInfo(zone)
    return {"starts_at": starts.astimezone(tz).isoformat(),
            "ends_at": ends.astimezone(tz).isoformat(), "time_zone": zone}
