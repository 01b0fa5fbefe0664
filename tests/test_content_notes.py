"""Content notes and visiting guidance on places (issue 14): set by organisers, served
with labels in each language, filterable with content_notes_exclude, carried by sync."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from helpers.app import place
from helpers.contributions import PLACE, post_json, story
from helpers.organisers import add_organiser, token_headers
from helpers.packs import pack_info


@pytest.fixture
def noted(geo_app, store):
    client = geo_app.test_client()
    headers = token_headers(store, add_organiser(store, "anna"))
    graves = place("test-graves", 16.4001, 61.3401, content_notes=["death", "grief"],
                   visiting={"access": "ask-permission",
                             "opening_times": {"sv": "Dagtid", "en": "Daytime"},
                             "accessibility": ["steps"]})
    plain = place("test-mill", 16.4002, 61.3402)
    for feature in (graves, plain):
        r = client.post("/manage/places", json=feature, headers=headers)
        assert r.status_code == 201, r.get_json()
    return client, headers


def test_content_notes_are_served_with_labels_in_the_language_asked(noted):
    client, _ = noted
    props = client.get("/collections/places/items/test-graves?lang=sv").get_json()[
        "properties"]
    assert props["content_notes"] == ["death", "grief"]
    assert props["content_note_labels"] == ["Död", "Sorg"]
    assert props["visiting"] == {"access": "ask-permission", "opening_times": "Dagtid",
                                 "accessibility": ["steps"]}
    tn = client.get("/collections/places/items/test-graves?lang=tn").get_json()["properties"]
    # No Setswana labels until Lobatse's organisers write them: English is served.
    assert tn["content_note_labels"] == ["Death", "Grief"]


def test_content_notes_exclude_leaves_out_places_with_any_of_them(noted):
    client, _ = noted
    near = "near=16.4001,61.3401&radius=500"
    ids = {f["id"] for f in client.get(f"/collections/places/items?{near}").get_json()[
        "features"]}
    assert {"test-graves", "test-mill"} <= ids
    kept = {f["id"] for f in client.get(
        f"/collections/places/items?{near}&content_notes_exclude=war,grief").get_json()[
        "features"]}
    assert "test-graves" not in kept and "test-mill" in kept
    assert "test-graves" in {f["id"] for f in client.get(
        f"/collections/places/items?{near}&content_notes_exclude=war").get_json()["features"]}


def test_sync_carries_the_content_notes(noted):
    client, _ = noted
    sync = client.get("/sync?since=s0&limit=1000").get_data(as_text=True)
    assert '"content_notes":["death","grief"]' in sync


@pytest.mark.parametrize("value", ["gore", "death,,war", "death;war", ""])
def test_an_unknown_content_note_in_the_filter_is_a_400_naming_it(noted, value):
    client, _ = noted
    r = client.get(f"/collections/places/items?content_notes_exclude={value}")
    assert r.status_code == 400
    assert "content_notes_exclude" in json.dumps(r.get_json())


@pytest.mark.parametrize("props", [{"content_notes": ["gore"]},
                                   {"content_notes": ["death", "death"]},
                                   {"visiting": {"access": "sometimes"}},
                                   {"visiting": {"accessibility": ["lift"]}},
                                   {"private_home": "yes"}])
def test_bad_notes_or_guidance_are_refused_naming_them(noted, props):
    client, headers = noted
    r = client.post("/manage/places", json=place("test-bad", 16.4003, 61.3403, **props),
                    headers=headers)
    assert r.status_code == 422
    assert next(iter(props)) in json.dumps(r.get_json())


# -- content notes on stories and activities (issue 14) ----------------------------------


def _story_with_suggestions(client, headers, addr: str, approve_body: dict | None):
    r = post_json(client, story(content_notes=["war", "death"]), addr=addr)
    assert r.status_code == 201, r.get_json()
    cid = r.get_json()["id"]
    assert client.get(f"/collections/stories/items/{cid}").status_code == 404
    ok = client.post(f"/moderation/contributions/{cid}/approve", json=approve_body,
                     headers=headers)
    assert ok.status_code == 200, ok.get_json()
    return cid


def test_suggested_notes_are_published_on_approval_and_filter_stories(noted):
    client, headers = noted
    cid = _story_with_suggestions(client, headers, "10.0.9.1", None)
    props = client.get(f"/collections/stories/items/{cid}?lang=sv").get_json()["properties"]
    assert props["content_notes"] == ["death", "war"]  # in the fixed list's order
    assert props["content_note_labels"] == ["Död", "Krig"]
    kept = client.get(f"/collections/stories/items?place={PLACE}&content_notes_exclude=war"
                      ).get_json()["features"]
    assert cid not in {f["id"] for f in kept}
    sync = client.get("/sync?since=s0&limit=1000").get_json()["changes"]
    mine = [c for c in sync if c["id"] == cid and c["op"] == "upsert"]
    assert mine[-1]["feature"]["properties"]["content_notes"] == ["death", "war"]


def test_an_organiser_decides_the_notes_a_story_is_published_with(noted):
    client, headers = noted
    cid = _story_with_suggestions(client, headers, "10.0.9.2", {"content_notes": ["grief"]})
    props = client.get(f"/collections/stories/items/{cid}").get_json()["properties"]
    assert props["content_notes"] == ["grief"]
    r = post_json(client, story(content_notes=["not-a-note"]), addr="10.0.9.3")
    assert r.status_code == 400 and "content_notes" in r.get_data(as_text=True)


def _set_notes(client, headers, cid: str, body):
    return client.put(f"/moderation/contributions/{cid}/content-notes", json=body,
                      headers=headers)


def _story_notes_in_pack(client, cid: str) -> list[str]:
    info = pack_info(client, "bollnas", lang="en")
    archive = zipfile.ZipFile(io.BytesIO(client.get(info["href"]).data))
    stories = json.loads(archive.read("stories.en.geojson"))["features"]
    return next(f for f in stories if f["id"] == cid)["properties"]["content_notes"]


def test_an_organiser_changes_the_notes_of_a_published_story_and_sync_and_packs_follow(
        noted, store):
    client, headers = noted
    cid = _story_with_suggestions(client, headers, "10.0.9.4", {"content_notes": []})
    assert _story_notes_in_pack(client, cid) == []
    r = _set_notes(client, headers, cid, {"content_notes": ["grief", "death"]})
    assert r.status_code == 200, r.get_json()
    props = client.get(f"/collections/stories/items/{cid}?lang=sv").get_json()["properties"]
    assert props["content_notes"] == ["death", "grief"]  # in the fixed list's order
    assert props["content_note_labels"] == ["Död", "Sorg"]
    sync = client.get("/sync?since=s0&limit=1000").get_json()["changes"]
    mine = [c for c in sync if c["id"] == cid and c["op"] == "upsert"]
    assert mine[-1]["feature"]["properties"]["content_notes"] == ["death", "grief"]
    assert _story_notes_in_pack(client, cid) == ["death", "grief"]
    [entry] = [e for e in client.get(f"/moderation/audit?object_id={cid}",
                                     headers=headers).get_json()["entries"]
               if e["action"] == "content-notes"]
    assert (entry["before"], entry["after"], entry["organiser"]) == (
        {"content_notes": []}, {"content_notes": ["death", "grief"]}, "anna")
    # [] takes them all off again.
    assert _set_notes(client, headers, cid, {"content_notes": []}).status_code == 200
    assert client.get(f"/collections/stories/items/{cid}").get_json()["properties"][
        "content_notes"] == []


def test_another_towns_organiser_gets_404_and_changes_nothing(noted, store):
    client, headers = noted
    cid = _story_with_suggestions(client, headers, "10.0.9.5", {"content_notes": ["war"]})
    kabo = token_headers(store, add_organiser(store, "kabo", municipalities=("lobatse",)))
    r = _set_notes(client, kabo, cid, {"content_notes": []})
    assert r.status_code == 404 and r.get_json()["code"] == "NotFound"
    assert client.get(f"/collections/stories/items/{cid}").get_json()["properties"][
        "content_notes"] == ["war"]


@pytest.mark.parametrize("body, status, field", [
    ({"content_notes": ["war", "gore"]}, 422, "content_notes"),
    ({"content_notes": "war"}, 400, "content_notes"),
    ({}, 400, "content_notes"),
    ({"content_notes": ["war"], "extra": 1}, 400, "extra"),
])
def test_bad_notes_are_refused_naming_the_field_and_change_nothing(noted, body, status,
                                                                   field):
    client, headers = noted
    cid = _story_with_suggestions(client, headers, "10.0.9.6", {"content_notes": ["war"]})
    r = _set_notes(client, headers, cid, body)
    assert r.status_code == status
    assert [e["field"] for e in r.get_json()["errors"]] == [field]
    assert client.get(f"/collections/stories/items/{cid}").get_json()["properties"][
        "content_notes"] == ["war"]


def test_the_notes_of_a_story_not_yet_published_are_chosen_at_approval(noted):
    client, headers = noted
    r = post_json(client, story(content_notes=["war"]), addr="10.0.9.7")
    cid = r.get_json()["id"]
    r = _set_notes(client, headers, cid, {"content_notes": ["death"]})
    assert r.status_code == 409
    assert client.get(f"/collections/stories/items/{cid}").status_code == 404
