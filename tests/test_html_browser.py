"""The HTML pages of the OGC resources in a real browser (Debian's chromium, Playwright)
against the app served over real HTTP on loopback: the map draws, nothing leaves the
machine, no console error, no script from a place's name, keyboard use, and axe-core
finds no serious or critical WCAG 2.1 AA violation on any page type in either language."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from helpers.app import GEODATA, ServedApp, place, settings_in
from helpers.browser import ARGS, axe_violations, chromium_path, open_tab
from helpers.organisers import add_organiser, token_headers
from playwright.sync_api import sync_playwright

from trailapp import create_app, loader

PAGE_TYPES = {
    "landing": "/",
    "conformance": "/conformance",
    "collections": "/collections",
    "collection": "/collections/places",
    "queryables": "/collections/places/queryables",
    "items": "/collections/places/items?limit=20",
    "item": "/collections/places/items/bol-gastgivars",
    "item-without-location": "/collections/trails/items/bol-halsingeleden",
}
XSS = 'Gården "&" <img src=x onerror="window.__xss=1"'


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def tab(browser, served):
    tab = open_tab(browser, served.url, viewport={"width": 1280, "height": 900})
    yield tab
    tab.page.context.close()


@pytest.fixture
def axe_tab(browser, served):
    """A tab whose context lets the test inject axe-core past the pages' strict CSP
    (the CSP itself is checked by the other tests, which keep it)."""
    tab = open_tab(browser, served.url, viewport={"width": 1280, "height": 900},
                   bypass_csp=True)
    yield tab
    tab.page.context.close()


def outside(urls: list[str]) -> list[str]:
    return [u for u in urls if not u.startswith("data:") and urlparse(u).hostname != "127.0.0.1"]


def test_the_items_page_draws_its_map_and_nothing_leaves_loopback(tab, served):
    page = tab.page
    page.goto("/collections/places/items?limit=20")  # the browser's own Accept header
    page.wait_for_selector("#map[data-ready=true]")
    page.wait_for_load_state("networkidle")
    located = [f for f in page.request.get(
        f"{served.url}/collections/places/items?limit=20").json()["features"]
        if f["geometry"] is not None]
    assert page.locator("#map").get_attribute("data-features") == str(len(located))
    assert page.locator("#map .leaflet-marker-icon").count() == len(located)
    assert page.locator("h1").inner_text() == "Cultural-history places"
    assert page.locator("#map .leaflet-tile").count() == 0  # no tile layer unless set
    assert outside(tab.requests) == []
    assert tab.failed == [] and tab.console_errors == [], tab.console_errors


@pytest.mark.store_independent  # markup and contrast, whatever the store
@pytest.mark.parametrize("lang", ["sv", "en"])
@pytest.mark.parametrize("name", PAGE_TYPES)
def test_every_page_type_passes_axe(axe_tab, name, lang):
    tab = axe_tab
    page = tab.page
    path = PAGE_TYPES[name]
    page.goto(f"{path}{'&' if '?' in path else '?'}lang={lang}")
    if page.locator("#map").count():
        page.wait_for_selector("#map[data-ready=true]")
    assert page.locator("html").get_attribute("lang") == lang
    assert axe_violations(page) == []
    assert tab.console_errors == [], tab.console_errors


ERROR_PAGES = {"not-found": ("/collections/places/items/bol-nowhere", 404),
               "bad-parameter": ("/collections/places/items?limit=many", 400)}


@pytest.mark.store_independent  # markup and contrast, whatever the store
@pytest.mark.parametrize("lang", ["sv", "en"])
@pytest.mark.parametrize("name", ERROR_PAGES)
def test_an_error_page_passes_axe_and_leads_home(axe_tab, name, lang):
    tab = axe_tab
    page = tab.page
    path, status = ERROR_PAGES[name]
    response = page.goto(f"{path}{'&' if '?' in path else '?'}lang={lang}")
    assert response.status == status
    assert response.headers["content-type"].startswith("text/html")
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator("h1").inner_text() == {
        ("not-found", "sv"): "Hittades inte", ("not-found", "en"): "Not found",
        ("bad-parameter", "sv"): "Frågan är inte rätt ställd",
        ("bad-parameter", "en"): "The request is not right"}[name, lang]
    assert axe_violations(page) == []
    # the page's own status is the only thing the console reports
    assert [e for e in tab.console_errors if f"status of {status}" not in e] == []
    assert [u for u in tab.failed if not u.startswith(f"{status} ")] == []
    assert outside(tab.requests) == []
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.get_by_role("link", name={"sv": "Tillbaka till startsidan",
                                   "en": "Back to the start page"}[lang]).click()
    page.wait_for_url(f"**/?lang={lang}&f=html")
    assert page.locator("html").get_attribute("lang") == lang


def test_a_marker_opens_by_keyboard_and_leads_to_the_item(tab):
    page = tab.page
    page.goto("/collections/places/items/bol-gastgivars?lang=sv")
    page.wait_for_selector("#map[data-ready=true]")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    for _ in range(30):  # the marker is reachable by Tab alone
        page.keyboard.press("Tab")
        if "leaflet-marker-icon" in (page.evaluate("document.activeElement.className") or ""):
            break
    else:
        pytest.fail("no marker could be reached with Tab")
    assert page.evaluate("document.activeElement.getAttribute('alt')") == \
        "Gästgivars i Vallsta"
    page.keyboard.press("Enter")
    assert page.locator(".map-popup").inner_text() == "Gästgivars i Vallsta"
    page.goto("/collections/places/items?lang=sv&limit=50")
    page.wait_for_selector("#map[data-ready=true]")
    page.locator(".leaflet-marker-icon[alt='Gästgivars i Vallsta']").focus()
    page.keyboard.press("Enter")
    page.locator(".map-popup a").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/collections/places/items/bol-gastgivars?lang=sv&f=html")
    assert page.locator("h1").inner_text() == "Gästgivars i Vallsta"


def test_a_place_name_with_markup_runs_nothing(tab, geo_app, served):
    store = geo_app.extensions["trailapp"].store
    client = geo_app.test_client()
    made = client.post("/manage/places", headers=token_headers(store, add_organiser(
        store, "anna")), json=place("bol-test-xss", 16.40, 61.35, name_en=XSS, name_sv=XSS))
    assert made.status_code == 201, made.get_json()
    page = tab.page
    for path in ("/collections/places/items/bol-test-xss",
                 "/collections/places/items?bbox=16.39,61.34,16.41,61.36"):
        page.goto(path)
        page.wait_for_selector("#map[data-ready=true]")
        page.locator(f".leaflet-marker-icon[title='{XSS}']").click()
        assert page.locator(".map-popup").inner_text() == XSS
        assert page.locator("main img[src=x], .leaflet-popup img[src=x]").count() == 0
        assert page.evaluate("window.__xss") is None
    assert page.locator("table th a[href*='bol-test-xss']").inner_text() == XSS
    assert tab.console_errors == [], tab.console_errors


def test_a_tile_layer_loads_from_the_set_origin_only(browser, tmp_path):
    """The CSP allows images from exactly TRAILAPP_TILE_URL's origin: tiles from
    localhost (another origin than the page's 127.0.0.1) load, nothing else is asked."""
    app = create_app(settings_in(tmp_path, TILE_URL="", RESPONSE_CACHE_MB=0))
    loader.load(app.extensions["trailapp"].store, [GEODATA])
    with ServedApp(app) as served:
        port = urlparse(served.url).port  # known once served: set the tiles now
        app.config["TILE_URL"] = (f"http://localhost:{port}/static/vendor/leaflet/images/"
                                  "layers.png?z={z}&x={x}&y={y}")
        app.config["TILE_ATTRIBUTION"] = "Test tiles <b>not bold</b>"
        tab = open_tab(browser, served.url)
        page = tab.page
        page.goto("/collections/places/items/bol-gastgivars")
        page.wait_for_selector("#map[data-ready=true]")
        page.wait_for_load_state("networkidle")
        tiles = [u for u in tab.requests if "layers.png?z=" in u]
        assert tiles and all(urlparse(u).hostname == "localhost" for u in tiles)
        assert page.locator("#map img.leaflet-tile-loaded").count() > 0
        assert "Test tiles <b>not bold</b>" in page.locator(
            ".leaflet-control-attribution").inner_text()
        assert [u for u in tab.requests if urlparse(u).hostname not in
                ("127.0.0.1", "localhost") and not u.startswith("data:")] == []
        assert tab.failed == [] and tab.console_errors == [], tab.console_errors
        tab.page.context.close()
    app.extensions["trailapp"].store.close()
