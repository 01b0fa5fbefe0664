"""The dashboard's Twins page (issue 13): a Bollnäs organiser proposes through the form,
the Lobatse organiser accepts through theirs, either ends; the page groups twins by what
each organiser may do, and draws both towns' paired places."""

from __future__ import annotations

import json
import re

import pytest
from helpers.dashboard import XSS, csrf_token, signed_in, two_town_staff
from helpers.exchange import BOLLNAS_PLACE, LOBATSE_PLACE


@pytest.fixture
def staff(geo_app):
    store = geo_app.extensions["trailapp"].store
    two_town_staff(store)
    return store


def propose(client, **fields):
    form = {"csrf_token": csrf_token(client, "/dashboard/twins"), "municipality": "bollnas",
            "place": BOLLNAS_PLACE, "twin_place": LOBATSE_PLACE, "theme": "gathering-places",
            "text_en": "Two places where people gathered to decide together.", **fields}
    return client.post("/dashboard/twins", data=form)


def step(client, twin_id: str, action: str):
    token = csrf_token(client, "/dashboard/twins")
    return client.post(f"/dashboard/twins/{twin_id}/{action}", data={"csrf_token": token})


def twin_rows(store) -> list[tuple]:
    with store.reader() as r:
        return [tuple(row) for row in r.conn.execute("SELECT * FROM twins ORDER BY id")]


def table_ids(html: str, group: str) -> str:
    return re.search(rf'<table id="twins-{group}">(.*?)</table>', html, re.S).group(1)


def map_points(html: str, town: str) -> list[dict]:
    block = re.search(rf'id="twin-data-{town}">(.*?)</script>', html, re.S).group(1)
    return json.loads(block)


def test_propose_through_the_form_then_the_twin_town_accepts(geo_app, staff):
    anna, kabo = signed_in(geo_app, "anna"), signed_in(geo_app, "kabo")
    r = propose(anna)
    assert r.status_code == 302 and r.headers["Location"].endswith("/dashboard/twins?done=propose")
    (twin_id,) = [row[0] for row in twin_rows(staff)]
    page = anna.get("/dashboard/twins").get_data(as_text=True)
    assert "Gästgivars" in table_ids(page, "proposed")
    assert "None." in table_ids(page, "waiting")
    waiting = kabo.get("/dashboard/twins").get_data(as_text=True)
    assert "High Court" in table_ids(waiting, "waiting")
    assert f"/dashboard/twins/{twin_id}/accept" in waiting
    assert step(kabo, twin_id, "accept").status_code == 302
    public = geo_app.test_client().get(f"/collections/twins/items/{twin_id}").get_json()
    assert [p["id"] for p in public["properties"]["places"]] == [BOLLNAS_PLACE, LOBATSE_PLACE]
    page = anna.get("/dashboard/twins?lang=sv").get_data(as_text=True)
    assert "Aktiva vänplatser" in page and "Gästgivars" in table_ids(page, "active")
    # Both maps hold their town's paired place, numbered as the table row.
    (bollnas,) = map_points(page, "bollnas")
    (lobatse,) = map_points(page, "lobatse")
    assert bollnas["number"] == lobatse["number"] == 1
    assert (lobatse["lon"], lobatse["lat"]) == tuple(
        geo_app.test_client().get(f"/collections/places/items/{LOBATSE_PLACE}")
        .get_json()["geometry"]["coordinates"])
    assert step(anna, twin_id, "end").status_code == 302
    assert geo_app.test_client().get(f"/collections/twins/items/{twin_id}").status_code == 404
    assert map_points(anna.get("/dashboard/twins").get_data(as_text=True), "bollnas") == []


def test_the_proposing_town_cannot_accept_through_the_dashboard(geo_app, staff):
    anna = signed_in(geo_app, "anna")
    propose(anna)
    (twin_id,) = [row[0] for row in twin_rows(staff)]
    before = twin_rows(staff)
    r = step(anna, twin_id, "accept")
    assert r.status_code == 404
    assert twin_rows(staff) == before


def test_a_bad_proposal_names_the_field_and_writes_nothing(geo_app, staff):
    anna = signed_in(geo_app, "anna")
    r = propose(anna, twin_place="bol-bollnas-kyrka")
    assert r.status_code == 422
    assert "twin town" in r.get_data(as_text=True) or "twin_place" in r.get_data(as_text=True)
    r = propose(anna, municipality="lobatse", place=LOBATSE_PLACE, twin_place=BOLLNAS_PLACE)
    assert r.status_code == 403
    assert twin_rows(staff) == []


def test_unknown_twins_and_steps_are_404_and_a_form_without_a_token_changes_nothing(
        geo_app, staff):
    anna = signed_in(geo_app, "anna")
    assert step(anna, "t0123456789abcdef", "accept").status_code == 404
    assert step(anna, "not-a-twin", "end").status_code == 404
    assert anna.post("/dashboard/twins", data={"municipality": "bollnas"}).status_code == 400
    assert twin_rows(staff) == []


def test_markup_in_the_text_is_refused_and_a_plain_text_is_shown_escaped(geo_app, staff):
    anna, kabo = signed_in(geo_app, "anna"), signed_in(geo_app, "kabo")
    r = propose(anna, text_en=XSS)
    assert r.status_code == 422 and "text.en" in r.get_data(as_text=True)
    assert twin_rows(staff) == []
    assert propose(anna, text_en="Meeting places & 3 < 4 > 2").status_code == 302
    page = kabo.get("/dashboard/twins").get_data(as_text=True)
    assert "Meeting places &amp; 3 &lt; 4 &gt; 2" in page


def test_anonymous_visitors_are_sent_to_sign_in(geo_client):
    r = geo_client.get("/dashboard/twins")
    assert r.status_code == 302 and "/dashboard/login" in r.headers["Location"]
    token = csrf_token(geo_client)
    r = geo_client.post("/dashboard/twins", data={"csrf_token": token})
    assert r.status_code == 302 and "/dashboard/login" in r.headers["Location"]
