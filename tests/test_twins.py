"""Twin places (issue 13): an organiser of one town proposes, the other town accepts,
either ends; public only once accepted, on both places, in sync and in both packs."""

from __future__ import annotations

import io
import json
import sqlite3
import zipfile

from helpers.app import GEODATA
from helpers.exchange import (
    BOLLNAS_PLACE,
    LOBATSE_PLACE,
    TWIN,
    active_twin,
    organisers,
    propose,
    sync_all,
)
from helpers.packs import pack_info


def twins_on(client, place_id: str) -> list[dict]:
    r = client.get(f"/collections/places/items/{place_id}?lang=sv")
    return r.get_json()["properties"]["twins"]


def twin_rows(store) -> list[tuple]:
    with store.reader() as r:
        return [tuple(row) for row in r.conn.execute("SELECT * FROM twins ORDER BY id")]


def test_a_proposal_is_not_public_until_the_other_town_accepts(geo_client, store):
    who = organisers(store)
    twin = propose(geo_client, who["bollnas"])
    assert twin["status"] == "proposed" and twin["href"] is None
    assert geo_client.get("/collections/twins/items").get_json()["features"] == []
    assert twins_on(geo_client, BOLLNAS_PLACE) == []
    listed = geo_client.get("/moderation/twins", headers=who["lobatse"]).get_json()
    assert [t["id"] for t in listed["items"]] == [twin["id"]]


def test_an_accepted_twin_shows_on_both_places_and_in_the_collection(geo_client, store):
    who = organisers(store)
    twin = active_twin(geo_client, who)
    assert (twin["status"], twin["accepted_by"]) == ("active", "kabo")
    on_bollnas = twins_on(geo_client, BOLLNAS_PLACE)
    assert [(t["id"], t["place"]["id"], t["municipality"]) for t in on_bollnas] == [
        (twin["id"], LOBATSE_PLACE, "lobatse")]
    assert on_bollnas[0]["theme_label"] == "Mötesplatser"
    assert [t["place"]["id"] for t in twins_on(geo_client, LOBATSE_PLACE)] == [BOLLNAS_PLACE]
    feature = geo_client.get(f"/collections/twins/items/{twin['id']}?lang=en").get_json()
    props = feature["properties"]
    assert [p["id"] for p in props["places"]] == [BOLLNAS_PLACE, LOBATSE_PLACE]
    assert props["theme"] == "gathering-places"
    assert props["description"] == TWIN["text"]["en"]
    assert feature["geometry"]["type"] == "MultiPoint"
    assert len(feature["geometry"]["coordinates"]) == 2


def test_the_proposing_town_cannot_accept_its_own_proposal(geo_client, store):
    who = organisers(store)
    twin = propose(geo_client, who["bollnas"])
    before = twin_rows(store)
    r = geo_client.post(f"/moderation/twins/{twin['id']}/accept", headers=who["bollnas"])
    assert (r.status_code, r.get_json()["code"]) == (404, "NotFound")
    assert twin_rows(store) == before


def test_a_moderator_cannot_propose_for_the_other_town(geo_client, store):
    who = organisers(store)
    r = geo_client.post("/moderation/twins", json={**TWIN, "municipality": "lobatse",
                                                   "place": LOBATSE_PLACE,
                                                   "twin_place": BOLLNAS_PLACE},
                        headers=who["bollnas"])
    assert (r.status_code, r.get_json()["code"]) == (403, "Forbidden")
    assert twin_rows(store) == []


def test_a_twin_place_must_lie_in_the_other_town(geo_client, store):
    who = organisers(store)
    r = geo_client.post("/moderation/twins", json={**TWIN, "twin_place": "bol-kyrka"},
                        headers=who["bollnas"])
    assert r.status_code == 422
    assert r.get_json()["errors"][0]["field"] in ("twin_place", "place")
    assert twin_rows(store) == []


def test_either_town_ends_it_and_sync_gets_a_tombstone(geo_client, store):
    who = organisers(store)
    twin = active_twin(geo_client, who)
    _, cursor = sync_all(geo_client, municipality="lobatse", limit=1000)
    r = geo_client.post(f"/moderation/twins/{twin['id']}/end", headers=who["bollnas"])
    assert (r.status_code, r.get_json()["status"]) == (200, "ended")
    page = geo_client.get(f"/sync?since={cursor}&municipality=lobatse").get_json()
    ops = {(c["collection"], c["id"]): c["op"] for c in page["changes"]}
    assert ops[("twins", twin["id"])] == "delete"
    assert ops[("places", LOBATSE_PLACE)] == "upsert"
    assert twins_on(geo_client, LOBATSE_PLACE) == []
    again = geo_client.post(f"/moderation/twins/{twin['id']}/end", headers=who["lobatse"])
    assert again.status_code == 409


def test_every_step_is_audited(geo_client, store):
    who = organisers(store)
    twin = active_twin(geo_client, who)
    geo_client.post(f"/moderation/twins/{twin['id']}/end", headers=who["lobatse"])
    with store.reader() as r:
        steps = [tuple(row) for row in r.conn.execute(
            "SELECT action, organiser, municipality FROM audit WHERE object_type = 'twin' "
            "AND object_id = ? ORDER BY id", [twin["id"]])]
    assert steps == [("propose", "anna", "bollnas"), ("accept", "kabo", "lobatse"),
                     ("end", "kabo", "lobatse")]


def test_each_towns_sync_and_pack_carry_the_twin_and_the_twin_places_summary(geo_client,
                                                                               store):
    who = organisers(store)
    twin = active_twin(geo_client, who)
    for town, other in (("lobatse", BOLLNAS_PLACE), ("bollnas", LOBATSE_PLACE)):
        entries, _ = sync_all(geo_client, municipality=town, limit=1000)
        assert ("twins", twin["id"]) in {(c["collection"], c["id"]) for c in entries}
        info = pack_info(geo_client, town, lang="en")
        archive = zipfile.ZipFile(io.BytesIO(geo_client.get(info["href"]).data))
        twins = json.loads(archive.read("twins.en.geojson"))["features"]
        assert [f["id"] for f in twins] == [twin["id"]]
        summary = json.loads(archive.read("twins/places.en.geojson"))["features"]
        assert [f["id"] for f in summary] == [other]
        assert summary[0]["properties"]["twins"] == [twin["id"]]
        assert summary[0]["properties"]["name"]
        assert len(summary[0]["properties"]["description"]) <= 280


def test_the_rebuild_of_contributions_keeps_media_and_reports(tmp_path):
    from sqlite_utils import Database

    from trailapp.store.schema import migrations

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    db = Database(conn)
    migrations.apply(db, stop_before="m011_exchange")
    conn.execute(
        "INSERT INTO contributions (id, kind, place_id, municipality, status, lang, title, "
        "body, pseudonym, age_band, consent_by, consent_notice_version, consent_at, "
        "token_hash, request_hash, text_hash, created, updated) VALUES ('c1', 'story', "
        "'bol-gastgivars', 'bollnas', 'approved', 'sv', 'T', 'B', 'Lo', '13-15', 'self', "
        "'v', 'now', 'h', 'r', 't', 'now', 'now')")
    conn.execute("INSERT INTO media (id, contribution_id, position, kind, media_type, file, "
                 "bytes) VALUES ('m1', 'c1', 0, 'image', 'image/jpeg', 'a.jpg', 10)")
    conn.execute("INSERT INTO reports VALUES ('c1', 'someone', 'other', NULL, 'now')")
    migrations.apply(db)
    assert conn.execute("SELECT id, parent_id, joint FROM contributions").fetchall() == [
        ("c1", None, 0)]
    assert conn.execute("SELECT id FROM media").fetchall() == [("m1",)]
    assert conn.execute("SELECT count(*) FROM reports").fetchone()[0] == 1
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    conn.execute("DELETE FROM contributions WHERE id = 'c1'")  # the keys still cascade
    assert conn.execute("SELECT count(*) FROM media").fetchone()[0] == 0


def test_the_steering_report_counts_twin_places_of_either_town(geo_client, store):
    who = organisers(store)
    with store.reader() as reader:
        assert reader.twin_counts(["bollnas"], "2000-01-01", "2100-01-01") == {
            "active": 0, "accepted": 0}
    active_twin(geo_client, who)
    with store.reader() as reader:
        for town in ("bollnas", "lobatse"):  # a pair counts for both towns
            assert reader.twin_counts([town], "2000-01-01", "2100-01-01") == {
                "active": 1, "accepted": 1}
        assert reader.twin_counts(["bollnas"], "2000-01-01", "2001-01-01")["accepted"] == 0
    page = geo_client.get("/moderation/report?municipality=bollnas",
                          headers=who["bollnas"]).get_data(as_text=True)
    assert "Twin places paired now" in page  # shown, as "fewer than 5" for one pair


def _summary(client, town: str) -> dict:
    info = pack_info(client, town, lang="en")
    archive = zipfile.ZipFile(io.BytesIO(client.get(info["href"]).data))
    return json.loads(archive.read("twins/places.en.geojson"))["features"][0]["properties"]


def test_a_change_to_one_town_s_place_reaches_the_other_town_s_sync_and_pack(geo_client,
                                                                             store):
    # The Bollnäs pack summarises the Lobatse twin place: when only that place changes
    # (nothing in Bollnäs does), Bollnäs's sync and pack must still move on.
    who = organisers(store)
    twin = active_twin(geo_client, who)
    _, cursor = sync_all(geo_client, municipality="bollnas", limit=1000)
    before = pack_info(geo_client, "bollnas", lang="en")["version"]
    place = next(f for f in json.loads((GEODATA / "lobatse.geojson").read_text())["features"]
                 if f["id"] == LOBATSE_PLACE)
    place["properties"]["description_en"] = "Seen from the twin town: a new description."
    r = geo_client.put(f"/manage/places/{LOBATSE_PLACE}", json=place,
                       headers=who["lobatse"])
    assert r.status_code == 200, r.get_json()
    entries, _ = sync_all(geo_client, since=cursor, municipality="bollnas", limit=1000)
    assert ("twins", twin["id"]) in {(c["collection"], c["id"]) for c in entries}
    assert pack_info(geo_client, "bollnas", lang="en")["version"] > before
    assert _summary(geo_client, "bollnas")["description"] == (
        "Seen from the twin town: a new description.")
    feature = geo_client.get(f"/collections/twins/items/{twin['id']}").get_json()
    lobatse = geo_client.get(f"/collections/places/items/{LOBATSE_PLACE}").get_json()
    assert feature["properties"]["places"][1]["updated"] == lobatse["properties"]["updated"]


def test_a_twinned_place_cannot_be_deleted_until_the_twin_is_ended(geo_client, store):
    who = organisers(store)
    twin = active_twin(geo_client, who)
    r = geo_client.delete(f"/manage/places/{LOBATSE_PLACE}", headers=who["lobatse"])
    assert r.status_code == 409
    assert twin["id"] in r.get_json()["description"]
    assert geo_client.get(f"/collections/places/items/{LOBATSE_PLACE}").status_code == 200
    assert [t["id"] for t in twins_on(geo_client, BOLLNAS_PLACE)] == [twin["id"]]
    ended = geo_client.post(f"/moderation/twins/{twin['id']}/end", headers=who["lobatse"])
    assert ended.status_code == 200
    r = geo_client.delete(f"/manage/places/{LOBATSE_PLACE}", headers=who["lobatse"])
    assert r.status_code == 204
    assert twins_on(geo_client, BOLLNAS_PLACE) == []
