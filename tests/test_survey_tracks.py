"""Survey tracks (issue 12): what the server does to a recorded walk before it keeps it.

Every walk is a real GPX file written by gpxpy (or real GeoJSON), generated along a
realistic line in Bollnäs: 1.3 m/s, a fix every 2 s, timestamps, elevation and a
little GPS noise (tests/helpers/tracks.py).
"""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import timedelta

import gpxpy.gpx
import numpy as np
import pytest
import shapely
from helpers.tracks import START, STARTED_AT, WGS84, line_vertices, walk
from shapely.geometry import LineString

from trailapp import domain, survey_tracks
from trailapp.geo import metric
from trailapp.survey_tracks import TrackError, distance_between_m, read_track

BOLLNAS = domain.MUNICIPALITIES["bollnas"]
LOBATSE = domain.MUNICIPALITIES["lobatse"]
SWEREF = BOLLNAS.metric_crs
SETTINGS: dict = {}  # the defaults: trim 200 m, jumps 200 m, 15 km/h, 3 m


def geodesic_m(a, b) -> float:
    return float(WGS84.inv(a[0], a[1], b[0], b[1])[2])


def true_line() -> LineString:
    return LineString(line_vertices())


def along_recording_m(w, point) -> float:
    """Metres along the recorded fixes from the first one to `point`, which lies on the
    recording: the nearest recorded step, then the geodesic rest of the way."""
    xy = shapely.get_coordinates(metric(LineString(list(zip(w.lon, w.lat, strict=True))), SWEREF))
    steps = shapely.linestrings(np.stack([xy[:-1], xy[1:]], axis=1))
    here = metric(shapely.Point(point[:2]), SWEREF)
    i = int(np.argmin(shapely.distance(steps, here)))
    done = sum(WGS84.inv(w.lon[:i], w.lat[:i], w.lon[1:i + 1], w.lat[1:i + 1])[2])
    return done + geodesic_m((w.lon[i], w.lat[i]), point)


def refused(data: bytes, name="walk.gpx", municipality=BOLLNAS, settings=None) -> TrackError:
    with pytest.raises(TrackError) as caught:
        read_track(data, name, municipality, SETTINGS if settings is None else settings)
    assert caught.value.field == "track"
    return caught.value


@pytest.fixture
def no_gpx_parser(monkeypatch):
    """gpxpy must never see the file: it would expand entities or build every point."""
    def boom(*args, **kwargs):
        raise AssertionError("gpxpy.parse was called")
    monkeypatch.setattr(survey_tracks.gpxpy, "parse", boom)


# -- a good walk ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def spiky():
    """The walk with 3 fixes thrown 500 m off, and what read_track made of it."""
    w = walk(spikes=(150, 600, 1100))
    return w, read_track(w.gpx(), "walk.gpx", BOLLNAS, SETTINGS)


def test_spikes_are_dropped(spiky):
    w, track = spiky
    assert track.dropped_jumps == 3
    assert track.dropped_fast == 0 and track.dropped_gaps == 0
    off = shapely.distance(metric(true_line(), SWEREF),
                           metric(shapely.points(np.asarray(track.line.coords)[:, :2]), SWEREF))
    assert off.max() < 5.0  # no vertex anywhere near the 500 m spikes


def test_the_first_and_last_200_m_are_cut_along_the_path_and_as_the_crow_flies(spiky):
    w, track = spiky
    first, last = track.line.coords[0], track.line.coords[-1]
    start, end = (w.lon[0], w.lat[0]), (w.lon[-1], w.lat[-1])
    assert geodesic_m(start, first) >= 200.0  # the first leg goes straight for 800 m
    assert along_recording_m(w, first) >= 200.0
    assert geodesic_m(end, last) >= 200.0
    recorded = sum(WGS84.inv(w.lon[:-1], w.lat[:-1], w.lon[1:], w.lat[1:])[2])
    assert recorded - along_recording_m(w, last) >= 200.0
    assert track.trimmed_m >= 400.0


def test_no_timestamp_is_left_anywhere(spiky):
    _, track = spiky
    out = {f.name: getattr(track, f.name) for f in dataclasses.fields(track)}
    out["line"] = track.geometry()
    text = json.dumps(out) + track.line.wkt
    assert STARTED_AT.strftime("%Y-%m-%d") in spiky[0].gpx().decode()  # the input has them
    assert "2024-05-18" not in text and "09:0" not in text
    assert not re.search("time", text, re.I)
    assert shapely.get_coordinates(track.line, include_z=True).shape[1] == 3
    assert not track.line.has_m


def test_elevation_is_kept_to_a_tenth_of_a_metre(spiky):
    w, track = spiky
    coords = np.asarray(track.line.coords)
    assert coords.shape[1] == 3
    for lon, lat, ele in coords[1:-1]:  # the inner vertices are recorded fixes
        i = int(np.argmin(np.hypot(np.asarray(w.lon) - lon, np.asarray(w.lat) - lat)))
        assert ele == round(w.ele[i], 1)
    assert (coords[:, 2] == np.round(coords[:, 2], 1)).all()
    assert 50 < coords[:, 2].min() and coords[:, 2].max() < 70


def test_the_line_is_simplified_and_rounded(spiky):
    _, track = spiky
    assert track.points_in == len(spiky[0].lon) == 1350
    assert track.points_out == len(track.line.coords)
    assert track.points_out < track.points_in / 20
    coords = np.asarray(track.line.coords)
    assert (coords[:, :2] == np.round(coords[:, :2], 7)).all()


def test_length_is_within_one_percent_of_the_true_line(spiky):
    _, track = spiky
    true = true_line()
    flat = metric(true, SWEREF)
    scale = WGS84.geometry_length(true) / flat.length  # planar to geodesic metres
    ends = [flat.project(metric(shapely.Point(c[:2]), SWEREF))
            for c in (track.line.coords[0], track.line.coords[-1])]
    walked = (ends[1] - ends[0]) * scale
    assert walked == pytest.approx(3500 - 400, abs=25)
    assert track.length_m == pytest.approx(walked, rel=0.01)


def test_coverage_is_the_share_of_the_official_length(spiky):
    _, track = spiky
    assert track.coverage(2 * track.length_m) == pytest.approx(0.5)
    assert track.coverage(track.length_m / 2) == 1.0
    with pytest.raises(ValueError):
        track.coverage(0)


def geojson_feature(w) -> bytes:
    """The walk as a GeoJSON Feature with elevation and properties.coordTimes."""
    times = [(STARTED_AT + timedelta(seconds=s)).strftime("%Y-%m-%dT%H:%M:%SZ")
             for s in w.seconds]
    return json.dumps({
        "type": "Feature", "properties": {"coordTimes": times},
        "geometry": {"type": "LineString", "coordinates": [
            [x, y, e] for x, y, e in zip(w.lon, w.lat, w.ele, strict=True)]},
    }).encode()


def test_geojson_with_times_and_elevation_gives_the_gpx_line(spiky):
    w, track = spiky
    from_json = read_track(geojson_feature(w), "application/geo+json", BOLLNAS, SETTINGS)
    assert list(from_json.line.coords) == list(track.line.coords)
    assert "time" not in json.dumps(from_json.geometry()).lower()


def test_geojson_times_feed_the_speed_rule_and_are_dropped():
    """Times as properties.coordTimes, or as a 4th coordinate (seconds since 1970)."""
    w = walk(vehicle=(45.0, 3000.0, 14.0))
    by_property = read_track(geojson_feature(w), "walk.geojson", BOLLNAS, SETTINGS)
    start = STARTED_AT.timestamp()
    fourth = {"type": "MultiLineString", "coordinates": [
        [[x, y, e, start + s] for x, y, e, s in zip(w.lon, w.lat, w.ele, w.seconds, strict=True)]]}
    by_coordinate = read_track(json.dumps(fourth).encode(), "walk.geojson", BOLLNAS,
                               SETTINGS)
    for track in (by_property, by_coordinate):
        assert track.dropped_fast >= 3000 // 28
        assert shapely.get_coordinates(track.line, include_z=True).shape[1] == 3
        assert np.asarray(track.line.coords)[:, 2].max() < 70  # elevation, not a time


def test_every_segment_track_and_route_is_read_in_file_order(spiky):
    """The same walk split over two segments, a second track and a route."""
    w, track = spiky
    doc = gpxpy.gpx.GPX()
    fixes = [gpxpy.gpx.GPXTrackPoint(y, x, elevation=e, time=STARTED_AT + timedelta(seconds=s))
             for x, y, e, s in zip(w.lon, w.lat, w.ele, w.seconds, strict=True)]
    first, second = gpxpy.gpx.GPXTrack(), gpxpy.gpx.GPXTrack()
    first.segments += [gpxpy.gpx.GPXTrackSegment(fixes[:400]),
                       gpxpy.gpx.GPXTrackSegment(fixes[400:800])]
    second.segments.append(gpxpy.gpx.GPXTrackSegment(fixes[800:1200]))
    doc.tracks += [first, second]
    doc.routes.append(gpxpy.gpx.GPXRoute())
    doc.routes[0].points += [gpxpy.gpx.GPXRoutePoint(p.latitude, p.longitude, p.elevation)
                             for p in fixes[1200:]]
    split = read_track(doc.to_xml(version="1.1").encode(), "walk.gpx", BOLLNAS, SETTINGS)
    assert split.points_in == track.points_in
    assert list(split.line.coords) == list(track.line.coords)


def test_a_car_ride_is_dropped_when_the_file_has_times():
    """The walk ends, and the phone keeps recording in a car at 50 km/h for 3 km."""
    w = walk(vehicle=(45.0, 3000.0, 14.0))
    walk_end = line_vertices()[-1]
    timed = read_track(w.gpx(), "walk.gpx", BOLLNAS, SETTINGS)
    assert timed.dropped_fast >= 3000 // 28
    assert geodesic_m(walk_end, timed.line.coords[-1]) < 300  # ends where the walk ended
    untimed = read_track(w.gpx(times=False), "walk.gpx", BOLLNAS, SETTINGS)
    assert untimed.dropped_fast == 0  # without times only the jump rule can apply
    assert geodesic_m(walk_end, untimed.line.coords[-1]) > 2500


def test_a_glitch_to_null_island_is_dropped_not_refused():
    w = walk()
    w.lon[0], w.lat[0] = 0.0, 0.0
    track = read_track(w.gpx(), "walk.gpx", BOLLNAS, SETTINGS)
    assert track.dropped_gaps == 1
    assert geodesic_m(START, track.line.coords[0]) >= 200


def test_fixes_without_elevation_take_it_from_their_neighbours():
    w = walk()
    seen = iter(range(len(w.lon)))  # keep the elevation of every third fix only
    data = re.sub(rb"<ele>[^<]*</ele>",
                  lambda m: m.group(0) if next(seen) % 3 == 0 else b"", w.gpx())
    assert data.count(b"<ele>") == (len(w.lon) + 2) // 3
    coords = np.asarray(read_track(data, "walk.gpx", BOLLNAS, SETTINGS).line.coords)
    assert coords.shape[1] == 3 and np.isfinite(coords[:, 2]).all()
    assert 50 < coords[:, 2].min() and coords[:, 2].max() < 70


def test_tracks_without_elevation_stay_flat():
    track = read_track(walk().gpx(elevation=False), "walk.gpx", BOLLNAS, SETTINGS)
    assert not track.line.has_z


def test_distance_between_overlaid_tracks():
    a = read_track(walk(seed=1).gpx(), "a.gpx", BOLLNAS, SETTINGS)
    b = read_track(walk(seed=2).gpx(), "b.gpx", BOLLNAS, SETTINGS)
    mean, most = distance_between_m(a.line, b.line, SWEREF)
    assert 0 < mean < 3 and most < 10
    east = shapely.transform(b.line, lambda c: c + [0.000374, 0.0])  # about 20 m east
    mean, most = distance_between_m(a.line, east, SWEREF)
    assert 10 < mean < 21 and 19 < most < 23


# -- refused ----------------------------------------------------------------------------

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE gpx [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<gpx version="1.1" creator="x" xmlns="http://www.topografix.com/GPX/1/1">
<trk><name>&xxe;</name><trkseg><trkpt lat="61.35" lon="16.38"/><trkpt lat="61.36" lon="16.39"/>
</trkseg></trk></gpx>"""

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE gpx [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
<!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;"><!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">
<!ENTITY i "&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;"><!ENTITY j "&i;&i;&i;&i;&i;&i;&i;&i;&i;&i;">]>
<gpx version="1.1" creator="x" xmlns="http://www.topografix.com/GPX/1/1">
<trk><name>&j;</name><trkseg><trkpt lat="61.35" lon="16.38"/></trkseg></trk></gpx>"""


@pytest.mark.parametrize("data", [XXE, LAUGHS], ids=["xxe", "billion-laughs"])
def test_entities_are_refused_before_gpxpy_sees_them(data, no_gpx_parser):
    error = refused(data)
    assert error.status == 400
    assert "entities" in error.message
    assert "root:" not in str(error) and "lol" not in str(error)


def million_point_gpx() -> bytes:
    """A real GPX (written by gpxpy) whose one fix is repeated to 1,000,000 fixes."""
    doc = gpxpy.gpx.GPX()
    doc.tracks.append(gpxpy.gpx.GPXTrack())
    doc.tracks[0].segments.append(gpxpy.gpx.GPXTrackSegment(
        [gpxpy.gpx.GPXTrackPoint(61.35, 16.38)]))
    text = doc.to_xml(version="1.1").encode()
    fix = re.search(rb"<trkpt.*?</trkpt>", text, re.S).group(0)
    return text.replace(fix, fix * 1_000_000)


def test_a_million_points_are_refused_by_the_caps_before_any_parser(monkeypatch,
                                                                    no_gpx_parser):
    data = million_point_gpx()
    error = refused(data)  # 10 MB by default: the byte cap comes first
    assert error.status == 413 and "bytes" in error.message

    def no_screen(*args, **kwargs):
        raise AssertionError("the XML was parsed")
    monkeypatch.setattr(survey_tracks.SafeET, "fromstring", no_screen)
    error = refused(data, settings={"TRACK_MAX_BYTES": len(data)})
    assert error.status == 413
    assert "1000000 points" in error.message and "100000" in error.message


def test_a_track_in_lobatse_is_refused_for_bollnas():
    w = walk(start=(25.68, -25.22))
    assert read_track(w.gpx(), "walk.gpx", LOBATSE, SETTINGS).length_m > 3000
    error = refused(w.gpx())
    assert "leaves Bollnäs" in error.message


def test_swapped_coordinates_are_named():
    w = walk()
    swapped = [[y, x] for x, y in zip(w.lon, w.lat, strict=True)]
    feature = {"type": "LineString", "coordinates": swapped}
    error = refused(json.dumps(feature).encode(), "walk.geojson")
    assert "swapped" in error.message


def test_a_150_m_track_is_refused_once_trimmed():
    far = WGS84.fwd(*START, 45.0, 150.0)[:2]
    two = {"type": "LineString", "coordinates": [list(START), list(far)]}
    error = refused(json.dumps(two).encode(), "walk.geojson")
    assert "150 m long" in error.message and "200 m are removed from each end" in error.message


def test_a_walk_that_never_leaves_its_start_is_refused():
    """500 m walked round a 100 m square: long enough, but never 200 m from home."""
    square = ((90.0, 100.0), (0.0, 100.0), (270.0, 100.0), (180.0, 100.0)) * 5
    error = refused(walk(legs=square).gpx())
    assert "never goes 200 m" in error.message


def test_geojson_with_nan_is_refused_naming_the_point():
    w = walk()
    coords = [[x, y, e] for x, y, e in zip(w.lon, w.lat, w.ele, strict=True)]
    coords[7][1] = float("nan")
    error = refused(json.dumps({"type": "LineString", "coordinates": coords}).encode(),
                    "walk.geojson")
    assert error.message.startswith("point 7 ")
    coords[7][1], coords[9][2] = w.lat[7], float("inf")
    error = refused(json.dumps({"type": "LineString", "coordinates": coords}).encode(),
                    "walk.geojson")
    assert error.message.startswith("point 9 ")


def test_gpx_with_nan_or_out_of_range_positions_is_refused():
    data = walk().gpx().decode()
    lats = re.findall(r'lat="[^"]+"', data)
    bad = data.replace(lats[3], 'lat="NaN"', 1)
    assert refused(bad.encode()).message.startswith("point 3 ")
    bad = data.replace(lats[5], 'lat="95.0"', 1)
    assert refused(bad.encode()).message.startswith("point 5 ")


def test_waypoints_only_is_refused():
    doc = gpxpy.gpx.GPX()
    doc.waypoints.append(gpxpy.gpx.GPXWaypoint(61.35, 16.38, name="Kyrkan"))
    assert "only waypoints" in refused(doc.to_xml().encode()).message


@pytest.mark.parametrize("data, name, words", [
    (b"\x89PNG\r\n\x1a\n0000", "photo.png", "not a GPX or GeoJSON"),
    (b'{"type": "LineString", "coordinates": [[16.38, 61.35], [16.39, 61.36]]}',
     "walk.gpx", "said to be GPX but holds GEOJSON"),
    (b"<gpx><trk>", "walk.gpx", "not well-formed XML"),
    (b'{"type": "Point", "coordinates": [16.38, 61.35]}', "walk.geojson",
     "LineString or MultiLineString"),
    (b"[" * 100_000 + b"]" * 100_000, "walk.json", "not a GPX or GeoJSON"),
    (b'{"type": "Feature", "geometry": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
     "walk.json", "not readable JSON"),
], ids=["png", "json-named-gpx", "broken-xml", "point", "nested-list", "nested-feature"])
def test_unreadable_files_are_refused_with_400(data, name, words):
    error = refused(data, name)
    assert error.status == 400 and words in error.message


def test_a_position_that_is_not_numbers_is_refused():
    bad = {"type": "LineString", "coordinates": [[16.38, 61.35], [16.39, "61.36"]]}
    assert refused(json.dumps(bad).encode(), "walk.geojson").message.startswith("point 1:")
