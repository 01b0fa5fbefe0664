"""Workshop mode (issue 11): an organiser opens a session for a group and gets a short
code; submissions with the code share the workshop's higher limit (still per install),
are grouped in the moderation queue, and the code works only while the workshop is
live and only for its own municipality."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from helpers.app import GEODATA, settings_in
from helpers.contributions import LOBATSE_PLACE, story
from helpers.organisers import add_organiser, token_headers
from helpers.store import count

from trailapp import auth, create_app, erasure, loader, workshops
from trailapp.domain import WORKSHOP_CODE_ALPHABET


@pytest.fixture
def make_app(tmp_path):
    """Apps with real geodata and some settings changed; closed at the end."""
    made = []

    def make(**config):
        app = create_app(settings_in(tmp_path / str(len(made)), **config))
        loader.load(app.extensions["trailapp"].store, [GEODATA])
        made.append(app)
        return app.test_client(), app.extensions["trailapp"].store
    yield make
    for app in made:
        app.extensions["trailapp"].store.close()


def post(client, fields: dict, *, install: str | None = None, code: str | None = None,
         addr: str = "10.0.0.1"):
    headers = {}
    if install:
        headers["X-Install-Id"] = install
    if code:
        headers["X-Workshop-Code"] = code
    return client.post("/contributions", json=fields, headers=headers,
                       environ_base={"REMOTE_ADDR": addr})


def pupil(n: int) -> str:
    return f"pupil-install-{n:04d}-of-the-class"


def open_workshop(client, headers, **body) -> dict:
    r = client.post("/moderation/workshops", headers=headers,
                    json={"municipality": "bollnas", "name": "Klass 8B", **body})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def anna(store) -> dict:
    return token_headers(store, add_organiser(store, "anna"))


def test_an_organiser_opens_a_workshop_with_a_short_code(geo_client, store):
    opened = open_workshop(geo_client, anna(store), expected_participants=30)
    assert re.fullmatch(f"[{WORKSHOP_CODE_ALPHABET}]{{6}}", opened["code"])
    assert (opened["name"], opened["municipality"], opened["expected_participants"]) == (
        "Klass 8B", "bollnas", 30)
    created = datetime.fromisoformat(opened["created"])
    assert datetime.fromisoformat(opened["ends_at"]) - created == timedelta(hours=3)
    with store.reader() as r:  # only a keyed hash of the code is kept
        row = r.conn.execute("SELECT * FROM workshops").fetchone()
    assert opened["code"] not in " ".join(str(v) for v in tuple(row))


def test_thirty_pupils_on_one_address_under_a_workshop_code_are_all_accepted(make_app):
    """The issue's classroom: with the code, 30 installs on one address all get in,
    while the same thirty without the code meet the address's limit (set to 20 here,
    a school whose network is shared with another class)."""
    client, store = make_app(SUBMISSION_LIMIT_PER_ADDRESS=20)
    code = open_workshop(client, anna(store))["code"]
    with_code = [post(client, story(title=f"Elev {n}"), install=pupil(n), code=code)
                 for n in range(30)]
    assert [a.status_code for a in with_code] == [201] * 30
    without = [post(client, story(title=f"Utan kod {n}"), install=pupil(100 + n),
                    addr="10.0.0.2") for n in range(30)]
    assert [a.status_code for a in without] == [201] * 20 + [429] * 10


def test_without_install_ids_or_a_code_a_class_shares_ten(geo_client):
    answers = [post(geo_client, story(title=f"Gammal app {n}")) for n in range(30)]
    assert [a.status_code for a in answers] == [201] * 10 + [429] * 20


def test_the_workshop_limit_is_shared_and_its_headers_count_down(make_app):
    client, store = make_app(WORKSHOP_SUBMISSION_LIMIT=4)
    code = open_workshop(client, anna(store))["code"]
    answers = [post(client, story(title=f"Delad {n}"), install=pupil(n), code=code)
               for n in range(5)]
    assert [a.status_code for a in answers] == [201] * 4 + [429]
    assert [a.headers["RateLimit-Remaining"] for a in answers] == ["3", "2", "1", "0", "0"]
    assert {a.headers["RateLimit-Limit"] for a in answers} == {"4"}


def test_each_install_keeps_its_own_limit_in_a_workshop(geo_client, store):
    code = open_workshop(geo_client, anna(store))["code"]
    answers = [post(geo_client, story(title=f"Samma {n}"), install=pupil(1), code=code)
               for n in range(11)]
    assert [a.status_code for a in answers] == [201] * 10 + [429]


def test_an_unknown_expired_or_closed_code_is_the_same_422(geo_client, store):
    headers = anna(store)
    closed = open_workshop(geo_client, headers)
    assert geo_client.post(f"/moderation/workshops/{closed['id']}/close",
                           headers=headers).status_code == 200
    expired = workshops.open_workshop(
        store, auth.token_organiser(store, headers["Authorization"].split()[1]),
        "test-only", municipality="bollnas", name="Förra veckan",
        hours=3, now=datetime.now(UTC) - timedelta(hours=4))
    answers = [post(geo_client, story(title=f"Kod {n}"), install=pupil(n), code=code)
               for n, code in enumerate([closed["code"], expired["code"], "ZZZZZZ"])]
    bodies = [a.get_json() for a in answers]
    assert [a.status_code for a in answers] == [422] * 3
    assert all(b["errors"] == [{"field": "X-Workshop-Code", "message": workshops.NOT_VALID}]
               for b in bodies)
    assert count(store, "contributions") == 0


def test_a_code_is_for_places_of_its_own_municipality(geo_client, store):
    code = open_workshop(geo_client, anna(store))["code"]
    r = post(geo_client, story(place=LOBATSE_PLACE, lang="en", age_band="16-17"),
             install=pupil(1), code=code)
    assert r.status_code == 422
    assert r.get_json()["errors"][0]["field"] == "X-Workshop-Code"
    assert count(store, "contributions") == 0


def test_wrong_codes_are_limited_per_address(geo_client, store):
    code = open_workshop(geo_client, anna(store))["code"]
    wrong = [post(geo_client, story(), install=pupil(1), code=f"ABCDE{c}")
             for c in "2345678934"]
    assert {a.status_code for a in wrong} == {422}
    # The eleventh try is refused even with the right code, from this address only.
    assert post(geo_client, story(), install=pupil(1), code=code).status_code == 429
    assert post(geo_client, story(), install=pupil(1), code=code,
                addr="10.0.0.2").status_code == 201


def test_the_queue_groups_a_workshops_contributions(geo_client, store):
    headers = anna(store)
    opened = open_workshop(geo_client, headers)
    post(geo_client, story(title="I verkstaden"), install=pupil(1), code=opened["code"])
    post(geo_client, story(title="Utanför"), install=pupil(2))
    r = geo_client.get(f"/moderation/queue?workshop={opened['id']}", headers=headers)
    items = r.get_json()["items"]
    assert [i["title"] for i in items] == ["I verkstaden"]
    assert items[0]["workshop"] == {"id": opened["id"], "name": "Klass 8B"}
    everything = geo_client.get("/moderation/queue", headers=headers).get_json()["items"]
    assert {i["title"]: i["workshop"] for i in everything}["Utanför"] is None


def test_the_list_shows_live_workshops_with_their_counts(geo_client, store):
    headers = anna(store)
    live = open_workshop(geo_client, headers, name="Pågår")
    ended = open_workshop(geo_client, headers, name="Stängd")
    geo_client.post(f"/moderation/workshops/{ended['id']}/close", headers=headers)
    post(geo_client, story(), install=pupil(1), code=live["code"])
    listed = geo_client.get("/moderation/workshops", headers=headers).get_json()["items"]
    assert [(w["name"], w["contributions"]) for w in listed] == [("Pågår", 1)]
    assert "code" not in listed[0]


def test_a_workshop_longer_than_twelve_hours_is_refused(geo_client, store):
    r = geo_client.post("/moderation/workshops", headers=anna(store),
                        json={"municipality": "bollnas", "name": "Natt", "hours": 13})
    assert r.status_code == 400
    assert r.get_json()["errors"][0]["field"] == "hours"


def test_retention_deletes_ended_workshops_and_the_link(geo_client, store, app):
    opened = open_workshop(geo_client, anna(store))
    cid = post(geo_client, story(), install=pupil(1), code=opened["code"]).get_json()["id"]
    settings = app.extensions["trailapp"].contributions
    soon = erasure.purge_expired(store, settings, datetime.now(UTC) + timedelta(days=2))
    assert soon["workshops"] == 0
    later = erasure.purge_expired(store, settings, datetime.now(UTC) + timedelta(days=8))
    assert later["workshops"] == 1
    assert count(store, "workshops") == 0
    assert count(store, "contributions", workshop_id=opened["id"]) == 0
    # The contribution itself follows its own rule (30 days when pending).
    assert count(store, "contributions", id=cid) == 1

