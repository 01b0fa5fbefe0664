"""Organisers' photos of places (issue 11): cleaned like young people's photos, public on
the place with credit and licence, carried by packs and sync, removed with their files."""

from __future__ import annotations

import io
import zipfile

import pytest
from helpers.media_files import jpeg_with_gps, wav
from helpers.organisers import add_organiser, token_headers
from helpers.store import count
from PIL import Image

PLACE = "bol-gastgivars"


@pytest.fixture
def anna(geo_app, store):
    return token_headers(store, add_organiser(store, "anna"))


def add(client, headers, place=PLACE, data=None, **fields):
    form = {"credit": "Foto: Bollnäs kommun", "licence": "CC-BY-4.0",
            "caption_sv": "Gården från vägen", **fields}
    form = {k: v for k, v in form.items() if v is not None}
    form["file"] = (io.BytesIO(jpeg_with_gps() if data is None else data), "p.jpg")
    return client.post(f"/manage/places/{place}/images", data=form, headers=headers,
                       content_type="multipart/form-data")


def test_a_photo_is_cleaned_and_published_on_the_place(geo_client, store, anna):
    r = add(geo_client, anna)
    assert r.status_code == 201, r.get_json()
    image = r.get_json()
    place = geo_client.get(f"/collections/places/items/{PLACE}?lang=sv").get_json()
    [published] = place["properties"]["images"]
    assert published["credit"] == "Foto: Bollnäs kommun"
    assert published["licence"] == "CC-BY-4.0" and published["caption"] == "Gården från vägen"
    english = geo_client.get(f"/collections/places/items/{PLACE}?lang=en").get_json()
    assert english["properties"]["images"][0]["caption"] == "Gården från vägen"  # sv fallback
    served = geo_client.get(image["href"][image["href"].index("/media/"):])
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    photo = Image.open(io.BytesIO(served.data))
    assert not photo.getexif() and "exif" not in photo.info  # GPS and camera data gone
    thumb = geo_client.get(image["thumbnail"][image["thumbnail"].index("/media/"):])
    assert max(Image.open(io.BytesIO(thumb.data)).size) <= 400


def test_a_pack_and_sync_carry_the_photo(geo_client, anna):
    image = add(geo_client, anna).get_json()
    name = image["thumbnail"][image["thumbnail"].index("/media/") + len("/media/"):]
    listing = geo_client.get("/packs").get_json()["packs"]
    info = next(p for p in listing if p["id"] == "bollnas")
    pack = zipfile.ZipFile(io.BytesIO(geo_client.get(info["href"][info["href"].index("/packs"):])
                                      .data))
    assert f"media/{name}" in pack.namelist()
    changes = geo_client.get("/sync?since=s0&collections=places&limit=1000").get_json()
    upsert = next(c for c in changes["changes"] if c["id"] == PLACE)
    assert upsert["feature"]["properties"]["images"][0]["licence"] == "CC-BY-4.0"


@pytest.mark.parametrize("fields, field", [
    ({"credit": None}, "credit"), ({"credit": "   "}, "credit"),
    ({"licence": "all-rights-reserved"}, "licence"), ({"licence": None}, "licence"),
    ({"caption_sv": "\u200b\u200b"}, "caption_sv")])
def test_a_photo_without_credit_or_a_known_licence_is_refused(geo_app, geo_client, store,
                                                              anna, fields, field):
    r = add(geo_client, anna, **fields)
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == field
    assert count(store, "place_images") == 0
    media = geo_app.extensions["trailapp"].contributions.media.root
    assert not media.exists() or not [p for p in media.rglob("*") if p.is_file()]


def test_a_sound_or_a_document_is_not_a_photo(geo_client, store, anna):
    for data in (wav(), b"%PDF-1.4 not an image"):
        r = add(geo_client, anna, data=data)
        assert r.status_code == 415 and r.get_json()["errors"][0]["field"] == "file"
    assert count(store, "place_images") == 0


def test_another_municipality_and_anonymous_callers_are_refused(geo_client, store):
    kabo = token_headers(store, add_organiser(store, "kabo", municipalities=("lobatse",)))
    assert add(geo_client, kabo).status_code == 404
    assert add(geo_client, {}).status_code == 401
    assert add(geo_client, kabo, place="lob-high-court").status_code == 201
    assert count(store, "place_images") == 1


def test_removing_a_photo_removes_its_files_and_its_entry(geo_app, geo_client, store, anna):
    image = add(geo_client, anna).get_json()
    media = geo_app.extensions["trailapp"].contributions.media.root
    files = [p for p in media.rglob("*") if p.is_file()]
    assert len(files) == 2
    r = geo_client.delete(f"/manage/places/{PLACE}/images/{image['id']}", headers=anna)
    assert r.status_code == 204
    assert not [p for p in media.rglob("*") if p.is_file()]
    place = geo_client.get(f"/collections/places/items/{PLACE}").get_json()
    assert place["properties"]["images"] == []
    assert geo_client.get(image["href"][image["href"].index("/media/"):]).status_code == 404
    again = geo_client.delete(f"/manage/places/{PLACE}/images/{image['id']}", headers=anna)
    assert again.status_code == 404


def test_retention_keeps_place_photos(geo_app, geo_client, store, anna):
    from datetime import UTC, datetime, timedelta

    from trailapp import erasure

    add(geo_client, anna)
    media = geo_app.extensions["trailapp"].contributions.media.root
    done = erasure.purge_expired(store, geo_app.extensions["trailapp"].contributions,
                                 now=datetime.now(UTC) + timedelta(days=400))
    assert done["orphan_files"] == 0
    assert len([p for p in media.rglob("*") if p.is_file()]) == 2


@pytest.mark.parametrize("body", [
    b'--b\r\nContent-Disposition: form-data\r\n\r\nx\r\n--b--\r\n',  # a part without a name
    b'--b\r\nContent-Disposition: form-data; name="credit"\r\n\r\nFoto',  # cut off
    b'--b\r\nContent-Disposition: form-data; name="colour"\r\n\r\nred\r\n--b--\r\n'])
def test_a_broken_or_strange_form_is_a_400_and_writes_nothing(geo_client, store, anna, body):
    r = geo_client.post(f"/manage/places/{PLACE}/images", data=body, headers={
        **anna, "Content-Type": "multipart/form-data; boundary=b"})
    assert r.status_code == 400, r.get_data(as_text=True)
    assert r.get_json()["errors"][0]["field"] in ("body", "None", "colour")
    assert count(store, "place_images") == 0
