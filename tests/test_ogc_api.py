"""OGC API – Features routes through the Flask test client, on the real geodata and on
synthetic test data (ids test-...). Expected values come from the store or pyproj."""

from __future__ import annotations

import gzip
import json
import math
import re
import unicodedata
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qs, quote, urlsplit

import gpxpy
import pytest
from helpers.app import place, trail, write_geojson
from pyproj import Geod
from shapely.geometry import shape

from trailapp import loader
from trailapp.times import now_rfc3339

GEOD = Geod(ellps="WGS84")
GEOJSON = "application/geo+json"
JSON = "application/json"

# A surveyed synthetic trail due north along one meridian, far from every real place,
# and places beside it: id -> (latitude, metres east of the line; negative is west).
TRAIL_LON = 15.70
TRAIL_LATS = [61.00, 61.01, 61.02, 61.03, 61.04]
BESIDE = {
    "test-along-z": (61.005, 120.0),
    "test-along-m": (61.02, -40.0),
    "test-along-a": (61.035, 250.0),
    "test-along-far": (61.025, 700.0),
}
# A trail with 7-decimal coordinates for the GPX round trip.
GPX_COORDS = [[15.8123457, 61.1012345], [15.8134567, 61.1023456], [15.8145678, 61.1011111]]
# A point for the exact bbox tests, away from everything else.
EDGE = (16.9123456, 61.8123456)
# A centre with one place just inside 1000 m and one just beyond.
CENTRE = (16.9, 61.7)
RING = {"test-ring-in": 999.5, "test-ring-out": 1000.5}


def beside(lat: float, east_m: float) -> tuple[float, float]:
    """The position east_m metres east (or west) of the trail line at lat, to 1e-7°."""
    lon, lat2, _ = GEOD.fwd(TRAIL_LON, lat, 90 if east_m > 0 else 270, abs(east_m))
    return round(lon, 7), round(lat2, 7)


def north_of_centre(metres: float) -> tuple[float, float]:
    lon, lat, _ = GEOD.fwd(*CENTRE, 0, metres)
    return round(lon, 7), round(lat, 7)


def synthetic_features() -> list[dict]:
    features = [
        trail("test-trail", [[TRAIL_LON, lat] for lat in TRAIL_LATS], name_sv="Testleden"),
        trail("test-gpx", GPX_COORDS, name_sv="GPX-leden"),
        place("test-edge", *EDGE),
    ]
    features += [place(fid, *beside(lat, east)) for fid, (lat, east) in BESIDE.items()]
    features += [place(fid, *north_of_centre(m)) for fid, m in RING.items()]
    return features


def wait_for_clock_after(stamp: str) -> None:
    """Return once now_rfc3339() is past stamp, so a new load gets a later time."""
    while now_rfc3339() <= stamp:
        pass


@pytest.fixture
def synthetic(geo_app, store, tmp_path):
    """Synthetic features loaded after (and at a later time than) the real geodata."""
    wait_for_clock_after(max(r["updated"] for r in stored(store, "places").values()))
    loader.load(store, [write_geojson(tmp_path / "synthetic.geojson", synthetic_features())])
    return geo_app


@pytest.fixture
def many_places(store, tmp_path):
    """1003 synthetic places: more than the largest page."""
    features = [place(f"test-many-{i:04d}", 16.0 + i * 1e-4, 61.0) for i in range(1003)]
    loader.load(store, [write_geojson(tmp_path / "many.geojson", features)])


def stored(store, collection: str) -> dict[str, dict]:
    """What the store holds: id -> record (texts, geometry, ...) with its update time."""
    with store.reader() as reader:
        rows = reader.records(collection)
    out = {}
    for row in rows:
        record = json.loads(row["record"])
        record["updated"] = row["updated"]
        out[row["id"]] = record
    return out


def version_time(store) -> str:
    with store.reader() as reader:
        return reader.version()[1]


def ids(body: dict) -> list[str]:
    return [f["id"] for f in body["features"]]


def link(body: dict, rel: str, type_: str | None = None) -> dict | None:
    found = [x for x in body["links"] if x["rel"] == rel and type_ in (None, x.get("type"))]
    assert len(found) <= 1, found
    return found[0] if found else None


def get(client, url: str, **headers):
    response = client.get(url, headers=headers)
    return response, response.get_json(force=True)


# -- landing page, conformance, collections -------------------------------------------


def test_landing_page_links_to_api_conformance_and_data(geo_client):
    _, body = get(geo_client, "/")
    desc = link(body, "service-desc")
    assert desc["href"] == "http://localhost/api"
    assert desc["type"] == "application/vnd.oai.openapi+json;version=3.0"
    assert link(body, "conformance")["href"] == "http://localhost/conformance"
    assert link(body, "data")["href"] == "http://localhost/collections"


def test_service_desc_link_serves_the_openapi_document(geo_client):
    _, body = get(geo_client, "/")
    response = geo_client.get(link(body, "service-desc")["href"])
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/vnd.oai.openapi+json;version=3.0"
    assert response.get_json(force=True)["openapi"].startswith("3.0")


def test_conformance_lists_core_geojson_and_oas30(geo_client):
    _, body = get(geo_client, "/conformance")
    base = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"
    assert {base + c for c in ("core", "geojson", "oas30")} <= set(body["conformsTo"])


def test_collections_lists_every_feature_collection_stored_in_crs84(geo_client):
    _, body = get(geo_client, "/collections")
    assert [c["id"] for c in body["collections"]] == ["places", "trails", "stories", "activities",
                                                     "twins", "challenges", "questions"]
    for c in body["collections"]:
        assert c["itemType"] == "feature"
        assert c["storageCrs"] == "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
        assert c["crs"] == ["http://www.opengis.net/def/crs/OGC/1.3/CRS84"] + [
            f"http://www.opengis.net/def/crs/EPSG/0/{code}" for code in (4326, 3006, 3857, 32735)]


@pytest.mark.parametrize("collection", ["places", "trails"])
def test_collection_extent_is_the_bounds_and_times_of_its_features(
        synthetic, geo_client, store, collection):
    records = stored(store, collection).values()
    bounds = [shape(r["geometry"]).bounds for r in records if r["geometry"]]
    _, body = get(geo_client, f"/collections/{collection}")
    [bbox] = body["extent"]["spatial"]["bbox"]
    assert bbox == [min(b[0] for b in bounds), min(b[1] for b in bounds),
                    max(b[2] for b in bounds), max(b[3] for b in bounds)]
    updated = sorted(r["updated"] for r in records)
    assert body["extent"]["temporal"]["interval"] == [[updated[0], updated[-1]]]


def test_collection_items_link_has_no_query_string(geo_client):
    _, body = get(geo_client, "/collections/places?lang=sv&f=json")
    items = link(body, "items")
    assert items["href"] == "http://localhost/collections/places/items"
    assert items["type"] == GEOJSON


# -- items: format, counts, links, paging -----------------------------------------------


def test_items_are_served_as_geojson(geo_client):
    response = geo_client.get("/collections/places/items")
    assert response.headers["Content-Type"] == GEOJSON


def test_items_with_f_json_are_served_as_plain_json(geo_client):
    response = geo_client.get("/collections/places/items?f=json")
    assert response.headers["Content-Type"] == JSON


def test_items_say_how_many_matched_and_were_returned(geo_client, store):
    _, body = get(geo_client, "/collections/places/items?limit=10")
    assert body["numberMatched"] == len(stored(store, "places"))
    assert body["numberReturned"] == len(body["features"]) == 10


ITEMS_PATHS = ["/collections/places/items?limit=1", "/collections/places/items?bbox=16,61,17,62",
               "/collections/places/items?near=16.39,61.35&radius=3000",
               "/collections/places/items?filter=kind%3D%27church%27",
               "/collections/places/items?trail=bol-halsingeleden",
               "/collections/stories/items"]


@pytest.mark.parametrize("path", ITEMS_PATHS)
def test_items_leave_out_a_timestamp_that_is_not_when_the_response_was_made(
        geo_client, store, path):
    # Regression (issue 15): timeStamp was the content version's time (months old, or
    # 1970 on an empty service), which the OGC Core suite flags: it is "when the response
    # was generated". A cached response cannot keep that, so it is left out (optional);
    # Last-Modified names the content version instead.
    response, body = get(geo_client, path)
    assert response.status_code in (200, 409)
    if response.status_code == 200:
        assert "timeStamp" not in body
        assert body["numberReturned"] == len(body["features"])
        assert body["numberMatched"] >= body["numberReturned"]
        assert {"self", "alternate", "collection"} <= {x["rel"] for x in body["links"]}


def test_items_links_self_alternate_and_collection(geo_client):
    _, body = get(geo_client, "/collections/places/items?limit=5&kind=church")
    self_link = link(body, "self")
    assert self_link["type"] == GEOJSON
    assert self_link["href"].startswith("http://localhost/collections/places/items?")
    assert parse_qs(urlsplit(self_link["href"]).query) == {"limit": ["5"], "kind": ["church"]}
    alternates = {x["type"]: x for x in body["links"] if x["rel"] == "alternate"}
    assert set(alternates) == {JSON, "text/html"}
    assert parse_qs(urlsplit(alternates[JSON]["href"]).query)["f"] == ["json"]
    assert parse_qs(urlsplit(alternates["text/html"]["href"]).query)["f"] == ["html"]
    assert link(body, "collection")["href"] == "http://localhost/collections/places"


def test_following_next_links_visits_every_feature_exactly_once(geo_client, store):
    url, seen, pages = "/collections/places/items?limit=7", [], 0
    while url:
        _, body = get(geo_client, url)
        seen += ids(body)
        pages += 1
        url = (link(body, "next") or {}).get("href")
    expected = sorted(stored(store, "places"))
    assert seen == expected
    assert pages == math.ceil(len(expected) / 7)


def test_offset_pages_tile_the_whole_list(geo_client, store):
    total = len(stored(store, "places"))
    pages = [ids(get(geo_client, f"/collections/places/items?limit=5&offset={o}")[1])
             for o in range(0, total, 5)]
    assert sum(pages, []) == sorted(stored(store, "places"))


def test_prev_link_goes_back_one_page(geo_client):
    _, first = get(geo_client, "/collections/places/items?limit=7")
    _, second = get(geo_client, link(first, "next")["href"])
    _, back = get(geo_client, link(second, "prev")["href"])
    assert ids(back) == ids(first)
    assert link(first, "prev") is None


def test_last_page_has_no_next_link(geo_client, store):
    total = len(stored(store, "places"))
    _, body = get(geo_client, f"/collections/places/items?limit=7&offset={total - 3}")
    assert body["numberReturned"] == 3
    assert link(body, "next") is None


def test_limit_above_1000_is_treated_as_1000(many_places, client):
    response, body = get(client, "/collections/places/items?limit=5000")
    assert response.status_code == 200
    assert body["numberMatched"] == 1003
    assert body["numberReturned"] == 1000
    _, rest = get(client, link(body, "next")["href"])
    assert ids(rest) == [f"test-many-{i:04d}" for i in range(1000, 1003)]


# -- bbox -------------------------------------------------------------------------------


def points_in(store, minx, miny, maxx, maxy) -> set[str]:
    return {fid for fid, r in stored(store, "places").items()
            if r["geometry"] and minx <= r["geometry"]["coordinates"][0] <= maxx
            and miny <= r["geometry"]["coordinates"][1] <= maxy}


def test_bbox_returns_the_places_inside_it(geo_client, store):
    box = (16.38, 61.34, 16.43, 61.36)
    _, body = get(geo_client, "/collections/places/items?bbox=" + ",".join(map(str, box)))
    expected = points_in(store, *box)
    assert expected  # the box is not empty, so the comparison means something
    assert set(ids(body)) == expected


SIDES = {  # a bbox with one edge 1e-7° beyond EDGE on that side
    "west": "16.9123457,61.8,17.0,61.9",
    "east": "16.9,61.8,16.9123455,61.9",
    "south": "16.9,61.8123457,17.0,61.9",
    "north": "16.9,61.8,17.0,61.8123455",
}


@pytest.mark.parametrize("bbox", SIDES.values(), ids=SIDES.keys())
def test_point_1e7_degrees_outside_bbox_is_not_returned(synthetic, geo_client, bbox):
    _, body = get(geo_client, f"/collections/places/items?bbox={bbox}")
    assert "test-edge" not in ids(body)


@pytest.mark.sqlite_only  # SQLite's R*Tree
def test_rtree_float32_bounds_would_have_matched_the_outside_bbox(synthetic, store):
    # The precondition that makes the test above meaningful: the index alone is not exact.
    with store.reader() as reader:
        minx, maxx = reader.conn.execute(
            "SELECT r.minx, r.maxx FROM features_rtree r JOIN features f ON f.rowid = r.id "
            "WHERE f.id = 'test-edge'").fetchone()
    assert maxx >= 16.9123457 and minx <= 16.9123455


def test_point_on_bbox_edge_is_returned(synthetic, geo_client):
    bbox = f"{EDGE[0]},{EDGE[1]},{EDGE[0]},{EDGE[1]}"
    _, body = get(geo_client, f"/collections/places/items?bbox={bbox}")
    assert ids(body) == ["test-edge"]


def test_bbox_meeting_a_trail_between_its_vertices_returns_it(synthetic, geo_client):
    # No vertex lies in the box (they are at 61.00, 61.01, ...) but the line crosses it.
    _, body = get(geo_client, "/collections/trails/items?bbox=15.69,61.004,15.71,61.006")
    assert ids(body) == ["test-trail"]


def test_bbox_crossing_the_antimeridian_is_answered(geo_client):
    response, body = get(geo_client, "/collections/places/items?bbox=170,-10,-170,10")
    assert response.status_code == 200
    assert body["features"] == []


def test_bbox_crossing_the_antimeridian_wraps_round_the_world(geo_client, store):
    # minlon 16.4 > maxlon -170: the box runs east from 16.4 over the antimeridian.
    _, body = get(geo_client, "/collections/places/items?bbox=16.4,61.0,-170,62.0")
    expected = points_in(store, 16.4, 61.0, 180, 62.0)
    assert expected
    assert set(ids(body)) == expected


# -- time: datetime and updated_since ---------------------------------------------------


@pytest.fixture
def times(synthetic, store):
    """(time of the real data, time of the synthetic data), as the store holds them."""
    records = stored(store, "places")
    real = {r["updated"] for fid, r in records.items() if not fid.startswith("test-")}
    test = {r["updated"] for fid, r in records.items() if fid.startswith("test-")}
    assert len(real) == len(test) == 1
    real_time, test_time = real.pop(), test.pop()
    assert real_time < test_time
    return real_time, test_time


def place_ids(store, test: bool) -> set[str]:
    return {fid for fid in stored(store, "places") if fid.startswith("test-") == test}


def items_ids(client, query: str) -> set[str]:
    response, body = get(client, f"/collections/places/items?limit=1000&{query}")
    assert response.status_code == 200, body
    return set(ids(body))


def test_datetime_instant_matches_features_updated_at_it(times, geo_client, store):
    _, test_time = times
    assert items_ids(geo_client, f"datetime={test_time}") == place_ids(store, test=True)


def test_datetime_instant_with_offset_is_the_same_instant(times, geo_client, store):
    real_time, _ = times
    utc = datetime.fromisoformat(real_time.replace("Z", "+00:00"))
    local = utc.astimezone(timezone(timedelta(hours=2))).isoformat(timespec="milliseconds")
    assert local.endswith("+02:00")
    assert items_ids(geo_client, f"datetime={quote(local)}") == place_ids(store, test=False)


def test_datetime_interval_open_start(times, geo_client, store):
    real_time, _ = times
    assert items_ids(geo_client, f"datetime=../{real_time}") == place_ids(store, test=False)


def test_datetime_interval_open_end(times, geo_client, store):
    _, test_time = times
    assert items_ids(geo_client, f"datetime={test_time}/..") == place_ids(store, test=True)


def test_datetime_closed_interval_includes_both_ends(times, geo_client, store):
    real_time, test_time = times
    assert items_ids(geo_client, f"datetime={real_time}/{test_time}") == \
        set(stored(store, "places"))


def test_updated_since_is_strictly_after(times, geo_client, store):
    real_time, test_time = times
    assert items_ids(geo_client, f"updated_since={real_time}") == place_ids(store, test=True)
    assert items_ids(geo_client, f"updated_since={test_time}") == set()


# -- municipality, kind, q --------------------------------------------------------------


@pytest.mark.parametrize("municipality", ["bollnas", "lobatse"])
def test_municipality_filter(geo_client, store, municipality):
    expected = {fid for fid, r in stored(store, "places").items()
                if r["municipality"] == municipality}
    assert expected
    assert items_ids(geo_client, f"municipality={municipality}") == expected


def test_kind_filter(geo_client, store):
    expected = {fid for fid, r in stored(store, "places").items() if r["kind"] == "church"}
    assert expected
    assert items_ids(geo_client, "kind=church") == expected


def fold(text: str) -> str:
    """Lower case without diacritics, as the search compares words."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold())
                   if not unicodedata.combining(c))


def searchable(record: dict, fid: str) -> str:
    texts = [fid, record["kind"]]
    for field in ("name", "description"):
        texts += [t for t in (record["texts"].get(field) or {}).values() if t]
    return " ".join(texts)


def matching(store, prefix: str) -> set[str]:
    return {fid for fid, r in stored(store, "places").items()
            if any(w.startswith(prefix) for w in re.findall(r"\w+", fold(searchable(r, fid))))}


def test_q_matches_word_prefixes(geo_client, store):
    expected = matching(store, "kyrk")
    assert expected
    assert items_ids(geo_client, "q=kyrk") == expected


def test_q_ignores_diacritics(geo_client, store):
    expected = matching(store, "bollnas")
    # Some of them say Bollnäs only with the diacritic, in no id or ASCII spelling.
    only_accented = {fid for fid in expected
                     if "bollnas" not in searchable(stored(store, "places")[fid], fid).lower()}
    assert only_accented
    assert items_ids(geo_client, "q=bollnas") == expected


# -- near -------------------------------------------------------------------------------


def test_near_returns_places_within_radius_nearest_first(geo_client, store):
    lon, lat, radius = 16.39, 61.35, 3000
    distance = {fid: GEOD.inv(lon, lat, *r["geometry"]["coordinates"])[2]
                for fid, r in stored(store, "places").items() if r["geometry"]}
    _, body = get(geo_client, f"/collections/places/items?near={lon},{lat}&radius={radius}")
    expected = {fid for fid, d in distance.items() if d <= radius}
    assert expected and expected != set(distance)
    assert set(ids(body)) == expected
    returned = [f["properties"]["distance_m"] for f in body["features"]]
    assert returned == sorted(returned)
    for f in body["features"]:
        assert f["properties"]["distance_m"] == pytest.approx(distance[f["id"]], abs=0.1)


def test_near_excludes_a_place_just_beyond_the_radius(synthetic, geo_client):
    found = items_ids(geo_client, f"near={CENTRE[0]},{CENTRE[1]}&radius=1000")
    assert found == {"test-ring-in"}


# -- along a trail ----------------------------------------------------------------------


def along_trail(client, within: float) -> dict:
    response, body = get(client, f"/collections/places/items?trail=test-trail&within={within}")
    assert response.status_code == 200, body
    return body


def test_trail_filter_returns_places_in_order_along_the_trail(synthetic, geo_client):
    body = along_trail(geo_client, 500)
    assert ids(body) == ["test-along-z", "test-along-m", "test-along-a"]


def test_trail_filter_distances_agree_with_pyproj(synthetic, geo_client):
    body = along_trail(geo_client, 500)
    for f in body["features"]:
        lat, east = BESIDE[f["id"]]
        along = GEOD.inv(TRAIL_LON, TRAIL_LATS[0], TRAIL_LON, lat)[2]
        assert f["properties"]["distance_along_trail_m"] == pytest.approx(along, rel=0.01)
        assert f["properties"]["distance_to_trail_m"] == pytest.approx(abs(east), rel=0.01)


def test_trail_filter_excludes_places_beyond_within(synthetic, geo_client):
    assert "test-along-far" not in ids(along_trail(geo_client, 500))
    assert "test-along-far" in ids(along_trail(geo_client, 800))


def test_trail_filter_reports_the_trail_length(synthetic, geo_client):
    body = along_trail(geo_client, 500)
    line = [(TRAIL_LON, lat) for lat in TRAIL_LATS]
    length = GEOD.line_length([p[0] for p in line], [p[1] for p in line])
    assert body["trail"]["length_m"] == pytest.approx(length, abs=0.1)


def test_trail_filter_on_unsurveyed_trail_is_a_conflict(geo_client):
    response, body = get(geo_client, "/collections/places/items?trail=bol-halsingeleden")
    assert response.status_code == 409
    assert response.headers["Content-Type"] == JSON
    assert set(body) == {"code", "description", "status", "errors"}
    assert body["errors"] == []
    assert body["status"] == 409


def test_trail_filter_on_unknown_trail_is_not_found(geo_client):
    response, body = get(geo_client, "/collections/places/items?trail=no-such-trail")
    assert response.status_code == 404
    assert body["status"] == 404


# -- one feature ------------------------------------------------------------------------


def test_feature_has_self_alternate_and_collection_links(geo_client):
    _, body = get(geo_client, "/collections/places/items/bol-onbacken")
    base = "http://localhost/collections/places"
    assert link(body, "self") == {"href": f"{base}/items/bol-onbacken", "rel": "self",
                                  "type": GEOJSON}
    assert link(body, "alternate", JSON)["href"] == f"{base}/items/bol-onbacken?f=json"
    assert link(body, "collection")["href"] == base


def test_feature_holds_what_the_store_holds(geo_client, store):
    record = stored(store, "places")["bol-onbacken"]
    _, body = get(geo_client, "/collections/places/items/bol-onbacken?lang=en")
    assert body["geometry"] == record["geometry"]
    assert body["properties"]["name"] == record["texts"]["name"]["en"]
    assert body["properties"]["updated"] == record["updated"]


def test_trail_feature_offers_a_gpx_alternate(geo_client):
    _, body = get(geo_client, "/collections/trails/items/bol-halsingeleden")
    gpx = link(body, "alternate", "application/gpx+xml")
    assert gpx["href"] == "http://localhost/collections/trails/items/bol-halsingeleden?f=gpx"


def test_place_feature_offers_no_gpx(geo_client):
    _, body = get(geo_client, "/collections/places/items/bol-onbacken")
    assert link(body, "alternate", "application/gpx+xml") is None


def test_gpx_of_surveyed_trail_has_the_same_coordinates(synthetic, geo_client):
    response = geo_client.get("/collections/trails/items/test-gpx?f=gpx")
    assert response.status_code == 200
    assert response.mimetype == "application/gpx+xml"
    doc = gpxpy.parse(response.get_data(as_text=True))
    assert doc.version == "1.1"
    [track] = doc.tracks
    [segment] = track.segments
    assert [[p.longitude, p.latitude] for p in segment.points] == GPX_COORDS
    assert track.name == "Test trail test-gpx"


def test_gpx_of_unsurveyed_trail_is_a_conflict(geo_client):
    response = geo_client.get("/collections/trails/items/bol-halsingeleden?f=gpx")
    assert response.status_code == 409


# -- languages --------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_lang_gives_names_in_that_language(geo_client, store, lang):
    response, body = get(geo_client, f"/collections/places/items?lang={lang}&limit=1000")
    records = stored(store, "places")
    assert {f["id"]: f["properties"]["name"] for f in body["features"]} == \
        {fid: r["texts"]["name"][lang] for fid, r in records.items()}
    assert response.headers["Content-Language"] == lang


def test_accept_language_sv_se_gives_swedish(geo_client, store):
    response, body = get(geo_client, "/collections/places/items/bol-onbacken",
                         **{"Accept-Language": "sv-SE,en;q=0.5"})
    assert body["properties"]["name"] == stored(store, "places")["bol-onbacken"]["texts"][
        "name"]["sv"]
    assert body["properties"]["text_language"]["name"] == "sv"
    assert response.headers["Content-Language"] == "sv"


def test_lang_parameter_overrides_accept_language(geo_client):
    response = geo_client.get("/collections/places/items/bol-onbacken?lang=en",
                              headers={"Accept-Language": "sv-SE,en;q=0.5"})
    assert response.headers["Content-Language"] == "en"


def test_setswana_falls_back_to_english_and_says_so(geo_client, store):
    record = stored(store, "places")["bol-onbacken"]
    assert not record["texts"]["name"]["tn"]  # no Setswana text yet in the real data
    _, body = get(geo_client, "/collections/places/items/bol-onbacken?lang=tn")
    assert body["properties"]["name"] == record["texts"]["name"]["en"]
    assert body["properties"]["text_language"]["name"] == "en"


def test_unknown_accept_language_gives_english(geo_client):
    response = geo_client.get("/collections/places", headers={"Accept-Language": "de-DE"})
    assert response.headers["Content-Language"] == "en"


# -- errors -----------------------------------------------------------------------------

BAD_PARAMETERS = {
    "unknown": ("colour=red", "colour"),
    "bbox 2 numbers": ("bbox=16.3,61.3", "bbox"),
    "bbox words": ("bbox=a,b,c,d", "bbox"),
    "bbox upside down": ("bbox=16.3,61.4,16.5,61.3", "bbox"),
    "near 1 number": ("near=16.39", "near"),
    "near lat/lon swapped": ("near=61.35,160.39", "near"),
    "datetime bare date": ("datetime=2026-01-01", "datetime"),
    "datetime no zone": ("datetime=2026-01-01T00:00:00", "datetime"),
    "datetime backwards": ("datetime=2026-02-01T00:00:00Z/2026-01-01T00:00:00Z", "datetime"),
    "datetime unbounded": ("datetime=../..", "datetime"),
    "limit words": ("limit=ten", "limit"),
    "limit zero": ("limit=0", "limit"),
    "limit negative": ("limit=-5", "limit"),
    "updated_since bare date": ("updated_since=2026-01-01", "updated_since"),
    "repeated": ("limit=5&limit=6", "limit"),
    "near and trail": ("near=16.39,61.35&trail=bol-halsingeleden", "near"),
}


@pytest.mark.parametrize("query, name", BAD_PARAMETERS.values(), ids=BAD_PARAMETERS.keys())
def test_bad_parameter_is_400_naming_it(geo_client, query, name):
    response, body = get(geo_client, f"/collections/places/items?{query}")
    assert response.status_code == 400
    assert body["code"] == "InvalidParameterValue"
    assert [e["field"] for e in body["errors"]] == [name]
    assert name in body["description"]


def test_trail_filter_on_trails_is_400_naming_trail(synthetic, geo_client):
    response, body = get(geo_client, "/collections/trails/items?trail=test-trail")
    assert response.status_code == 400
    assert [e["field"] for e in body["errors"]] == ["trail"]


def test_gpx_of_a_place_is_400_naming_f(geo_client):
    response, body = get(geo_client, "/collections/places/items/bol-onbacken?f=gpx")
    assert response.status_code == 400
    assert [e["field"] for e in body["errors"]] == ["f"]


@pytest.mark.parametrize("name", ["datetime", "updated_since"])
@pytest.mark.parametrize("value", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"])
def test_instant_beyond_the_calendar_in_utc_is_400_not_500(geo_client, name, value):
    # Regression: converting these to UTC overflowed Python's datetime (a 500).
    response = geo_client.get("/collections/places/items", query_string={name: value})
    assert response.status_code == 400
    assert [e["field"] for e in response.get_json()["errors"]] == [name]


ERRORS = {
    "unknown parameter": ("GET", "/collections/places/items?colour=red", {}, 400),
    "repeated parameter": ("GET", "/collections/places?lang=sv&lang=en", {}, 400),
    "bad bbox": ("GET", "/collections/places/items?bbox=1,2", {}, 400),
    "gpx of a place": ("GET", "/collections/places/items/bol-onbacken?f=gpx", {}, 400),
    "unknown collection": ("GET", "/collections/roads", {}, 404),
    "unknown collection items": ("GET", "/collections/roads/items", {}, 404),
    "unknown feature": ("GET", "/collections/places/items/no-such-place", {}, 404),
    "unknown path": ("GET", "/no/such/path", {}, 404),
    "POST": ("POST", "/collections/places/items", {}, 405),
    "DELETE": ("DELETE", "/collections/places/items/bol-onbacken", {}, 405),
    "image only": ("GET", "/collections/places/items", {"Accept": "image/png"}, 406),
    "unsurveyed trail": ("GET", "/collections/places/items?trail=bol-halsingeleden", {}, 409),
}


@pytest.mark.parametrize("method, url, headers, status", ERRORS.values(), ids=ERRORS.keys())
def test_every_error_has_the_one_json_shape(geo_client, method, url, headers, status):
    response = geo_client.open(url, method=method, headers=headers)
    assert response.status_code == status
    assert response.headers["Content-Type"] == JSON
    body = response.get_json()
    assert set(body) in ({"code", "description", "status"},
                         {"code", "description", "status", "errors"})
    assert body["status"] == status
    assert isinstance(body["code"], str) and body["code"]
    assert isinstance(body["description"], str) and body["description"]
    assert "Traceback" not in response.get_data(as_text=True)


def test_unknown_collection_is_404(geo_client):
    assert geo_client.get("/collections/roads/items").status_code == 404


def test_unknown_feature_is_404(geo_client):
    assert geo_client.get("/collections/places/items/no-such-place").status_code == 404


def test_post_on_a_get_route_is_405_with_allow(geo_client):
    response = geo_client.post("/collections/places/items")
    assert response.status_code == 405
    assert "GET" in {m.strip() for m in response.headers["Allow"].split(",")}


@pytest.mark.parametrize("url", ["/", "/collections", "/collections/places/items",
                                 "/collections/places/items/bol-onbacken", "/api"])
def test_accept_of_a_format_not_offered_is_406(geo_client, url):
    # text/html is offered by the OGC resources now (f=html, test_html_pages.py)
    assert geo_client.get(url, headers={"Accept": "image/png"}).status_code == 406


def test_accept_html_only_is_406_on_api(geo_client):
    assert geo_client.get("/api", headers={"Accept": "text/html"}).status_code == 406


def test_accept_html_with_wildcard_is_served(geo_client):
    response = geo_client.get("/collections/places/items",
                              headers={"Accept": "text/html,*/*;q=0.8"})
    assert response.status_code == 200 and response.mimetype == "text/html"


# -- HEAD, caching, compression, CORS, proxies ------------------------------------------

GET_ROUTES = [
    "/", "/conformance", "/api", "/collections", "/collections/places",
    "/collections/places/items?limit=3", "/collections/places/items/bol-onbacken",
    "/collections/trails/items/test-gpx", "/collections/trails/items/test-gpx?f=gpx",
]


@pytest.mark.parametrize("url", GET_ROUTES)
def test_head_has_the_headers_of_get_and_no_body(synthetic, geo_client, url):
    got = geo_client.get(url)
    head = geo_client.head(url)
    assert head.status_code == got.status_code == 200
    assert dict(head.headers) == dict(got.headers)
    assert head.get_data() == b""


@pytest.mark.parametrize("url", GET_ROUTES)
def test_strong_etag_and_304_on_if_none_match(synthetic, geo_client, url):
    etag = geo_client.get(url).headers["ETag"]
    assert not etag.startswith("W/")
    again = geo_client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.headers["ETag"] == etag
    assert again.get_data() == b""


def test_weak_if_none_match_also_gives_304(geo_client):
    # RFC 9110 13.1.2: If-None-Match compares weakly; proxies that gzip weaken ETags.
    etag = geo_client.get("/collections/places/items").headers["ETag"]
    again = geo_client.get("/collections/places/items", headers={"If-None-Match": "W/" + etag})
    assert again.status_code == 304


def test_gzip_variant_has_its_own_etag_and_304(geo_client):
    headers = {"Accept-Encoding": "gzip"}
    first = geo_client.get("/collections/places/items", headers=headers)
    plain = geo_client.get("/collections/places/items").headers["ETag"]
    assert first.headers["ETag"] == plain[:-1] + ':gzip"'
    again = geo_client.get("/collections/places/items",
                           headers={**headers, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_etag_changes_when_the_data_changes(synthetic, geo_client, store, tmp_path):
    url = "/collections/places/items"
    before = geo_client.get(url).headers["ETag"]
    changed = [place("test-edge", *EDGE, name_en="Edge, renamed")]
    loader.load(store, [write_geojson(tmp_path / "changed.geojson", changed)])
    after = geo_client.get(url, headers={"If-None-Match": before})
    assert after.status_code == 200
    assert after.headers["ETag"] != before


def test_last_modified_is_the_content_version_time(geo_client, store):
    response = geo_client.get("/collections/places/items")
    version = datetime.fromisoformat(version_time(store).replace("Z", "+00:00"))
    assert parsedate_to_datetime(response.headers["Last-Modified"]) == \
        version.replace(microsecond=0)


def test_cache_control_is_public_with_max_age(geo_app, geo_client):
    response = geo_client.get("/collections/places/items")
    assert response.cache_control.public
    assert response.cache_control.max_age == geo_app.config["CACHE_MAX_AGE"]


def test_geojson_is_gzipped_when_asked(geo_client):
    plain = geo_client.get("/collections/places/items")
    zipped = geo_client.get("/collections/places/items", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert zipped.headers["Content-Type"] == GEOJSON
    assert gzip.decompress(zipped.get_data()) == plain.get_data()


def test_geojson_is_not_gzipped_unasked(geo_client):
    assert "Content-Encoding" not in geo_client.get("/collections/places/items").headers


def test_cors_allows_any_origin_to_read(geo_client):
    response = geo_client.get("/collections/places/items",
                              headers={"Origin": "https://app.example"})
    allowed = response.headers["Access-Control-Allow-Origin"]
    assert allowed in ("*", "https://app.example")


def test_echoed_cors_origin_is_in_vary(geo_client):
    # A cache must not hand one origin's Allow-Origin answer to another origin.
    response = geo_client.get("/collections/places/items",
                              headers={"Origin": "https://app.example"})
    if response.headers["Access-Control-Allow-Origin"] != "*":
        assert "Origin" in response.vary


def test_forged_forwarded_host_is_not_reflected_in_links(geo_client):
    response, body = get(geo_client, "/collections/places/items?limit=2",
                         **{"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"})
    hrefs = [x["href"] for x in body["links"]]
    assert hrefs and all(h.startswith("http://localhost/") for h in hrefs)


def test_accept_of_another_application_type_is_406(geo_client):
    r = geo_client.get("/collections/places/items", headers={"Accept": "application/xml"})
    assert r.status_code == 406
    assert r.get_json()["code"] == "NotAcceptable"


def test_accept_application_json_gets_plain_json(geo_client):
    r = geo_client.get("/collections/places/items", headers={"Accept": "application/json"})
    assert r.status_code == 200
    assert r.headers["Content-Type"] == JSON


def test_accept_gpx_on_a_surveyed_trail_gets_gpx(synthetic, geo_client):
    r = geo_client.get("/collections/trails/items/test-gpx",
                       headers={"Accept": "application/gpx+xml"})
    assert r.status_code == 200
    assert r.mimetype == "application/gpx+xml"
    track = gpxpy.parse(r.get_data(as_text=True)).tracks[0]
    assert [[p.longitude, p.latitude] for p in track.segments[0].points] == GPX_COORDS


def test_empty_q_is_ignored(geo_client, store):
    everything = geo_client.get("/collections/places/items?limit=1000").get_json(force=True)
    blank = geo_client.get("/collections/places/items?limit=1000&q=%20").get_json(force=True)
    assert blank["numberMatched"] == everything["numberMatched"] == len(stored(store, "places"))


def test_empty_service_answers_without_a_1970_timestamp(client):
    body = client.get("/collections/places/items").get_json(force=True)
    assert body["numberMatched"] == body["numberReturned"] == 0
    assert "timeStamp" not in body


@pytest.mark.parametrize("value", ["2026-W18-5T12:00:00Z", "20260501T120000+0200",
                                   "2026-05-01T12:00+02:00", "2026-05-01T12:00:00+02",
                                   "2026-05-01T12:00:00,5Z"])
def test_only_rfc3339_date_times_are_accepted(geo_client, value):
    """ISO 8601 forms that RFC 3339 does not allow are refused (a reviewer's finding)."""
    r = geo_client.get(f"/collections/places/items?updated_since={quote(value)}")
    assert r.status_code == 400 and r.get_json()["errors"][0]["field"] == "updated_since"
