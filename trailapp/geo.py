"""Geometry only: validation, geodesic length and distance, positions along a trail.

Lengths and distances are geodesic on the WGS84 ellipsoid (pyproj.Geod), never
planar degrees. Buffers and along-trail positions use the municipality's metric
projection (SWEREF 99 TM for Bollnäs, UTM 35S for Lobatse).
"""

from __future__ import annotations

import math
from collections import Counter
from functools import lru_cache
from typing import Any

import numpy as np
import shapely
from pyproj import Geod, Transformer
from shapely.geometry import Point, mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient
from shapely.validation import explain_validity

from .domain import Municipality

GEOD = Geod(ellps="WGS84")
ALLOWED_TYPES = {"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon"}
LINE_TYPES = {"LineString", "MultiLineString"}
PRECISION = 7  # decimal places kept: about 1 cm


class GeometryError(ValueError):
    """A geometry that cannot be accepted; the message names the fault."""


def _check_position(pos: Any, where: str) -> None:
    if not isinstance(pos, list | tuple) or len(pos) not in (2, 3):
        raise GeometryError(f"{where}: a position must be [longitude, latitude] or with elevation")
    for v in pos:
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise GeometryError(f"{where}: coordinates must be finite numbers, got {v!r}")
    lon, lat = pos[0], pos[1]
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise GeometryError(
            f"{where}: coordinate [{lon}, {lat}] is out of range "
            "(longitude -180..180, latitude -90..90, in that order)")


def _check_ring(ring: Any, where: str) -> None:
    if not isinstance(ring, list) or len(ring) < 4:
        raise GeometryError(f"{where}: a polygon ring needs at least 4 positions")
    for i, pos in enumerate(ring):
        _check_position(pos, f"{where}, position {i}")
    if list(ring[0]) != list(ring[-1]):
        raise GeometryError(f"{where}: unclosed ring (the first and last positions differ)")


def _check_coordinates(gtype: str, coords: Any) -> None:
    if gtype == "Point":
        _check_position(coords, "Point")
    elif gtype in ("MultiPoint", "LineString"):
        if not isinstance(coords, list) or (gtype == "LineString" and len(coords) < 2):
            raise GeometryError(f"{gtype}: needs a list of at least 2 positions")
        for i, pos in enumerate(coords):
            _check_position(pos, f"{gtype}, position {i}")
    elif gtype == "MultiLineString":
        if not isinstance(coords, list) or not coords:
            raise GeometryError("MultiLineString: needs at least one line")
        for j, line in enumerate(coords):
            if not isinstance(line, list) or len(line) < 2:
                raise GeometryError(f"MultiLineString, line {j}: needs at least 2 positions")
            for i, pos in enumerate(line):
                _check_position(pos, f"MultiLineString, line {j}, position {i}")
    elif gtype == "Polygon":
        if not isinstance(coords, list) or not coords:
            raise GeometryError("Polygon: needs at least one ring")
        for j, ring in enumerate(coords):
            _check_ring(ring, f"Polygon, ring {j}")
    elif gtype == "MultiPolygon":
        if not isinstance(coords, list) or not coords:
            raise GeometryError("MultiPolygon: needs at least one polygon")
        for k, poly in enumerate(coords):
            if not isinstance(poly, list) or not poly:
                raise GeometryError(f"MultiPolygon, polygon {k}: needs at least one ring")
            for j, ring in enumerate(poly):
                _check_ring(ring, f"MultiPolygon, polygon {k}, ring {j}")


def parse_geometry(obj: Any, allowed: set[str] | None = None) -> BaseGeometry:
    """Validate a GeoJSON geometry object and return it as a normalised shapely geometry.

    Checks structure, finite in-range coordinates, closed rings, validity (no
    self-intersection; a line must be simple) and orients polygons by RFC 7946's
    right-hand rule.
    """
    if not isinstance(obj, dict):
        raise GeometryError("geometry must be a GeoJSON geometry object or null")
    gtype = obj.get("type")
    allowed = allowed or ALLOWED_TYPES
    if gtype not in allowed:
        raise GeometryError(
            f"geometry type {gtype!r} is not accepted here (use {', '.join(sorted(allowed))})")
    if "crs" in obj:
        raise GeometryError("a 'crs' member is not allowed (RFC 7946: WGS84 longitude/latitude)")
    _check_coordinates(gtype, obj.get("coordinates"))
    geom = shape(obj)
    if not geom.is_valid:
        raise GeometryError(f"invalid {gtype}: {explain_validity(geom)}")
    if gtype in LINE_TYPES and not geom.is_simple:
        crossing = _first_self_crossing(geom)
        raise GeometryError(f"self-intersecting {gtype}{crossing}")
    if gtype == "Polygon":
        geom = orient(geom, sign=1.0)
    elif gtype == "MultiPolygon":
        geom = shapely.MultiPolygon([orient(p, sign=1.0) for p in geom.geoms])
    return geom


def _first_self_crossing(geom: BaseGeometry) -> str:
    """' near [lon, lat]' for a point where a line meets or runs over itself.

    unary_union splits the line at every crossing; a crossing is then the end of
    more than two pieces. Where the line doubles back, the overlap is found instead.
    """
    counts: Counter[tuple[float, float]] = Counter()
    noded = shapely.unary_union(geom)
    for part in getattr(noded, "geoms", [noded]):
        counts[part.coords[0][:2]] += 1
        counts[part.coords[-1][:2]] += 1
    for (lon, lat), n in counts.items():
        if n > 2:
            return f" near [{lon:.6f}, {lat:.6f}]"
    # No crossing: the line runs back over itself. The middle of a piece of the
    # union that lies inside two of the original segments is where it does.
    segments = []
    for part in getattr(geom, "geoms", [geom]):
        c = shapely.get_coordinates(part)
        segments += list(shapely.linestrings(np.stack([c[:-1], c[1:]], axis=1)))
    segs = np.array(segments)
    mids = shapely.line_interpolate_point(list(getattr(noded, "geoms", [noded])), 0.5,
                                          normalized=True)
    mid_i, seg_i = shapely.STRtree(segs).query(mids, predicate="dwithin", distance=1e-9)
    at_end = ((shapely.distance(shapely.get_point(segs[seg_i], 0), mids[mid_i]) < 1e-9)
              | (shapely.distance(shapely.get_point(segs[seg_i], -1), mids[mid_i]) < 1e-9))
    for i, n in Counter(mid_i[~at_end].tolist()).items():
        if n > 1:
            return f" near [{mids[i].x:.6f}, {mids[i].y:.6f}]"
    return ""


def check_in_municipality(geom: BaseGeometry, municipality: Municipality) -> None:
    """Refuse coordinates outside the municipality's envelope; spot swapped lat/lon."""
    coords = shapely.get_coordinates(geom)
    for lon, lat in coords:
        if not municipality.contains(lon, lat):
            hint = ""
            if municipality.contains(lat, lon):
                hint = " The coordinates look swapped: GeoJSON wants [longitude, latitude]."
            raise GeometryError(
                f"coordinate [{lon}, {lat}] lies outside {municipality.name['en']} "
                f"(expected longitude {municipality.envelope[0]}..{municipality.envelope[2]}, "
                f"latitude {municipality.envelope[1]}..{municipality.envelope[3]}).{hint}")


def to_geojson(geom: BaseGeometry) -> dict[str, Any]:
    """A shapely geometry as a GeoJSON dict, coordinates rounded to about 1 cm."""
    return _round(mapping(geom))


def _round(obj: Any) -> Any:
    if isinstance(obj, float):
        return round(obj, PRECISION)
    if isinstance(obj, list | tuple):
        return [_round(v) for v in obj]
    if isinstance(obj, dict):
        return {k: _round(v) for k, v in obj.items()}
    return obj


def geodesic_length_m(geom: BaseGeometry) -> float:
    """Length on the WGS84 ellipsoid in metres (0 for points)."""
    return float(GEOD.geometry_length(geom))


def geodesic_distances_m(lon: float, lat: float, lons: np.ndarray, lats: np.ndarray
                         ) -> np.ndarray:
    """Geodesic distances in metres from one point to many."""
    if len(lons) == 0:
        return np.zeros(0)
    _, _, dist = GEOD.inv(np.full(len(lons), lon), np.full(len(lons), lat), lons, lats)
    return np.asarray(dist)


def degree_box(lon: float, lat: float, radius_m: float) -> list[tuple[float, float, float, float]]:
    """Boxes in degrees that surely contain every point within radius_m of (lon, lat).

    Split in two where the box crosses the antimeridian.
    """
    margin = 1.01  # the ellipsoid's meridian degree is at most 111.7 km; stay generous
    dlat = radius_m * margin / 110_574.0
    reach = abs(lat) + dlat  # the circle's most poleward latitude
    if reach >= 90:  # the circle holds the pole: every longitude
        dlon = 180.0
    else:
        coslat = math.cos(math.radians(reach))
        dlon = min(180.0, radius_m * margin / (111_320.0 * max(coslat, 1e-6)))
    return split_box(lon - dlon, max(-90.0, lat - dlat), lon + dlon, min(90.0, lat + dlat))


def check_lonlat_box(minx: float, miny: float, maxx: float, maxy: float
                     ) -> tuple[float, float, float, float]:
    """A bbox in CRS84 (lon, lat) checked: ranges and order; ValueError naming the fault.

    minlon > maxlon is allowed: the box crosses the antimeridian (OGC API Features).
    """
    if not (-180 <= minx <= 180 and -180 <= maxx <= 180):
        raise ValueError("bbox longitudes must lie in -180..180")
    if not (-90 <= miny <= 90 and -90 <= maxy <= 90):
        raise ValueError("bbox latitudes must lie in -90..90")
    if miny > maxy:
        raise ValueError("bbox minimum latitude is greater than its maximum")
    return minx, miny, maxx, maxy


def split_box(minx: float, miny: float, maxx: float, maxy: float
              ) -> list[tuple[float, float, float, float]]:
    """A lon/lat box as one or two boxes that do not cross the antimeridian."""
    if maxx - minx >= 360:
        return [(-180.0, miny, 180.0, maxy)]
    if minx < -180:
        return [(minx + 360, miny, 180.0, maxy), (-180.0, miny, maxx, maxy)]
    if maxx > 180:
        return [(minx, miny, 180.0, maxy), (-180.0, miny, maxx - 360, maxy)]
    if minx > maxx:  # an OGC bbox that crosses the antimeridian
        return [(minx, miny, 180.0, maxy), (-180.0, miny, maxx, maxy)]
    return [(minx, miny, maxx, maxy)]


def line_runs(line: BaseGeometry, pieces: int = 48) -> list[list[tuple[float, float]]]:
    """The line cut into about `pieces` short runs of coordinates, long straight
    segments split first (shapely.segmentize), so that no run spans a long way."""
    parts = list(getattr(line, "geoms", [line]))
    per_part = max(1, pieces // len(parts))
    runs: list[list[tuple[float, float]]] = []
    for part in parts:
        if part.length > 0:
            part = shapely.segmentize(part, part.length / per_part)
        coords = [(c[0], c[1]) for c in part.coords]
        step = max(1, math.ceil((len(coords) - 1) / per_part))
        runs += [coords[start:start + step + 1] for start in range(0, len(coords) - 1, step)]
    return runs


def corridor_boxes(line: BaseGeometry, within_m: float, pieces: int = 48
                   ) -> list[tuple[float, float, float, float]]:
    """Boxes in degrees that together cover every point within within_m of a line:
    each run (line_runs) boxed and widened, not the long trail's whole bounding box."""
    boxes: list[tuple[float, float, float, float]] = []
    for run in line_runs(line, pieces):
        xs, ys = [c[0] for c in run], [c[1] for c in run]
        far_lat = max(ys, key=abs)
        # degree_box gives the widening needed at the run's most poleward latitude.
        grow = degree_box(0.0, far_lat, within_m)[0]
        dlon, dlat = (grow[2] - grow[0]) / 2, (grow[3] - grow[1]) / 2
        boxes += split_box(min(xs) - dlon, max(-90.0, min(ys) - dlat),
                           max(xs) + dlon, min(90.0, max(ys) + dlat))
    return boxes


@lru_cache(maxsize=8)
def _to_metric(crs: str) -> Transformer:
    return Transformer.from_crs("EPSG:4326", crs, always_xy=True)


def metric(geom: BaseGeometry, crs: str) -> BaseGeometry:
    """The geometry projected into a metric CRS (metres), in two dimensions."""
    # shapely.transform, not shapely.ops.transform: the latter is deprecated in 2.2.
    return shapely.transform(geom, _to_metric(crs).transform, interleaved=False)


def along_line(line: BaseGeometry, crs: str, lons: np.ndarray, lats: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
    """For each point: distance to the line (m) and position along it (0..1).

    Both are computed in the metric CRS; the position is a fraction of the line's
    projected length, to be scaled by its geodesic length.
    """
    mline = metric(line, crs)
    if len(lons) == 0:
        return np.zeros(0), np.zeros(0)
    xs, ys = _to_metric(crs).transform(lons, lats)
    points = shapely.points(xs, ys)
    dist = shapely.distance(mline, points)
    length = mline.length
    pos = shapely.line_locate_point(mline, points) / length if length else np.zeros(len(lons))
    return np.asarray(dist), np.asarray(pos)


def distance_to_geometry_m(lon: float, lat: float, geom: BaseGeometry, crs: str) -> float:
    """Distance in metres from a point to any geometry, in the metric CRS."""
    return float(metric(geom, crs).distance(metric(Point(lon, lat), crs)))
