"""Freshness (issue 11): each place says when its newest published story or activity was
published (`latest_story_at`, null when none) beside its counts, in items, sync and
packs, and keeps it in step with every decision, erasure and edit of the place."""

from __future__ import annotations

import io
import json
import zipfile

from helpers.contributions import PLACE, bearer
from helpers.organisers import add_organiser, submit, token_headers
from helpers.packs import pack_info

from trailapp import moderation


def place_props(client, place_id: str = PLACE) -> dict:
    return client.get(f"/collections/places/items/{place_id}").get_json()["properties"]


def published_at(client, contribution_id: str) -> str:
    r = client.get(f"/collections/stories/items/{contribution_id}")
    return r.get_json()["properties"]["published"]


def test_a_place_without_stories_says_null(geo_client):
    props = place_props(geo_client)
    assert props["latest_story_at"] is None
    assert props["stories"]["count"] == 0


def test_latest_story_at_follows_every_decision_and_erasure(geo_client, store):
    first, second = submit(geo_client), submit(geo_client)
    moderation.approve(store, first["id"])
    one = published_at(geo_client, first["id"])
    assert place_props(geo_client)["latest_story_at"] == one
    moderation.approve(store, second["id"])
    two = published_at(geo_client, second["id"])
    assert two >= one
    props = place_props(geo_client)
    assert (props["latest_story_at"], props["stories"]["count"]) == (two, 2)
    moderation.withdraw(store, second["id"])
    assert place_props(geo_client)["latest_story_at"] == one
    moderation.restore(store, second["id"])
    restored = published_at(geo_client, second["id"])
    assert place_props(geo_client)["latest_story_at"] == max(one, restored)
    r = geo_client.delete(f"/contributions/{second['id']}", headers=bearer(second["token"]))
    assert r.status_code == 204
    assert place_props(geo_client)["latest_story_at"] == one
    moderation.withdraw(store, first["id"])
    props = place_props(geo_client)
    assert (props["latest_story_at"], props["stories"]["count"]) == (None, 0)


def test_latest_story_at_stays_when_the_place_is_edited(geo_client, store):
    story = submit(geo_client)
    moderation.approve(store, story["id"])
    when = published_at(geo_client, story["id"])
    headers = token_headers(store, add_organiser(store, "anna"))
    record = geo_client.get(f"/manage/places/{PLACE}", headers=headers).get_json()
    feature = {"type": "Feature", "id": PLACE, "geometry": {
        "type": "Point", "coordinates": [16.3679, 61.5324]}, "properties": {
        "municipality": "bollnas", "kind": record["kind"], "accuracy": "approximate",
        "name_sv": "Gästgivars", "source": record["attrs"]["source"]}}
    r = geo_client.put(f"/manage/places/{PLACE}", json=feature, headers=headers)
    assert r.status_code == 200, r.get_json()
    props = place_props(geo_client)
    assert (props["name"], props["latest_story_at"]) == ("Gästgivars", when)


def test_sync_and_packs_carry_latest_story_at(geo_client, store):
    story = submit(geo_client)
    moderation.approve(store, story["id"])
    when = published_at(geo_client, story["id"])
    page = geo_client.get("/sync?since=s0&collections=places&limit=1000").get_json()
    upserts = [c for c in page["changes"] if c.get("id") == PLACE and c.get("feature")]
    assert upserts[-1]["feature"]["properties"]["latest_story_at"] == when
    info = pack_info(geo_client, "bollnas", lang="en")
    with zipfile.ZipFile(io.BytesIO(geo_client.get(info["href"]).get_data())) as archive:
        places = json.loads(archive.read("places.en.geojson"))
    by_id = {f["id"]: f["properties"] for f in places["features"]}
    assert by_id[PLACE]["latest_story_at"] == when
    assert by_id["bol-onbacken"]["latest_story_at"] is None
