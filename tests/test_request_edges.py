"""Requests at the edges (issue 10, finding 4 and 12): JSON nested deeper than any
request needs, JSON that is not UTF-8, offsets past what SQLite can hold, a CR/LF in
the sign-in form's `next`, and HSTS over HTTPS. Each is a 400 naming the field (or the
header), never a 500, and nothing is written."""

from __future__ import annotations

import json

import pytest
from helpers.contributions import story
from helpers.dashboard import PASSWORD, csrf_token
from helpers.organisers import add_organiser, token_headers
from helpers.store import count

from trailapp import auth

DEEP = b"[" * 2000 + b"]" * 2000
DEEP_OBJECT = b'{"a":' * 2000 + b"1" + b"}" * 2000


@pytest.fixture
def organiser(geo_app, store):
    return token_headers(store, add_organiser(store, "edge"))


JSON_ROUTES = [
    ("post", "/contributions"),
    ("post", "/contributions/{cid}/reports"),
    ("post", "/moderation/contributions/{cid}/approve"),
    ("post", "/moderation/contributions/{cid}/reject"),
    ("post", "/moderation/contributions/{cid}/withdraw"),
    ("post", "/moderation/contributions/{cid}/redact"),
    ("post", "/moderation/bulk"),
    ("post", "/manage/places"),
    ("put", "/manage/places/bol-gastgivars"),
]


@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT], ids=["array", "object"])
@pytest.mark.parametrize("method, path", JSON_ROUTES)
def test_deeply_nested_json_is_a_400_naming_the_body(geo_client, store, organiser, method,
                                                     path, body):
    cid = "0" * 24
    before = count(store, "contributions"), count(store, "features"), count(store, "audit")
    r = getattr(geo_client, method)(path.format(cid=cid), data=body, headers={
        **organiser, "Content-Type": "application/json"})
    assert r.status_code == 400, r.get_data(as_text=True)[:200]
    assert r.get_json()["errors"][0]["field"] == "body"
    assert "deeper" in r.get_json()["errors"][0]["message"]
    assert (count(store, "contributions"), count(store, "features"),
            count(store, "audit")) == before


def test_nesting_inside_strings_does_not_count(geo_client):
    fields = story(body="[[[[" * 100 + "en berättelse med många hakparenteser")
    r = geo_client.post("/contributions", data=json.dumps(fields),
                        content_type="application/json")
    assert r.status_code == 201


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32", "latin-1"])
def test_json_that_is_not_utf8_is_refused(geo_client, store, encoding):
    fields = story(title="Gården vid ån")
    r = geo_client.post("/contributions", data=json.dumps(fields, ensure_ascii=False)
                        .encode(encoding), content_type="application/json")
    assert r.status_code == 400
    assert r.get_json()["errors"][0] == {"field": "body", "message": "is not valid UTF-8 JSON"}
    assert count(store, "contributions") == 0


@pytest.mark.parametrize("offset", [2**63, 2**63 - 1, 10**30])
def test_a_huge_queue_offset_is_a_400_naming_it(geo_client, organiser, offset):
    r = geo_client.get(f"/moderation/queue?offset={offset}", headers=organiser)
    assert r.status_code == 400
    assert r.get_json()["errors"][0]["field"] == "offset"


def _signed_in_dashboard(geo_client, store):
    auth.create_organiser(store, "anna", PASSWORD, "moderator", ["bollnas"])
    geo_client.post("/dashboard/login", data={"username": "anna", "password": PASSWORD,
                                              "csrf_token": csrf_token(geo_client)})


def test_a_huge_offset_in_the_dashboard_queue_is_a_400(geo_client, store):
    _signed_in_dashboard(geo_client, store)
    r = geo_client.get(f"/dashboard?offset={2**63}")
    assert r.status_code == 400
    assert "filter" in r.get_data(as_text=True)


@pytest.mark.parametrize("target", ["/dashboard\r\nSet-Cookie: x=1", "/dashboard\n",
                                    "/dashboard\x00"])
def test_a_control_character_in_next_is_a_400_naming_it(geo_client, store, target):
    auth.create_organiser(store, "anna", PASSWORD, "moderator", ["bollnas"])
    r = geo_client.post("/dashboard/login", data={
        "username": "anna", "password": PASSWORD, "next": target,
        "csrf_token": csrf_token(geo_client)})
    assert r.status_code == 400
    assert "next" in r.get_data(as_text=True)
    assert "Set-Cookie: x=1" not in str(r.headers)


def test_hsts_is_sent_over_https_only(geo_client):
    plain = geo_client.get("/")
    assert "Strict-Transport-Security" not in plain.headers
    secure = geo_client.get("/", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"
