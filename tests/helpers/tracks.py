"""Recorded walks for the survey-track tests: a walk generated along a realistic line
in Bollnäs (legs of a given bearing and length), one fix every 2 s at 1.3 m/s with a
little GPS noise, timestamps and elevation, written as real GPX by gpxpy."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import gpxpy.gpx
import numpy as np
from pyproj import Geod

WGS84 = Geod(ellps="WGS84")
START = (16.38, 61.35)  # lon, lat: the recording starts here
STARTED_AT = datetime(2024, 5, 18, 9, 0, 0, tzinfo=UTC)
#: (bearing in degrees, length in metres): the first leg is straight for 800 m.
LEGS = ((45.0, 800.0), (80.0, 600.0), (20.0, 700.0), (100.0, 500.0), (60.0, 900.0))


@dataclass
class Walk:
    """Fixes of a recorded walk: lon, lat, elevation and seconds after STARTED_AT."""

    lon: list[float]
    lat: list[float]
    ele: list[float]
    seconds: list[float]
    spikes: list[int] = field(default_factory=list)  # indices of the spikes

    def gpx(self, times: bool = True, elevation: bool = True) -> bytes:
        """The walk as a GPX 1.1 file written by gpxpy (one track, one segment)."""
        doc = gpxpy.gpx.GPX()
        track = gpxpy.gpx.GPXTrack(name="Hälsingeleden, etapp 1")
        segment = gpxpy.gpx.GPXTrackSegment()
        for lon, lat, ele, s in zip(self.lon, self.lat, self.ele, self.seconds, strict=True):
            segment.points.append(gpxpy.gpx.GPXTrackPoint(
                lat, lon, elevation=ele if elevation else None,
                time=STARTED_AT + timedelta(seconds=s) if times else None))
        track.segments.append(segment)
        doc.tracks.append(track)
        return doc.to_xml(version="1.1").encode("utf-8")


def line_vertices(start=START, legs=LEGS) -> list[tuple[float, float]]:
    """The true line: its vertices, leg after leg from the start."""
    out = [start]
    for bearing, length in legs:
        lon, lat, _ = WGS84.fwd(out[-1][0], out[-1][1], bearing, length)
        out.append((lon, lat))
    return out


def walk(legs=LEGS, start=START, speed_mps=1.3, every_s=2.0, noise_m=1.0,
         spikes: tuple[int, ...] = (), spike_m=500.0, seed=12,
         vehicle: tuple[float, float, float] | None = None) -> Walk:
    """A walk along the legs. spikes: indices of fixes thrown spike_m to the east.
    vehicle: (bearing, metres, m/s) driven after the walk, still recording."""
    rng = np.random.default_rng(seed)
    vertices = line_vertices(start, legs)
    lon, lat, ele, seconds = [], [], [], []
    t = 0.0
    step = speed_mps * every_s
    for (bearing, length), (lon0, lat0) in zip(legs, vertices, strict=False):
        for d in np.arange(0.0, length, step):
            x, y, _ = WGS84.fwd(lon0, lat0, bearing, d)
            lon.append(x)
            lat.append(y)
            seconds.append(t)
            t += every_s
    lon.append(vertices[-1][0])
    lat.append(vertices[-1][1])
    seconds.append(t)
    if vehicle:
        bearing, length, mps = vehicle
        for d in np.arange(mps * every_s, length, mps * every_s):
            x, y, _ = WGS84.fwd(vertices[-1][0], vertices[-1][1], bearing, d)
            t += every_s
            lon.append(x)
            lat.append(y)
            seconds.append(t)
    n = len(lon)
    ele = list(60.0 + 8.0 * np.sin(np.arange(n) / 90.0) + rng.normal(0, 0.3, n))
    # GPS noise: a small random offset in a random direction for every fix
    az = rng.uniform(0, 360, n)
    dist = np.abs(rng.normal(0, noise_m, n))
    lon, lat, _ = WGS84.fwd(lon, lat, az, dist)
    lon, lat = list(lon), list(lat)
    for i in spikes:
        lon[i], lat[i], _ = WGS84.fwd(lon[i], lat[i], 90.0, spike_m)
    return Walk(lon, lat, [round(e, 2) for e in ele], seconds, list(spikes))


def true_length_m(legs=LEGS) -> float:
    """The length of the true line (sum of its legs)."""
    return sum(length for _, length in legs)
