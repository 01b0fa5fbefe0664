"""The fast path (trailapp/http/fast.py) answers plain item reads in front of Flask with
exactly what Flask answers: the same status, body bytes and headers, for random ids,
bboxes, limits, offsets, languages, formats and Accept headers, each asked of an app
with the fast path and of one without it on the same database. Everything that is not
plain (f=html, crs, If-None-Match, gzip, an unknown id or a bad value) reaches Flask."""

from __future__ import annotations

import sqlite3

import pytest
from flask import request_started
from helpers.app import copy_instance, place, settings_in, write_geojson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trailapp import create_app, loader
from trailapp.domain import COLLECTION_IDS
from trailapp.http.cache import ResponseCache

AREA = (16.2, 61.2, 16.5, 61.45)  # Bollnäs: the test's extra places lie in here


def _extra_places() -> list[dict]:
    out = [place(f"test-fast-{i:03d}", round(AREA[0] + (i * 37 % 300) / 1000, 4),
                 round(AREA[1] + (i * 53 % 250) / 1000, 4), name_sv=f"Plats {i} åäö")
           for i in range(150)]
    line = place("test-fast-line", None, None, accuracy="exact")
    line["geometry"] = {"type": "LineString", "coordinates": [[16.3, 61.3], [16.35, 61.33]]}
    return [*out, line]


@pytest.fixture
def apps(geodata_instance, tmp_path):
    """(fast, flask, entered): two apps on one database, the first with the fast path,
    the second without; entered lists the requests that reached the first one's Flask."""
    copy_instance(geodata_instance, tmp_path)
    fast = create_app(settings_in(tmp_path, RESPONSE_CACHE_MB=0))
    loader.load(fast.extensions["trailapp"].store,
                [write_geojson(tmp_path / "extra.geojson", _extra_places())])
    flask = create_app(settings_in(tmp_path, RESPONSE_CACHE_MB=0, FAST_READS=False))
    entered: list[str] = []

    def flask_started(sender, **extra) -> None:
        entered.append("flask")

    request_started.connect(flask_started, fast)
    yield fast, flask, entered
    request_started.disconnect(flask_started, fast)
    for app in (fast, flask):
        app.extensions["trailapp"].store.close()


def _ids(app, collection: str) -> list[str]:
    with app.extensions["trailapp"].store.reader() as reader:
        return [r[0] for r in reader.conn.execute(
            "SELECT id FROM features WHERE collection = ? ORDER BY id", [collection])]


def _answer(app, url: str, headers: dict[str, str]):
    client = app.test_client()
    headers = dict(headers)
    if "Cookie" in headers:  # the test client sends its own cookie jar
        name, _, value = headers.pop("Cookie").partition("=")
        client.set_cookie(name, value)
    response = client.get(url, headers=headers)
    return response.status_code, response.get_data(), sorted(response.headers.items())


coordinate = st.tuples(st.integers(0, 300), st.integers(0, 250))


def optional(values: list[str]) -> st.SearchStrategy:
    """None (the parameter or header left out) or one of values."""
    return st.none() | st.sampled_from(values)


requests = st.fixed_dictionaries({
    "collection": st.sampled_from(COLLECTION_IDS),
    "one": st.booleans(),
    "pick": st.integers(0, 10**6),
    "corners": st.tuples(coordinate, coordinate),
    "bbox": st.booleans(),
    "limit": st.none() | st.integers(1, 1200),
    "offset": st.none() | st.integers(0, 200),
    "lang": optional(["sv", "en", "tn"]),
    "f": optional(["json", "geojson", "html"]),
    "accept": optional(["*/*", "application/json", "application/geo+json", "text/html"]),
    "accept_language": optional(["sv-SE,en;q=0.5", "tn", "de"]),
    "origin": optional(["https://app.example.org", "http://127.0.0.1:5173"]),
    "https": st.booleans(),
})


def _request(r: dict, ids: list[str]) -> tuple[str, dict[str, str], bool]:
    """The URL and headers of a drawn request, and whether it is plain (fast)."""
    params = []
    if r["one"]:
        fid = ids[r["pick"] % len(ids)] if ids else "test-none"
        path = f"/collections/{r['collection']}/items/{fid}"
    else:
        path = f"/collections/{r['collection']}/items"
        (x0, y0), (x1, y1) = r["corners"]
        if r["bbox"]:
            params.append(("bbox", ",".join(str(round(v, 4)) for v in (
                AREA[0] + min(x0, x1) / 1000, AREA[1] + min(y0, y1) / 1000,
                AREA[0] + max(x0, x1) / 1000, AREA[1] + max(y0, y1) / 1000))))
        params += [(k, str(r[k])) for k in ("limit", "offset") if r[k] is not None]
    params += [(k, r[k]) for k in ("lang", "f") if r[k] is not None]
    headers = {"Host": "trails.example.org"}
    for key, name in (("accept", "Accept"), ("accept_language", "Accept-Language"),
                      ("origin", "Origin")):
        if r[key] is not None:
            headers[name] = r[key]
    if r["https"]:
        headers["X-Forwarded-Proto"] = "https"  # not trusted (no PROXY_FIX): ignored
    query = "&".join(f"{k}={v}" for k, v in params)
    html = r["f"] == "html" or (r["f"] is None and r["accept"] == "text/html")  # f= wins
    return (f"{path}?{query}" if query else path), headers, not html and bool(
        not r["one"] or ids)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(r=requests)
def test_the_fast_path_answers_exactly_what_flask_answers(apps, r):
    fast, flask, entered = apps
    ids = _ids(flask, r["collection"])
    url, headers, plain = _request(r, ids)
    entered.clear()
    got, want = _answer(fast, url, headers), _answer(flask, url, headers)
    assert got == want
    if plain and want[0] == 200:
        assert entered == [], (url, headers)  # answered in front of Flask
    else:
        assert entered == ["flask"]


@pytest.mark.parametrize("url, headers", [
    ("/collections/places/items/test-fast-001?f=html", {}),
    ("/collections/places/items/test-fast-001?crs=http://www.opengis.net/def/crs/EPSG/0/3006",
     {}),
    ("/collections/places/items/test-fast-001", {"Accept-Encoding": "gzip"}),
    ("/collections/places/items/test-fast-001", {"Cookie": "session=x"}),
    ("/collections/places/items/test-fast-001", {"Accept": "text/html,*/*;q=0.8"}),
    ("/collections/places/items/test-missing", {}),
    ("/collections/nowhere/items/test-fast-001", {}),
    ("/collections/places/items?limit=0", {}),
    ("/collections/places/items?limit=5&limit=6", {}),
    ("/collections/places/items?bbox=16.3,61.3,16.2,95", {}),
    ("/collections/places/items?kind=test-site", {}),
    ("/collections/places/items?bbox=16.3%2C61.3%2C16.4%2C61.4", {}),
])
def test_requests_that_are_not_plain_reach_flask_and_get_its_answer(apps, url, headers):
    fast, flask, entered = apps
    got, want = _answer(fast, url, headers), _answer(flask, url, headers)
    assert entered == ["flask"]
    if "Accept-Encoding" not in headers:  # a gzip stream carries its time
        assert got == want


def test_the_response_cache_keeps_fast_answers_and_answers_304(geodata_instance, tmp_path):
    copy_instance(geodata_instance, tmp_path)
    app = create_app(settings_in(tmp_path))
    cache: ResponseCache = app.wsgi_app  # type: ignore[assignment]
    client = app.test_client()
    url = "/collections/places/items?bbox=16.2,61.2,16.5,61.45&limit=3"
    first = client.get(url)
    hits = cache.hits
    again = client.get(url)
    assert cache.hits == hits + 1
    assert again.get_data() == first.get_data() and again.headers == first.headers
    held = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert held.status_code == 304
    assert held.headers["ETag"] == first.headers["ETag"]
    loader.load(app.extensions["trailapp"].store,
                [write_geojson(tmp_path / "one.geojson", [place("test-fast-new", 16.3, 61.3)])])
    after = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert after.status_code == 200  # a write moved the version: a new ETag
    assert after.headers["ETag"] != first.headers["ETag"]
    app.extensions["trailapp"].store.close()


def test_a_busy_database_on_the_fast_path_gets_flasks_503_not_a_bare_error(apps,
                                                                          monkeypatch):
    fast, _, entered = apps

    def busy(*args, **kwargs):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(fast.extensions["trailapp"].catalog, "item", busy)
    response = fast.test_client().get("/collections/places/items/test-fast-001")
    assert entered == ["flask"]
    assert response.status_code == 503
    assert response.get_json()["status"] == 503
    assert "busy" in response.get_json()["description"]
    assert response.headers["Retry-After"] == "1"
