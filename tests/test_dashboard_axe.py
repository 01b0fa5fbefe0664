"""Every dashboard page in a real browser (Debian's chromium, Playwright) checked by
axe-core for WCAG 2.1 A/AA violations of serious or critical impact, in Swedish and in
English (issue 15: public bodies in Sweden must meet WCAG 2.1 AA). Each page is shown
with content on it: a pending story, a place with survey fixes, a trail with walked
tracks, an active twin, a challenge and a protected place with content notes."""

from __future__ import annotations

import pytest
from helpers.app import GEODATA, ServedApp, settings_in
from helpers.browser import ARGS, axe_violations, chromium_path, open_tab
from helpers.challenges import QUIZ
from helpers.dashboard import PASSWORD, submit
from helpers.exchange import BOLLNAS_PLACE, LOBATSE_PLACE
from helpers.survey import send_fixes, send_track
from helpers.tracks import START
from playwright.sync_api import sync_playwright

from trailapp import auth, challenges, create_app, editing, loader, twins
from trailapp.auth import Organiser

PAGES = ["/dashboard", "/dashboard/contributions/{cid}", "/dashboard/audit",
         "/dashboard/statistics", "/dashboard/report", "/dashboard/places",
         "/dashboard/survey", "/dashboard/survey/places/bol-kolberget",
         "/dashboard/survey/trails/bol-halsingeleden", "/dashboard/twins",
         "/dashboard/challenges", "/dashboard/places/bol-gastgivars"]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    app = create_app(settings_in(tmp_path_factory.mktemp("axe")))
    store = app.extensions["trailapp"].store
    loader.load(store, [GEODATA])
    auth.create_organiser(store, "anna", PASSWORD, "moderator", ["bollnas"])
    auth.create_organiser(store, "kabo", PASSWORD, "moderator", ["lobatse"])
    anna = Organiser(1, "anna", "moderator", ("bollnas",))
    kabo = Organiser(2, "kabo", "moderator", ("lobatse",))
    client = app.test_client()
    cid = submit(client, title="Gården vid älven")["id"]
    send_fixes(client, "bol-kolberget", (16.3751, 61.3633), surveyors=3)
    send_track(client, "bol-halsingeleden", START)
    twin = twins.propose(store, anna, "bollnas", BOLLNAS_PLACE, LOBATSE_PLACE,
                         "gathering-places", {"en": "Two places where people gathered."})
    twins.accept(store, kabo, twin["id"])
    challenges.create(store, anna, QUIZ["municipality"], QUIZ["kind"], QUIZ["place"], None,
                      QUIZ["title"], QUIZ["prompt"], QUIZ["options"], QUIZ["correct_option"])
    editing.set_care(store, anna, "bol-gastgivars", "area", None, ["death"],
                     {"access": "ask-permission", "opening_times": "Dagtid"})
    with ServedApp(app) as served:
        yield served.url, cid
    store.close()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=ARGS)
        yield browser
        browser.close()


@pytest.mark.store_independent  # markup and contrast, whatever the store
@pytest.mark.parametrize("lang", ["sv", "en"])
def test_every_dashboard_page_passes_axe(browser, site, lang):
    url, cid = site
    # bypass_csp lets the test inject axe-core; the CSP itself is checked elsewhere.
    tab = open_tab(browser, url, viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = tab.page
    found = {}
    try:
        page.goto(f"/dashboard/login?lang={lang}")
        assert page.locator("html").get_attribute("lang") == lang
        found["/dashboard/login"] = axe_violations(page)
        page.fill("input[name=username]", "anna")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/dashboard*")
        for path in PAGES:
            page.goto(f"{path.format(cid=cid)}?lang={lang}")
            assert page.locator("html").get_attribute("lang") == lang, path
            for selector in ("#map", ".twin-map"):
                for i in range(page.locator(selector).count()):
                    page.locator(selector).nth(i).wait_for(state="attached")
            page.wait_for_load_state("networkidle")
            found[path] = axe_violations(page)
        bad = {p: v for p, v in found.items() if v}
        assert not bad, "\n".join(f"{p}: {v}" for p, v in bad.items())
        assert tab.console_errors == [], tab.console_errors
    finally:
        page.context.close()


def focus_by_tab(page, predicate: str, limit: int = 80) -> None:
    """Press Tab until the focused element satisfies the JS predicate (el => bool)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"({predicate})(document.activeElement)"):
            return
    pytest.fail(f"nothing matching {predicate} could be reached with Tab")


def test_sign_in_and_approve_by_keyboard_alone(browser, site):
    url, _ = site
    tab = open_tab(browser, url, viewport={"width": 1280, "height": 900})
    page = tab.page
    try:
        page.goto("/dashboard/login")
        focus_by_tab(page, "el => el.name === 'username'")
        page.keyboard.type("anna")
        focus_by_tab(page, "el => el.name === 'password'")
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url("**/dashboard")
        card = page.locator("ol.queue li.card").first
        title = card.locator("h2").text_content()
        focus_by_tab(page, "el => el.tagName === 'BUTTON' && "
                           "el.textContent.includes('Approve and publish')")
        assert page.evaluate("document.activeElement.closest('li.card') !== null")
        page.keyboard.press("Enter")
        page.wait_for_url("**/dashboard?done=approve")
        assert "Approved and published." in page.locator(".message.ok").text_content()
        public = page.request.get(f"{url}/collections/stories/items").json()
        assert title in [f["properties"]["name"] for f in public["features"]]
        # The twins page's forms are reachable too: the first action button by Tab.
        page.goto("/dashboard/twins")
        focus_by_tab(page, "el => el.tagName === 'BUTTON' && "
                           "el.textContent.includes('End the twin')")
        assert tab.console_errors == [], tab.console_errors
    finally:
        page.context.close()
