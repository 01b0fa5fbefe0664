"""Every GeoJSON answer is valid RFC 7946, for a broad table of queries on the real
geodata and on synthetic lines, polygons (loaded clockwise) and heights."""

from __future__ import annotations

import pytest
from helpers.app import place, trail, write_geojson
from helpers.rfc7946 import signed_area, validate

from trailapp import loader

CW_SQUARE = [[16.60, 61.60], [16.60, 61.62], [16.63, 61.62], [16.63, 61.60], [16.60, 61.60]]
CCW_HOLE = [[16.61, 61.605], [16.62, 61.605], [16.62, 61.615], [16.61, 61.615],
            [16.61, 61.605]]
CCW_SQUARE = [[16.65, 61.60], [16.66, 61.60], [16.66, 61.61], [16.65, 61.61], [16.65, 61.60]]
CW_LOBATSE = [[25.70, -25.30], [25.70, -25.28], [25.72, -25.28], [25.72, -25.30],
              [25.70, -25.30]]


def shaped(fid: str, geometry: dict, municipality: str = "bollnas") -> dict:
    """A synthetic place with any geometry."""
    feature = place(fid, 0.0, 0.0, municipality)
    feature["geometry"] = geometry
    return feature


SYNTHETIC = [
    shaped("test-area-holed", {"type": "Polygon", "coordinates": [CW_SQUARE, CCW_HOLE]}),
    shaped("test-area-multi", {"type": "MultiPolygon",
                               "coordinates": [[CW_SQUARE], [CCW_SQUARE]]}),
    shaped("test-area-lobatse", {"type": "Polygon", "coordinates": [CW_LOBATSE]}, "lobatse"),
    shaped("test-cluster", {"type": "MultiPoint", "coordinates": [[16.46, 61.31],
                                                                  [16.47, 61.32]]}),
    shaped("test-height", {"type": "Point", "coordinates": [16.45, 61.31, 123.4]}),
    place("test-unsurveyed", None, None),
    trail("test-line", [[16.40, 61.30], [16.40, 61.32], [16.42, 61.34]]),
    trail("test-parts", None) | {"geometry": {"type": "MultiLineString", "coordinates": [
        [[16.70, 61.70], [16.71, 61.71]], [[16.72, 61.71], [16.73, 61.72]]]}},
]
SYNTHETIC[-1]["properties"]["accuracy"] = "exact"


@pytest.fixture
def client(geo_app, store, tmp_path):
    """A client for the real geodata plus the synthetic shapes."""
    loader.load(store, [write_geojson(tmp_path / "shapes.geojson", SYNTHETIC)])
    return geo_app.test_client()


ITEMS = [
    "", "limit=1000", "limit=3&offset=30", "lang=sv", "lang=tn", "f=json",
    "bbox=16.3,61.2,16.8,61.7", "bbox=25.5,-25.4,25.9,-25.1", "bbox=170,-10,-170,10",
    "bbox=16.3,61.2,0,16.8,61.7,1000", "bbox=16.605,61.605,16.606,61.606",
    "near=16.39,61.35", "near=25.67,-25.22&radius=100000", "near=16.615,61.61&radius=10",
    "q=kyrk", "q=bollnas", "municipality=lobatse", "kind=church", "kind=test-site",
    "datetime=../9999-12-31T00:00:00Z", "updated_since=2000-01-01T00:00:00Z",
    "trail=test-line&within=2000", "trail=test-parts&within=10000&lang=sv",
]
TRAIL_ITEMS = ["", "bbox=16.69,61.69,16.74,61.73", "near=16.41,61.31&radius=2000",
               "municipality=bollnas", "lang=tn"]
PLACE_IDS = ["bol-onbacken", "lob-keitseng-house", "lob-town", "test-area-holed",
             "test-area-multi", "test-area-lobatse", "test-cluster", "test-height",
             "test-unsurveyed"]
TRAIL_IDS = ["bol-halsingeleden", "lob-freedom-heritage-walk", "test-line", "test-parts"]
URLS = ([f"/collections/places/items?{q}" for q in ITEMS]
        + [f"/collections/trails/items?{q}" for q in TRAIL_ITEMS]
        + [f"/collections/places/items/{fid}" for fid in PLACE_IDS]
        + [f"/collections/trails/items/{fid}" for fid in TRAIL_IDS]
        + [f"/collections/places/items/{fid}?lang=sv" for fid in PLACE_IDS[:4]])


@pytest.mark.parametrize("url", URLS)
def test_response_is_valid_rfc7946(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert validate(response.get_json(force=True)) == []


def geometries(body: dict) -> list:
    features = body["features"] if body["type"] == "FeatureCollection" else [body]
    return [f["geometry"] for f in features]


def test_the_table_covers_every_geometry_type_and_null(client):
    seen = {g["type"] if g else None
            for url in URLS for g in geometries(client.get(url).get_json(force=True))}
    assert seen == {"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon",
                    "MultiPolygon", None}


def test_clockwise_rings_loaded_are_served_by_the_right_hand_rule(client):
    assert signed_area(CW_SQUARE) < 0 and signed_area(CCW_HOLE) > 0  # loaded the wrong way
    body = client.get("/collections/places/items/test-area-holed").get_json(force=True)
    exterior, hole = body["geometry"]["coordinates"]
    assert signed_area(exterior) > 0
    assert signed_area(hole) < 0
    assert sorted(map(tuple, exterior)) == sorted(map(tuple, CW_SQUARE))


def test_heights_are_kept_as_a_third_coordinate(client):
    body = client.get("/collections/places/items/test-height").get_json(force=True)
    assert body["geometry"]["coordinates"] == [16.45, 61.31, 123.4]
