"""Challenges and the heritage passport (issue 14), over real HTTP: organisers set a
challenge, a 13-year-old answers with a photo (its EXIF and GPS gone), an organiser
approves, the passport shows a stamp; multiple choice is checked at once; the passport
is erased; bad input is a 4xx; another town's organiser gets 404 and changes nothing."""

from __future__ import annotations

import io
import json
import sqlite3
import zipfile

import pytest
import requests
from helpers.challenges import (
    LOBATSE_PLACE,
    PHOTO_TASK,
    PLACE,
    QUIZ,
    TRAIL,
    answer_fields,
    answer_file,
    answer_json,
    create,
    passport,
    passport_key,
)
from helpers.contributions import media_dir
from helpers.exchange import organisers
from helpers.media_files import jpeg_with_gps, wav
from helpers.store import count
from helpers.survey import fix
from PIL import Image


@pytest.fixture
def who(store):
    return organisers(store)


def _approve(url: str, headers: dict, contribution_id: str) -> None:
    r = requests.post(f"{url}/moderation/contributions/{contribution_id}/approve",
                      json={}, headers=headers, timeout=30)
    assert r.status_code == 200, r.text


def test_photo_challenge_journey_gives_a_stamp_and_keeps_no_gps(served, who, geo_app):
    url = served.url
    r = create(url, who["bollnas"], PHOTO_TASK)
    assert r.status_code == 201, r.text
    challenge = r.json()
    public = requests.get(f"{url}/collections/challenges/items?place={PLACE}", timeout=30)
    assert [f["id"] for f in public.json()["features"]] == [challenge["id"]]
    props = public.json()["features"][0]["properties"]
    assert props["challenge_kind"] == "photo" and props["name"] == "Find the gate"

    key = passport_key()
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # it had GPS
    r = answer_file(url, challenge["id"], answer_fields(people_in_media=False),
                    "gate.jpg", original, key)
    assert r.status_code == 201, r.text
    receipt = r.json()
    assert receipt["status"] == "pending" and receipt["kind"] == "answer"
    assert receipt["challenge"]["id"] == challenge["id"]
    stored = [p for p in media_dir(geo_app).rglob("*.jpg")]
    assert stored
    for path in stored:
        with Image.open(path) as img:
            assert len(img.getexif()) == 0 and not img.getexif().get_ifd(0x8825)

    assert passport(url, key).json()["stamps"] == []  # nothing before approval
    _approve(url, who["bollnas"], receipt["id"])
    body = passport(url, key).json()
    assert [s["place"]["id"] for s in body["stamps"]] == [PLACE]
    assert body["stamps"][0]["answers"] == 1 and body["challenges_done"] == 1
    assert "age" not in str(body) and "13-15" not in str(body)
    # An approved answer is not published anywhere.
    for collection in ("stories", "activities"):
        items = requests.get(f"{url}/collections/{collection}/items?place={PLACE}",
                             timeout=30).json()["features"]
        assert receipt["id"] not in {f["id"] for f in items}


def test_multiple_choice_is_checked_at_once_and_the_answer_never_leaves(served, who):
    url = served.url
    challenge = create(url, who["bollnas"], QUIZ).json()
    feature = requests.get(f"{url}/collections/challenges/items/{challenge['id']}",
                           timeout=30).json()
    assert feature["properties"]["options"] == ["1650", "1750", "1850"]
    sync = requests.get(f"{url}/sync?since=s0&limit=1000", timeout=30).text
    assert challenge["id"] in sync and "correct" not in sync
    assert "correct" not in str(feature)

    key = passport_key()
    right = answer_json(url, challenge["id"], answer_fields(choice=1), key)
    assert right.status_code == 201, right.text
    assert right.json()["correct"] is True and right.json()["status"] == "approved"
    wrong = answer_json(url, challenge["id"], answer_fields(choice=2), key)
    assert wrong.json()["correct"] is False and wrong.json()["status"] == "rejected"
    body = passport(url, key).json()
    assert body["stamps"][0]["answers"] == 1  # only the right one counts


def test_passport_erased_removes_every_link(served, who, store):
    url = served.url
    challenge = create(url, who["bollnas"], QUIZ).json()
    key = passport_key()
    answer_json(url, challenge["id"], answer_fields(choice=1), key)
    assert passport(url, key).json()["stamps"]
    r = requests.delete(f"{url}/passport", headers={"Authorization": f"Bearer {key}"},
                        timeout=30)
    assert r.status_code == 204
    assert passport(url, key).json() == {"stamps": [], "badges": [], "challenges_done": 0}
    assert count(store, "passport_links") == 0


def test_erasing_an_answer_by_token_takes_its_passport_link(served, who, store):
    url = served.url
    challenge = create(url, who["bollnas"], QUIZ).json()
    key = passport_key()
    receipt = answer_json(url, challenge["id"], answer_fields(choice=1), key).json()
    r = requests.delete(f"{url}/contributions/{receipt['id']}",
                        headers={"Authorization": f"Bearer {receipt['token']}"}, timeout=30)
    assert r.status_code == 204
    assert count(store, "passport_links") == 0
    assert count(store, "challenge_answers") == 0
    assert passport(url, key).json()["stamps"] == []


def test_trail_badge_and_interview_badge(served, who):
    url = served.url
    along = create(url, who["bollnas"], {**QUIZ, "place": None, "trail": TRAIL}).json()
    key = passport_key()
    r = answer_json(url, along["id"], answer_fields(choice=1), key)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "place"
    r = answer_json(url, along["id"], answer_fields(choice=1, place=PLACE), key)
    assert r.status_code == 201, r.text
    badges = passport(url, key).json()["badges"]
    assert [(b["id"], b["trail"]["id"]) for b in badges] == [("trail", TRAIL)]
    assert badges[0]["trail"]["href"].endswith(f"/collections/trails/items/{TRAIL}")

    interview = create(url, who["bollnas"], {**PHOTO_TASK, "kind": "audio-interview",
                                             "prompt": {"en": "Ask an elder about it."}})
    r = answer_file(url, interview.json()["id"], answer_fields(people_in_media=False),
                    "elder.jpg", jpeg_with_gps(), key)  # a photo is not an interview
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "media"
    r = answer_file(url, interview.json()["id"], answer_fields(), "elder.wav", wav(2.0),
                    key)
    assert r.status_code == 201, r.text
    assert "elder-interview" not in {b["id"] for b in passport(url, key).json()["badges"]}
    _approve(url, who["bollnas"], r.json()["id"])
    assert "elder-interview" in {b["id"] for b in passport(url, key).json()["badges"]}


@pytest.mark.parametrize(("body", "field"), [
    ({**QUIZ, "correct_option": 7}, "correct_option"),
    ({**QUIZ, "options": [{"en": "only one"}]}, "options"),
    ({**PHOTO_TASK, "options": [{"en": "a"}, {"en": "b"}]}, "options"),
    ({**PHOTO_TASK, "trail": TRAIL}, "place"),
    ({**PHOTO_TASK, "title": {"sv": "  "}}, "title"),
    ({**PHOTO_TASK, "place": LOBATSE_PLACE}, "place"),
])
def test_bad_challenges_are_422_naming_the_field(served, who, body, field):
    r = create(served.url, who["bollnas"], body)
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == field


@pytest.mark.parametrize(("fields", "field"), [
    (answer_fields(), "choice"),
    (answer_fields(choice=3), "choice"),
    (answer_fields(choice=1, text="1750"), "text"),
    (answer_fields(choice=1, consent_by="guardian", age_band="xx"), "age_band"),
])
def test_bad_answers_are_4xx_naming_the_field(served, who, fields, field):
    challenge = create(served.url, who["bollnas"], QUIZ).json()
    r = answer_json(served.url, challenge["id"], fields)
    assert 400 <= r.status_code < 500, r.text
    assert field in r.text


def test_bad_passport_keys(served):
    assert requests.get(f"{served.url}/passport", timeout=30).status_code == 401
    r = passport(served.url, "short")
    assert r.status_code == 422 and "X-Passport-Key" in r.text


def test_another_towns_organiser_gets_404_and_changes_nothing(served, who):
    url = served.url
    challenge = create(url, who["bollnas"], PHOTO_TASK).json()
    for method, path in (("get", f"/moderation/challenges/{challenge['id']}"),
                         ("post", f"/moderation/challenges/{challenge['id']}/withdraw")):
        r = requests.request(method, url + path, headers=who["lobatse"], timeout=30)
        assert r.status_code == 404, r.text
    r = create(url, who["lobatse"], PHOTO_TASK)
    assert r.status_code == 403
    after = requests.get(f"{url}/moderation/challenges/{challenge['id']}",
                         headers=who["bollnas"], timeout=30).json()
    assert after == challenge
    assert requests.get(f"{url}/collections/challenges/items/{challenge['id']}",
                        timeout=30).status_code == 200
    # Withdrawn by its own town: off the public side, and it takes no answers.
    r = requests.post(f"{url}/moderation/challenges/{challenge['id']}/withdraw",
                      headers=who["bollnas"], timeout=30)
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    assert requests.get(f"{url}/collections/challenges/items/{challenge['id']}",
                        timeout=30).status_code == 404
    r = answer_json(url, challenge["id"], answer_fields(people_in_media=False))
    assert r.status_code == 404


def test_an_accepted_survey_fix_stamps_the_passport(served, store):
    url, key = served.url, passport_key()
    fields = fix("bol-kolberget", 16.3751, 61.3633)
    r = requests.post(f"{url}/survey/fixes", json=fields,
                      headers={"X-Passport-Key": "bad key"}, timeout=30)
    assert r.status_code == 400 and "X-Passport-Key" in r.text
    assert count(store, "survey_fixes") == 0
    r = requests.post(f"{url}/survey/fixes", json=fields, headers={"X-Passport-Key": key},
                      timeout=30)
    assert r.status_code == 201, r.text
    assert passport(url, key).json()["badges"] == []  # pending: nothing yet
    with store.writer() as writer:
        writer.decide_fixes("bol-kolberget", [r.json()["id"]], "2026-12-01", None)
    body = passport(url, key).json()
    assert [b["id"] for b in body["badges"]] == ["surveyor"]
    assert [(s["place"]["id"], s["survey_fixes"]) for s in body["stamps"]] == [
        ("bol-kolberget", 1)]


def test_the_towns_pack_carries_its_challenges_without_the_right_option(served, who):
    url = served.url
    challenge = create(url, who["bollnas"], QUIZ).json()
    listing = requests.get(f"{url}/packs?lang=en", timeout=30).json()["packs"]
    info = next(p for p in listing if p["id"] == "bollnas")
    archive = zipfile.ZipFile(io.BytesIO(requests.get(info["href"], timeout=60).content))
    text = archive.read("challenges.en.geojson").decode()
    features = json.loads(text)["features"]
    assert [f["id"] for f in features] == [challenge["id"]]
    assert features[0]["properties"]["options"] == ["1650", "1750", "1850"]
    assert "correct" not in text


def test_m012_rebuilds_contributions_for_answers_and_keeps_every_row(tmp_path):
    from sqlite_utils import Database

    from trailapp.store.schema import migrations

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    db = Database(conn)
    migrations.apply(db, stop_before="m012_challenges")
    conn.execute(
        "INSERT INTO contributions (id, kind, place_id, municipality, status, lang, title, "
        "body, pseudonym, age_band, consent_by, consent_notice_version, consent_at, "
        "token_hash, request_hash, text_hash, created, updated, parent_id) VALUES "
        "('c1', 'reply', 'bol-gastgivars', 'bollnas', 'approved', 'sv', 'T', 'B', 'Lo', "
        "'13-15', 'self', 'v', 'now', 'h', 'r', 't', 'now', 'now', 'q1')")
    conn.execute("INSERT INTO media (id, contribution_id, position, kind, media_type, file, "
                 "bytes) VALUES ('m1', 'c1', 0, 'image', 'image/jpeg', 'a.jpg', 10)")
    conn.execute("INSERT INTO reports VALUES ('c1', 'someone', 'other', NULL, 'now')")
    indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = "
                                          "'index' AND tbl_name = 'contributions'")}
    with pytest.raises(sqlite3.IntegrityError):  # no answers before m012
        conn.execute("UPDATE contributions SET kind = 'answer', parent_id = NULL")
    migrations.apply(db)
    migrations.apply(db)  # safe to run again
    assert conn.execute("SELECT id, kind, parent_id, content_notes FROM contributions"
                        ).fetchall() == [("c1", "reply", "q1", "[]")]
    assert conn.execute("SELECT id FROM media").fetchall() == [("m1",)]
    assert conn.execute("SELECT count(*) FROM reports").fetchone()[0] == 1
    assert indexes <= {r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'contributions'")}
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    conn.execute("UPDATE contributions SET kind = 'answer', parent_id = NULL")
    conn.execute("INSERT INTO passport_links VALUES ('h', 'answer', 'c1')")
    conn.execute("DELETE FROM contributions WHERE id = 'c1'")  # keys and triggers still work
    assert conn.execute("SELECT count(*) FROM media").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM passport_links").fetchone()[0] == 0


def test_a_trail_pack_carries_the_trail_s_own_challenges_and_those_of_its_places(
        served, store, who, tmp_path):
    from helpers.app import place, trail, write_geojson

    from trailapp import loader

    loader.load(store, [write_geojson(tmp_path / "t.geojson", [
        trail("test-loop", [[16.30, 61.30], [16.32, 61.31], [16.34, 61.30]]),
        place("test-near", 16.32, 61.305), place("test-far", 16.60, 61.50)])])
    url = served.url
    made = {name: create(url, who["bollnas"], body).json()["id"] for name, body in (
        ("along", {**QUIZ, "place": None, "trail": "test-loop"}),
        ("near", {**QUIZ, "place": "test-near"}),
        ("far", {**QUIZ, "place": "test-far"}),
        ("other-trail", {**QUIZ, "place": None, "trail": TRAIL}))}
    listing = requests.get(f"{url}/packs", timeout=30).json()["packs"]
    info = next(p for p in listing if p["id"] == "trail-test-loop")
    archive = zipfile.ZipFile(io.BytesIO(requests.get(info["href"], timeout=60).content))
    for lang in ("sv", "en", "tn"):
        features = json.loads(archive.read(f"challenges.{lang}.geojson"))["features"]
        assert sorted(f["id"] for f in features) == sorted([made["along"], made["near"]])


def test_a_retried_answer_says_it_was_replayed(served, who):
    # The answer route shares the contributions' receipt: a retry gets 200, the same id
    # and Location, and Idempotent-Replayed (before, that header was missing here).
    challenge = create(served.url, who["bollnas"], QUIZ).json()
    headers = {"Idempotency-Key": "0b7a3c1e-2f4d-4e5a-9b6c-7d8e9f0a1b2c"}
    url = f"{served.url}/challenges/{challenge['id']}/answers"
    first = requests.post(url, json=answer_fields(choice=2), headers=headers, timeout=30)
    again = requests.post(url, json=answer_fields(choice=2), headers=headers, timeout=30)
    assert (first.status_code, again.status_code) == (201, 200), again.text
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Location"] == first.headers["Location"]
    assert again.json()["id"] == first.json()["id"]
