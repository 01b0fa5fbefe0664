"""Trails: derived figures (geodesic length, walking time) and GPX 1.1 export."""

from __future__ import annotations

import copy
from typing import Any

import gpxpy.gpx

from . import i18n
from .geo import geodesic_length_m, parse_geometry

WALKING_SPEED_KMH = 4.0  # a plain planning pace; documented as an estimate


def walking_minutes(km: float | None) -> int | None:
    """Estimated walking time in minutes at WALKING_SPEED_KMH (no breaks or climbs)."""
    if km is None:
        return None
    return round(km / WALKING_SPEED_KMH * 60)


def with_derived(record: dict[str, Any]) -> dict[str, Any]:
    """A copy of a trail record with its length, walking times and stage order set.

    length_m is geodesic on WGS84 and null while no line is surveyed; the walking
    time uses that length, or else the official length, and says which.
    """
    record = copy.deepcopy(record)
    attrs = record["attrs"]
    geometry = record["geometry"]
    length_m = round(geodesic_length_m(parse_geometry(geometry)), 1) if geometry else None
    attrs["length_m"] = length_m
    official = attrs.get("official_length_km") or {}
    if set(official) <= set(i18n.LANGS):  # keyed by section names in each language
        official = i18n.pick(official, "en")[0] or {}
    official_total = round(sum(v for v in official.values() if isinstance(v, int | float)), 3)
    km = length_m / 1000 if length_m is not None else (official_total or None)
    attrs["walking_time_min"] = walking_minutes(km)
    attrs["walking_time_basis"] = {
        lang: i18n.LABELS["walking_time_basis"][lang] for lang in i18n.LANGS}
    attrs["walking_time_length_source"] = (
        "surveyed line" if length_m is not None else ("official length" if km else None))
    stages = sorted(attrs.get("stages") or [], key=lambda s: s["seq"])
    attrs["stages"] = [
        {**s, "walking_time_min": walking_minutes(s.get("length_km"))} for s in stages]
    attrs.setdefault("difficulty", None)
    return record


def to_gpx(record: dict[str, Any], lang: str, self_url: str) -> str:
    """A trail as a GPX 1.1 document: one track, one segment per line part."""
    name, _ = i18n.pick(record["texts"].get("name"), lang)
    description, _ = i18n.pick(record["texts"].get("description"), lang)
    doc = gpxpy.gpx.GPX()
    doc.version = "1.1"
    doc.creator = "trailapp"
    doc.name = name
    doc.description = description
    doc.link = self_url
    track = gpxpy.gpx.GPXTrack(name=name, description=description)
    geometry = record["geometry"]
    lines = ([geometry["coordinates"]] if geometry["type"] == "LineString"
             else geometry["coordinates"])
    for line in lines:
        segment = gpxpy.gpx.GPXTrackSegment()
        for pos in line:
            elevation = pos[2] if len(pos) > 2 else None
            segment.points.append(gpxpy.gpx.GPXTrackPoint(pos[1], pos[0], elevation=elevation))
        track.segments.append(segment)
    doc.tracks.append(track)
    return doc.to_xml(version="1.1")
