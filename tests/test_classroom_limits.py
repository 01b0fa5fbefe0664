"""Limits that fit a classroom (issue 11): the submission limit is kept per app install
(a keyed hash of X-Install-Id), the address only as a coarse second line, and every
submission answer says what is left in RateLimit-* headers."""

from __future__ import annotations

import uuid

import pytest
from helpers.app import GEODATA, settings_in
from helpers.contributions import story
from helpers.store import count

from trailapp import create_app, loader


def post(client, fields: dict, *, install: str | None = None, addr: str = "10.0.0.1",
         key: str | None = None, headers: dict | None = None):
    sent = dict(headers or {})
    if install:
        sent["X-Install-Id"] = install
    if key:
        sent["Idempotency-Key"] = key
    return client.post("/contributions", json=fields, headers=sent,
                       environ_base={"REMOTE_ADDR": addr})


def install(n: int) -> str:
    return f"pupil-install-{n:04d}-of-the-class"


@pytest.fixture
def small_app(tmp_path):
    """An app whose coarse per-address limit is 5, to reach it in a few requests."""
    app = create_app(settings_in(tmp_path, SUBMISSION_LIMIT_PER_ADDRESS=5))
    loader.load(app.extensions["trailapp"].store, [GEODATA])
    yield app
    app.extensions["trailapp"].store.close()


def test_thirty_installs_on_one_address_are_all_accepted(geo_client, store):
    """A class of 30 on one Wi-Fi, each pupil with their own phone."""
    answers = [post(geo_client, story(title=f"Elev {n}"), install=install(n))
               for n in range(30)]
    assert [a.status_code for a in answers] == [201] * 30
    assert count(store, "contributions") == 30


def test_without_install_ids_one_address_still_gets_ten(geo_client, store):
    answers = [post(geo_client, story(title=f"Elev {n}")) for n in range(11)]
    assert [a.status_code for a in answers] == [201] * 10 + [429]
    assert count(store, "contributions") == 10


def test_one_install_gets_ten_whatever_address_it_comes_from(geo_client, store):
    """A phone moving between networks keeps its own limit."""
    answers = [post(geo_client, story(title=f"Resa {n}"), install=install(1),
                    addr=f"10.9.0.{n}") for n in range(11)]
    assert [a.status_code for a in answers] == [201] * 10 + [429]
    assert answers[-1].get_json()["code"] == "TooManyRequests"
    assert post(geo_client, story(title="Annan telefon"), install=install(2),
                addr="10.9.0.10").status_code == 201


def test_made_up_install_ids_still_meet_the_address_limit(small_app):
    client = small_app.test_client()
    answers = [post(client, story(title=f"Falsk {n}"), install=str(uuid.uuid4()))
               for n in range(6)]
    assert [a.status_code for a in answers] == [201] * 5 + [429]
    assert answers[-1].headers["RateLimit-Limit"] == "5"
    # Another address is not affected.
    assert post(client, story(title="Granne"), install=str(uuid.uuid4()),
                addr="10.0.0.2").status_code == 201


def test_ratelimit_headers_count_down_to_the_429(geo_client):
    answers = [post(geo_client, story(title=f"Räkna {n}"), install=install(7))
               for n in range(11)]
    assert [a.headers.get("RateLimit-Remaining") for a in answers] == [
        "9", "8", "7", "6", "5", "4", "3", "2", "1", "0", "0"]
    assert {a.headers["RateLimit-Limit"] for a in answers} == {"10"}
    assert all(0 < int(a.headers["RateLimit-Reset"]) <= 600 for a in answers)
    refused = answers[-1]
    assert refused.status_code == 429
    assert refused.headers["RateLimit-Reset"] == refused.headers["Retry-After"]


def test_a_replay_shows_the_quota_without_using_it(geo_client):
    key = str(uuid.uuid4())
    first = post(geo_client, story(), install=install(3), key=key)
    again = post(geo_client, story(), install=install(3), key=key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.headers["RateLimit-Remaining"] == "9"
    assert again.headers["RateLimit-Remaining"] == "9"
    nxt = post(geo_client, story(title="Nästa"), install=install(3))
    assert nxt.headers["RateLimit-Remaining"] == "8"


def test_the_tightest_limit_is_the_one_reported(small_app):
    """Per install 10 left, per address 5: the address's limit is reported."""
    client = small_app.test_client()
    first = post(client, story(), install=install(1))
    assert (first.headers["RateLimit-Limit"], first.headers["RateLimit-Remaining"]) == (
        "5", "4")


def test_a_browser_app_may_read_the_ratelimit_headers(geo_client):
    r = post(geo_client, story(), install=install(1),
             headers={"Origin": "https://app.example.org"})
    exposed = {h.strip().lower() for h in
               r.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"ratelimit-limit", "ratelimit-remaining", "ratelimit-reset",
            "retry-after"} <= exposed


def test_the_openapi_document_declares_the_ratelimit_headers(client):
    responses = client.get("/api").get_json()["paths"]["/contributions"]["post"]["responses"]
    for status in ("201", "200", "429"):
        headers = responses[status]["headers"]
        assert {"RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"} <= set(headers)
    assert "Retry-After" in responses["429"]["headers"]
