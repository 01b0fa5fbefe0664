"""Track benchmark: read_track end to end on a 20,000-point GPX walk, beside the bare
libraries doing the same core work (gpxpy parse, pyproj transform to SWEREF 99 TM,
shapely simplify at the same tolerance), in the same run. Also the defusedxml screen
alone, the part of the difference that is the safety check.

    .venv/bin/python bench/track_simplify.py [--points 20000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import defusedxml.ElementTree as SafeET
import gpxpy
import gpxpy.gpx
import numpy as np
import shapely
from pyproj import Geod, Transformer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from trailapp import config, domain  # noqa: E402
from trailapp.survey_tracks import read_track  # noqa: E402

BOLLNAS = domain.MUNICIPALITIES["bollnas"]
GEOD = Geod(ellps="WGS84")


def walk_gpx(points: int, seed: int = 12) -> bytes:
    """A walk in Bollnäs: 1.3 m/s, a fix a second, bearing changing slowly, 1 m noise,
    timestamps and elevation, written by gpxpy."""
    rng = np.random.default_rng(seed)
    bearing = 45 + np.cumsum(rng.normal(0, 2.0, points)).clip(-60, 60)
    lon, lat = np.empty(points), np.empty(points)
    lon[0], lat[0] = 16.38, 61.35
    for i in range(1, points):
        lon[i], lat[i], _ = GEOD.fwd(lon[i - 1], lat[i - 1], bearing[i], 1.3)
    nlon, nlat, _ = GEOD.fwd(lon, lat, rng.uniform(0, 360, points),
                             np.abs(rng.normal(0, 1.0, points)))
    ele = 60 + 10 * np.sin(np.arange(points) / 300)
    start = datetime(2024, 5, 18, 9, tzinfo=UTC)
    segment = gpxpy.gpx.GPXTrackSegment([
        gpxpy.gpx.GPXTrackPoint(float(y), float(x), elevation=round(float(e), 1),
                                time=start + timedelta(seconds=i))
        for i, (x, y, e) in enumerate(zip(nlon, nlat, ele, strict=True))])
    doc = gpxpy.gpx.GPX()
    doc.tracks.append(gpxpy.gpx.GPXTrack(name="bench"))
    doc.tracks[0].segments.append(segment)
    return doc.to_xml(version="1.1").encode()


def bare(data: bytes, tolerance_m: float) -> int:
    """The same core work with the libraries alone: parse, project, simplify."""
    doc = gpxpy.parse(data.decode("utf-8"))
    pts = [p for t in doc.tracks for s in t.segments for p in s.points]
    lon = np.array([p.longitude for p in pts])
    lat = np.array([p.latitude for p in pts])
    x, y = Transformer.from_crs("EPSG:4326", BOLLNAS.metric_crs, always_xy=True
                                ).transform(lon, lat)
    line = shapely.linestrings(x, y).simplify(tolerance_m, preserve_topology=False)
    return len(line.coords)


def timed(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    data = walk_gpx(args.points)
    settings = dict(config.DEFAULTS)
    tol = settings["TRACK_SIMPLIFY_M"]
    ours, track = timed(lambda: read_track(data, "walk.gpx", BOLLNAS, settings), args.repeat)
    lib, kept = timed(lambda: bare(data, tol), args.repeat)
    screen, _ = timed(lambda: SafeET.fromstring(data, forbid_dtd=True), args.repeat)
    print(f"machine: {platform.processor() or platform.machine()}, "
          f"{platform.python_implementation()} {platform.python_version()}, "
          f"median of {args.repeat}")
    print(f"file: {args.points} points, {len(data) / 1e6:.1f} MB GPX")
    print(f"read_track:            {ours * 1000:8.1f} ms  -> {track.points_out} points, "
          f"{track.length_m:.0f} m, dropped {track.dropped_jumps} jumps, "
          f"{track.dropped_fast} fast, {track.dropped_gaps} gap points, "
          f"trimmed {track.trimmed_m:.0f} m")
    print(f"gpxpy+pyproj+shapely:  {lib * 1000:8.1f} ms  -> {kept} points")
    print(f"  of which the defusedxml screen alone: {screen * 1000:.1f} ms")
    print(f"ratio read_track / bare libraries: {ours / lib:.2f}")


if __name__ == "__main__":
    main()
