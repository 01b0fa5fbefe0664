"""The dashboard in a real browser: Debian's chromium driven by Playwright, against the
app served over real HTTP on loopback. Never `playwright install`: `make test` installs
chromium from Debian when it is missing."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest
from helpers.dashboard import PASSWORD, XSS, submit
from helpers.report import row, seed
from helpers.survey import fix, offset, post_fix, send_fixes, send_track
from helpers.tracks import START
from playwright.sync_api import Browser, Page, sync_playwright

from trailapp import auth

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
PLACES = ["bol-gastgivars", "bol-bollnas-kyrka", "bol-onbacken", "bol-bollnas-museum"]
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"Debian's chromium is missing at {CHROMIUM}: run `make test`, which "
                    "installs it (apt-get install -y chromium). Never `playwright install`.",
                    pytrace=False)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


@dataclass
class Tab:
    """A browser page with everything it requested and every problem it logged."""

    page: Page
    requests: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)


def open_tab(browser: Browser, base_url: str, **context_options) -> Tab:
    context = browser.new_context(base_url=base_url, **context_options)
    tab = Tab(context.new_page())
    tab.page.on("request", lambda r: tab.requests.append(r.url))
    tab.page.on("requestfailed", lambda r: tab.failed.append(r.url))
    tab.page.on("response", lambda r: r.status >= 400 and tab.failed.append(
        f"{r.status} {r.url}"))
    tab.page.on("console", lambda m: m.type == "error" and tab.console_errors.append(m.text))
    tab.page.on("pageerror", lambda e: tab.console_errors.append(str(e)))
    return tab


def sign_in(tab: Tab, username: str = "anna") -> None:
    page = tab.page
    page.goto("/dashboard")
    assert "/dashboard/login" in page.url
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]:has-text('Sign in')")
    page.wait_for_url("**/dashboard")


@pytest.fixture
def site(geo_app, served):
    """The served app with a Bollnäs moderator; the test client submits stories."""
    store = geo_app.extensions["trailapp"].store
    auth.create_organiser(store, "anna", PASSWORD, "moderator", ["bollnas"])
    return served, geo_app.test_client(), store


@pytest.fixture
def tab(browser, site):
    served, _, _ = site
    tab = open_tab(browser, served.url, viewport={"width": 1280, "height": 900})
    yield tab
    tab.page.context.close()


def test_approve_in_one_click_publishes_the_story(tab, site):
    served, client, _ = site
    cid = submit(client, title="Gården vid älven")["id"]
    sign_in(tab)
    page = tab.page
    card = page.locator(f"#c-{cid}")
    assert card.locator("h2").inner_text() == "Gården vid älven"
    card.locator("button:has-text('Approve and publish')").click()
    page.wait_for_url("**/dashboard?done=approve")
    assert "Approved and published." in page.locator(".message.ok").inner_text()
    public = page.request.get(f"{served.url}/collections/stories/items")
    assert public.ok
    assert cid in [f["id"] for f in json.loads(public.body())["features"]]
    assert tab.console_errors == [] and tab.failed == []


def test_an_xss_payload_renders_as_text_and_runs_nothing(tab, site):
    _, client, store = site
    stored = submit(client, title="ersätts")["id"]
    with store.writer() as writer:  # the service strips tags; the pages must escape too
        writer.redact_contribution(stored, "2026-01-01T00:00:00Z", title=XSS, body=XSS)
    # One that survives the service's cleaning: a tag left open has no '>' to strip.
    unclosed = 'Min plats <img src=x onerror="window.__xss=3"'
    survived = submit(client, addr="10.0.0.3", title=unclosed, body=unclosed)["id"]
    sign_in(tab)
    page = tab.page
    assert page.locator(f"#c-{stored} h2").inner_text() == XSS
    assert page.locator(f"#c-{survived} h2").inner_text() == unclosed
    assert page.locator("main img[src=x]").count() == 0
    assert page.evaluate("window.__xss") is None
    for cid, text in ((stored, XSS), (survived, unclosed)):
        page.goto(f"/dashboard/contributions/{cid}")
        assert page.locator("h1").inner_text() == text
        assert page.locator(".body").inner_text() == text
        page.locator(".leaflet-marker-icon").first.click()  # the popup shows it as text
        assert page.locator(".map-popup a").inner_text() == text
        assert page.evaluate("window.__xss") is None
    assert tab.console_errors == [], tab.console_errors


def test_the_map_draws_markers_and_nothing_leaves_loopback(tab, site, tmp_path):
    _, client, _ = site
    for n, place in enumerate(PLACES):
        submit(client, addr=f"10.0.1.{n}", place=place, title=f"Berättelse {n}")
    submit(client, addr="10.0.2.1", place=PLACES[0], title="En till vid samma plats")
    sign_in(tab)
    page = tab.page
    page.wait_for_selector("#map[data-ready=true]")
    page.wait_for_load_state("networkidle")
    assert page.locator("#map .leaflet-marker-icon").count() == len(PLACES)  # one per place
    assert page.locator("#map .leaflet-overlay-pane path").count() > len(PLACES)  # context
    assert page.locator("#map .leaflet-tile").count() == 0  # no tiles unless set
    assert any("/static/vendor/leaflet/images/marker-icon" in u for u in tab.requests)
    outside = [u for u in tab.requests if not u.startswith("data:")
               and urlparse(u).hostname != "127.0.0.1"]
    assert outside == [], outside
    assert tab.failed == [] and tab.console_errors == []
    shot = tmp_path / "queue.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    print(f"queue screenshot: {shot}")


def test_the_queue_fits_a_phone_screen(browser, site, tmp_path):
    served, client, _ = site
    for n, place in enumerate(PLACES[:2]):
        submit(client, addr=f"10.0.3.{n}", place=place, title=f"Telefonberättelse {n}",
               body="Vi gick längs älven och lyssnade på fåglarna. " * 4)
    tab = open_tab(browser, served.url, viewport=PHONE, device_scale_factor=2,
                   is_mobile=True, has_touch=True, locale="sv-SE",
                   extra_http_headers={"Accept-Language": "sv-SE,sv;q=0.9"})
    try:
        page = tab.page
        page.goto("/dashboard")
        page.fill("input[name=username]", "anna")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]:has-text('Logga in')")
        page.wait_for_url("**/dashboard")
        page.wait_for_selector("#map[data-ready=true]")
        page.wait_for_load_state("networkidle")
        assert page.locator("h1").inner_text() == "Granskningskö"
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        assert page.locator("#map .leaflet-marker-icon").count() == 2
        shot = tmp_path / "queue-phone.png"
        page.screenshot(path=str(shot), full_page=True)
        print(f"phone screenshot: {shot}")
        assert tab.console_errors == [] and tab.failed == []
    finally:
        tab.page.context.close()


def test_the_survey_pages_draw_fixes_and_tracks_and_approve(tab, site, tmp_path):
    served, client, _ = site
    truth = (16.3751, 61.3633)
    send_fixes(client, "bol-kolberget", truth, surveyors=3)
    post_fix(client, fix("bol-kolberget", *offset(*truth, 150.0, 45.0),
                         note='Vid stenen <img src=x onerror="window.__xss=4"'))
    send_track(client, "bol-halsingeleden", START)
    send_track(client, "bol-halsingeleden", offset(*START, 8.0, 90.0), seed=2)
    sign_in(tab)
    page = tab.page
    page.goto("/dashboard/survey")
    assert "Ready for review" in page.locator("main").text_content()
    page.click("a[href*='bol-kolberget']")
    page.wait_for_selector("#map[data-ready=true]")
    # Four fixes (a circle and a dot each), the consensus (circle and dot).
    assert page.locator("#map").get_attribute("data-layers") == str(4 * 2 + 2)
    assert page.locator("tr.outlier").count() == 1
    assert page.evaluate("window.__xss") is None
    page.screenshot(path=str(tmp_path / "survey-place.png"), full_page=True)
    page.click("button:has-text('Approve the consensus')")
    page.wait_for_url("**/survey/places/bol-kolberget?done=approve")
    public = json.loads(page.request.get(
        f"{served.url}/collections/places/items/bol-kolberget").body())
    assert public["properties"]["accuracy"] == "surveyed"
    page.goto("/dashboard/survey/trails/bol-halsingeleden")
    page.wait_for_selector("#map[data-ready=true]")
    assert page.locator("#map").get_attribute("data-layers") == "2"
    assert "How far apart the tracks lie" in page.locator("main").inner_text()
    page.screenshot(path=str(tmp_path / "survey-trail.png"), full_page=True)
    assert tab.console_errors == [] and tab.failed == []
def test_the_report_page_draws_its_charts_and_map_without_an_error(tab, site, tmp_path):
    _, _, store = site
    seed(store, [row(f"2026-0{m}-1{d}T10:00:00Z", place_id=PLACES[d % 2])
                 for m in (1, 2) for d in range(7)])
    sign_in(tab)
    page = tab.page
    page.click("nav >> text=Report")
    page.wait_for_url("**/dashboard/report")
    page.fill("input[name=from]", "2026-01-01")
    page.fill("input[name=to]", "2026-02-28")
    page.click("form.filters button[type=submit]")
    page.wait_for_selector("#report-map[data-ready=true]")
    page.wait_for_load_state("networkidle")
    assert page.locator("#report-map path.leaflet-interactive").count() == 2  # two places
    charts = page.locator("figure.chart img")
    drawn = page.locator("figure.chart:has(img)").evaluate_all("fs => fs.map(f => f.id)")
    # taking part (4; places are on the map), the challenges (3), the exchange per pair
    assert sorted(drawn) == sorted(f"chart-{k}" for k in (
        "per_month", "by_kind", "by_age_band", "by_language", "challenges_by_place",
        "challenges_by_kind", "challenges_by_age_band", "exchange_by_pair")), drawn
    assert all(charts.nth(i).evaluate("img => img.complete && img.naturalWidth > 0")
               for i in range(charts.count()))
    assert page.locator("#table-per_month tfoot td").inner_text() == "14"
    assert tab.failed == [] and tab.console_errors == [], tab.console_errors
    shot = tmp_path / "report.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    print(f"report screenshot: {shot}")


def test_the_dashboard_maps_load_tiles_from_the_set_origin_only(tab, site, geo_app):
    """With TRAILAPP_TILE_URL set, the queue, survey, report and twins maps draw its tiles: the
    CSP allows images from exactly that origin (localhost, another origin than the
    page's 127.0.0.1), the credit shows as text, nothing else is asked."""
    served, client, store = site
    port = urlparse(served.url).port  # known once served: set the tiles now
    geo_app.config["TILE_URL"] = (f"http://localhost:{port}/static/vendor/leaflet/images/"
                                  "layers.png?z={z}&x={x}&y={y}")
    geo_app.config["TILE_ATTRIBUTION"] = "Test tiles <b>not bold</b>"
    submit(client, place=PLACES[0], title="Vid kyrkan")
    send_fixes(client, "bol-kolberget", (16.3751, 61.3633), surveyors=3)
    seed(store, [row("2026-01-11T10:00:00Z", place_id=PLACES[0])])
    sign_in(tab)
    page = tab.page
    for path, selector in (("/dashboard", "#map"),
                           ("/dashboard/survey/places/bol-kolberget", "#map"),
                           ("/dashboard/report?from=2026-01-01&to=2026-01-31",
                            "#report-map"), ("/dashboard/twins", "#map-lobatse")):
        tab.requests.clear()
        response = page.goto(path)
        csp = response.headers["content-security-policy"]
        assert f"img-src 'self' data: http://localhost:{port};" in csp, path
        page.wait_for_selector(f"{selector}[data-ready=true]")
        page.wait_for_load_state("networkidle")
        tiles = [u for u in tab.requests if "layers.png?z=" in u]
        assert tiles and all(urlparse(u).hostname == "localhost" for u in tiles), path
        assert page.locator(f"{selector} img.leaflet-tile-loaded").count() > 0, path
        assert "Test tiles <b>not bold</b>" in page.locator(
            f"{selector} .leaflet-control-attribution").inner_text(), path
        assert [u for u in tab.requests if urlparse(u).hostname not in
                ("127.0.0.1", "localhost") and not u.startswith("data:")] == [], path
    assert "Test tiles <b>not bold</b>" in page.locator("footer").inner_text()
    # Leaflet cancels the tiles of a zoom level it leaves (fitBounds): only those fail.
    assert [u for u in tab.failed if "layers.png?z=" not in u] == []
    assert tab.console_errors == [], tab.console_errors
