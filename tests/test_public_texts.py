"""Public and internal texts apart (issue 11): working notes, verification hints and
caveats of the geodata are organiser-only; every public response (items in every
language, sync, packs, exports) is free of them; Swedish readers get Swedish wherever a
Swedish text exists, nested strings included; attribution follows the language."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from helpers.app import GEODATA
from helpers.organisers import add_organiser, submit, token_headers

from trailapp import domain, i18n, moderation, records
from trailapp.features import INTERNAL_TEXT_FIELDS
from trailapp.formats import Problems

INTERNAL_FIELD_NAMES = (*INTERNAL_TEXT_FIELDS, '"internal"')
# Phrases from the working notes moved to the internal fields: none may reach a reader.
MARKERS = (
    "check with the National Museum", "before publishing", "innan publicering",
    "from research notes", "forskningsanteckningarna", "verify", "Kontrollera mot",
    "BeBR/OSM", "geocode", "geokoda", "referenspunkt för staden", "town reference point",
    "do not repeat it", "upprepa det inte", "need checking", "behöver kontrolleras",
    "confirm which hill", "bekräfta vilken kulle", "Import the line", "Importera linjen",
    "not geolocated", "positionen är inte fastställd", "Check the current gazette",
    "Kontrollera den aktuella statstidningen", "check with Bollnäs kommun",
    "Stäm av med Bollnäs kommun", "Town Council", "infobox", "faktarutan",
    "wikimili mirror", "spegelsajten", "prästbord", "kyrkby 26:1", "Wikidata-fed",
    "whose exact position was not found", "Trolldalen were not",
)


def geodata_records() -> list[dict]:
    """The starter geodata as records in the geodata schema."""
    problems, out = Problems(), []
    for path in sorted(GEODATA.glob("*.geojson")):
        for i, feature in enumerate(json.loads(path.read_text("utf-8"))["features"]):
            out.append(records.record_from_feature(feature, str(path), i, problems))
    assert not problems.items
    return out


def public_responses(client, store) -> dict[str, str]:
    """Every public response a reader can get, by URL or pack file."""
    seen: dict[str, str] = {}

    def get(url: str) -> None:
        r = client.get(url)
        assert r.status_code == 200, (url, r.get_data(as_text=True)[:300])
        seen[url] = r.get_data(as_text=True)

    for lang in domain.LANGS:
        get(f"/?lang={lang}")
        get(f"/collections?lang={lang}")
        for collection in domain.COLLECTION_IDS:
            get(f"/collections/{collection}?lang={lang}")
            url = f"/collections/{collection}/items?lang={lang}&limit=1000"
            get(url)
            for feature in json.loads(seen[url])["features"]:
                get(f"/collections/{collection}/items/{feature['id']}?lang={lang}")
        since = "s0"
        while True:
            get(f"/sync?since={since}&lang={lang}&limit=1000")
            page = json.loads(seen[f"/sync?since={since}&lang={lang}&limit=1000"])
            since = page["next"]
            if not page["more"]:
                break
    for params in ("", "?lang=sv", "?lang=tn&media=full"):
        get(f"/packs{params}")
        for pack in json.loads(seen[f"/packs{params}"])["packs"]:
            data = client.get(pack["href"]).get_data()
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for name in archive.namelist():
                    if not name.startswith("media/"):
                        seen[f"{pack['href']}!{name}"] = archive.read(name).decode()
    headers = token_headers(store, add_organiser(store, "exporter", "admin", ()))
    for url in ("/moderation/export.csv", "/moderation/export.geojson"):
        r = client.get(url, headers=headers)
        assert r.status_code == 200
        seen[url] = r.get_data(as_text=True)
    return seen


@pytest.fixture
def published(geo_app, store):
    """The real geodata with a published story in each municipality (so that stories,
    sync and packs hold contributions too)."""
    client = geo_app.test_client()
    for municipality in domain.MUNICIPALITY_IDS:
        moderation.approve(store, submit(client, municipality)["id"])
    return client


def test_no_public_response_holds_an_internal_field_or_a_working_note(published, store):
    responses = public_responses(published, store)
    assert len(responses) > 200  # items of every collection, sync, packs, exports
    found = [(where, marker) for where, body in responses.items()
             for marker in (*INTERNAL_FIELD_NAMES, *MARKERS)
             if marker.casefold() in body.casefold()]
    assert found == []


def test_the_moved_notes_are_kept_for_organisers(geo_client, store):
    headers = token_headers(store, add_organiser(store, "kabo", municipalities=("lobatse",)))
    r = geo_client.get("/manage/places/lob-stone-walled-settlements", headers=headers)
    assert r.status_code == 200
    assert r.headers["Cache-Control"] == "no-store"
    internal = r.get_json()["internal"]
    assert "check with the National Museum before publishing" in internal["caveats"]["en"]
    r = geo_client.get("/manage/places/lob-town", headers=headers)
    assert r.get_json()["texts"]["name"] == {"sv": "Lobatse stad", "en": "Lobatse town",
                                             "tn": None}
    assert "referenspunkt för staden" in r.get_json()["internal"]["notes_internal"]["sv"]
    r = geo_client.get("/manage/places/bol-bollnas-kyrka", headers=headers)
    assert r.status_code == 404  # another municipality's place
    r = geo_client.get("/manage/places/lob-town")
    assert r.status_code == 401


def test_an_organiser_edit_keeps_internal_notes_out_of_public_features(geo_client, store):
    headers = token_headers(store, add_organiser(store, "anna"))
    feature = {"type": "Feature", "id": "bol-test-notes", "geometry": None, "properties": {
        "municipality": "bollnas", "kind": "church", "accuracy": "unknown",
        "name_sv": "Testkyrkan", "name_en": "Test church", "source": "synthetic test data",
        "notes_internal_sv": "Ring kyrkvärden först.", "caveats_en": "Dates unconfirmed."}}
    r = geo_client.post("/manage/places", json=feature, headers=headers)
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["internal"]["notes_internal"]["sv"] == "Ring kyrkvärden först."
    for lang in domain.LANGS:
        body = geo_client.get(f"/collections/places/items/bol-test-notes?lang={lang}"
                              ).get_data(as_text=True)
        assert "Ring kyrkvärden" not in body and "Dates unconfirmed" not in body


def _language_texts(value, found: list[dict]) -> None:
    """Every {sv, en, tn} text in an attribute, however deeply nested."""
    if isinstance(value, dict) and value and set(value) <= set(i18n.LANGS):
        found.append(value)
    elif isinstance(value, dict):
        for v in value.values():
            _language_texts(v, found)
    elif isinstance(value, list):
        for v in value:
            _language_texts(v, found)


def test_swedish_responses_hold_no_english_text_where_a_swedish_one_exists(geo_client):
    checked = 0
    for record in geodata_records():
        url = f"/collections/{record['collection']}/items/{record['id']}?lang=sv"
        r = geo_client.get(url)
        props = r.get_json()["properties"]
        body = r.get_data(as_text=True)
        for field, texts in record["texts"].items():
            if texts.get("sv"):
                assert props[field] == texts["sv"], (record["id"], field)
                assert props["text_language"][field] == "sv"
        nested: list[dict] = []
        for key, value in record["attrs"].items():
            before = len(nested)
            _language_texts(value, nested)
            if len(nested) > before and all(t.get("sv") for t in nested[before:]):
                assert props["text_language"][key] == "sv", (record["id"], key)
        for texts in nested:
            if texts.get("sv") and texts.get("en") and texts["sv"] != texts["en"]:
                checked += 1
                assert json.dumps(texts["en"], ensure_ascii=False).strip('"{}') not in body, (
                    record["id"], texts["en"])
    assert checked >= 6  # name_local, official_length_km, cabins, connectors, a waypoint


def test_attribution_follows_the_language(geo_client):
    sv = geo_client.get("/?lang=sv").get_json()["attribution"]
    assert "bidragsgivare" in sv and "contributors" not in sv
    assert "contributors" in geo_client.get("/?lang=tn").get_json()["attribution"]  # tn: en
    info = next(p for p in geo_client.get("/packs?lang=sv").get_json()["packs"]
                if p["id"] == "bollnas")
    with zipfile.ZipFile(io.BytesIO(geo_client.get(info["href"]).get_data())) as archive:
        attribution = archive.read("ATTRIBUTION.txt").decode()
        licence = archive.read("LICENCE.txt").decode()
        manifest = json.loads(archive.read("manifest.json"))
    assert attribution.startswith("Källor och upphov") and "Attribution" not in attribution
    assert licence.startswith("Licenser")
    assert "bidragsgivare" in manifest["attribution"]


def test_lengths_keyed_in_several_languages_still_give_a_walking_time(geo_client):
    for lang, key in (("sv", "hela vandringen"), ("en", "whole walk")):
        props = geo_client.get(f"/collections/trails/items/lob-freedom-heritage-walk"
                               f"?lang={lang}").get_json()["properties"]
        assert props["official_length_km"] == {key: 4.2}
        assert props["walking_time_min"] == 63
        assert props["walking_time_length_source"] == "official length"
