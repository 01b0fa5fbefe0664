"""Tracks recorded while walking a trail: read a GPX or GeoJSON file, refuse what cannot
be accepted, and clean the rest into a line fit to store and show (issue 12). The order
of the steps is read_track's; docs/survey.md says it for the app team, and the steps
themselves live in track_cleaning.py. Plain Python: no Flask, no store; the HTTP layer
turns a TrackError into the one JSON error shape.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import defusedxml.ElementTree as SafeET
import gpxpy
import numpy as np
import shapely
from defusedxml import DefusedXmlException
from shapely.geometry import LineString, mapping
from shapely.geometry.base import BaseGeometry

from . import config, domain
from . import track_cleaning as clean
from .geo import GEOD, PRECISION, metric

# <trkpt or <rtept, any namespace prefix: counted in the raw bytes before any parser runs
_POINT_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:trk|rte)pt[\s/>]")


class TrackError(ValueError):
    """A track file that cannot be accepted; `field` and `message` say why.

    `status` suggests the HTTP answer: 400 for a file that cannot be read as GPX or
    GeoJSON (or that holds entities), 413 for one over a cap, 422 for a readable file
    against a rule.
    """

    def __init__(self, field: str, message: str, status: int = 422):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
        self.status = status


@dataclass(frozen=True)
class CleanTrack:
    """A cleaned track: no timestamps, elevation kept where the file had any."""

    line: LineString  # (lon, lat, elevation) or (lon, lat) when the file had no elevation
    length_m: float  # geodesic on WGS84
    points_in: int  # fixes read from the file
    points_out: int  # vertices of the line
    dropped_jumps: int  # spikes: fixes that jumped away and came back
    dropped_fast: int  # fixes at vehicle speed (only when the file had times)
    dropped_gaps: int  # fixes in the shorter pieces where the recording broke off
    trimmed_m: float  # metres cut from the two ends together, along the line

    def coverage(self, official_length_m: float) -> float:
        """The share (0..1) of a trail's official length that this track covers."""
        if not (isinstance(official_length_m, int | float) and math.isfinite(official_length_m)
                and official_length_m > 0):
            raise ValueError("the official length must be a positive number of metres")
        return min(1.0, self.length_m / official_length_m)

    def geometry(self) -> dict[str, Any]:
        """The line as a GeoJSON LineString (already rounded)."""
        return {"type": "LineString", "coordinates": [list(c) for c in mapping(self.line)[
            "coordinates"]]}


def read_track(data: bytes, content_type_or_name: str, municipality: domain.Municipality,
               settings: Any, *, field: str = "track") -> CleanTrack:
    """Read a GPX or GeoJSON track recorded in `municipality` and clean it.

    `settings` is the app's configuration (any mapping; missing keys take
    config.DEFAULTS). Raises TrackError naming `field`.
    """
    def setting(key: str) -> Any:
        return settings.get(key, config.DEFAULTS[key]) if settings else config.DEFAULTS[key]

    max_bytes, max_points = setting("TRACK_MAX_BYTES"), setting("TRACK_MAX_POINTS")
    if len(data) > max_bytes:
        raise TrackError(field, f"the file is {len(data)} bytes; the largest accepted is "
                         f"{max_bytes} bytes", 413)
    kind = _kind(data, content_type_or_name, field)
    if kind == "gpx":
        pts = _read_gpx(data, max_points, field)
    else:
        pts = _read_geojson(data, max_points, field)
    points_in = len(pts)
    if points_in < 2:
        raise TrackError(field, f"a track needs at least 2 points; the file has {points_in}")
    _check_finite(pts, field)

    jump_m = setting("TRACK_JUMP_M")
    pts, dropped_jumps = clean.drop_spikes(pts, jump_m)
    pts, cut_off = clean.split_at_gaps(pts, jump_m)  # before speeds: a glitch is no car
    pts, dropped_fast = clean.drop_fast(pts, setting("TRACK_MAX_SPEED_KMH"),
                                        setting("TRACK_SPEED_WINDOW_S"))
    pts, dropped_gaps = clean.split_at_gaps(pts, jump_m)  # where a car ride was dropped
    dropped_gaps += cut_off
    if len(pts) < 2:
        raise TrackError(field, f"no walk is left: of {points_in} points, {dropped_jumps} "
                         f"jumped, {dropped_fast} moved at vehicle speed and {dropped_gaps} "
                         "were cut off by gaps")
    _check_in(pts, municipality, field)
    has_ele = clean.fill_elevation(pts)
    try:
        pts, trimmed_m = clean.trim(pts, setting("TRACK_TRIM_M"))
    except clean.TooShort as exc:
        raise TrackError(field, str(exc)) from None
    pts.time = np.full(len(pts), np.nan)  # every timestamp goes here, before anything is kept
    pts = clean.simplify(pts, setting("TRACK_SIMPLIFY_M"), municipality.metric_crs)
    pts = clean.round_positions(pts, PRECISION, domain.TRACK_ELEVATION_DECIMALS)
    if len(pts) < 2:
        raise TrackError(field, "fewer than 2 points are left after trimming and "
                         "simplifying")
    coords = (np.column_stack([pts.lon, pts.lat, pts.ele]) if has_ele
              else np.column_stack([pts.lon, pts.lat]))
    line = LineString(coords)
    return CleanTrack(
        line=line, length_m=float(GEOD.geometry_length(line)), points_in=points_in,
        points_out=len(pts), dropped_jumps=dropped_jumps, dropped_fast=dropped_fast,
        dropped_gaps=dropped_gaps, trimmed_m=trimmed_m)


def distance_between_m(line_a: BaseGeometry, line_b: BaseGeometry, crs: str
                       ) -> tuple[float, float]:
    """How far apart two tracks are, in metres: (mean, max) over points sampled every
    domain.TRACK_COMPARE_STEP_M along each, of the distance to the other line (both ways,
    so the max is close to the Hausdorff distance). Planar in the metric `crs`."""
    a, b = metric(line_a, crs), metric(line_b, crs)
    found = np.concatenate([_sampled_distances(a, b), _sampled_distances(b, a)])
    return float(found.mean()), float(found.max())


def _sampled_distances(line: BaseGeometry, other: BaseGeometry) -> np.ndarray:
    samples = []
    for part in getattr(line, "geoms", [line]):
        at = np.append(np.arange(0.0, part.length, domain.TRACK_COMPARE_STEP_M), part.length)
        samples.append(shapely.line_interpolate_point(part, at))
    return np.asarray(shapely.distance(other, np.concatenate(samples)))


# -- reading the files ------------------------------------------------------------------


def _kind(data: bytes, declared: str, field: str) -> str:
    """'gpx' or 'geojson' from the bytes; a declared type or name must agree with them."""
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    sniffed = {b"<": "gpx", b"{": "geojson"}.get(head)
    said = (declared or "").strip().lower().split(";")[0].strip()
    named = next((k for k, marks in domain.TRACK_FORMATS.items()
                  if any(said == m or (m.startswith(".") and said.endswith(m))
                         for m in marks)), None)
    if sniffed is None:
        raise TrackError(field, "not a GPX or GeoJSON file (send a GPX 1.0/1.1 file or a "
                         "GeoJSON LineString)", 400)
    if named is not None and named != sniffed:
        raise TrackError(field, f"the file is said to be {named.upper()} but holds "
                         f"{sniffed.upper()}", 400)
    return sniffed


def _read_gpx(data: bytes, max_points: int, field: str) -> clean.Points:
    """All track segments and routes of a GPX file, in file order, as one run of fixes."""
    counted = len(_POINT_TAG.findall(data))
    if counted > max_points:
        raise TrackError(field, f"the file has {counted} points; the most accepted is "
                         f"{max_points}", 413)
    try:  # defusedxml first: gpxpy would expand entities
        SafeET.fromstring(data, forbid_dtd=True)
    except DefusedXmlException:
        raise TrackError(field, "XML with a DTD or entities is refused", 400) from None
    except SafeET.ParseError as exc:
        raise TrackError(field, f"not well-formed XML ({exc})", 400) from None
    try:
        doc = gpxpy.parse(data.decode("utf-8-sig"))
    except Exception as exc:  # gpxpy raises many kinds; all mean "unreadable"
        raise TrackError(field, f"not a readable GPX file ({exc})", 400) from None
    runs = [seg.points for trk in doc.tracks for seg in trk.segments]
    runs += [rte.points for rte in doc.routes]
    fixes = [p for run in runs for p in run]
    if not fixes:
        raise TrackError(field, "the file has " + ("only waypoints" if doc.waypoints else
                                                    "no points") + "; send a recorded track")
    if len(fixes) > max_points:
        raise TrackError(field, f"the file has {len(fixes)} points; the most accepted is "
                         f"{max_points}", 413)
    return clean.Points(
        np.array([float(p.longitude) for p in fixes]),
        np.array([float(p.latitude) for p in fixes]),
        np.array([_elevation(p.elevation) for p in fixes]),
        np.array([_seconds(getattr(p, "time", None)) for p in fixes]))


def _read_geojson(data: bytes, max_points: int, field: str) -> clean.Points:
    """A LineString or MultiLineString, bare or in a Feature; times in
    properties.coordTimes or as a 4th coordinate are read (for the speed rule) only."""
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise TrackError(field, f"not readable JSON ({type(exc).__name__})", 400) from None
    times: Any = None
    if isinstance(doc, dict) and doc.get("type") == "Feature":
        props = doc.get("properties")
        times = props.get("coordTimes") if isinstance(props, dict) else None
        doc = doc.get("geometry")
    gtype = doc.get("type") if isinstance(doc, dict) else None
    coords = doc.get("coordinates") if isinstance(doc, dict) else None
    if gtype == "LineString":
        lines, times = [coords], [times]
    elif gtype == "MultiLineString":
        lines = coords
    else:
        raise TrackError(field, "send a GeoJSON LineString or MultiLineString, bare or as "
                         f"a Feature's geometry (got {gtype!r})", 400)
    if not isinstance(lines, list) or not all(isinstance(line, list) for line in lines):
        raise TrackError(field, f"{gtype}: coordinates must be lists of positions")
    total = sum(len(line) for line in lines)
    if total > max_points:
        raise TrackError(field, f"the file has {total} points; the most accepted is "
                         f"{max_points}", 413)
    rows, index = [], 0
    for j, line in enumerate(lines):
        line_times = times[j] if isinstance(times, list) and j < len(times) else None
        if not (isinstance(line_times, list) and len(line_times) == len(line)):
            line_times = [None] * len(line)
        for pos, when in zip(line, line_times, strict=True):
            rows.append(_position(pos, when, index, field))
            index += 1
    arr = np.array(rows, dtype=float).reshape(-1, 4)
    return clean.Points(arr[:, 0], arr[:, 1], arr[:, 2], arr[:, 3])


def _position(pos: Any, when: Any, index: int, field: str) -> tuple[float, ...]:
    """(lon, lat, elevation, seconds) from a GeoJSON position; NaN for what is missing."""
    if not (isinstance(pos, list) and 2 <= len(pos) <= 4 and all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in pos)):
        raise TrackError(field, f"point {index}: a position must be [longitude, latitude] "
                         f"with an optional elevation, got {str(pos)[:60]}")
    lon, lat = float(pos[0]), float(pos[1])
    ele = _elevation(pos[2]) if len(pos) > 2 else math.nan
    seconds = _seconds(when)
    if len(pos) == 4:  # seconds or milliseconds since 1970
        seconds = pos[3] / 1000 if abs(pos[3]) > 1e11 else float(pos[3])
    return lon, lat, ele, seconds if 0 < seconds < 1e10 else math.nan  # else not a time


def _elevation(value: Any) -> float:
    """NaN when there is none; an elevation given as NaN becomes inf, so that the
    finite check refuses it rather than taking it for a missing one."""
    if value is None:
        return math.nan
    return float(value) if math.isfinite(value) else math.inf


def _seconds(when: Any) -> float:
    """Seconds since 1970 from a datetime or an ISO 8601 string; NaN otherwise."""
    if isinstance(when, str):
        try:
            when = datetime.fromisoformat(when.replace("Z", "+00:00"))
        except ValueError:
            return math.nan
    if not isinstance(when, datetime):
        return math.nan
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp()


# -- checks ------------------------------------------------------------------------------


def _check_finite(pts: clean.Points, field: str) -> None:
    """Refuse NaN, infinite or out-of-range positions, naming the first such point."""
    bad = ~(np.isfinite(pts.lon) & np.isfinite(pts.lat)) | (np.abs(pts.lon) > 180) \
        | (np.abs(pts.lat) > 90) | np.isinf(pts.ele)
    if bad.any():
        i = int(np.argmax(bad))
        ele = "not a number" if np.isinf(pts.ele[i]) else pts.ele[i]  # see _elevation
        raise TrackError(field, f"point {i} is not a usable position (longitude "
                         f"{pts.lon[i]}, latitude {pts.lat[i]}, elevation {ele}): "
                         "coordinates must be finite, longitude -180..180, latitude -90..90")


def _check_in(pts: clean.Points, m: domain.Municipality, field: str) -> None:
    """Refuse a track with a (cleaned) point outside the municipality's envelope."""
    minx, miny, maxx, maxy = m.envelope
    outside = (pts.lon < minx) | (pts.lon > maxx) | (pts.lat < miny) | (pts.lat > maxy)
    if outside.any():
        i = int(np.argmax(outside))
        lon, lat = pts.lon[i], pts.lat[i]
        hint = (" The coordinates look swapped: longitude comes first."
                if m.contains(lat, lon) else "")
        raise TrackError(field, f"the track leaves {m.name['en']}: [{lon}, {lat}] lies "
                         f"outside longitude {minx}..{maxx}, latitude {miny}..{maxy}.{hint}")
