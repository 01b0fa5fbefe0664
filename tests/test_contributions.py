"""Young people's contributions through the HTTP API, with real files and a real
SQLite file: privacy, safety, retries and erasure."""

from __future__ import annotations

import io
import json
import os
import uuid
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

import pytest
from helpers.contributions import (
    LOBATSE_PLACE,
    PLACE,
    bearer,
    media_dir,
    post_files,
    post_json,
    public_text,
    stored_files,
    story,
)
from helpers.media_files import HTML_AS_JPG, decompression_bomb_png, jpeg_with_gps, png, wav
from helpers.store import count
from PIL import Image

from trailapp import moderation, privacy

# -- the basic round trip ------------------------------------------------------------


def test_submission_is_pending_with_a_token_and_location(geo_client, store):
    r = post_json(geo_client, story())
    assert r.status_code == 201
    body = r.get_json()
    assert body["status"] == "pending"
    assert len(body["token"]) >= 43  # 256 bits, base64url
    assert r.headers["Location"].endswith(f"/contributions/{body['id']}")
    assert r.headers["Cache-Control"] == "no-store"
    with store.reader() as reader:
        row = reader.contribution(body["id"])
    assert row["token_hash"] != body["token"] and body["token"] not in json.dumps(row)
    assert row["municipality"] == "bollnas" and row["place_id"] == PLACE


def test_the_token_shows_the_status_and_nothing_without_it(geo_client):
    body = post_json(geo_client, story()).get_json()
    mine = geo_client.get(f"/contributions/{body['id']}", headers=bearer(body["token"]))
    assert mine.status_code == 200 and mine.get_json()["status"] == "pending"
    assert geo_client.get(f"/contributions/{body['id']}").status_code == 401
    wrong = geo_client.get(f"/contributions/{body['id']}", headers=bearer("x" * 43))
    assert wrong.status_code == 404


def test_a_rejection_reason_reaches_the_contributor(geo_client, store):
    body = post_json(geo_client, story()).get_json()
    moderation.reject(store, body["id"], "Texten nämner ett riktigt namn.")
    seen = geo_client.get(f"/contributions/{body['id']}", headers=bearer(body["token"]))
    assert seen.get_json()["status"] == "rejected"
    assert seen.get_json()["rejection_reason"] == "Texten nämner ett riktigt namn."


# -- nothing public before approval ----------------------------------------------------


def test_pending_and_rejected_never_appear_in_public_responses(geo_client, store):
    pending = post_json(geo_client, story(title="Hemlig väntande")).get_json()
    rejected = post_json(geo_client, story(title="Hemlig avvisad")).get_json()
    moderation.reject(store, rejected["id"], "nej")
    text = public_text(geo_client)
    assert "Hemlig" not in text
    assert pending["id"] not in text and rejected["id"] not in text
    place = geo_client.get(f"/collections/places/items/{PLACE}").get_json(force=True)
    assert place["properties"]["stories"]["count"] == 0


def test_approval_publishes_at_the_place_with_counts_and_links(geo_client, store):
    body = post_json(geo_client, story(title="Synlig berättelse")).get_json()
    moderation.approve(store, body["id"])
    items = geo_client.get(f"/collections/stories/items?place={PLACE}").get_json(force=True)
    assert [f["id"] for f in items["features"]] == [body["id"]]
    feature = items["features"][0]
    place = geo_client.get(f"/collections/places/items/{PLACE}").get_json(force=True)
    assert feature["geometry"] == place["geometry"]
    assert feature["properties"]["place"]["id"] == PLACE
    assert feature["properties"]["name"] == "Synlig berättelse"
    assert feature["properties"]["pseudonym"] == "Modig Lo 42"
    assert "age_band" not in feature["properties"] and "consent_by" not in feature["properties"]
    assert place["properties"]["stories"] == {
        "count": 1, "href": f"http://localhost/collections/stories/items?place={PLACE}"}


def test_media_of_a_pending_contribution_is_private(app, geo_client):
    body = post_files(geo_client, story(people_in_media=False),
                      [("a.jpg", jpeg_with_gps())]).get_json()
    media = geo_client.get(f"/contributions/{body['id']}",
                           headers=bearer(body["token"])).get_json()["media"]
    assert geo_client.get(media[0]["href"]).status_code == 404
    own = geo_client.get(media[0]["href"], headers=bearer(body["token"]))
    assert own.status_code == 200 and own.headers["Cache-Control"] == "no-store"


def test_no_media_header_tells_when_the_file_was_sent(app, geo_client, store):
    """Issue 10, finding 5: Last-Modified and the ETag (the file's time to the
    microsecond) of /media/... told when a young person sent the photo."""
    body = post_files(geo_client, story(people_in_media=False),
                      [("a.jpg", jpeg_with_gps())]).get_json()
    href = geo_client.get(f"/contributions/{body['id']}",
                          headers=bearer(body["token"])).get_json()["media"][0]["href"]
    path = Path(app.config["MEDIA_DIR"]) / href.removeprefix("http://localhost/media/")
    sent = path.stat().st_mtime
    odd = datetime(2019, 3, 17, 5, 43, 21, 123456, tzinfo=UTC).timestamp()
    first_etag = geo_client.get(href, headers=bearer(body["token"])).headers["ETag"]
    os.utime(path, (odd, odd))
    traces = {repr(t)[:12] for t in (sent, odd)} | {str(int(t)) for t in (sent, odd)} | {
        format_datetime(datetime.fromtimestamp(int(t), UTC), usegmt=True)
        for t in (sent, odd)}
    own = geo_client.get(href, headers=bearer(body["token"]))
    moderation.approve(store, body["id"])
    public = geo_client.get(href)
    for response in (own, public):
        assert response.status_code == 200 and response.data == path.read_bytes()
        # Date is the time of this answer (here within a second of the upload).
        headers = " ".join(f"{k}: {v}" for k, v in response.headers.items() if k != "Date")
        assert not [t for t in traces if t in headers], headers
        assert "Last-Modified" not in response.headers
        assert response.headers["ETag"] == first_etag  # from the content, not the file time
    assert geo_client.get(href, headers={"If-None-Match": first_etag}).status_code == 304
    part = geo_client.get(href, headers={"Range": "bytes=10-99", "If-Range": first_etag})
    assert part.status_code == 206 and part.data == path.read_bytes()[10:100]
    assert part.headers["Content-Range"] == f"bytes 10-99/{path.stat().st_size}"


# -- photos lose their metadata ------------------------------------------------------


def test_jpeg_with_gps_exif_comes_back_without_gps_or_exif(app, geo_client, store):
    original = jpeg_with_gps(640, 480, orientation=6)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # it had GPS
    body = post_files(geo_client, story(people_in_media=False),
                      [("IMG_0001.JPG", original)]).get_json()
    moderation.approve(store, body["id"])
    feature = geo_client.get(f"/collections/stories/items/{body['id']}").get_json(force=True)
    href = feature["properties"]["media"][0]["href"]
    r = geo_client.get(href)
    assert r.status_code == 200
    assert r.mimetype == "image/jpeg"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Content-Disposition"].startswith("inline; filename=")
    img = Image.open(io.BytesIO(r.data))
    assert len(img.getexif()) == 0
    assert not img.getexif().get_ifd(0x8825)
    assert "icc_profile" not in img.info and "comment" not in img.info
    assert b"TestCam" not in r.data and b"Lisa" not in r.data and b"private" not in r.data
    assert img.size == (480, 640)  # turned upright by the EXIF orientation


def test_a_thumbnail_is_made_and_stays_small(geo_client, store):
    body = post_files(geo_client, story(people_in_media=False),
                      [("big.jpg", jpeg_with_gps(3000, 2000, orientation=1))]).get_json()
    moderation.approve(store, body["id"])
    media = geo_client.get(f"/collections/stories/items/{body['id']}").get_json(
        force=True)["properties"]["media"][0]
    full = Image.open(io.BytesIO(geo_client.get(media["href"]).data))
    thumb = Image.open(io.BytesIO(geo_client.get(media["thumbnail"]).data))
    assert max(full.size) == 2048 and max(thumb.size) == 400
    assert (media["width"], media["height"]) == full.size


def test_a_decompression_bomb_is_refused_and_leaves_nothing(app, geo_client, store):
    r = post_files(geo_client, story(people_in_media=False),
                   [("bomb.png", decompression_bomb_png())])
    assert r.status_code == 413
    assert r.get_json()["errors"][0]["field"] == "media"
    assert count(store, "contributions") == 0 and stored_files(app) == []


def test_html_named_jpg_is_refused_by_its_content(app, geo_client, store):
    r = post_files(geo_client, story(people_in_media=False), [("photo.jpg", HTML_AS_JPG)])
    assert r.status_code == 415
    assert "judged by content" in r.get_json()["description"]
    assert count(store, "contributions") == 0 and stored_files(app) == []


def test_a_path_traversal_file_name_is_harmless(app, geo_client, tmp_path):
    r = post_files(geo_client, story(people_in_media=False),
                   [("../../../../etc/passwd.jpg", jpeg_with_gps())])
    assert r.status_code == 201
    files = stored_files(app)
    assert len(files) == 2  # the image and its thumbnail, under server-made names
    for path in files:
        assert media_dir(app) in path.parents
        assert "passwd" not in path.name and ".." not in str(path.relative_to(media_dir(app)))


def test_photos_need_a_word_on_the_people_in_them(app, geo_client, store):
    r = post_files(geo_client, story(), [("a.jpg", jpeg_with_gps())])
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "people_in_media"
    r = post_files(geo_client, story(people_in_media=True), [("a.jpg", jpeg_with_gps())])
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "people_consented"
    assert count(store, "contributions") == 0 and stored_files(app) == []
    r = post_files(geo_client, story(people_in_media=True, people_consented=True),
                   [("a.jpg", jpeg_with_gps())])
    assert r.status_code == 201


def test_png_with_transparency_is_flattened_to_jpeg(geo_client):
    r = post_files(geo_client, story(people_in_media=False), [("t.png", png())])
    assert r.status_code == 201


# -- audio -------------------------------------------------------------------------


def test_wav_loses_its_info_chunk_and_keeps_its_sound(app, geo_client):
    original = wav(1.0)
    assert b"Lisa" in original
    body = post_files(geo_client, story(), [("voice.wav", original)]).get_json()
    media = geo_client.get(f"/contributions/{body['id']}",
                           headers=bearer(body["token"])).get_json()["media"][0]
    data = geo_client.get(media["href"], headers=bearer(body["token"])).data
    assert b"Lisa" not in data and b"LIST" not in data
    import av
    with av.open(io.BytesIO(data)) as c:  # stored as AAC in M4A, one second long
        assert c.format.name.startswith("mov,mp4") and c.streams.audio[0].codec.name == "aac"
        assert sum(f.samples for f in c.decode(audio=0)) == pytest.approx(44100, abs=2048)


def test_too_long_audio_is_refused(app, geo_client, store):
    r = post_files(geo_client, story(), [("long.wav", wav(181.0, rate=800, info=None))])
    assert r.status_code == 413
    assert "seconds" in r.get_json()["description"]
    assert count(store, "contributions") == 0 and stored_files(app) == []


# -- retries, erasure ---------------------------------------------------------------


def test_a_retried_submission_returns_the_same_id_and_token(geo_client, store):
    key = str(uuid.uuid4())
    first = post_json(geo_client, story(), key=key)
    again = post_json(geo_client, story(), key=key)
    assert first.status_code == 201 and again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["id"] == first.get_json()["id"]
    assert again.get_json()["token"] == first.get_json()["token"]
    assert count(store, "contributions") == 1


def test_a_retry_with_files_stores_them_once(app, geo_client, store):
    key = str(uuid.uuid4())
    files = [("a.jpg", jpeg_with_gps())]
    first = post_files(geo_client, story(people_in_media=False), files, key=key)
    again = post_files(geo_client, story(people_in_media=False), files, key=key)
    assert again.get_json()["id"] == first.get_json()["id"]
    assert count(store, "media") == 1 and len(stored_files(app)) == 2


def test_client_id_works_like_the_idempotency_key(geo_client, store):
    cid = str(uuid.uuid4())
    a = post_json(geo_client, story(client_id=cid)).get_json()
    b = post_json(geo_client, story(client_id=cid)).get_json()
    assert a["id"] == b["id"] and count(store, "contributions") == 1


def test_reusing_a_key_for_different_content_is_refused(geo_client, store):
    key = str(uuid.uuid4())
    post_json(geo_client, story(), key=key)
    r = post_json(geo_client, story(title="Något annat"), key=key)
    assert r.status_code == 422
    assert r.get_json()["errors"][0]["field"] == "Idempotency-Key"
    assert count(store, "contributions") == 1


def test_delete_with_the_token_erases_row_and_files(app, geo_client, store):
    body = post_files(geo_client, story(people_in_media=False),
                      [("a.jpg", jpeg_with_gps()), ("v.wav", wav())]).get_json()
    moderation.approve(store, body["id"])
    assert len(stored_files(app)) == 3
    r = geo_client.delete(f"/contributions/{body['id']}", headers=bearer(body["token"]))
    assert r.status_code == 204
    assert stored_files(app) == []
    assert count(store, "contributions") == 0 and count(store, "media") == 0
    assert geo_client.get(f"/contributions/{body['id']}",
                          headers=bearer(body["token"])).status_code == 404
    assert geo_client.get(f"/collections/stories/items/{body['id']}").status_code == 404
    place = geo_client.get(f"/collections/places/items/{PLACE}").get_json(force=True)
    assert place["properties"]["stories"]["count"] == 0


def test_delete_needs_the_right_token(geo_client, store):
    body = post_json(geo_client, story()).get_json()
    assert geo_client.delete(f"/contributions/{body['id']}").status_code == 401
    assert geo_client.delete(f"/contributions/{body['id']}",
                             headers=bearer("wrong")).status_code == 404
    assert count(store, "contributions") == 1


# -- consent and the rules ------------------------------------------------------------


def test_under_13_in_bollnas_without_guardian_consent_is_refused(geo_client, store):
    r = post_json(geo_client, story(age_band="under-13", consent_by="self"))
    assert r.status_code == 422
    error = r.get_json()["errors"][0]
    assert error["field"] == "consent_by"
    assert "parent or guardian" in error["message"] and "13" in error["message"]
    assert count(store, "contributions") == 0
    assert post_json(geo_client, story(age_band="under-13", consent_by="guardian")
                     ).status_code == 201


def test_lobatse_asks_a_guardian_for_13_to_15(geo_client):
    r = post_json(geo_client, story(place=LOBATSE_PLACE, age_band="13-15", lang="en"))
    assert r.status_code == 422 and "16" in r.get_json()["errors"][0]["message"]
    assert post_json(geo_client, story(place=LOBATSE_PLACE, age_band="16-17", lang="en")
                     ).status_code == 201


def test_consent_must_name_the_current_notice(geo_client):
    r = post_json(geo_client, story(consent_notice_version="2020-01-01"))
    assert r.status_code == 422
    assert r.get_json()["errors"][0]["field"] == "consent_notice_version"


@pytest.mark.parametrize("field, value", [("status", "approved"), ("municipality", "lobatse"),
                                          ("flags", "[]"), ("token_hash", "x"),
                                          ("email", "a@b.se")])
def test_server_fields_and_unknown_fields_are_refused(geo_client, store, field, value):
    r = post_json(geo_client, story(**{field: value}))
    assert r.status_code == 400
    assert r.get_json()["errors"][0]["field"] == field
    assert count(store, "contributions") == 0


@pytest.mark.parametrize("field, value", [
    ("kind", "poem"), ("lang", "de"), ("age_band", "12"), ("consent_by", "teacher"),
    ("title", ""), ("title", 5), ("capacity", 0), ("point", "north"), ("place", "../etc"),
    ("people_in_media", "maybe"),
])
def test_each_malformed_field_is_named(geo_client, field, value):
    r = post_json(geo_client, story(**{field: value}))
    assert r.status_code == 400
    assert [e["field"] for e in r.get_json()["errors"]] == [field]


def test_html_in_text_is_dropped_and_plain_text_kept(geo_client, store):
    body = post_json(geo_client, story(title="<b>Fin</b> gård <3",
                                       body="<script>alert(1)</script>Hej & hå")).get_json()
    with store.reader() as r:
        row = r.contribution(body["id"])
    assert row["title"] == "Fin gård <3"
    assert row["body"] == "Hej & hå"


def test_text_is_stored_as_nfc(geo_client, store):
    decomposed = "Ga\u0308stgivars"  # ä as a + combining diaeresis
    body = post_json(geo_client, story(title=decomposed)).get_json()
    with store.reader() as r:
        assert r.contribution(body["id"])["title"] == "Gästgivars"


@pytest.mark.parametrize("name", ["Ali\u202ece", "Lo\u200bva", "a@b.se", "070-123 45 67", "x"])
def test_bad_pseudonyms_are_refused(geo_client, name):
    r = post_json(geo_client, story(pseudonym=name))
    assert r.status_code == 422
    assert r.get_json()["errors"][0]["field"] == "pseudonym"


def test_a_point_is_tied_to_the_nearest_place_and_not_kept(geo_client, store):
    body = post_json(geo_client, story(place=None, point="16.3685,61.5325")).get_json()
    with store.reader() as r:
        row = r.contribution(body["id"])
    assert row["place_id"] == PLACE
    assert "16.3685" not in json.dumps(row)


def test_a_point_far_from_every_place_is_refused(geo_client):
    r = post_json(geo_client, story(place=None, point="16.0,61.0"))
    assert r.status_code == 422
    assert r.get_json()["errors"][0]["field"] == "point"


def test_an_unknown_place_is_refused(geo_client):
    r = post_json(geo_client, story(place="bol-no-such-place"))
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "place"


def test_json_and_content_type_faults(geo_client):
    r = geo_client.post("/contributions", data="{not json", content_type="application/json")
    assert r.status_code == 400 and r.get_json()["errors"][0]["field"] == "body"
    r = geo_client.post("/contributions", data="kind=story", content_type="text/plain")
    assert r.status_code == 415


# -- flags, rate limit, reports -------------------------------------------------------


def flags_of(store, contribution_id: str) -> set[str]:
    with store.reader() as r:
        return {f["code"] for f in json.loads(r.contribution(contribution_id)["flags"])}


def test_personal_data_and_links_are_flagged_not_refused(geo_client, store):
    body = post_json(geo_client, story(
        body="Ring mig på 070-123 45 67 eller mejla lisa@example.se, se www.example.se")
    ).get_json()
    assert flags_of(store, body["id"]) >= {"phone", "email", "link"}


def test_profanity_lists_apply_only_to_their_own_language(geo_client, store):
    swedish = post_json(geo_client, story(lang="sv", body="Det är slut nu, vilken fart!"))
    english = post_json(geo_client, story(lang="en", body="That was a slut move."),
                        addr="10.0.0.2")
    assert "profanity" not in flags_of(store, swedish.get_json()["id"])
    assert "profanity" in flags_of(store, english.get_json()["id"])


def test_repeated_text_is_flagged(geo_client, store):
    post_json(geo_client, story())
    again = post_json(geo_client, story(), addr="10.0.0.9").get_json()
    assert "repeated" in flags_of(store, again["id"])


def test_the_eleventh_submission_in_ten_minutes_gets_429(geo_client, store):
    for i in range(10):
        assert post_json(geo_client, story(title=f"Nummer {i}")).status_code == 201
    r = post_json(geo_client, story(title="Nummer 10"))
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) > 0
    assert count(store, "contributions") == 10
    assert post_json(geo_client, story(title="Annan klient"), addr="10.0.0.77"
                     ).status_code == 201


def test_three_distinct_reports_hide_a_published_story(geo_client, store):
    body = post_json(geo_client, story(title="Rapporterad")).get_json()
    moderation.approve(store, body["id"])
    url = f"/contributions/{body['id']}/reports"
    for addr in ("10.1.0.1", "10.1.0.1", "10.1.0.2"):
        geo_client.post(url, json={"reason": "bullying"}, environ_base={"REMOTE_ADDR": addr})
    assert "Rapporterad" in public_text(geo_client)  # two distinct so far
    r = geo_client.post(url, json={"reason": "personal-data"},
                        environ_base={"REMOTE_ADDR": "10.1.0.3"})
    assert r.status_code == 201 and r.get_json()["hidden"] is True
    assert "Rapporterad" not in public_text(geo_client)
    moderation.restore(store, body["id"])
    assert "Rapporterad" in public_text(geo_client)


def test_only_published_contributions_can_be_reported(geo_client):
    body = post_json(geo_client, story()).get_json()
    r = geo_client.post(f"/contributions/{body['id']}/reports", json={"reason": "other"})
    assert r.status_code == 404


# -- activities ---------------------------------------------------------------------


def activity(**overrides) -> dict:
    return story(kind="activity", title="Kvällsvandring", body="Vi går runt gården.",
                 starts_at="2027-06-10T16:00:00Z", ends_at="2027-06-10T18:00:00Z",
                 meeting_point="Vid grinden", capacity=20, **overrides)


def test_activity_times_are_kept_in_the_municipality_time_zone(geo_client, store):
    body = post_json(geo_client, activity()).get_json()
    with store.reader() as r:
        row = r.contribution(body["id"])
    assert row["starts_at"] == "2027-06-10T18:00:00+02:00"  # Swedish summer time
    assert row["time_zone"] == "Europe/Stockholm"


def test_activities_are_found_by_when_they_happen(geo_client, store):
    body = post_json(geo_client, activity()).get_json()
    moderation.approve(store, body["id"])
    during = geo_client.get("/collections/activities/items?datetime=2027-06-10T17:00:00Z")
    before = geo_client.get("/collections/activities/items?datetime=2027-06-10T15:00:00Z")
    assert [f["id"] for f in during.get_json(force=True)["features"]] == [body["id"]]
    assert before.get_json(force=True)["features"] == []
    props = during.get_json(force=True)["features"][0]["properties"]
    assert props["starts_at"] == "2027-06-10T18:00:00+02:00" and props["capacity"] == 20


def test_an_activity_must_end_after_it_starts(geo_client):
    r = post_json(geo_client, story(kind="activity", starts_at="2027-06-10T18:00:00Z",
                                    ends_at="2027-06-10T16:00:00Z"))
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "ends_at"


def test_a_story_cannot_carry_activity_fields(geo_client):
    r = post_json(geo_client, story(capacity=5))
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "capacity"


# -- notice and pseudonyms -------------------------------------------------------------


def test_privacy_notice_in_swedish_english_and_setswana_fallback(geo_client):
    sv = geo_client.get("/privacy-notice?lang=sv").get_json()
    tn = geo_client.get("/privacy-notice?lang=tn").get_json()
    assert sv["version"] == privacy.VERSION and sv["text_language"] == "sv"
    assert "hemlig kod" in sv["text"]
    assert tn["text_language"] == "en" and tn["text"] == privacy.TEXT["en"]


def test_a_pseudonym_is_offered_and_accepted(geo_client):
    name = geo_client.get("/pseudonym?lang=sv").get_json()["pseudonym"]
    assert post_json(geo_client, story(pseudonym=name)).status_code == 201


def test_an_empty_nameless_file_part_is_no_file(geo_client, store):
    """What a browser form sends when no file was chosen."""
    data = {k: str(v) for k, v in story().items()}
    data["media"] = (io.BytesIO(b""), "")
    r = geo_client.post("/contributions", data=data, content_type="multipart/form-data")
    assert r.status_code == 201
    assert count(store, "media") == 0


def test_entities_that_decode_into_tags_are_stripped_too(geo_client, store):
    """A reviewer's finding: one pass decoded &lt;img onerror&gt; into a real tag."""
    body = post_json(geo_client, story(
        body="<b>Hej</b> &lt;img src=x onerror=alert(document.cookie)&gt; slut")).get_json()
    moderation.approve(store, body["id"])
    feature = geo_client.get(f"/collections/stories/items/{body['id']}").get_json(force=True)
    assert "<" not in feature["properties"]["description"]
    assert "onerror" not in feature["properties"]["description"]


def test_erased_words_are_nowhere_in_the_database_file(app, geo_client, store):
    """Not in the rows, the audit log, the search index or free pages (secure_delete),
    once the WAL is checkpointed."""
    from pathlib import Path

    body = post_json(geo_client, story(body="Min moster Zyxwvutsson bor här.")).get_json()
    moderation.approve(store, body["id"])
    assert geo_client.get("/collections/stories/items?q=zyxwvutsson").get_json(
        force=True)["numberMatched"] == 1
    geo_client.delete(f"/contributions/{body['id']}", headers=bearer(body["token"]))
    store.checkpoint()
    path = Path(app.config["DATABASE"])
    for file in (path, Path(str(path) + "-wal")):
        if file.exists():
            assert b"Zyxwvutsson" not in file.read_bytes()
            assert b"zyxwvutsson" not in file.read_bytes()


def test_a_guardian_is_asked_when_the_youngest_of_the_band_is_below_the_age(tmp_path):
    """With an age of consent inside a band (14), the band's 13-year-olds need a guardian."""
    from helpers.app import GEODATA, settings_in

    from trailapp import create_app, loader

    app = create_app(settings_in(tmp_path, GUARDIAN_CONSENT_UNDER_BOLLNAS=14))
    loader.load(app.extensions["trailapp"].store, [GEODATA])
    r = post_json(app.test_client(), story(age_band="13-15", consent_by="self"))
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "consent_by"
    app.extensions["trailapp"].store.close()


def test_published_contributions_are_revalidated_by_every_cache(geo_client, store):
    body = post_json(geo_client, story()).get_json()
    moderation.approve(store, body["id"])
    for url in ("/collections/stories/items", f"/collections/stories/items/{body['id']}"):
        assert geo_client.get(url).headers["Cache-Control"] == "public, no-cache"
    places = geo_client.get("/collections/places/items")
    assert "max-age=60" in places.headers["Cache-Control"]
