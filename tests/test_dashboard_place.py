"""The dashboard's page for one place (issue 14): location protection (a written reason
to lower it, as PUT /manage/places/{id} demands), content notes and visiting guidance
through the form, the public item following, and the protection's audit history."""

from __future__ import annotations

import json
import re

import pytest
from helpers.app import place
from helpers.dashboard import csrf_token, signed_in, two_town_staff

from trailapp import editing, protection
from trailapp.auth import Organiser

HOME = (16.41234, 61.33877)  # a family home (synthetic)
PAGE = "/dashboard/places/test-home"


@pytest.fixture
def staff(geo_app):
    store = geo_app.extensions["trailapp"].store
    two_town_staff(store)
    anna = Organiser(1, "anna", "moderator", ("bollnas",))
    editing.save(store, anna, "places", place("test-home", *HOME, description_en="A home."),
                 create=True)
    return store


def save(client, **fields):
    form = {"csrf_token": csrf_token(client, PAGE), "protection": "exact", **fields}
    return client.post(PAGE, data=form)


def public(app) -> dict:
    return app.test_client().get("/collections/places/items/test-home").get_json()


def protection_entries(store) -> list[tuple]:
    with store.reader() as reader:
        entries = reader.audit_entries(None, "test-home", 50)
    return [(json.loads(e["before"]), json.loads(e["after"])) for e in entries
            if e["action"] == "protection"]


def test_the_places_page_links_to_the_place_page(geo_app, staff):
    page = signed_in(geo_app, "anna").get("/dashboard/places").get_data(as_text=True)
    assert f'href="{PAGE}"' in page


def test_lowering_without_a_reason_shows_the_error_and_changes_nothing(geo_app, staff):
    anna = signed_in(geo_app, "anna")
    r = save(anna, protection="hidden")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"{PAGE}?done=saved")
    assert public(geo_app)["geometry"] is None
    before = protection_entries(staff)
    r = save(anna, protection="area", content_notes=["death"], opening_times_en="Daytime")
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert "Lowering the protection needs a written reason." in page
    assert re.search(r'<textarea id="reason"[^>]*aria-invalid="true"', page)
    # The values entered are kept in the form.
    assert 'value="area" checked' in page and 'value="death" checked' in page
    assert 'name="opening_times_en" lang="en" maxlength="500" value="Daytime"' in page
    served = public(geo_app)
    assert served["geometry"] is None and "content_notes" not in served["properties"]
    assert protection_entries(staff) == before
    sv = save(anna, protection="area").get_data(as_text=True)
    assert "Att sänka skyddet kräver ett skrivet skäl." not in sv  # English by default
    r = anna.post(f"{PAGE}?lang=sv", data={"csrf_token": csrf_token(anna, PAGE),
                                            "protection": "exact"})
    assert r.status_code == 422
    assert "Att sänka skyddet kräver ett skrivet skäl." in r.get_data(as_text=True)


def test_with_a_reason_the_public_item_moves_to_the_cell_centre(geo_app, staff):
    anna = signed_in(geo_app, "anna")
    assert save(anna, protection="hidden").status_code == 302
    r = save(anna, protection="area", reason="The family agreed to an area.")
    assert r.status_code == 302
    served = public(geo_app)
    assert served["geometry"]["coordinates"] == list(
        protection.cell_centre(*HOME, "bollnas", 500))
    assert served["properties"]["protection"] == "area"
    assert protection_entries(staff)[0] == (
        {"protection": "hidden"}, {"protection": "area",
                                   "reason": "The family agreed to an area."})
    history = re.search(r'<table id="protection-history">(.*?)</table>',
                        anna.get(PAGE).get_data(as_text=True), re.S).group(1)
    assert "The family agreed to an area." in history and "hidden" in history
    # Raising it back needs no reason.
    assert save(anna, protection="hidden").status_code == 302
    assert public(geo_app)["geometry"] is None


def test_content_notes_and_visiting_guidance_are_published(geo_app, staff):
    anna = signed_in(geo_app, "anna")
    r = save(anna, content_notes=["death", "grief"], access="ask-permission",
             opening_times_sv="Dagtid", opening_times_en="Daytime",
             accessibility=["steps"], accessibility_note_sv="Tre trappsteg",
             accessibility_note_en="Tre trappsteg", accessibility_note_tn="Tre trappsteg")
    assert r.status_code == 302, r.get_data(as_text=True)
    props = public(geo_app)["properties"]
    assert props["content_notes"] == ["death", "grief"]
    assert props["visiting"] == {"access": "ask-permission", "opening_times": "Daytime",
                                 "accessibility": ["steps"],
                                 "accessibility_note": "Tre trappsteg"}
    assert props["description"] == "A home."  # the rest of the place is kept
    page = anna.get(PAGE).get_data(as_text=True)
    assert 'value="grief" checked' in page and 'value="ask-permission" selected' in page
    # Clearing them removes them.
    assert save(anna).status_code == 302
    props = public(geo_app)["properties"]
    assert "content_notes" not in props and "visiting" not in props


def test_an_unknown_content_note_is_refused_in_the_form(geo_app, staff):
    anna = signed_in(geo_app, "anna")
    r = save(anna, content_notes=["gore"])
    assert r.status_code == 422 and "content_notes" in r.get_data(as_text=True)
    assert "content_notes" not in public(geo_app)["properties"]


def test_another_towns_organiser_gets_404_and_changes_nothing(geo_app, staff):
    kabo = signed_in(geo_app, "kabo")
    assert kabo.get(PAGE).status_code == 404
    token = csrf_token(kabo, "/dashboard/places")
    r = kabo.post(PAGE, data={"csrf_token": token, "protection": "organisers"})
    assert r.status_code == 404
    assert public(geo_app)["geometry"]["coordinates"] == list(HOME)
    assert protection_entries(staff) == []


@pytest.mark.parametrize("place_id", ["bol-gastgivars", "bol-arbra-kyrka"])
def test_saving_a_real_place_unchanged_leaves_its_public_item_as_it_was(
        geo_app, staff, place_id):
    anna = signed_in(geo_app, "anna")
    url = f"/collections/places/items/{place_id}"
    before = geo_app.test_client().get(url).get_json()
    page = f"/dashboard/places/{place_id}"
    r = anna.post(page, data={"csrf_token": csrf_token(anna, page), "protection": "exact"})
    assert r.status_code == 302, r.get_data(as_text=True)
    after = geo_app.test_client().get(url).get_json()
    for feature in (before, after):
        feature["properties"].pop("updated")
    assert after == before
