"""GPX files for tests: a short real-looking walk in Bollnäs written by gpxpy, and its
geodesic length computed by pyproj as the reference."""

from __future__ import annotations

from pathlib import Path

import gpxpy.gpx
from pyproj import Geod

WGS84 = Geod(ellps="WGS84")


WALK = [(61.3400, 16.3900, 45.0), (61.3425, 16.3950, 47.5), (61.3440, 16.4030, 50.0),
        (61.3470, 16.4080, 52.0), (61.3510, 16.4100, 55.5)]


def write_gpx(path: Path, track: str | None = "Test leden", points=WALK,
              waypoints: tuple[tuple[str, float, float, str | None], ...] = ()) -> Path:
    """A GPX 1.1 file written by gpxpy: one track and any waypoints (name, lat, lon, type)."""
    doc = gpxpy.gpx.GPX()
    if track is not None:
        segment = gpxpy.gpx.GPXTrackSegment(
            [gpxpy.gpx.GPXTrackPoint(lat, lon, elevation=ele) for lat, lon, ele in points])
        doc.tracks.append(gpxpy.gpx.GPXTrack(name=track))
        doc.tracks[0].segments.append(segment)
    for name, lat, lon, kind in waypoints:
        doc.waypoints.append(gpxpy.gpx.GPXWaypoint(lat, lon, name=name, type=kind))
    path.write_text(doc.to_xml(version="1.1"), encoding="utf-8")
    return path


def walk_length_m() -> float:
    """The walk's length as the sum of geodesic segments (pyproj), the reference."""
    lats, lons = [p[0] for p in WALK], [p[1] for p in WALK]
    return sum(WGS84.inv(lons[:-1], lats[:-1], lons[1:], lats[1:])[2])
