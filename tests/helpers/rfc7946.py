"""A strict RFC 7946 (GeoJSON) validator for the tests: validate(doc) lists the faults.

Stricter than a schema: positions are [longitude, latitude(, height)] within range,
linear rings are closed with at least four positions, exterior rings run
counter-clockwise and holes clockwise (the right-hand rule, section 3.1.6), and no
"crs" member appears in any GeoJSON object (section 4). Feature properties are the
publisher's own and are not looked into. An empty list means the document is valid.
"""

from __future__ import annotations

import math
from typing import Any

GEOMETRY_TYPES = ("Point", "MultiPoint", "LineString", "MultiLineString", "Polygon",
                  "MultiPolygon", "GeometryCollection")


def validate(doc: Any) -> list[str]:
    """Every fault in a FeatureCollection, Feature or geometry, each naming where it is."""
    faults: list[str] = []
    if not isinstance(doc, dict):
        return ["$: a GeoJSON object must be a JSON object"]
    kind = doc.get("type")
    if kind == "FeatureCollection":
        _collection(doc, "$", faults)
    elif kind == "Feature":
        _feature(doc, "$", faults)
    elif kind in GEOMETRY_TYPES:
        _geometry(doc, "$", faults)
    else:
        faults.append(f"$: unknown GeoJSON type {kind!r}")
    return faults


def _no_crs(obj: dict[str, Any], where: str, faults: list[str]) -> None:
    if "crs" in obj:
        faults.append(f"{where}: has a 'crs' member (removed in RFC 7946; WGS84 only)")


def _bbox(obj: dict[str, Any], where: str, faults: list[str]) -> None:
    if "bbox" not in obj:
        return
    box = obj["bbox"]
    if (not isinstance(box, list) or len(box) not in (4, 6)
            or not all(_is_number(v) for v in box)):
        faults.append(f"{where}.bbox: must be 4 or 6 numbers")
        return
    half = len(box) // 2
    if box[1] > box[1 + half]:
        faults.append(f"{where}.bbox: southern latitude is above the northern one")


def _collection(doc: dict[str, Any], where: str, faults: list[str]) -> None:
    _no_crs(doc, where, faults)
    _bbox(doc, where, faults)
    features = doc.get("features")
    if not isinstance(features, list):
        faults.append(f"{where}.features: must be an array")
        return
    for i, feature in enumerate(features):
        _feature(feature, f"{where}.features[{i}]", faults)


def _feature(feature: Any, where: str, faults: list[str]) -> None:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        faults.append(f"{where}: must be an object with type 'Feature'")
        return
    _no_crs(feature, where, faults)
    _bbox(feature, where, faults)
    if "id" in feature and (isinstance(feature["id"], bool)
                            or not isinstance(feature["id"], str | int | float)):
        faults.append(f"{where}.id: must be a string or a number")
    if "geometry" not in feature:
        faults.append(f"{where}: has no 'geometry' member (null is allowed, absence is not)")
    elif feature["geometry"] is not None:
        _geometry(feature["geometry"], f"{where}.geometry", faults)
    if "properties" not in feature:
        faults.append(f"{where}: has no 'properties' member (null is allowed, absence is not)")
    elif feature["properties"] is not None and not isinstance(feature["properties"], dict):
        faults.append(f"{where}.properties: must be an object or null")


def _geometry(geom: Any, where: str, faults: list[str]) -> None:
    if not isinstance(geom, dict) or geom.get("type") not in GEOMETRY_TYPES:
        kind = geom.get("type") if isinstance(geom, dict) else geom
        faults.append(f"{where}: not a geometry (type {kind!r})")
        return
    _no_crs(geom, where, faults)
    _bbox(geom, where, faults)
    kind = geom["type"]
    if kind == "GeometryCollection":
        members = geom.get("geometries")
        if "coordinates" in geom:
            faults.append(f"{where}: a GeometryCollection has no 'coordinates'")
        if not isinstance(members, list):
            faults.append(f"{where}.geometries: must be an array")
            return
        for i, member in enumerate(members):
            _geometry(member, f"{where}.geometries[{i}]", faults)
        return
    if "coordinates" not in geom:
        faults.append(f"{where}: has no 'coordinates'")
        return
    coords = geom["coordinates"]
    at = f"{where}.coordinates"
    if kind == "Point":
        _position(coords, at, faults)
    elif kind == "MultiPoint":
        for i, pos in enumerate(_array(coords, at, faults)):
            _position(pos, f"{at}[{i}]", faults)
    elif kind == "LineString":
        _line(coords, at, faults)
    elif kind == "MultiLineString":
        for i, line in enumerate(_array(coords, at, faults)):
            _line(line, f"{at}[{i}]", faults)
    elif kind == "Polygon":
        _polygon(coords, at, faults)
    else:
        for i, polygon in enumerate(_array(coords, at, faults)):
            _polygon(polygon, f"{at}[{i}]", faults)


def _array(value: Any, where: str, faults: list[str]) -> list[Any]:
    if not isinstance(value, list):
        faults.append(f"{where}: must be an array")
        return []
    return value


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _position(pos: Any, where: str, faults: list[str]) -> bool:
    if not isinstance(pos, list) or len(pos) not in (2, 3):
        faults.append(f"{where}: a position is [longitude, latitude] or with a height")
        return False
    if not all(_is_number(v) for v in pos):
        faults.append(f"{where}: a position holds finite numbers only")
        return False
    lon, lat = pos[0], pos[1]
    if not -180 <= lon <= 180:
        faults.append(f"{where}: longitude {lon} is outside -180..180")
    if not -90 <= lat <= 90:
        faults.append(f"{where}: latitude {lat} is outside -90..90 (lon/lat swapped?)")
    return True


def _line(line: Any, where: str, faults: list[str]) -> None:
    positions = _array(line, where, faults)
    if isinstance(line, list) and len(positions) < 2:
        faults.append(f"{where}: a LineString needs at least 2 positions")
    for i, pos in enumerate(positions):
        _position(pos, f"{where}[{i}]", faults)


def _polygon(rings: Any, where: str, faults: list[str]) -> None:
    rings = _array(rings, where, faults)
    if isinstance(rings, list) and not rings:
        faults.append(f"{where}: a Polygon needs an exterior ring")
    for j, ring in enumerate(rings):
        _ring(ring, f"{where}[{j}]", faults, exterior=j == 0)


def _ring(ring: Any, where: str, faults: list[str], *, exterior: bool) -> None:
    positions = _array(ring, where, faults)
    if not all(_position(pos, f"{where}[{i}]", faults) for i, pos in enumerate(positions)):
        return
    if len(positions) < 4:
        faults.append(f"{where}: a linear ring needs at least 4 positions")
        return
    if positions[0] != positions[-1]:
        faults.append(f"{where}: the linear ring is not closed (first != last position)")
        return
    area = signed_area(positions)
    if area == 0:
        faults.append(f"{where}: the linear ring encloses no area")
    elif exterior and area < 0:
        faults.append(f"{where}: the exterior ring is clockwise (must be counter-clockwise)")
    elif not exterior and area > 0:
        faults.append(f"{where}: a hole is counter-clockwise (must be clockwise)")


def signed_area(ring: list[list[float]]) -> float:
    """Shoelace area in degrees²: positive when the ring runs counter-clockwise."""
    pairs = zip(ring[:-1], ring[1:], strict=True)
    return sum(x1 * y2 - x2 * y1 for (x1, y1, *_), (x2, y2, *_) in pairs) / 2
