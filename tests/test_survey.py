"""The field survey end to end: tasks, fixes and tracks from young surveyors, the
consensus, the organisers' review and publication, credit, erasure and retention, and
every refusal (each a 4xx naming the field, with nothing written)."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from helpers.media_files import jpeg_with_gps
from helpers.organisers import add_organiser, token_headers
from helpers.packs import pack_info
from helpers.store import count
from helpers.survey import (
    WGS84,
    fix,
    offset,
    post_fix,
    post_track,
    send_fixes,
    send_track,
    track_fields,
)
from helpers.tracks import START, walk
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from trailapp import consensus, erasure

UNKNOWN = "bol-kolberget"       # Bollnäs, location unknown (null geometry)
APPROX = "bol-bollnas-kyrka"    # Bollnäs, arc-minute point 16.4, 61.35, uncertainty 1030 m
EXACT = "bol-gastgivars"
TRUTH = (16.3751, 61.3633)      # a made-up true point for the simulated survey (tests only)
TRAIL = "bol-halsingeleden"
PUBLIC = ["/collections/places/items?limit=1000", "/collections/trails/items",
          "/sync?since=s0", "/survey/tasks"]


def organiser(store, name="anna", municipalities=("bollnas",)):
    return token_headers(store, add_organiser(store, name, municipalities=municipalities))


def public_text(client) -> str:
    return "".join(client.get(u).get_data(as_text=True) for u in PUBLIC)


def sync_entries(client, since="s0") -> tuple[list[dict], str]:
    entries = []
    while True:
        page = client.get(f"/sync?since={since}").get_json()
        entries += page["changes"]
        since = page["next"]
        if not page["more"]:
            return entries, since


# -- the consensus on its own -------------------------------------------------------


def simulated(seed: int, surveyors: int = 5, per: tuple[int, int] = (1, 3),
              outlier_share: float = 0.1) -> tuple[list[consensus.Fix], set[str]]:
    """Fixes around TRUTH as phones give them: the reported accuracy a (4-12 m) and an
    error of about a (RMS 8 m); 10 % of fixes are outliers 50-300 m away."""
    rng = np.random.default_rng(seed)
    fixes, outliers = [], set()
    for s in range(surveyors):
        for k in range(int(rng.integers(per[0], per[1] + 1))):
            a = float(rng.uniform(4, 12))
            if rng.random() < outlier_share:
                dist, bearing = float(rng.uniform(50, 300)), float(rng.uniform(0, 360))
                outliers.add(f"{s}-{k}")
            else:
                dx, dy = rng.normal(0, a / np.sqrt(2), 2)
                dist, bearing = float(np.hypot(dx, dy)), float(np.degrees(np.arctan2(dx, dy)))
            lon, lat = offset(*TRUTH, dist, bearing)
            fixes.append(consensus.Fix(f"{s}-{k}", f"surveyor-{s}", lon, lat, a))
    return fixes, outliers


def error_m(c: consensus.Consensus) -> float:
    return WGS84.inv(*TRUTH, c.lon, c.lat)[2]


def test_five_surveyors_with_gps_noise_and_outliers_agree_within_5_m():
    fixes, outliers = simulated(seed=11)
    assert outliers  # this survey has outliers 50-300 m away
    c = consensus.combine(fixes)
    assert error_m(c) < 5.0
    assert set(c.outliers) == outliers
    assert c.votes == 5 and c.ready


def test_over_200_simulated_surveys_the_centre_is_within_5_m_nine_times_in_ten():
    errors, missed = [], 0
    for seed in range(200):
        fixes, outliers = simulated(seed)
        c = consensus.combine(fixes)
        errors.append(error_m(c))
        # Every outlier is left out whenever most surveyors are not outliers.
        voters_out = {f.voter for f in fixes if f.id in outliers}
        if len(voters_out) < 3:
            missed += len(outliers - set(c.outliers))
    assert np.mean(np.array(errors) < 5.0) >= 0.9
    assert missed == 0


def test_one_surveyor_sending_ten_fixes_counts_once():
    fixes = [consensus.Fix(f"f{i}", "same-phone", *offset(*TRUTH, 2.0, 36.0 * i), 5.0)
             for i in range(10)]
    c = consensus.combine(fixes)
    assert (c.votes, c.fixes, c.counted, c.ready) == (1, 10, 1, False)
    two_more = fixes + [consensus.Fix("a", "b", *offset(*TRUTH, 3.0, 10.0), 6.0),
                        consensus.Fix("c", "d", *offset(*TRUTH, 3.0, 200.0), 6.0)]
    assert consensus.combine(two_more).ready


def test_the_spread_is_geodesic_metres_not_degrees():
    # 20 m east at 61.36 N is 0.000375 degrees of longitude (about 42 m of latitude-degrees).
    east = offset(*TRUTH, 20.0, 90.0)
    c = consensus.combine([consensus.Fix("a", "a", *TRUTH, 5.0),
                           consensus.Fix("b", "b", *east, 5.0)])
    assert c.spread_m == pytest.approx(10.0, abs=0.1)


# -- tasks ----------------------------------------------------------------------------


def test_tasks_list_every_place_and_trail_still_to_survey(geo_client):
    r = geo_client.get("/survey/tasks?lang=en")
    assert r.status_code == 200 and r.mimetype == "application/geo+json"
    body = r.get_json()
    places = [f for f in body["features"] if f["properties"]["task"] == "locate-place"]
    trails = [f for f in body["features"] if f["properties"]["task"] == "record-trail"]
    assert len(places) == 19 + 8  # 19 unknown, 8 approximate (geodata/README.md)
    assert {f["properties"]["trail"]["id"] for f in trails} == {
        "bol-halsingeleden", "lob-freedom-heritage-walk"}
    church = next(f for f in places if f["properties"]["place"]["id"] == APPROX)
    assert church["geometry"]["coordinates"] == [16.4, 61.35]
    assert church["properties"]["uncertainty_m"] == 1030
    assert church["properties"]["fixes"] == {"independent": 0, "agreeing": 0, "needed": 3,
                                             "agree_within_m": 25, "ready_for_review": False}
    kolberget = next(f for f in places if f["properties"]["place"]["id"] == UNKNOWN)
    assert kolberget["geometry"] is None and kolberget["properties"]["name"]
    hl = next(f for f in trails if f["properties"]["trail"]["id"] == TRAIL)
    assert hl["properties"]["stages"][0]["seq"] == 1
    assert hl["properties"]["official_length_m"] == pytest.approx(102_900)


def test_tasks_near_a_point_are_nearest_first_within_their_uncertainty(geo_client):
    body = geo_client.get("/survey/tasks?near=16.40,61.35&radius=500").get_json()
    located = [f for f in body["features"] if f["properties"].get("distance_m") is not None]
    assert located[0]["properties"]["place"]["id"] == APPROX
    assert [f["properties"]["distance_m"] for f in located] == sorted(
        f["properties"]["distance_m"] for f in located)
    assert all(f["properties"]["municipality"] == "bollnas" for f in body["features"])
    assert geo_client.get("/survey/tasks?near=0,0").get_json()["features"] == []


def test_approximate_places_carry_their_uncertainty_in_public_answers(geo_client):
    church = geo_client.get(f"/collections/places/items/{APPROX}").get_json()
    assert church["properties"]["uncertainty_m"] == 1030
    exact = geo_client.get(f"/collections/places/items/{EXACT}").get_json()
    assert "uncertainty_m" not in exact["properties"]


@pytest.mark.parametrize("query", ["near=16.4", "radius=-1&near=16.4,61.35",
                                   "municipality=oslo", "lang=de", "colour=red"])
def test_bad_task_queries_are_400(geo_client, query):
    r = geo_client.get(f"/survey/tasks?{query}")
    assert r.status_code == 400 and r.get_json()["errors"]


# -- fixes ----------------------------------------------------------------------------


def places_and_changes(client) -> tuple[list, list]:
    return (client.get("/collections/places/items?limit=1000").get_json()["features"],
            sync_entries(client)[0])


def test_a_fix_is_pending_private_and_counted_in_the_tasks(geo_client, store):
    unchanged = places_and_changes(geo_client)
    lon, lat = offset(16.4, 61.35, 150.0, 30.0)
    r = post_fix(geo_client, fix(APPROX, lon, lat, note="Vid kyrkporten"))
    assert r.status_code == 201
    receipt = r.get_json()
    assert receipt["status"] == "pending" and receipt["place"]["id"] == APPROX
    assert receipt["received_on"] == datetime.now(UTC).date().isoformat()
    assert r.headers["Location"].endswith(f"/survey/fixes/{receipt['id']}")
    after = public_text(geo_client)
    for value in (f"{lon:.5f}", f"{lat:.5f}", "Vid kyrkporten", receipt["id"], "Kartläsare"):
        assert value not in after
    task = next(f for f in geo_client.get("/survey/tasks").get_json()["features"]
                if f["properties"].get("place", {}).get("id") == APPROX)
    assert task["properties"]["fixes"]["independent"] == 1
    assert places_and_changes(geo_client) == unchanged
    info = pack_info(geo_client, "bollnas")
    archive = zipfile.ZipFile(io.BytesIO(geo_client.get(info["href"]).data))
    packed = b"".join(archive.read(name) for name in archive.namelist())
    assert f"{lon:.5f}".encode() not in packed and b"Vid kyrkporten" not in packed
    assert receipt["id"].encode() not in packed
    mine = geo_client.get(f"/survey/fixes/{receipt['id']}",
                          headers={"Authorization": f"Bearer {receipt['token']}"}).get_json()
    assert (mine["lon"], mine["lat"], mine["status"]) == (round(lon, 7), round(lat, 7),
                                                         "pending")
    assert geo_client.get(f"/survey/fixes/{receipt['id']}").status_code == 401
    assert geo_client.get(f"/survey/fixes/{receipt['id']}",
                          headers={"Authorization": "Bearer wrong"}).status_code == 404
    with store.reader() as r_:
        row = r_.conn.execute("SELECT * FROM survey_fixes").fetchone()
    assert len(row["received_on"]) == 10 and len(row["observed_on"]) == 10  # days only
    assert "T" not in row["received_on"]


def test_fixes_with_one_token_or_one_install_count_as_one_surveyor(geo_client):
    receipts = send_fixes(geo_client, UNKNOWN, TRUTH, surveyors=1, per_surveyor=4)
    assert len({r["token"] for r in receipts}) == 1
    headers = {"X-Install-Id": "install-0123456789abcdef"}
    for bearing in (0, 120):
        r = geo_client.post("/survey/fixes", json=fix(UNKNOWN, *offset(*TRUTH, 3, bearing)),
                            headers=headers)
        assert r.status_code == 201
    task = next(f for f in geo_client.get("/survey/tasks").get_json()["features"]
                if f["properties"].get("place", {}).get("id") == UNKNOWN)
    assert task["properties"]["fixes"]["independent"] == 2


def test_a_retry_with_the_same_key_gets_the_first_answer(geo_client, store):
    key = "6f1c7a0e-3b2d-4c5e-9f80-112233445566"
    fields = fix(UNKNOWN, *TRUTH)
    first = post_fix(geo_client, fields, key=key, addr="10.9.9.9")
    again = post_fix(geo_client, fields, key=key, addr="10.9.9.9")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["id"] == first.get_json()["id"]
    assert again.get_json()["token"] == first.get_json()["token"]
    assert count(store, "survey_fixes") == 1
    other = post_fix(geo_client, {**fields, "accuracy_m": 9.0}, key=key, addr="10.9.9.9")
    assert other.status_code == 422 and other.get_json()["errors"][0]["field"] == \
        "Idempotency-Key"


def test_an_unknown_token_is_refused(geo_client, store):
    r = post_fix(geo_client, fix(UNKNOWN, *TRUTH), token="made-up-token")
    assert r.status_code == 401 and count(store, "survey_fixes") == 0


BAD_FIXES = [
    ({"accuracy_m": -1}, "accuracy_m", 422),
    ({"accuracy_m": 0}, "accuracy_m", 422),
    ({"accuracy_m": 80}, "accuracy_m", 422),
    ({"lon": 25.67, "lat": -25.21}, "lon", 422),          # in Lobatse, place in Bollnäs
    ({"lon": 61.36, "lat": 16.37}, "lon", 422),           # lat and lon swapped
    ({"lon": 200.0}, "lon", 422),
    ({"place": "bol-nowhere"}, "place", 422),
    ({"place": EXACT}, "place", 422),                     # already located
    ({"method": "guess"}, "method", 400),
    ({"observed_on": "2026-12-01T10:15:00Z"}, "observed_on", 400),
    ({"observed_on": (date.today() + timedelta(days=2)).isoformat()}, "observed_on", 422),
    ({"observed_on": "1.12.2026"}, "observed_on", 422),
    ({"consent_notice_version": "1999-01-01"}, "consent_notice_version", 422),
    ({"age_band": "under-13"}, "consent_by", 422),
    ({"pseudonym": "anna@example.com"}, "pseudonym", 422),
    ({"lon": "16.4"}, "lon", 400),                         # a string in JSON
    ({"colour": "red"}, "colour", 400),
]


@pytest.mark.parametrize("change, field, status", BAD_FIXES,
                         ids=[f"{f}-{i}" for i, (_, f, _) in enumerate(BAD_FIXES)])
def test_a_bad_fix_is_refused_naming_the_field_and_nothing_is_written(
        geo_client, store, change, field, status):
    fields = {**fix(APPROX, *offset(16.4, 61.35, 100, 0)), **change}
    r = post_fix(geo_client, fields)
    assert r.status_code == status, r.get_json()
    assert field in {e["field"] for e in r.get_json()["errors"]}
    assert count(store, "survey_fixes") == 0


def test_a_fix_far_from_the_approximate_area_is_refused_with_the_distance(geo_client, store):
    far = offset(16.4, 61.35, 1030 + 500 + 100, 90.0)
    r = post_fix(geo_client, fix(APPROX, *far))
    assert r.status_code == 422
    assert "1630 m" in r.get_json()["description"] and "1530 m" in r.get_json()["description"]
    near_edge = offset(16.4, 61.35, 1030 + 500 - 20, 90.0)
    assert post_fix(geo_client, fix(APPROX, *near_edge)).status_code == 201


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_nan_and_infinite_positions_in_a_form_are_refused(geo_client, store, value):
    fields = {**fix(UNKNOWN, *TRUTH), "lon": value}
    data = {k: str(v) for k, v in fields.items()}
    r = geo_client.post("/survey/fixes", data=data, content_type="multipart/form-data")
    assert r.status_code in (400, 422) and r.get_json()["errors"][0]["field"] == "lon"
    assert count(store, "survey_fixes") == 0


def test_nan_in_json_is_refused(geo_client, store):
    body = json.dumps(fix(UNKNOWN, *TRUTH)).replace('"accuracy_m": 6.0', '"accuracy_m": NaN')
    r = geo_client.post("/survey/fixes", data=body, content_type="application/json")
    assert r.status_code in (400, 422) and count(store, "survey_fixes") == 0


def test_a_fix_photo_loses_its_metadata_and_goes_with_the_fix(app, geo_client, store):
    fields = fix(UNKNOWN, *TRUTH, people_in_media=False)
    r = post_fix(geo_client, fields, photo=jpeg_with_gps())
    assert r.status_code == 201, r.get_json()
    media = app.extensions["trailapp"].contributions.media.root
    files = [p for p in media.rglob("*") if p.is_file()]
    assert len(files) == 2  # the photo and its thumbnail
    for path in files:
        assert b"Exif" not in path.read_bytes()[:4096]
    no_word = post_fix(geo_client, fix(UNKNOWN, *TRUTH), photo=jpeg_with_gps())
    assert no_word.status_code == 422
    assert no_word.get_json()["errors"][0]["field"] == "people_in_media"
    receipt = r.get_json()
    gone = geo_client.delete(f"/survey/fixes/{receipt['id']}",
                             headers={"Authorization": f"Bearer {receipt['token']}"})
    assert gone.status_code == 204
    assert [p for p in media.rglob("*") if p.is_file()] == []
    assert count(store, "survey_fixes") == 0


# -- review and publication of a place -------------------------------------------------


def test_approving_a_place_publishes_it_once_everywhere(geo_client, store):
    headers = organiser(store)
    _, cursor = sync_entries(geo_client)
    version = pack_info(geo_client, "bollnas")["version"]
    assert geo_client.get("/collections/places/items?bbox=16.37,61.36,16.38,61.37") \
        .get_json()["numberMatched"] == 0
    receipts = send_fixes(geo_client, UNKNOWN, TRUTH, surveyors=4, sigma_m=5.0)
    outlier = post_fix(geo_client, fix(UNKNOWN, *offset(*TRUTH, 180.0, 45.0))).get_json()
    review = geo_client.get(f"/moderation/survey/places/{UNKNOWN}", headers=headers).get_json()
    assert review["consensus"]["ready"] and review["consensus"]["votes"] == 5
    assert [f["outlier"] for f in review["fixes"]].count(True) == 1
    assert next(f for f in review["fixes"] if f["outlier"])["id"] == outlier["id"]
    assert geo_client.get(f"/survey/fixes/{receipts[0]['id']}").status_code == 401

    decided = geo_client.post(f"/moderation/survey/places/{UNKNOWN}",
                              json={"action": "approve"}, headers=headers)
    assert decided.status_code == 200, decided.get_json()
    point = decided.get_json()["geometry"]["coordinates"]
    assert WGS84.inv(*TRUTH, *point)[2] < 5.0

    place = geo_client.get(f"/collections/places/items/{UNKNOWN}?lang=en").get_json()
    assert place["geometry"]["coordinates"] == point
    props = place["properties"]
    assert props["accuracy"] == props["location_status"] == "surveyed"
    assert props["survey"]["method"] == "field survey" and props["survey"]["fixes"] == 4
    assert "4 fixes" in props["location_note"] and "surveyed_by" not in props
    found = geo_client.get("/collections/places/items?bbox=16.37,61.36,16.38,61.37").get_json()
    assert [f["id"] for f in found["features"]] == [UNKNOWN]
    near = geo_client.get(f"/collections/places/items?near={TRUTH[0]},{TRUTH[1]}&radius=50")
    assert [f["id"] for f in near.get_json()["features"]] == [UNKNOWN]
    changes, _ = sync_entries(geo_client, cursor)
    assert [(c["op"], c["id"]) for c in changes] == [("upsert", UNKNOWN)]
    info = pack_info(geo_client, "bollnas")
    assert info["version"] > version
    archive = zipfile.ZipFile(io.BytesIO(geo_client.get(info["href"]).data))
    packed = json.loads(archive.read("places.en.geojson"))
    assert next(f for f in packed["features"] if f["id"] == UNKNOWN)["geometry"][
        "coordinates"] == point
    tasks = json.loads(archive.read("survey/tasks.en.geojson"))
    assert UNKNOWN not in {f["properties"].get("place", {}).get("id")
                           for f in tasks["features"]}
    # The fixes are closed; the outlier was not used; none of them is public anywhere.
    with store.reader() as r:
        statuses = dict(r.conn.execute("SELECT id, status FROM survey_fixes").fetchall())
    assert statuses[outlier["id"]] == "rejected"
    assert sorted(set(statuses.values())) == ["accepted", "rejected"]
    text = public_text(geo_client)
    assert not [r["id"] for r in receipts if r["id"] in text]
    audit = geo_client.get(f"/moderation/audit?object_id={UNKNOWN}", headers=headers)
    assert "survey-approve" in audit.get_data(as_text=True)


def test_a_place_is_not_approved_before_the_fixes_agree(geo_client, store):
    headers = organiser(store)
    send_fixes(geo_client, UNKNOWN, TRUTH, surveyors=2)
    r = geo_client.post(f"/moderation/survey/places/{UNKNOWN}", json={"action": "approve"},
                        headers=headers)
    assert r.status_code == 409
    assert geo_client.get(f"/collections/places/items/{UNKNOWN}").get_json()["geometry"] is None


def test_an_organiser_can_set_by_hand_or_reject_with_a_reason(geo_client, store):
    headers = organiser(store)
    send_fixes(geo_client, APPROX, offset(16.4, 61.35, 300, 200), surveyors=1)
    no_reason = geo_client.post(f"/moderation/survey/places/{APPROX}",
                                json={"action": "reject"}, headers=headers)
    assert no_reason.status_code == 422 and no_reason.get_json()["errors"][0]["field"] == \
        "reason"
    rejected = geo_client.post(f"/moderation/survey/places/{APPROX}",
                               json={"action": "reject", "reason": "Fel kyrka"},
                               headers=headers)
    assert rejected.status_code == 200
    church = geo_client.get(f"/collections/places/items/{APPROX}").get_json()
    assert church["properties"]["accuracy"] == "approximate"
    outside = geo_client.post(f"/moderation/survey/places/{APPROX}",
                              json={"action": "set", "lon": 25.67, "lat": -25.21},
                              headers=headers)
    assert outside.status_code == 422
    by_hand = geo_client.post(f"/moderation/survey/places/{APPROX}",
                              json={"action": "set", "lon": 16.3981, "lat": 61.3502},
                              headers=headers)
    assert by_hand.status_code == 200
    church = geo_client.get(f"/collections/places/items/{APPROX}?lang=en").get_json()
    assert church["geometry"]["coordinates"] == [16.3981, 61.3502]
    assert church["properties"]["survey"]["method"] == "set by an organiser"
    assert "uncertainty_m" not in church["properties"]


def test_credit_only_for_those_who_ask_and_it_goes_when_they_erase(geo_client, store):
    headers = organiser(store)
    asked = post_fix(geo_client, fix(UNKNOWN, *TRUTH, credit=True, pseudonym="Stigfinnare"))
    send_fixes(geo_client, UNKNOWN, TRUTH, surveyors=2)
    assert geo_client.post(f"/moderation/survey/places/{UNKNOWN}", json={"action": "approve"},
                           headers=headers).status_code == 200
    props = geo_client.get(f"/collections/places/items/{UNKNOWN}").get_json()["properties"]
    assert props["surveyed_by"] == ["Stigfinnare"]
    assert "Kartläsare" not in json.dumps(props, ensure_ascii=False)
    receipt = asked.get_json()
    assert geo_client.delete(f"/survey/fixes/{receipt['id']}", headers={
        "Authorization": f"Bearer {receipt['token']}"}).status_code == 204
    props = geo_client.get(f"/collections/places/items/{UNKNOWN}").get_json()["properties"]
    assert "surveyed_by" not in props
    assert props["accuracy"] == "surveyed"  # the location stays


def test_fixes_go_a_set_time_after_the_decision(app, geo_client, store):
    headers = organiser(store)
    send_fixes(geo_client, UNKNOWN, TRUTH, surveyors=3)
    pending = post_fix(geo_client, fix(APPROX, 16.4, 61.35))
    assert pending.status_code == 201
    assert geo_client.post(f"/moderation/survey/places/{UNKNOWN}", json={"action": "approve"},
                           headers=headers).status_code == 200
    state = app.extensions["trailapp"]
    soon = erasure.purge_expired(store, state.contributions,
                                 now=datetime.now(UTC) + timedelta(days=29),
                                 survey=state.survey)
    assert soon["survey"] == 0 and count(store, "survey_fixes") == 4
    later = erasure.purge_expired(store, state.contributions,
                                  now=datetime.now(UTC) + timedelta(days=31),
                                  survey=state.survey)
    assert later["survey"] == 3 and count(store, "survey_fixes") == 1  # the undecided one
    a_year = erasure.purge_expired(store, state.contributions,
                                   now=datetime.now(UTC) + timedelta(days=367),
                                   survey=state.survey)
    assert a_year["survey"] == 1 and count(store, "survey_fixes") == 0


# -- tracks ---------------------------------------------------------------------------


def test_a_published_track_has_no_time_and_starts_away_from_home(geo_client, store):
    headers = organiser(store)
    recorded = walk(start=START, spikes=(40, 300))
    r = post_track(geo_client, track_fields(TRAIL, stages="1", credit="true"),
                   recorded.gpx())
    assert r.status_code == 201, r.get_json()
    receipt = r.get_json()
    assert receipt["points_out"] < receipt["points_in"]
    assert 0 < receipt["coverage"] <= 1.0
    lines = geo_client.get(f"/collections/trails/items/{TRAIL}").get_json()
    assert lines["geometry"] is None  # nothing public before the organiser decides

    review = geo_client.get(f"/moderation/survey/trails/{TRAIL}", headers=headers).get_json()
    assert [t["id"] for t in review["tracks"]] == [receipt["id"]]
    published = geo_client.post(f"/moderation/survey/trails/{TRAIL}",
                                json={"tracks": [receipt["id"]]}, headers=headers)
    assert published.status_code == 200, published.get_json()
    assert "official length" in published.get_json()["warning"]  # 3.5 km of a 2.2 km stage
    feature = geo_client.get(f"/collections/trails/items/{TRAIL}").get_json()
    coords = feature["geometry"]["coordinates"]
    assert feature["properties"]["accuracy"] == "surveyed"
    assert feature["properties"]["surveyed_by"] == ["Vandrare 3"]
    # From where the recording started (its first fix, not the nominal start).
    assert WGS84.inv(recorded.lon[0], recorded.lat[0], *coords[0][:2])[2] >= 200.0
    assert WGS84.inv(recorded.lon[-1], recorded.lat[-1], *coords[-1][:2])[2] >= 200.0
    text = json.dumps(feature)
    assert "2024-05-18" not in text  # the walk's day
    # and its hour (09): a "T09:" may only be the server's own time of publishing (a
    # date that is not the walk's), or this test failed whenever it ran at 09:xx UTC
    assert text.count("T09:") == sum(
        1 for m in re.finditer(r"(\d{4}-\d{2}-\d{2})T09:", text) if m.group(1) != "2024-05-18")
    assert {len(c) for c in coords} == {3}  # lon, lat, elevation: no time
    assert not [k for k in feature["properties"] if "time" in k.lower()
                and k not in ("walking_time_min", "walking_time_basis",
                              "walking_time_length_source")]
    gpx = geo_client.get(f"/collections/trails/items/{TRAIL}?f=gpx")
    assert gpx.status_code == 200 and b"<time>" not in gpx.data
    along = geo_client.get(f"/collections/places/items?trail={TRAIL}&within=5000")
    assert along.status_code == 200


BAD_TRACKS = {
    "xxe": (b'<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b'<gpx version="1.1" creator="t"><trk><trkseg><trkpt lat="61.35" lon="16.38">'
            b"<name>&x;</name></trkpt></trkseg></trk></gpx>", 400),
    "billion-laughs": (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                       b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
                       b'<gpx version="1.1" creator="t"><trk><name>&lol2;</name></trk></gpx>',
                       400),
    "not-a-track": (b"hello, this is not a track", 400),
}


@pytest.mark.parametrize("name", BAD_TRACKS)
def test_a_hostile_track_file_is_refused_and_nothing_written(geo_client, store, name):
    data, status = BAD_TRACKS[name]
    r = post_track(geo_client, track_fields(TRAIL), data)
    assert r.status_code == status, r.get_json()
    assert r.get_json()["errors"][0]["field"] == "track"
    assert count(store, "survey_tracks") == 0


def test_a_million_point_track_is_refused_by_the_cap(geo_client, store):
    point = b'<trkpt lat="61.35" lon="16.38"/>'
    data = (b'<?xml version="1.0"?><gpx version="1.1" creator="t"><trk><trkseg>'
            + point * 1_000_000 + b"</trkseg></trk></gpx>")
    # Encoded here (in memory): the request is refused before its body is read.
    boundary, body = encode_multipart({**track_fields(TRAIL),
                                       "track": FileStorage(io.BytesIO(data), "huge.gpx")})
    r = geo_client.post("/survey/tracks", data=body,
                        content_type=f"multipart/form-data; boundary={boundary}")
    assert r.status_code == 413 and r.get_json()["errors"][0]["field"] == "track"
    assert count(store, "survey_tracks") == 0


def test_a_track_elsewhere_or_too_short_is_refused(geo_client, store):
    in_lobatse = post_track(geo_client, track_fields(TRAIL), walk(start=(25.66, -25.22)).gpx())
    assert in_lobatse.status_code == 422
    short = walk(legs=((90.0, 150.0),)).gpx()
    r = post_track(geo_client, track_fields(TRAIL), short)
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "track"
    unknown_stage = post_track(geo_client, track_fields(TRAIL, stages="99"), walk().gpx())
    assert unknown_stage.status_code == 422
    assert unknown_stage.get_json()["errors"][0]["field"] == "stages"
    assert count(store, "survey_tracks") == 0


def test_a_geojson_track_in_json_and_its_erasure(geo_client, store):
    recorded = walk()
    line = {"type": "LineString", "coordinates": [
        [lon, lat] for lon, lat in zip(recorded.lon, recorded.lat, strict=True)]}
    r = geo_client.post("/survey/tracks", json={**track_fields(TRAIL), "geometry": line})
    assert r.status_code == 201, r.get_json()
    receipt = r.get_json()
    assert geo_client.delete(f"/survey/tracks/{receipt['id']}", headers={
        "Authorization": f"Bearer {receipt['token']}"}).status_code == 204
    assert count(store, "survey_tracks") == 0


# -- organisers' scope and the open-data export ------------------------------------------


def test_another_municipality_sees_nothing_of_a_survey(geo_client, store):
    kabo = organiser(store, "kabo", ("lobatse",))
    send_fixes(geo_client, UNKNOWN, TRUTH, surveyors=3)
    track = send_track(geo_client, TRAIL, START)
    assert geo_client.get(f"/moderation/survey/places/{UNKNOWN}",
                          headers=kabo).status_code == 404
    assert geo_client.get(f"/moderation/survey/trails/{TRAIL}", headers=kabo).status_code == 404
    assert geo_client.post(f"/moderation/survey/tracks/{track['id']}/reject",
                           json={"reason": "x"}, headers=kabo).status_code == 404
    overview = geo_client.get("/moderation/survey", headers=kabo).get_json()
    assert {p["municipality"] for p in overview["places"]} == {"lobatse"}
    assert geo_client.get("/moderation/survey?municipality=bollnas",
                          headers=kabo).status_code == 403


def test_the_osm_export_has_surveyed_positions_and_no_personal_data(geo_client, store):
    headers = organiser(store)
    send_fixes(geo_client, UNKNOWN, TRUTH, surveyors=3)
    post_fix(geo_client, fix(UNKNOWN, *TRUTH, credit=True, pseudonym="Stigfinnare"))
    geo_client.post(f"/moderation/survey/places/{UNKNOWN}", json={"action": "approve"},
                    headers=headers)
    r = geo_client.get("/moderation/survey/export.geojson", headers=headers)
    assert r.status_code == 200 and r.mimetype == "application/geo+json"
    body = r.get_json()
    assert [f["properties"]["trailapp_id"] for f in body["features"]] == [UNKNOWN]
    tags = body["features"][0]["properties"]["proposed_osm_tags"]
    assert tags["name"] == "Kölbergets naturreservat" and tags["tourism"] == "viewpoint"
    assert tags["source"] == "survey" and body["licence"] == "CC0-1.0"
    text = r.get_data(as_text=True)
    for personal in ("Stigfinnare", "Kartläsare", "pseudonym", "token", "age_band"):
        assert personal not in text


def test_the_steering_report_shows_how_far_the_survey_has_come(geo_client, store):
    headers = organiser(store)
    send_fixes(geo_client, UNKNOWN, TRUTH, surveyors=3)
    assert geo_client.post(f"/moderation/survey/places/{UNKNOWN}", json={"action": "approve"},
                           headers=headers).status_code == 200
    page = geo_client.get("/moderation/report?municipality=bollnas&lang=en",
                          headers=headers).get_data(as_text=True)
    figures = dict(re.findall(r"<dt>([^<]+)</dt><dd class=\"count\">([^<]+)</dd>", page))
    # Bollnäs: 8 approximate and 7 unknown places, one now located; counts under 5 are
    # shown as "fewer than 5" like every count in the report.
    assert figures["Places located by young surveyors"] == "fewer than 5"
    assert figures["Places still to locate"] == str(8 + 7 - 1)
    assert figures["Trail kilometres recorded by walking"] == "0.0 km"
    assert figures["Fixes and tracks waiting for review"] == "fewer than 5"


@pytest.mark.sqlite_only  # flask backup/restore of SQLite files
def test_restoring_a_backup_does_not_bring_back_an_erased_fix(geo_app, geo_client, store,
                                                              tmp_path):
    from helpers.app import settings_in

    from trailapp import create_app

    receipt = post_fix(geo_client, fix(UNKNOWN, *TRUTH)).get_json()
    store.backup(tmp_path / "before.sqlite3")
    assert geo_client.delete(f"/survey/fixes/{receipt['id']}", headers={
        "Authorization": f"Bearer {receipt['token']}"}).status_code == 204
    log = geo_app.extensions["trailapp"].contributions.erasure_log
    restored = create_app(settings_in(tmp_path / "restored",
                                      DATABASE=str(tmp_path / "before.sqlite3"),
                                      ERASURE_LOG=log))
    rstore = restored.extensions["trailapp"].store
    assert count(rstore, "survey_fixes") == 1  # the backup still held it
    result = restored.test_cli_runner().invoke(args=["reapply-erasures"])
    assert "Erased again 1 " in result.output
    assert count(rstore, "survey_fixes") == 0
    rstore.close()
