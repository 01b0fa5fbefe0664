"""Error pages for people: a browser that gets a 4xx or 5xx from an OGC resource (/,
/conformance, /collections/...) sees a readable page in Swedish or English, with the
status code unchanged; JSON clients keep the one JSON error shape."""

from __future__ import annotations

import re

import pytest

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
# (URL, status, the field the page names or None, heading in Swedish, in English)
ERRORS = [
    ("/collections/nowhere", 404, None, "Hittades inte", "Not found"),
    ("/collections/places/items/bol-nowhere", 404, None, "Hittades inte", "Not found"),
    ("/collections/places/items?limit=many", 400, "limit", "Frågan är inte rätt ställd",
     "The request is not right"),
    ("/collections/places/items?bbox=1,2,3", 400, "bbox", "Frågan är inte rätt ställd",
     "The request is not right"),
    ("/conformance?lang=xx", 400, "lang", "Frågan är inte rätt ställd",
     "The request is not right"),
]


def heading(text: str) -> str:
    return re.search(r"<h1>(.*?)</h1>", text, re.S).group(1).strip()


@pytest.mark.parametrize("url, status, field, sv, en", ERRORS)
def test_a_browser_gets_an_error_page_in_its_language(geo_client, url, status, field,
                                                      sv, en):
    for language, title in (("sv", sv), ("en", en)):
        r = geo_client.get(url, headers={**BROWSER, "Accept-Language": language})
        assert r.status_code == status
        assert r.mimetype == "text/html"
        text = r.get_data(as_text=True)
        assert f'<html lang="{language}">' in text
        assert heading(text) == title
        assert f"<strong>{status}</strong>" in text
        if field:
            assert f"<code>{field}</code>" in text
        assert r.headers["Content-Language"] == language
        assert r.headers["Cache-Control"] == "no-store"
        assert "script-src 'self'" in r.headers["Content-Security-Policy"]
        assert {"Accept", "Accept-Language"} <= set(r.vary)


@pytest.mark.parametrize("url, status, field, sv, en", ERRORS)
def test_a_json_client_keeps_the_json_error(geo_client, url, status, field, sv, en):
    asked = [geo_client.get(url), geo_client.get(url, headers={"Accept": "application/json"}),
             geo_client.get(url, headers={"Accept": "*/*"}),
             geo_client.get(url + ("&" if "?" in url else "?") + "f=json", headers=BROWSER)]
    for r in asked:
        assert r.status_code == status
        assert r.mimetype == "application/json"
        body = r.get_json()
        assert set(body) == {"code", "description", "status", "errors"}
        assert body["status"] == status
        if field:
            assert body["errors"][0]["field"] == field


def test_f_html_gets_the_page_whatever_the_accept_header(geo_client):
    r = geo_client.get("/collections/places/items?f=html&crs=EPSG:9999",
                       headers={"Accept": "application/json", "Accept-Language": "sv"})
    assert (r.status_code, r.mimetype) == (400, "text/html")
    assert "<code>crs</code>" in r.get_data(as_text=True)


def test_the_page_links_home_without_the_bad_language(geo_client):
    text = geo_client.get("/conformance?lang=xx", headers=BROWSER).get_data(as_text=True)
    links = re.findall(r'href="([^"]+)"', text)
    assert "http://localhost/?f=html" in links
    assert "http://localhost/collections?f=html" in links
    assert "http://localhost/conformance?lang=sv" in links  # the language switch


def test_the_page_keeps_the_errors_headers(geo_client):
    r = geo_client.post("/collections", headers=BROWSER)
    assert (r.status_code, r.mimetype) == (405, "text/html")
    assert "GET" in r.headers["Allow"]


def test_other_resources_answer_json_errors_even_to_a_browser(geo_client):
    for url in ("/nowhere", "/sync?cursor=x", "/moderation/queue"):
        r = geo_client.get(url, headers=BROWSER)
        assert r.status_code >= 400 and r.mimetype == "application/json", url
