"""The OGC resources as HTML pages (f=html, or a browser's Accept header): every page in
Swedish and English, its links, its escaping, its CSP and its caching."""

from __future__ import annotations

import ast
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from babel.messages.pofile import read_po
from helpers.app import GEODATA, place, settings_in
from helpers.organisers import add_organiser, token_headers

from trailapp import create_app, loader

PACKAGE = Path(__file__).resolve().parents[1] / "trailapp"
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
PAGES = ["/", "/conformance", "/collections", "/collections/places",
         "/collections/trails/queryables", "/collections/places/items",
         "/collections/trails/items", "/collections/places/items/bol-gastgivars",
         "/collections/trails/items/bol-halsingeleden"]
# Markup that survives the service's cleaning (a tag left open has no '>' to strip).
XSS = 'Gården "&" <img src=x onerror="window.__xss=1"'


class Page(HTMLParser):
    """The parts of a page the tests look at: links, the map's data, the texts."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.links: list[dict[str, str]] = []
        self.scripts: list[dict[str, str]] = []
        self.map_data: dict | None = None
        self.lang: str | None = None
        self._in_data = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.lang = a.get("lang")
        if tag == "a" and "href" in a:
            self.links.append(a)
        if tag == "script":
            self.scripts.append(a)
            self._in_data = a.get("id") == "map-data"

    def handle_data(self, data):
        if self._in_data:
            self.map_data = json.loads(data)
            self._in_data = False


def html(client, path: str, **headers):
    r = client.get(path, headers={**BROWSER, **headers})
    assert r.status_code == 200, (path, r.get_data(as_text=True)[:300])
    assert r.mimetype == "text/html", path
    return r, Page(r.get_data(as_text=True))


@pytest.mark.parametrize("path", PAGES)
def test_a_browser_gets_a_page_and_a_client_asking_json_gets_json(geo_client, path):
    html(geo_client, path)
    data_types = ("application/json", "application/schema+json")
    asked = geo_client.get(path, headers={"Accept": "application/json"})
    assert asked.status_code == 200 and asked.mimetype in data_types
    plain = geo_client.get(path)  # no Accept: JSON (GeoJSON for features), as before
    assert plain.mimetype in ("application/json", "application/geo+json",
                              "application/schema+json")
    anything = geo_client.get(path, headers={"Accept": "*/*"})
    assert anything.mimetype == plain.mimetype
    forced = geo_client.get(f"{path}?f=json", headers=BROWSER)  # f= wins over Accept
    assert forced.status_code == 200 and forced.mimetype in data_types
    page = geo_client.get(f"{path}?f=html")
    assert page.status_code == 200 and page.mimetype == "text/html"


@pytest.mark.parametrize("path", ["/collections/places/items", "/collections/places/items/"
                                  "bol-gastgivars"])
def test_f_geojson_still_answers_geojson_to_a_browser(geo_client, path):
    r = geo_client.get(f"{path}?f=geojson", headers=BROWSER)
    assert r.status_code == 200 and r.mimetype == "application/geo+json"
    assert r.get_json()["type"] in ("Feature", "FeatureCollection")


@pytest.mark.parametrize("lang, words", [
    ("sv", ["Hoppa till innehållet", "Kulturarvsleder i Bollnäs och Lobatse", "Du är här"]),
    ("en", ["Skip to the content", "Heritage trails of Bollnäs and Lobatse", "You are here"])])
@pytest.mark.parametrize("path", PAGES)
def test_every_page_in_swedish_and_english(geo_client, path, lang, words):
    by_param = geo_client.get(f"{path}?f=html&lang={lang}")
    by_header = geo_client.get(path, headers={**BROWSER, "Accept-Language": f"{lang}-SE"
                                              if lang == "sv" else "en-GB,en;q=0.9"})
    for r in (by_param, by_header):
        assert r.status_code == 200 and r.mimetype == "text/html"
        text = r.get_data(as_text=True)
        assert Page(text).lang == lang
        assert r.headers["Content-Language"] == lang
        for word in words:
            assert word in text, (path, word)


def test_the_collection_names_and_labels_follow_the_language(geo_client):
    _, sv = html(geo_client, "/collections/places/items/bol-gastgivars?lang=sv")
    text = geo_client.get("/collections/places/items/bol-gastgivars?f=html&lang=sv") \
        .get_data(as_text=True)
    assert "Kulturhistoriska platser" in text and "Beskrivning" in text
    assert "Gästgivars i Vallsta" in text and "Exakt läge" in text
    english = geo_client.get("/collections/places/items/bol-gastgivars?f=html&lang=en") \
        .get_data(as_text=True)
    assert "Cultural-history places" in english and "Description" in english


def test_every_link_on_every_page_works(geo_client):
    """Follow every link between the pages (and to their JSON) from the landing page."""
    seen: set[str] = set()
    todo = ["http://localhost/?f=html&lang=sv", "http://localhost/?f=html"]
    while todo:
        url = todo.pop()
        if url in seen:
            continue
        seen.add(url)
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        r = geo_client.get(path)
        assert r.status_code == 200, (url, r.status_code)
        if r.mimetype != "text/html":
            continue
        for a in Page(r.get_data(as_text=True)).links:
            href = a["href"]
            target = urlsplit(href)
            if href.startswith("#") or target.hostname not in (None, "localhost"):
                continue
            # The pages link every feature; follow the first pages of each list only.
            if int(parse_qs(target.query).get("offset", ["0"])[0]) <= 100:
                todo.append(href if target.hostname else f"http://localhost{href}")
    pages = {u for u in seen if "f=html" in u}
    assert any("/items/bol-gastgivars" in u for u in pages)
    assert any(u.split("?")[0].endswith("/collections/trails/queryables") for u in pages)
    assert any("/items/lob-" in u for u in pages)
    assert len(seen) > 100


def test_paging_links_lead_through_every_item(geo_client):
    url, found, pages = "/collections/places/items?f=html&limit=10", [], 0
    _, first = html(geo_client, url)
    assert not [a for a in first.links if a.get("rel") == "prev"]
    while url:
        pages += 1
        _, page = html(geo_client, url)
        found += [a["href"] for a in page.links if "/items/" in a["href"]
                  and "f=html" in a["href"] and a.get("rel") is None]
        nxt = [a["href"] for a in page.links if a.get("rel") == "next"]
        url = urlsplit(nxt[0])._replace(scheme="", netloc="").geturl() if nxt else None
    matched = geo_client.get("/collections/places/items?limit=1").get_json()["numberMatched"]
    assert pages == -(-matched // 10)
    assert len(set(found)) == matched
    _, last = html(geo_client, f"/collections/places/items?f=html&limit=10&offset={matched - 1}")
    prev = [a["href"] for a in last.links if a.get("rel") == "prev"]
    assert prev and f"offset={matched - 11}" in prev[0]


def test_one_item_shows_its_properties_as_a_definition_list(geo_client):
    r, page = html(geo_client, "/collections/places/items/bol-gastgivars?lang=en")
    text = r.get_data(as_text=True)
    props = geo_client.get("/collections/places/items/bol-gastgivars").get_json()["properties"]
    dl = text[text.index('<dl class="properties">'):]
    for key in props:
        assert f"<code>{key}</code></dt>" in dl
    assert '<dd lang="en">Gästgivars farm, Vallsta</dd>' in dl
    assert page.map_data["features"]["features"][0]["geometry"]["coordinates"] == \
        [16.367889, 61.532361]
    hrefs = {a["href"] for a in page.links}
    assert "http://localhost/collections/places/items/bol-gastgivars?lang=en&f=geojson" \
        in hrefs
    assert props["source"] in hrefs  # a URL property is a link


def test_a_feature_without_a_location_has_no_map(geo_client):
    _, page = html(geo_client, "/collections/trails/items/bol-halsingeleden?lang=sv")
    assert page.map_data is None and not [s for s in page.scripts if s.get("src")]
    text = geo_client.get("/collections/trails/items/bol-halsingeleden?f=html&lang=sv") \
        .get_data(as_text=True)
    assert "Platsen ska kartläggas" in text and 'id="map"' not in text


def test_the_json_links_to_the_html_pages(geo_client):
    for path, rel in [("/", "alternate"), ("/collections", "alternate"),
                      ("/collections/places", "alternate"),
                      ("/collections/places/items?limit=2", "alternate"),
                      ("/collections/places/items/bol-gastgivars", "alternate")]:
        links = geo_client.get(path).get_json()["links"]
        pages = [lk["href"] for lk in links if lk["rel"] == rel and lk["type"] == "text/html"]
        assert len(pages) == 1, path
        target = urlsplit(pages[0])
        r = geo_client.get(f"{target.path}?{target.query}")
        assert r.status_code == 200 and r.mimetype == "text/html", pages[0]
    for collection in geo_client.get("/collections").get_json()["collections"]:
        assert [lk for lk in collection["links"] if lk["type"] == "text/html"]


def test_the_conformance_declares_html(geo_client):
    classes = geo_client.get("/conformance").get_json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html" in classes


@pytest.mark.parametrize("path", PAGES)
def test_the_pages_run_no_inline_script(geo_client, path):
    r, page = html(geo_client, path)
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "unsafe" not in csp
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    text = r.get_data(as_text=True)
    for attrs in page.scripts:  # each script is a file, or data that never runs
        assert attrs.get("src", "").startswith("/static/") or \
            attrs.get("type") == "application/json"
    assert not re.search(r"\son[a-z]+=", text)  # no event handler attributes
    assert " style=" not in text


def test_a_place_name_with_markup_is_shown_as_text(geo_client, store):
    headers = token_headers(store, add_organiser(store, "anna"))
    feature = place("bol-test-xss", 16.40, 61.35, name_en=XSS, name_sv=XSS,
                    description_en=f"Beskrivning {XSS}")
    r = geo_client.post("/manage/places", json=feature, headers=headers)
    assert r.status_code == 201, r.get_json()
    stored = geo_client.get("/collections/places/items/bol-test-xss").get_json()
    assert stored["properties"]["name"] == XSS  # the API keeps the text as given
    for path in ("/collections/places/items/bol-test-xss?lang=en",
                 "/collections/places/items?lang=sv&bbox=16.3,61.3,16.5,61.4"):
        r, page = html(geo_client, path)
        text = r.get_data(as_text=True)
        assert "<img src=x" not in text
        assert "Gården &#34;&amp;&#34; &lt;img src=x onerror=&#34;window.__xss=1&#34;" in text
        data = text[text.index('id="map-data">'):text.index("</script>")]
        assert "\\u003cimg src=x" in data and "<" not in data
        names = [f["properties"]["name"] for f in page.map_data["features"]["features"]]
        assert XSS in names  # the map gets the text, to set as text


def test_pages_have_etags_and_answer_304(geo_client):
    path = "/collections/places/items?limit=5"
    page = geo_client.get(path, headers=BROWSER)
    data = geo_client.get(path)
    assert page.headers["ETag"] != data.headers["ETag"]
    assert "Accept" in page.headers["Vary"] and "Accept-Language" in page.headers["Vary"]
    assert page.headers["Cache-Control"].startswith("public")
    again = geo_client.get(path, headers={**BROWSER, "If-None-Match": page.headers["ETag"]})
    assert again.status_code == 304
    json_etag = geo_client.get(path, headers={**BROWSER, "If-None-Match": data.headers["ETag"]})
    assert json_etag.status_code == 200 and json_etag.mimetype == "text/html"
    assert geo_client.get(path, headers=BROWSER).get_data() == page.get_data()
    stories = geo_client.get("/collections/stories/items", headers=BROWSER)
    assert stories.headers["Cache-Control"] == "public, no-cache"


def test_the_html_map_is_in_crs84_whatever_crs_asks(geo_client):
    url = ("/collections/places/items/bol-gastgivars?f=html&crs="
           "http://www.opengis.net/def/crs/EPSG/0/3006")
    _, page = html(geo_client, url)
    assert page.map_data["features"]["features"][0]["geometry"]["coordinates"] == \
        [16.367889, 61.532361]
    geojson = [a["href"] for a in page.links if "f=geojson" in a["href"]][0]
    assert "crs=" in geojson  # the data link keeps the CRS asked for
    bad = geo_client.get("/collections/places/items?f=json&crs=EPSG:9999")
    assert bad.status_code == 400 and bad.get_json()["errors"][0]["field"] == "crs"
    bad_page = geo_client.get("/collections/places/items?f=html&crs=EPSG:9999")
    assert bad_page.status_code == 400 and bad_page.mimetype == "text/html"
    assert "<code>crs</code>" in bad_page.get_data(as_text=True)
    unknown = geo_client.get("/collections/places/items?f=xml")
    assert unknown.status_code == 400 and unknown.get_json()["errors"][0]["field"] == "f"


def test_the_map_has_a_tile_layer_only_from_the_setting(tmp_path):
    url = "https://{s}.tiles.example.org/{z}/{x}/{y}.png"
    app = create_app(settings_in(tmp_path, TILE_URL=url,
                                 TILE_ATTRIBUTION="© <b>Kartverket</b> & co"))
    loader.load(app.extensions["trailapp"].store, [GEODATA])
    r, page = html(app.test_client(), "/collections/places/items")
    assert page.map_data["tiles"] == {"url": url, "attribution": "© <b>Kartverket</b> & co"}
    assert "img-src 'self' data: https://*.tiles.example.org;" in \
        r.headers["Content-Security-Policy"]
    assert "© &lt;b&gt;Kartverket&lt;/b&gt; &amp; co" in r.get_data(as_text=True)
    app.extensions["trailapp"].store.close()


def test_without_a_tile_url_the_map_has_no_tiles(geo_client):
    r, page = html(geo_client, "/collections/places/items")
    assert page.map_data["tiles"] is None
    assert "img-src 'self' data:;" in r.headers["Content-Security-Policy"]


def test_a_malformed_tile_url_stops_the_start(tmp_path):
    with pytest.raises(ValueError, match="TRAILAPP_TILE_URL"):
        create_app(settings_in(tmp_path, TILE_URL="javascript:alert(1)"))


def _page_messages() -> set[str]:
    found = set()
    for path in (PACKAGE / "templates" / "ogc").glob("*.html"):
        text = path.read_text(encoding="utf-8")
        found |= {m[1:-1] for m in re.findall(r"\b_\(\s*(\"[^\"]*\"|'[^']*')\s*\)", text)}
        found |= set(re.findall(r"ngettext\(\s*\"([^\"]*)\"", text))
    for module in ("html_pages.py", "ogc_pages.py", "ogc_errors.py"):
        tree = ast.parse((PACKAGE / "http" / module).read_text(encoding="utf-8"))
        found |= {node.args[0].value for node in ast.walk(tree)
                  if isinstance(node, ast.Call) and node.args
                  and isinstance(node.args[0], ast.Constant)
                  and (getattr(node.func, "id", None) == "N_"
                       or getattr(node.func, "attr", None) == "gettext")}
    return found


def test_every_page_message_has_a_swedish_translation():
    with (PACKAGE / "translations" / "sv" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        translated = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(po)
                      if m.id and m.string and all(m.string if isinstance(m.string, tuple)
                                                   else [m.string])}
    used = _page_messages()
    assert len(used) > 50
    assert sorted(used - translated) == []
