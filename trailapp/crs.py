"""Coordinate reference systems (OGC API - Features Part 2): features are stored in CRS84
and served, selected by bbox and filtered in any CRS of domain.CRSES.

Coordinates go out and come in in each CRS's own axis order, as its definition says
(EPSG:4326 latitude first; EPSG:3006 northing first), which is what Part 2 asks and what
GDAL and QGIS expect. Transformers are made once per pair and reused.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import box, mapping, shape

from .domain import CRS84, CRSES, Crs
from .errors import InvalidParameter
from .features import dumps
from .geo import check_lonlat_box


def resolve(uri: str | None, parameter: str) -> Crs:
    """The CRS named by a crs / bbox-crs / filter-crs value; 400 naming it otherwise."""
    if uri is None:
        return CRSES[CRS84]
    found = CRSES.get(uri.strip())
    if found is None:
        raise InvalidParameter(parameter, f"the CRS {uri!r} is not supported; use one of "
                               + ", ".join(CRSES))
    return found


@lru_cache(maxsize=32)
def _transformer(source: str, target: str) -> Transformer:
    # Authority axis order on both sides (no always_xy): CRS84 is lon, lat itself.
    return Transformer.from_crs(source, target)


def _rounder(crs: Crs) -> int:
    return 9 if crs.geographic else 4  # ~0.1 mm either way


def _project(geometry: dict[str, Any], transformer: Transformer, digits: int) -> dict:
    def walk(coords: Any) -> Any:
        if coords and isinstance(coords[0], int | float):
            x, y = transformer.transform(coords[0], coords[1])
            return [round(x, digits), round(y, digits), *coords[2:]]
        return [walk(c) for c in coords]

    if geometry["type"] == "GeometryCollection":
        return {**geometry, "geometries": [_project(g, transformer, digits)
                                           for g in geometry["geometries"]]}
    return {**geometry, "coordinates": walk(geometry["coordinates"])}


def reproject_features(joined: str, crs: Crs) -> str:
    """Rendered features (JSON joined by commas, in CRS84) with their geometry in crs."""
    if crs.uri == CRS84 or not joined:
        return joined
    transformer = _transformer("OGC:CRS84", crs.code)
    digits = _rounder(crs)
    out = []
    for feature in json.loads(f"[{joined}]"):
        if feature.get("geometry"):
            feature["geometry"] = _project(feature["geometry"], transformer, digits)
        out.append(dumps(feature))
    return ",".join(out)


def to_crs84(geometry: dict[str, Any], crs: Crs) -> dict[str, Any]:
    """A GeoJSON geometry given in crs (its axis order), in CRS84."""
    if crs.uri == CRS84:
        return geometry
    return _project(geometry, _transformer(crs.code, "OGC:CRS84"), 12)


def bbox_in_crs84(values: tuple[float, float, float, float], crs: Crs
                  ) -> tuple[tuple[float, float, float, float] | None, str | None]:
    """A bbox given in crs, as either a CRS84 box (geographic CRSs: exact) or a CRS84
    polygon as GeoJSON text (projected CRSs: the rectangle's edges, densified, so the
    exact test is against the area the client drew)."""
    a, b, c, d = values
    if crs.geographic:  # CRS84: lon, lat; EPSG:4326: lat, lon
        try:
            return check_lonlat_box(*((a, b, c, d) if crs.uri == CRS84 else (b, a, d, c))), None
        except ValueError as error:
            raise InvalidParameter("bbox", str(error).removeprefix("bbox ")) from None
    if a > c or b > d:
        raise InvalidParameter("bbox", "its lower corner lies above or beside its upper "
                               "corner (give the lower corner first, in the axis order "
                               "of bbox-crs)")
    # Axis order of the CRS: EPSG:3006 is northing, easting; 3857 and 32735 easting first.
    rectangle = box(a, b, c, d).segmentize(max(c - a, d - b) / 32 or 1.0)
    to84 = _transformer(crs.code, "OGC:CRS84")
    polygon = shapely.transform(rectangle, lambda x, y: to84.transform(x, y),
                                interleaved=False)
    if polygon.is_empty or not np.isfinite(shapely.get_coordinates(polygon)).all() \
            or not polygon.is_valid:
        raise InvalidParameter("bbox", f"does not describe an area in {crs.uri}")
    return None, dumps(mapping(polygon))


def geometry_is_valid(geometry: dict[str, Any]) -> bool:
    """Whether shapely can read a GeoJSON geometry, with finite coordinates."""
    try:
        geom = shape(geometry)
        return not geom.is_empty and bool(np.isfinite(shapely.get_coordinates(geom)).all())
    except (ValueError, TypeError, AttributeError, KeyError, IndexError,
            shapely.errors.ShapelyError):
        return False
