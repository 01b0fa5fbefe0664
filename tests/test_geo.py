"""Geometry: what parse_geometry refuses and why, orientation, geodesic lengths,
search boxes and positions along a trail, checked against pyproj and plain formulas."""

from __future__ import annotations

import math
from itertools import pairwise

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod, Proj
from shapely.geometry import LineString

from trailapp import domain, geo
from trailapp.geo import GeometryError

WGS84 = Geod(ellps="WGS84")
BOLLNAS = domain.get("bollnas")
LOBATSE = domain.get("lobatse")
CHURCH = [16.4, 61.35]  # Bollnäs kyrka, [lon, lat]


def refused(obj: dict, allowed: set[str] | None = None) -> str:
    """The message parse_geometry refuses this geometry with."""
    with pytest.raises(GeometryError) as info:
        geo.parse_geometry(obj, allowed)
    return str(info.value)


def outside(coords: list[float], municipality) -> str:
    """The message check_in_municipality refuses this point with."""
    point = geo.parse_geometry({"type": "Point", "coordinates": coords})
    with pytest.raises(GeometryError) as info:
        geo.check_in_municipality(point, municipality)
    return str(info.value)


def signed_area(ring: list[list[float]]) -> float:
    """Shoelace area: positive for a counter-clockwise ring (independent of shapely)."""
    return sum(x0 * y1 - x1 * y0 for (x0, y0, *_), (x1, y1, *_) in pairwise(ring)) / 2


def in_any(boxes, lon: float, lat: float) -> bool:
    return any(minx <= lon <= maxx and miny <= lat <= maxy for minx, miny, maxx, maxy in boxes)


def meridian_arc_m(lat1: float, lat2: float, steps: int = 1000) -> float:
    """Length of a meridian arc on WGS84 by Simpson's rule over the meridian radius
    of curvature M(phi) = a(1-e^2)/(1-e^2 sin^2 phi)^1.5: a reference without pyproj."""
    a, f = 6_378_137.0, 1 / 298.257223563
    e2 = f * (2 - f)

    def m(phi: float) -> float:
        return a * (1 - e2) / (1 - e2 * math.sin(phi) ** 2) ** 1.5

    lo, hi = math.radians(lat1), math.radians(lat2)
    h = (hi - lo) / steps
    total = m(lo) + m(hi) + sum((4 if i % 2 else 2) * m(lo + i * h) for i in range(1, steps))
    return total * h / 3


# -- what is refused ----------------------------------------------------------


def test_unclosed_ring_is_refused_by_name():
    ring = [[16.40, 61.35], [16.45, 61.35], [16.45, 61.38], [16.40, 61.38]]
    assert "unclosed ring" in refused({"type": "Polygon", "coordinates": [ring]})


def test_self_intersecting_polygon_is_refused_with_the_crossing():
    bowtie = [[16.40, 61.35], [16.50, 61.40], [16.50, 61.35], [16.40, 61.40], [16.40, 61.35]]
    message = refused({"type": "Polygon", "coordinates": [bowtie]})
    assert "Self-intersection" in message
    assert "16.45 61.375" in message  # where the two edges cross


def test_self_intersecting_line_names_where_it_crosses():
    zigzag = [[16.40, 61.35], [16.50, 61.40], [16.50, 61.35], [16.40, 61.40]]
    message = refused({"type": "LineString", "coordinates": zigzag})
    assert message == "self-intersecting LineString near [16.450000, 61.375000]"


def test_line_doubling_back_on_itself_names_where():
    # Regression: an overlap (no crossing point) used to be refused without a place.
    back = [[16.40, 61.35], [16.50, 61.35], [16.45, 61.35]]
    message = refused({"type": "LineString", "coordinates": back})
    assert message.startswith("self-intersecting LineString near [")
    lon, lat = (float(v) for v in message.split("[")[1].rstrip("]").split(","))
    assert 16.45 <= lon <= 16.50 and lat == 61.35  # on the doubled stretch


def test_closed_loop_trail_is_accepted():
    loop = [[16.40, 61.35], [16.45, 61.35], [16.45, 61.38], [16.40, 61.35]]
    assert geo.parse_geometry({"type": "LineString", "coordinates": loop}).is_ring


@pytest.mark.parametrize("coords", [[200.0, 61.35], [16.4, 95.0], [-180.5, 0.0]])
def test_coordinates_out_of_range_are_refused(coords):
    message = refused({"type": "Point", "coordinates": coords})
    assert "out of range" in message
    assert "longitude -180..180, latitude -90..90" in message


@pytest.mark.parametrize("bad", ["16.4", float("nan"), float("inf"), True, None])
def test_coordinates_must_be_finite_numbers(bad):
    message = refused({"type": "Point", "coordinates": [bad, 61.35]})
    assert message == f"Point: coordinates must be finite numbers, got {bad!r}"


def test_crs_member_is_refused():
    geometry = {"type": "Point", "coordinates": CHURCH,
                "crs": {"type": "name", "properties": {"name": "EPSG:3006"}}}
    assert "'crs' member is not allowed" in refused(geometry)


def test_geometry_type_outside_the_allowed_set_is_refused():
    message = refused({"type": "Point", "coordinates": CHURCH}, {"LineString"})
    assert message == "geometry type 'Point' is not accepted here (use LineString)"


def test_bollnas_point_given_as_lat_lon_is_called_swapped():
    message = outside([61.35, 16.4], BOLLNAS)
    assert "lies outside Bollnäs" in message
    assert "look swapped" in message


def test_point_in_the_ocean_is_refused_without_a_swap_hint():
    message = outside([0.0, 0.0], BOLLNAS)  # Gulf of Guinea
    assert message.startswith("coordinate [0.0, 0.0] lies outside Bollnäs")
    assert "swapped" not in message


def test_lobatse_point_inside_its_envelope_is_accepted():
    point = geo.parse_geometry({"type": "Point", "coordinates": [25.68, -25.22]})
    geo.check_in_municipality(point, LOBATSE)  # raises if refused


# -- orientation ---------------------------------------------------------------


def test_polygon_is_reoriented_to_the_right_hand_rule():
    clockwise = [[16.40, 61.35], [16.40, 61.40], [16.50, 61.40], [16.50, 61.35], [16.40, 61.35]]
    hole_ccw = [[16.42, 61.36], [16.48, 61.36], [16.48, 61.39], [16.42, 61.39], [16.42, 61.36]]
    assert signed_area(clockwise) < 0 and signed_area(hole_ccw) > 0
    out = geo.to_geojson(geo.parse_geometry({"type": "Polygon",
                                             "coordinates": [clockwise, hole_ccw]}))
    exterior, hole = out["coordinates"]
    assert signed_area(exterior) > 0  # RFC 7946: exterior counter-clockwise
    assert signed_area(hole) < 0  # holes clockwise
    assert sorted(map(tuple, exterior)) == sorted(map(tuple, clockwise))


def test_every_polygon_of_a_multipolygon_is_reoriented():
    a = [[16.40, 61.35], [16.40, 61.36], [16.41, 61.36], [16.41, 61.35], [16.40, 61.35]]
    b = [[16.50, 61.35], [16.50, 61.36], [16.51, 61.36], [16.51, 61.35], [16.50, 61.35]]
    out = geo.to_geojson(geo.parse_geometry({"type": "MultiPolygon",
                                             "coordinates": [[a], [b]]}))
    assert [signed_area(p[0]) > 0 for p in out["coordinates"]] == [True, True]


# -- geodesic length -------------------------------------------------------------


def test_one_degree_of_latitude_at_61n_matches_the_meridian_arc():
    line = LineString([(16.4, 61.0), (16.4, 62.0)])
    reference = meridian_arc_m(61.0, 62.0)
    assert 111_400 < reference < 111_500  # the textbook 111.4 km, as a sanity check
    assert geo.geodesic_length_m(line) == pytest.approx(reference, abs=0.01)


def test_length_of_a_bent_line_is_the_sum_of_geodesic_segments():
    coords = [(16.30, 61.30), (16.45, 61.33), (16.47, 61.41), (16.60, 61.42)]
    lons, lats = [c[0] for c in coords], [c[1] for c in coords]
    _, _, parts = WGS84.inv(lons[:-1], lats[:-1], lons[1:], lats[1:])
    assert geo.geodesic_length_m(LineString(coords)) == pytest.approx(sum(parts), abs=0.001)


def test_planar_degree_length_would_be_badly_wrong_in_bollnas():
    # One degree east along 61.35 N: a degree of longitude is only about half as long
    # as a degree of latitude here, so a planar length in degrees misleads.
    line = LineString([(16.0, 61.35), (17.0, 61.35)])
    geodesic = geo.geodesic_length_m(line)
    planar_as_metres = line.length * 111_320.0  # degrees times an equatorial degree
    assert geodesic == pytest.approx(WGS84.inv(16.0, 61.35, 17.0, 61.35)[2], abs=0.001)
    assert planar_as_metres / geodesic > 1.9


def test_a_point_has_no_length():
    assert geo.geodesic_length_m(geo.parse_geometry(
        {"type": "Point", "coordinates": CHURCH})) == 0


# -- search boxes ---------------------------------------------------------------


def envelope_point(municipality):
    minx, miny, maxx, maxy = municipality.envelope
    return st.tuples(st.just(municipality), st.floats(minx, maxx), st.floats(miny, maxy))


@settings(max_examples=300, deadline=None)
@given(centre=st.one_of(envelope_point(BOLLNAS), envelope_point(LOBATSE)),
       azimuth=st.floats(-180, 180), radius=st.floats(1, 100_000),
       fraction=st.floats(0, 1))
def test_degree_box_holds_every_point_within_the_radius(centre, azimuth, radius, fraction):
    _, lon, lat = centre
    far_lon, far_lat, _ = WGS84.fwd(lon, lat, azimuth, radius * fraction)
    assert in_any(geo.degree_box(lon, lat, radius), far_lon, far_lat)


@settings(max_examples=300, deadline=None)
@given(lon=st.floats(-180, 180), lat=st.one_of(st.floats(-90, -89), st.floats(89, 90)),
       azimuth=st.floats(-180, 180), radius=st.floats(1, 100_000),
       fraction=st.floats(0, 1))
def test_degree_box_holds_the_circle_near_a_pole(lon, lat, azimuth, radius, fraction):
    # Regression: a circle reaching over a pole got a box narrower than 360 degrees.
    far_lon, far_lat, _ = WGS84.fwd(lon, lat, azimuth, radius * fraction)
    assert in_any(geo.degree_box(lon, lat, radius), far_lon, far_lat)


def test_degree_box_across_the_antimeridian_is_split_and_holds_both_sides():
    boxes = geo.degree_box(179.95, -16.5, 20_000)  # Fiji, 20 km
    assert len(boxes) == 2
    east_lon, east_lat, _ = WGS84.fwd(179.95, -16.5, 90, 19_000)
    assert east_lon < -179.8  # the point really is across the line
    assert in_any(boxes, east_lon, east_lat)


@pytest.mark.parametrize("box, expected", [
    ((16.0, 61.0, 17.0, 62.0), [(16.0, 61.0, 17.0, 62.0)]),
    ((-185.0, 0.0, -170.0, 10.0), [(175.0, 0.0, 180.0, 10.0), (-180.0, 0.0, -170.0, 10.0)]),
    ((170.0, 0.0, 190.0, 10.0), [(170.0, 0.0, 180.0, 10.0), (-180.0, 0.0, -170.0, 10.0)]),
    ((170.0, 0.0, -170.0, 10.0), [(170.0, 0.0, 180.0, 10.0), (-180.0, 0.0, -170.0, 10.0)]),
    ((-200.0, 0.0, 200.0, 1.0), [(-180.0, 0.0, 180.0, 1.0)]),
], ids=["plain", "west-of-minus-180", "east-of-180", "ogc-crossing-bbox", "whole-world"])
def test_split_box(box, expected):
    assert geo.split_box(*box) == expected


# -- along a trail -------------------------------------------------------------

# A meridian through Bollnäs, 61.30 N to 61.40 N: a geodesic, so the nearest point on
# it to a point beside it is (to within centimetres) on the same parallel.
MERIDIAN = LineString([(16.4, 61.30), (16.4, 61.40)])


def test_along_line_distance_matches_the_geodesic_within_the_projection_scale():
    lons, lats = np.array([16.41, 16.39]), np.array([61.325, 61.37])
    dist, _ = geo.along_line(MERIDIAN, BOLLNAS.metric_crs, lons, lats)
    expected = np.asarray(WGS84.inv(lons, lats, [16.4, 16.4], lats)[2])
    # SWEREF 99 TM shrinks metres by its scale factor here (0.99967): allow that
    # difference, plus 0.01% for the meridian's slight curve in the projection.
    k = Proj(BOLLNAS.metric_crs).get_factors(16.4, 61.35).meridional_scale
    assert np.all(np.abs(dist - expected) <= (abs(1 - k) + 1e-4) * expected)
    assert 530 < expected.min() and expected.max() < 540  # about half a kilometre off


def test_along_line_position_matches_the_geodesic_share_of_the_length():
    lons, lats = np.array([16.41, 16.39]), np.array([61.325, 61.37])
    _, pos = geo.along_line(MERIDIAN, BOLLNAS.metric_crs, lons, lats)
    total = WGS84.inv(16.4, 61.30, 16.4, 61.40)[2]
    from_start = WGS84.inv([16.4, 16.4], [61.30, 61.30], [16.4, 16.4], lats)[2]
    # The projection's scale is the same along these 11 km to 1e-5, so it cancels in
    # the ratio: 1 m on this line (about 1e-4) is a generous bound.
    assert (pos * total).tolist() == pytest.approx(from_start, abs=1.0)
    assert pos.tolist() == pytest.approx([0.25, 0.70], abs=1e-4)


def test_along_line_point_beyond_the_start_is_at_position_zero():
    dist, pos = geo.along_line(MERIDIAN, BOLLNAS.metric_crs, np.array([16.4]),
                               np.array([61.25]))
    assert pos[0] == 0
    assert dist[0] == pytest.approx(WGS84.inv(16.4, 61.25, 16.4, 61.30)[2], rel=1e-3)


def test_along_line_with_no_points_returns_empty_arrays():
    dist, pos = geo.along_line(MERIDIAN, BOLLNAS.metric_crs, np.array([]), np.array([]))
    assert dist.shape == (0,) and pos.shape == (0,)


@settings(max_examples=60, deadline=None)
@given(
    lon=st.floats(15.6, 17.4), lat=st.floats(61.0, 61.9),
    bearings=st.lists(st.floats(0, 360), min_size=1, max_size=6),
    legs=st.lists(st.floats(50, 20_000), min_size=6, max_size=6),
    within=st.floats(1, 5_000), along=st.floats(0, 1), side=st.floats(0, 360),
    frac=st.floats(0, 1),
)
def test_corridor_boxes_cover_every_point_near_the_line(lon, lat, bearings, legs, within,
                                                         along, side, frac):
    """A point at most `within` metres from any point of the line lies in some box."""
    coords = [(lon, lat)]
    for bearing, leg in zip(bearings, legs, strict=False):
        x, y, _ = WGS84.fwd(*coords[-1], bearing, leg)
        coords.append((x, y))
    if len(coords) < 2:
        return
    line = LineString(coords)
    on_line = line.interpolate(along, normalized=True)
    x, y, _ = WGS84.fwd(on_line.x, on_line.y, side, within * frac)
    boxes = geo.corridor_boxes(line, within)
    assert any(b[0] <= x <= b[2] and b[1] <= y <= b[3] for b in boxes)
