"""The in-process response cache serves a response again only while the content
version is unchanged, and never mixes representations."""

from __future__ import annotations

from helpers.app import GEODATA, place, settings_in, write_geojson

from trailapp import create_app, loader
from trailapp.http.cache import ResponseCache

ITEMS = "/collections/places/items?limit=5"


def cache_of(app) -> ResponseCache:
    return app.wsgi_app


def test_a_repeated_get_is_served_from_the_cache_unchanged(geo_app, geo_client):
    first = geo_client.get(ITEMS)
    hits = cache_of(geo_app).hits
    second = geo_client.get(ITEMS)
    assert cache_of(geo_app).hits == hits + 1
    assert second.data == first.data
    assert second.headers["ETag"] == first.headers["ETag"]
    assert second.headers["Content-Type"] == first.headers["Content-Type"]


def test_a_write_makes_cached_responses_stale(geo_app, geo_client, store, tmp_path):
    before = geo_client.get(ITEMS + "&municipality=bollnas&kind=test-site").get_json(force=True)
    assert before["numberMatched"] == 0
    loader.load(store, [write_geojson(tmp_path / "new.geojson", [place("test-new", 16.4, 61.3)])])
    after = geo_client.get(ITEMS + "&municipality=bollnas&kind=test-site").get_json(force=True)
    assert [f["id"] for f in after["features"]] == ["test-new"]


def test_if_none_match_is_answered_304_from_the_cache(geo_app, geo_client):
    etag = geo_client.get(ITEMS).headers["ETag"]
    hits = cache_of(geo_app).hits
    r = geo_client.get(ITEMS, headers={"If-None-Match": etag})
    assert r.status_code == 304
    assert r.data == b""
    assert r.headers["ETag"] == etag
    assert "public" in r.headers["Cache-Control"]
    assert cache_of(geo_app).hits == hits + 1


def test_languages_are_cached_apart(geo_client):
    url = "/collections/places/items/bol-gastgivars"
    sv = geo_client.get(url, headers={"Accept-Language": "sv"}).get_json(force=True)
    en = geo_client.get(url, headers={"Accept-Language": "en"}).get_json(force=True)
    sv_again = geo_client.get(url, headers={"Accept-Language": "sv"}).get_json(force=True)
    assert sv["properties"]["name"] == sv_again["properties"]["name"] == "Gästgivars i Vallsta"
    assert en["properties"]["name"] == "Gästgivars farm, Vallsta"


def test_gzip_and_plain_are_cached_apart(geo_client):
    plain = geo_client.get(ITEMS)
    zipped = geo_client.get(ITEMS, headers={"Accept-Encoding": "gzip"})
    plain_again = geo_client.get(ITEMS)
    assert zipped.headers.get("Content-Encoding") == "gzip"
    assert "Content-Encoding" not in plain_again.headers
    assert plain_again.data == plain.data


def test_each_origin_gets_its_own_cors_answer(geo_client):
    a = geo_client.get(ITEMS, headers={"Origin": "https://a.example"})
    b = geo_client.get(ITEMS, headers={"Origin": "https://b.example"})
    assert a.headers["Access-Control-Allow-Origin"] in ("*", "https://a.example")
    assert b.headers["Access-Control-Allow-Origin"] in ("*", "https://b.example")


def test_errors_are_not_cached(geo_app, geo_client):
    geo_client.get("/collections/places/items/no-such-place")
    hits = cache_of(geo_app).hits
    r = geo_client.get("/collections/places/items/no-such-place")
    assert r.status_code == 404
    assert cache_of(geo_app).hits == hits


def test_head_from_the_cache_has_headers_and_no_body(geo_app, geo_client):
    get = geo_client.get(ITEMS)
    head = geo_client.head(ITEMS)
    assert head.data == b""
    assert head.headers["ETag"] == get.headers["ETag"]
    assert head.headers["Content-Length"] == get.headers["Content-Length"]


def test_cache_can_be_turned_off(tmp_path):
    app = create_app(settings_in(tmp_path, RESPONSE_CACHE_MB=0))
    loader.load(app.extensions["trailapp"].store, [GEODATA])
    assert not isinstance(app.wsgi_app, ResponseCache)
    client = app.test_client()
    assert client.get(ITEMS).data == client.get(ITEMS).data
    app.extensions["trailapp"].store.close()


def test_the_cache_keeps_within_its_size(tmp_path):
    app = create_app(settings_in(tmp_path, RESPONSE_CACHE_MB=1))
    loader.load(app.extensions["trailapp"].store, [GEODATA])
    cache = cache_of(app)
    cache.max_bytes = 20_000  # a few responses' worth
    client = app.test_client()
    for offset in range(0, 30):
        client.get(f"/collections/places/items?limit=3&offset={offset}")
    assert 0 < cache.size <= cache.max_bytes
    assert cache.size == sum(len(e.body) for e in cache.entries.values())
    app.extensions["trailapp"].store.close()


def test_a_conditional_request_fills_the_cache_too(tmp_path):
    """A worker that first sees a client's If-None-Match still caches the response,
    so later requests are hits (a second worker never sees the unconditional GET)."""
    app = create_app(settings_in(tmp_path))
    loader.load(app.extensions["trailapp"].store, [GEODATA])
    other = create_app(settings_in(tmp_path))
    etag = app.test_client().get(ITEMS).headers["ETag"]
    client = other.test_client()
    assert client.get(ITEMS, headers={"If-None-Match": etag}).status_code == 304
    hits = cache_of(other).hits
    assert client.get(ITEMS, headers={"If-None-Match": etag}).status_code == 304
    assert cache_of(other).hits == hits + 1
    for a in (app, other):
        a.extensions["trailapp"].store.close()


def test_a_write_empties_the_cache_of_older_responses(geo_app, geo_client, store, tmp_path):
    geo_client.get(ITEMS)
    geo_client.get("/collections/places/items/bol-gastgivars")
    assert len(cache_of(geo_app).entries) == 2
    loader.load(store, [write_geojson(tmp_path / "n.geojson", [place("test-n", 16.4, 61.3)])])
    geo_client.get("/healthz")  # any request notices the new version
    with store.reader() as r:
        current = r.version()[0]
    assert cache_of(geo_app).entries == {}  # both were built before the write
    assert cache_of(geo_app).size == 0
    geo_client.get(ITEMS)
    assert [e.version for e in cache_of(geo_app).entries.values()] == [current]
