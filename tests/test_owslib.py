"""OWSLib, a third-party OGC API client, against the service over real HTTP on loopback.
Every value it reads back is checked against what the store holds."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from owslib.ogcapi.features import Features
from pyproj import Transformer


@pytest.fixture
def api(served):
    return Features(served.url)


@pytest.fixture
def places(geo_app):
    """id -> record of every stored place."""
    with geo_app.extensions["trailapp"].store.reader() as reader:
        return {row["id"]: json.loads(row["record"]) for row in reader.records("places")}


def test_owslib_lists_the_feature_collections(api):
    assert api.feature_collections() == ["places", "trails", "stories", "activities",
                                      "twins", "challenges", "questions"]


def test_owslib_reads_a_collection_extent_covering_the_places(api, places):
    minx, miny, maxx, maxy = api.collection("places")["extent"]["spatial"]["bbox"][0]
    for record in places.values():
        if record["geometry"]:
            lon, lat = record["geometry"]["coordinates"][:2]
            assert minx <= lon <= maxx and miny <= lat <= maxy


def test_owslib_pages_through_every_place_with_limit_and_offset(api, places):
    seen, offset = [], 0
    while True:
        page = api.collection_items("places", limit=10, offset=offset)
        assert page["numberMatched"] == len(places)
        seen += [f["id"] for f in page["features"]]
        offset += page["numberReturned"]
        if page["numberReturned"] < 10:
            break
    assert seen == sorted(places)


def test_owslib_follows_next_links_to_the_same_features(api, places):
    page = api.collection_items("places", limit=10)
    seen = [f["id"] for f in page["features"]]
    while nxt := [x["href"] for x in page["links"] if x["rel"] == "next"]:
        # OWSLib builds URLs from parameters, so hand it the next link's query.
        assert urlsplit(nxt[0]).path == "/collections/places/items"
        query = {k: v for k, [v] in parse_qs(urlsplit(nxt[0]).query).items()}
        page = api.collection_items("places", **query)
        seen += [f["id"] for f in page["features"]]
    assert seen == sorted(places)


def test_owslib_bbox_returns_the_stored_places_inside_it(api, places):
    box = [16.3, 61.3, 16.45, 61.4]
    found = api.collection_items("places", bbox=box, limit=1000)
    expected = {fid for fid, r in places.items() if r["geometry"]
                and box[0] <= r["geometry"]["coordinates"][0] <= box[2]
                and box[1] <= r["geometry"]["coordinates"][1] <= box[3]}
    assert expected
    assert {f["id"] for f in found["features"]} == expected


def test_owslib_fetches_one_feature_as_stored(api, places):
    feature = api.collection_item("places", "lob-high-court")
    record = places["lob-high-court"]
    assert feature["id"] == "lob-high-court"
    assert feature["geometry"] == record["geometry"]
    assert feature["properties"]["name"] == record["texts"]["name"]["en"]
    assert feature["properties"]["municipality"] == record["municipality"] == "lobatse"


# -- OGC API - Features Part 2 and Part 3 through OWSLib ---------------------------------

EPSG_3006 = "http://www.opengis.net/def/crs/EPSG/0/3006"


def test_owslib_reads_the_queryables_of_every_collection(api):
    for collection in api.feature_collections():
        queryables = api.collection_queryables(collection)
        assert queryables["type"] == "object"
        assert {"geometry", "kind", "municipality", "updated"} <= set(queryables["properties"])


def test_owslib_filter_gives_the_same_places_as_the_query_parameters(api, places):
    expected = sorted(fid for fid, r in places.items()
                      if r["kind"] == "church" and r["municipality"] == "bollnas")
    found = api.collection_items("places", filter="kind = 'church' AND municipality = "
                                 "'bollnas'", limit=1000)
    same = api.collection_items("places", kind="church", municipality="bollnas", limit=1000)
    assert expected
    assert [f["id"] for f in found["features"]] == [f["id"] for f in same["features"]] \
        == expected


def test_owslib_reads_a_place_in_sweref99tm(api, places):
    lon, lat = places["bol-gastgivars"]["geometry"]["coordinates"]
    found = api.collection_items("places", filter="id = 'bol-gastgivars'", crs=EPSG_3006)
    [feature] = found["features"]
    expected = Transformer.from_crs("OGC:CRS84", "EPSG:3006").transform(lon, lat)
    assert feature["geometry"]["coordinates"] == pytest.approx(list(expected), abs=0.001)


def test_owslib_bbox_in_sweref99tm_returns_the_places_inside_it(api, places):
    to_3006 = Transformer.from_crs("OGC:CRS84", "EPSG:3006")
    box = [6_790_000, 560_000, 6_815_000, 575_000]  # northing, easting: around Bollnäs
    expected = set()
    for fid, record in places.items():
        if record["geometry"]:
            n, e = to_3006.transform(*record["geometry"]["coordinates"])
            if box[0] <= n <= box[2] and box[1] <= e <= box[3]:
                expected.add(fid)
    found = api.collection_items("places", bbox=box, limit=1000, **{"bbox-crs": EPSG_3006})
    assert expected
    assert {f["id"] for f in found["features"]} == expected
