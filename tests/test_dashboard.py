"""The organisers' dashboard through Flask's test client: signing in and out, the
session cookie, CSRF, decisions through the forms, who sees what, figures, exports,
languages and the security headers of every page."""

from __future__ import annotations

import ast
import csv
import io
import json
import re
import time
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from helpers.contributions import LOBATSE_PLACE, bearer, post_files, story
from helpers.dashboard import PASSWORD, XSS, csrf_token, decide, login, submit
from helpers.media_files import jpeg_with_gps, wav

from trailapp import auth, moderation
from trailapp.http import dashboard

CSP = ("default-src 'self'; img-src 'self' data:; script-src 'self'; style-src 'self'; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
PACKAGE = Path(dashboard.__file__).resolve().parent.parent


# -- helpers ---------------------------------------------------------------------------


def lobatse_story(client) -> dict:
    return submit(client, addr="10.0.0.2", place=LOBATSE_PLACE, lang="en",
                  consent_by="guardian", title="High Court story")


def cookie_session(app, client) -> dict:
    """What the signed session cookie holds."""
    cookie = client.get_cookie("session")
    return app.session_interface.get_signing_serializer(app).loads(cookie.value)


def public_story(client, cid: str):
    return client.get(f"/collections/stories/items/{cid}")


@pytest.fixture
def organisers(geo_app):
    """anna works for Bollnäs, kabo for Lobatse."""
    store = geo_app.extensions["trailapp"].store
    auth.create_organiser(store, "anna", PASSWORD, "moderator", ["bollnas"])
    auth.create_organiser(store, "kabo", PASSWORD, "moderator", ["lobatse"])
    return store


@pytest.fixture
def anna(geo_client, organisers):
    """A test client signed in as anna."""
    assert login(geo_client).status_code == 302
    return geo_client


# -- signing in and out ---------------------------------------------------------------


@pytest.mark.parametrize("path", ["/dashboard", "/dashboard/audit", "/dashboard/statistics",
                                  "/dashboard/contributions/0123456789abcdef01234567"])
def test_anonymous_pages_redirect_to_sign_in(geo_client, path):
    r = geo_client.get(path)
    assert r.status_code == 302
    assert r.headers["Location"] == f"/dashboard/login?next={path.replace('/', '%2F')}" or \
        r.headers["Location"] == f"/dashboard/login?next={path}"


@pytest.mark.parametrize("path", ["/dashboard/export.csv", "/dashboard/export.geojson"])
def test_anonymous_data_routes_answer_401(geo_client, path):
    r = geo_client.get(path)
    assert r.status_code == 401
    assert r.get_json()["code"] == "Unauthorized"


def test_sign_in_opens_the_queue_and_goes_to_next(geo_client, organisers):
    r = login(geo_client, next="/dashboard/audit")
    assert r.status_code == 302 and r.headers["Location"] == "/dashboard/audit"
    page = geo_client.get("/dashboard")
    assert page.status_code == 200 and "anna" in page.get_data(as_text=True)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/dashboard",
                                    "/collections", "/dashboard\\@evil.example"])
def test_sign_in_never_redirects_away_from_the_dashboard(geo_client, organisers, target):
    r = login(geo_client, next=target)
    assert r.headers["Location"] == "/dashboard"


def test_wrong_password_is_refused_with_a_message(geo_client, organisers):
    r = login(geo_client, password="fel-lösenord-helt-och-hållet")
    assert r.status_code == 401
    assert "Wrong user name or password" in r.get_data(as_text=True)
    assert "sid" not in cookie_session(geo_client.application, geo_client)
    assert geo_client.get("/dashboard").status_code == 302


def test_the_eleventh_failure_gets_a_friendly_429(geo_client, organisers):
    for _ in range(10):
        assert login(geo_client, password="not-the-password-at-all").status_code == 401
    r = login(geo_client)  # even the right password waits now
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) > 0
    assert "Too many failed sign-ins" in r.get_data(as_text=True)


@pytest.mark.parametrize("base_url, secure", [("http://localhost", False),
                                              ("https://localhost", True)])
def test_session_cookie_flags_and_content(geo_app, organisers, base_url, secure):
    client = geo_app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get(
        "/dashboard/login", base_url=base_url).get_data(as_text=True)).group(1)
    # No Referer (Referrer-Policy: no-referrer): CSRF must still pass over HTTPS.
    r = client.post("/dashboard/login", base_url=base_url, data={
        "username": "anna", "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 302
    header = r.headers["Set-Cookie"]
    assert "HttpOnly" in header and "SameSite=Lax" in header
    assert ("Secure" in header) is secure
    assert set(cookie_session(geo_app, client)) == {"sid"}


def test_every_sign_in_gets_a_new_session_id_and_ends_the_old(geo_client, organisers):
    app = geo_client.application
    login(geo_client)
    first = cookie_session(app, geo_client)["sid"]
    login(geo_client)
    second = cookie_session(app, geo_client)["sid"]
    assert first != second
    assert auth.session_organiser(organisers, first) is None
    assert auth.session_organiser(organisers, second).username == "anna"


def test_sign_out_ends_the_session_on_the_server(anna):
    old_cookie = anna.get_cookie("session").value
    token = csrf_token(anna, "/dashboard")
    r = anna.post("/dashboard/logout", data={"csrf_token": token})
    assert r.status_code == 302 and r.headers["Location"].startswith("/dashboard/login")
    anna.set_cookie("session", old_cookie)  # a copy kept by someone else
    assert anna.get("/dashboard").status_code == 302


def test_an_idle_session_is_ended(anna, monkeypatch):
    later = time.time() + auth.IDLE_TIMEOUT_S + 5
    monkeypatch.setattr(auth.time, "time", lambda: later)
    r = anna.get("/dashboard")
    assert r.status_code == 302 and "/dashboard/login" in r.headers["Location"]
    assert "expired=1" in r.headers["Location"]
    assert "session has ended" in anna.get(r.headers["Location"]).get_data(as_text=True)


def test_the_session_cookie_does_not_split_public_caches(anna):
    """Opening the session reads the sid without marking it accessed: otherwise Flask
    would add "Vary: Cookie" to every public response of a signed-in browser."""
    assert "Cookie" not in anna.get("/collections/places/items").headers.get("Vary", "")
    assert "Cookie" in anna.get("/dashboard").headers["Vary"]


# -- CSRF --------------------------------------------------------------------------------


def test_a_form_post_without_a_token_changes_nothing(anna):
    cid = submit(anna)["id"]
    r = anna.post(f"/dashboard/contributions/{cid}/approve", data={"sdg": "4.7"})
    assert r.status_code == 400
    assert "Nothing was changed" in r.get_data(as_text=True)
    assert public_story(anna, cid).status_code == 404
    assert anna.post("/dashboard/logout").status_code == 400
    assert anna.get("/dashboard").status_code == 200  # still signed in


def test_a_token_from_another_session_is_refused(geo_app, anna):
    cid = submit(anna)["id"]
    other = geo_app.test_client()
    login(other, "kabo")
    foreign = csrf_token(other, "/dashboard")
    r = anna.post(f"/dashboard/contributions/{cid}/approve", data={"csrf_token": foreign})
    assert r.status_code == 400
    assert public_story(anna, cid).status_code == 404


def test_the_json_api_stays_exempt_from_csrf(geo_client, organisers):
    cid = submit(geo_client)["id"]  # POST /contributions, no CSRF token
    _, token = auth.create_token(organisers, 1, "script")
    r = geo_client.post(f"/moderation/contributions/{cid}/approve", headers=bearer(token))
    assert r.status_code == 200 and r.get_json()["status"] == "approved"


# -- decisions through the forms ------------------------------------------------------------


def test_approve_publishes_at_once_with_both_targets(anna):
    cid = submit(anna, title="Farmors gård")["id"]
    r = decide(anna, cid, "approve", sdg=["4.7", "11.4"])
    assert r.status_code == 302 and "done=approve" in r.headers["Location"]
    feature = public_story(anna, cid).get_json(force=True)
    assert feature["properties"]["name"] == "Farmors gård"
    assert feature["properties"]["sdg_targets"] == ["11.4", "4.7"]
    assert "Approved and published" in anna.get(r.headers["Location"]).get_data(as_text=True)


def test_approve_from_the_queue_keeps_the_filters(anna):
    cid = submit(anna)["id"]
    token = csrf_token(anna, "/dashboard?kind=story")
    r = anna.post(f"/dashboard/contributions/{cid}/approve", data={
        "csrf_token": token, "sdg": "11.4", "back": "queue", "back_query": "kind=story"})
    assert r.headers["Location"] == "/dashboard?done=approve&kind=story"
    assert public_story(anna, cid).get_json(force=True)["properties"]["sdg_targets"] == ["11.4"]


def test_reject_with_a_template_reads_in_the_contributors_language(anna):
    receipt = submit(anna, lang="en", title="A story in English")
    decide(anna, receipt["id"], "reject", template="off-topic")
    seen = anna.get(f"/contributions/{receipt['id']}", headers=bearer(receipt["token"]))
    assert seen.get_json()["status"] == "rejected"
    assert seen.get_json()["rejection_reason"] == moderation.REJECTION_REASONS["off-topic"]["en"]


def test_reject_with_free_text(anna):
    receipt = submit(anna)
    decide(anna, receipt["id"], "reject", template="", reason="Skriv utan efternamn.")
    seen = anna.get(f"/contributions/{receipt['id']}", headers=bearer(receipt["token"]))
    assert seen.get_json()["rejection_reason"] == "Skriv utan efternamn."


def test_withdraw_and_restore(anna):
    cid = submit(anna)["id"]
    decide(anna, cid, "approve", sdg=["4.7"])
    decide(anna, cid, "withdraw", reason="Kontrollerar bilden")
    assert public_story(anna, cid).status_code == 404
    assert "Kontrollerar bilden" in anna.get(f"/dashboard/contributions/{cid}").get_data(
        as_text=True)
    decide(anna, cid, "restore")
    assert public_story(anna, cid).status_code == 200


def test_redact_updates_the_public_text_and_keeps_the_original_in_the_log(anna):
    cid = submit(anna, body="Jag heter Lisa Andersson och bor här.")["id"]
    decide(anna, cid, "approve", sdg=["4.7", "11.4"])
    decide(anna, cid, "redact", title="Min farmors gård", body="Jag heter Lisa och bor här.")
    props = public_story(anna, cid).get_json(force=True)["properties"]
    assert props["description"] == "Jag heter Lisa och bor här."
    log = anna.get(f"/dashboard/audit?object_id={cid}").get_data(as_text=True)
    assert "Lisa Andersson" in log and "anna" in log


def test_a_decision_taken_twice_explains_the_conflict(anna):
    cid = submit(anna)["id"]
    decide(anna, cid, "approve", sdg=["4.7"])
    r = decide(anna, cid, "approve", sdg=["4.7"])
    assert r.status_code == 409 and "Already decided" in r.get_data(as_text=True)


def test_decisions_are_audited_as_the_organiser_from_the_dashboard(anna, organisers):
    cid = submit(anna)["id"]
    decide(anna, cid, "approve", sdg=["4.7"])
    with organisers.reader() as reader:
        entry = reader.audit_entries(None, cid)[0]
    assert entry["organiser"] == "anna" and entry["action"] == "approve"


# -- who sees what ----------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["approve", "reject", "withdraw", "restore", "redact"])
def test_a_bollnas_moderator_cannot_act_on_lobatse(anna, organisers, action):
    cid = lobatse_story(anna)["id"]
    token = csrf_token(anna, "/dashboard")
    r = anna.post(f"/dashboard/contributions/{cid}/{action}", data={
        "csrf_token": token, "template": "off-topic", "title": "x", "body": "y"})
    assert r.status_code == 404
    with organisers.reader() as reader:
        assert reader.contribution(cid)["status"] == "pending"
        assert reader.audit_entries(None, cid) == []


def test_a_bollnas_moderator_never_sees_lobatse(anna, organisers):
    mine = submit(anna)["id"]
    theirs = lobatse_story(anna)["id"]
    moderation.approve(organisers, theirs)
    assert anna.get(f"/dashboard/contributions/{theirs}").status_code == 404
    for path in ("/dashboard", "/dashboard?status=all", "/dashboard/audit"):
        text = anna.get(path).get_data(as_text=True)
        assert theirs not in text and "High Court story" not in text
    assert mine in anna.get("/dashboard").get_data(as_text=True)
    assert anna.get("/dashboard/statistics?municipality=lobatse").status_code == 403


def test_a_signed_in_moderator_previews_pending_media(anna, organisers, geo_app):
    receipt = post_files(anna, story(people_in_media=False),
                         [("a.jpg", jpeg_with_gps()), ("b.wav", wav())]).get_json()
    page = anna.get(f"/dashboard/contributions/{receipt['id']}").get_data(as_text=True)
    image = re.search(r'<img src="(/media/[^"]+)"', page).group(1)
    audio = re.search(r'<audio controls preload="none" src="(/media/[^"]+)"', page).group(1)
    assert anna.get(image).status_code == 200 and anna.get(audio).status_code == 200
    lobatse = geo_app.test_client()
    login(lobatse, "kabo")
    assert lobatse.get(image).status_code == 404


def test_queue_filters_and_flags(anna):
    plain = submit(anna, title="Utan flagga")["id"]
    flagged = submit(anna, title="Med länk", body="Läs mer på www.example.se")["id"]
    text = anna.get("/dashboard?flagged=true").get_data(as_text=True)
    assert flagged in text and plain not in text
    assert "Web link" in text and "contains a web link" in text
    both = anna.get("/dashboard").get_data(as_text=True)
    assert both.index(plain) < both.index(flagged)  # oldest first
    assert anna.get("/dashboard?kind=bogus").status_code == 400


# -- figures, exports, language, headers ---------------------------------------------------------


def test_statistics_page_and_exports(anna):
    cid = submit(anna, title="=HYPERLINK(\"http://x.example\")", body="-2+3")["id"]
    decide(anna, cid, "approve", sdg=["4.7", "11.4"])
    page = anna.get("/dashboard/statistics").get_data(as_text=True)
    assert "/dashboard/export.csv" in page and "/dashboard/export.geojson" in page
    r = anna.get("/dashboard/export.csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert "attachment" in r.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True))))
    assert not {"age_band", "consent_by", "consent_at"} & set(rows[0])
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["title"].startswith("'=") and row["body"] == "'-2+3"
    geo = json.loads(anna.get("/dashboard/export.geojson").get_data(as_text=True))
    assert [f["id"] for f in geo["features"]] == [cid]
    assert "age_band" not in json.dumps(geo)


def test_swedish_with_lang_and_with_accept_language(anna):
    assert "Granskningskö" in anna.get("/dashboard?lang=sv").get_data(as_text=True)
    page = anna.get("/dashboard", headers={"Accept-Language": "sv-SE,en;q=0.5"})
    assert '<html lang="sv">' in page.get_data(as_text=True)
    english = anna.get("/dashboard", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Moderation queue" in english
    assert "lang=sv" in anna.get("/dashboard?lang=sv").get_data(as_text=True)  # links keep it


def test_a_repeated_parameter_gets_an_error_page(anna):
    r = anna.get("/dashboard?kind=story&kind=activity&lang=sv")
    assert r.status_code == 400 and "Något blev fel" in r.get_data(as_text=True)


def test_setswana_falls_back_to_english(anna):
    assert "Moderation queue" in anna.get("/dashboard?lang=tn").get_data(as_text=True)


DASHBOARD_PAGES = ["/dashboard", "/dashboard/audit", "/dashboard/statistics",
                   "/dashboard/contributions/{cid}", "/dashboard/contributions/{other}",
                   "/dashboard/export.csv", "/dashboard/export.geojson"]


def test_every_dashboard_page_has_the_security_headers(anna):
    cid = submit(anna)["id"]
    other = lobatse_story(anna)["id"]
    responses = [anna.get(p.format(cid=cid, other=other)) for p in DASHBOARD_PAGES]
    responses.append(decide(anna, cid, "approve"))
    responses.append(anna.post("/dashboard/logout"))  # 400 without a token
    responses.append(anna.get("/dashboard/login"))
    for r in responses:
        assert r.headers["Content-Security-Policy"] == CSP, r.request.path
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["Referrer-Policy"] == "no-referrer"
        assert r.headers["Cache-Control"] == "no-store"


def test_pages_use_no_inline_script_or_style(anna):
    cid = submit(anna)["id"]
    for path in ("/dashboard", f"/dashboard/contributions/{cid}", "/dashboard/login"):
        html = anna.get(path).get_data(as_text=True)
        assert " style=" not in html and "<style" not in html
        assert not re.search(r"<script(?![^>]*(src=|type=\"application/json\"))", html)
        assert not re.search(r"\son[a-z]+=", html)
        assert "https://" not in html and "http://" not in html


def test_an_xss_payload_renders_as_text(anna, organisers):
    cid = submit(anna)["id"]
    with organisers.writer() as writer:  # the service strips tags; the page must escape
        writer.redact_contribution(cid, "2026-01-01T00:00:00Z", title=XSS, body=XSS)
    for path in ("/dashboard", f"/dashboard/contributions/{cid}"):
        html = anna.get(path).get_data(as_text=True)
        assert "<script>window.__xss" not in html and "<img src=x" not in html
        assert "&lt;script&gt;window.__xss=2&lt;/script&gt;" in html


def test_static_files_are_cached_and_leaflet_images_sit_beside_its_css(geo_client):
    for path in ("/static/dashboard/dashboard.css", "/static/dashboard/map.js",
                 "/static/vendor/leaflet/leaflet.css",
                 "/static/vendor/leaflet/images/marker-icon.png"):
        r = geo_client.get(path)
        assert r.status_code == 200, path
        assert r.headers["Cache-Control"] == "public, max-age=86400"
        r.close()


def _template_messages() -> set[str]:
    found = set()
    for path in (PACKAGE / "templates" / "dashboard").glob("*.html"):
        text = path.read_text(encoding="utf-8")
        found |= {m[1:-1] for m in re.findall(r"\b_\(\s*(\"[^\"]*\"|'[^']*')\s*\)", text)}
        found |= set(re.findall(r"ngettext\(\s*\"([^\"]*)\"", text))
    for path in (PACKAGE / "http").glob("dashboard*.py"):  # the blueprint and its pages
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found |= {node.args[0].value for node in ast.walk(tree)
                  if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "N_"}
    return found


def test_every_dashboard_message_has_a_swedish_translation():
    path = PACKAGE / "translations" / "sv" / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as po:
        catalog = read_po(po)
    translated = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog
                  if m.id and m.string and all(m.string if isinstance(m.string, tuple)
                                               else [m.string])}
    used = _template_messages()
    assert len(used) > 100
    missing = sorted(used - translated)
    assert not missing, f"no Swedish in messages.po for: {missing}"


def test_the_places_page_shows_working_notes_only_to_organisers(anna):
    page = anna.get("/dashboard/places?lang=sv").get_data(as_text=True)
    assert "Gästgivars" in page and "Arbrå kyrka" in page and "Arbetsanteckningar" in page
    assert "lob-high-court" not in page  # anna works for Bollnäs only


def test_the_places_page_holds_the_internal_notes(anna, geo_app):
    from trailapp import editing

    store = geo_app.extensions["trailapp"].store
    with store.reader() as reader:
        rows = [r for r in reader.records("places") if '"notes_internal"' in r["record"]]
    assert rows, "the real geodata holds working notes"
    page = anna.get("/dashboard/places?lang=en").get_data(as_text=True)
    from trailapp.auth import Organiser
    someone = Organiser(0, "x", "admin", ())
    notes = [r["notes"] for r in editing.overview(store, someone, "en")
             if r["notes"] and r["municipality"] == "bollnas"]
    assert notes and any(n.replace("&", "&amp;").replace("'", "&#39;")[:40] in page
                         for n in notes)
