"""The test validator itself: it accepts valid GeoJSON and names each kind of fault."""

from __future__ import annotations

import copy

import pytest
from helpers.rfc7946 import signed_area, validate

CCW_SQUARE = [[16.0, 61.0], [16.1, 61.0], [16.1, 61.1], [16.0, 61.1], [16.0, 61.0]]
CW_HOLE = [[16.02, 61.02], [16.02, 61.04], [16.04, 61.04], [16.04, 61.02], [16.02, 61.02]]


def feature(geometry, fid="f1", **more):
    return {"type": "Feature", "id": fid, "geometry": geometry, "properties": {}, **more}


GOOD = {
    "type": "FeatureCollection",
    "features": [
        feature({"type": "Point", "coordinates": [16.4, 61.35]}),
        feature({"type": "Point", "coordinates": [-180, -90, 12.5]}, fid=7),
        feature({"type": "MultiPoint", "coordinates": [[180, 90], [0, 0]]}),
        feature({"type": "LineString", "coordinates": [[16.4, 61.3], [16.4, 61.31]]}),
        feature({"type": "MultiLineString", "coordinates": [[[25.6, -25.2], [25.7, -25.1]]]}),
        feature({"type": "Polygon", "coordinates": [CCW_SQUARE, CW_HOLE]}),
        feature({"type": "MultiPolygon", "coordinates": [[CCW_SQUARE]]}),
        feature({"type": "GeometryCollection", "geometries": [
            {"type": "Point", "coordinates": [16.4, 61.3]}]}),
        feature(None, properties=None),
    ],
}


def test_valid_collection_has_no_faults():
    assert validate(GOOD) == []


def test_signed_area_is_positive_counter_clockwise():
    assert signed_area(CCW_SQUARE) > 0
    assert signed_area(CW_HOLE) < 0


def with_first(change):
    doc = copy.deepcopy(GOOD)
    change(doc)
    return doc


def set_geometry(geometry):
    return lambda doc: doc["features"][0].update(geometry=geometry)


BAD = {
    "crs on collection": (lambda d: d.update(crs={"type": "name"}), "'crs'"),
    "crs on geometry": (lambda d: d["features"][0]["geometry"].update(crs={}), "'crs'"),
    "crs on feature": (lambda d: d["features"][0].update(crs={}), "'crs'"),
    "boolean id": (lambda d: d["features"][0].update(id=True), ".id"),
    "object id": (lambda d: d["features"][0].update(id={"a": 1}), ".id"),
    "no geometry member": (lambda d: d["features"][0].pop("geometry"), "'geometry'"),
    "no properties member": (lambda d: d["features"][0].pop("properties"), "'properties'"),
    "properties a list": (lambda d: d["features"][0].update(properties=[]), "properties"),
    "features not array": (lambda d: d.update(features={}), "features"),
    "not a feature": (lambda d: d["features"].append({"type": "Point"}), "'Feature'"),
    "unknown geometry": (set_geometry({"type": "Circle", "coordinates": [0, 0]}), "Circle"),
    "longitude 181": (set_geometry({"type": "Point", "coordinates": [181, 61]}), "longitude"),
    "latitude 91": (set_geometry({"type": "Point", "coordinates": [61.3, 91]}), "latitude"),
    "swapped in Lobatse": (set_geometry({"type": "Point", "coordinates": [-25.2, 125.7]}),
                           "latitude"),
    "one number": (set_geometry({"type": "Point", "coordinates": [16.4]}), "position"),
    "four numbers": (set_geometry({"type": "Point", "coordinates": [1, 2, 3, 4]}), "position"),
    "string number": (set_geometry({"type": "Point", "coordinates": ["16.4", 61]}), "finite"),
    "NaN": (set_geometry({"type": "Point", "coordinates": [float("nan"), 61]}), "finite"),
    "no coordinates": (set_geometry({"type": "Point"}), "'coordinates'"),
    "one-point line": (set_geometry({"type": "LineString", "coordinates": [[16, 61]]}),
                       "at least 2"),
    "unclosed ring": (set_geometry({"type": "Polygon", "coordinates": [CCW_SQUARE[:-1]
                                                                        + [[16.0, 61.05]]]}),
                      "not closed"),
    "three-position ring": (set_geometry({"type": "Polygon", "coordinates": [
        [[16, 61], [16.1, 61], [16, 61]]]}), "at least 4"),
    "clockwise exterior": (set_geometry({"type": "Polygon", "coordinates": [
        CCW_SQUARE[::-1]]}), "exterior ring is clockwise"),
    "counter-clockwise hole": (set_geometry({"type": "Polygon", "coordinates": [
        CCW_SQUARE, CW_HOLE[::-1]]}), "hole is counter-clockwise"),
    "clockwise in multipolygon": (set_geometry({"type": "MultiPolygon", "coordinates": [
        [CCW_SQUARE], [CCW_SQUARE[::-1]]]}), "coordinates[1][0]"),
    "flat ring": (set_geometry({"type": "Polygon", "coordinates": [
        [[16, 61], [16.1, 61], [16.2, 61], [16, 61]]]}), "no area"),
    "bad member of collection": (set_geometry({"type": "GeometryCollection", "geometries": [
        {"type": "Point", "coordinates": [200, 0]}]}), "geometries[0]"),
}


@pytest.mark.parametrize("change, expected", BAD.values(), ids=BAD.keys())
def test_each_fault_is_found_and_named(change, expected):
    faults = validate(with_first(change))
    assert len(faults) >= 1
    assert any(expected in fault for fault in faults), faults


def test_a_non_object_is_refused():
    assert validate([GOOD]) != []
