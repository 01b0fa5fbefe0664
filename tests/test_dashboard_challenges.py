"""The dashboard's Challenges page (issue 14): an organiser sets a challenge through the
form, sees it listed, withdraws it; a refused form names the field and keeps what was
entered; another town's organiser gets 404 and changes nothing."""

from __future__ import annotations

import html
import re

import pytest
from helpers.challenges import PLACE, TRAIL
from helpers.dashboard import csrf_token, signed_in, two_town_staff


@pytest.fixture
def staff(geo_app):
    store = geo_app.extensions["trailapp"].store
    two_town_staff(store)
    return store


def post_challenge(client, **fields):
    form = {"csrf_token": csrf_token(client, "/dashboard/challenges"),
            "target": f"place:{PLACE}", "kind": "photo",
            "title_sv": "Hitta porten", "title_en": "Find the gate",
            "prompt_sv": "Ta ett foto av porten.", **fields}
    return client.post("/dashboard/challenges", data=form)


def stored(store) -> list[dict]:
    with store.reader() as reader:
        return [dict(r) for r in reader.conn.execute("SELECT * FROM challenges ORDER BY id")]


def audit_actions(store, object_id: str) -> list[tuple[str, str]]:
    with store.reader() as reader:
        return [(e["action"], e["organiser"])
                for e in reader.audit_entries(None, object_id, 50)]


def row_of(page: str, challenge_id: str) -> str:
    return re.search(rf'<tr id="challenge-{challenge_id}">(.*?)</tr>', page, re.S).group(1)


def test_set_list_and_withdraw_a_challenge_through_the_form(geo_app, staff):
    anna = signed_in(geo_app, "anna")
    r = post_challenge(anna)
    assert r.status_code == 302
    assert r.headers["Location"].endswith("/dashboard/challenges?done=create")
    (row,) = stored(staff)
    assert (row["place_id"], row["kind"], row["status"], row["created_by"]) == (
        PLACE, "photo", "active", "anna")
    assert audit_actions(staff, row["id"]) == [("create", "anna")]
    public = geo_app.test_client().get(f"/collections/challenges/items/{row['id']}")
    assert public.status_code == 200
    assert public.get_json()["properties"]["name"] == "Find the gate"
    page = anna.get("/dashboard/challenges?lang=sv").get_data(as_text=True)
    listed = row_of(page, row["id"])
    assert "Hitta porten" in listed and "Gästgivars" in listed and "Aktiv" in listed
    token = csrf_token(anna, "/dashboard/challenges")
    r = anna.post(f"/dashboard/challenges/{row['id']}/withdraw", data={"csrf_token": token})
    assert r.status_code == 302
    assert stored(staff)[0]["status"] == "withdrawn"
    assert audit_actions(staff, row["id"])[0] == ("withdraw", "anna")
    assert geo_app.test_client().get(
        f"/collections/challenges/items/{row['id']}").status_code == 404
    listed = row_of(anna.get("/dashboard/challenges").get_data(as_text=True), row["id"])
    assert "Withdrawn" in listed and "/withdraw" not in listed


def test_multiple_choice_along_a_trail_keeps_the_right_option_of_the_filled_rows(
        geo_app, staff):
    anna = signed_in(geo_app, "anna")
    # Rows 0 and 2 filled, row 1 left empty: the right option (row 2) is the second one.
    r = post_challenge(anna, target=f"trail:{TRAIL}", kind="multiple-choice",
                       option_0_en="1650", option_2_en="1750", option_2_sv="1750",
                       correct_option="2")
    assert r.status_code == 302, r.get_data(as_text=True)
    (row,) = stored(staff)
    assert (row["trail_id"], row["place_id"], row["correct_option"]) == (TRAIL, None, 1)
    assert row["options"] == '[{"en": "1650"}, {"sv": "1750", "en": "1750"}]'


@pytest.mark.parametrize(("fields", "named"), [
    ({"title_sv": "", "title_en": ""}, "(title)"),
    ({"kind": "multiple-choice", "option_0_en": "1650", "option_1_en": "1750"},
     "(correct_option)"),
    ({"kind": "multiple-choice", "option_0_en": "1650", "correct_option": "0"},
     "(options)"),
    ({"kind": "dance"}, "(kind)"),
    ({"target": "place:lob-high-court"}, "(place)"),
    ({"title_en": "x" * 121}, "(title.en)"),
])
def test_a_refused_form_names_the_field_keeps_the_values_and_saves_nothing(
        geo_app, staff, fields, named):
    anna = signed_in(geo_app, "anna")
    r = post_challenge(anna, prompt_en="Look for the <gate> & its year", **fields)
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    error = re.search(r'<p class="message error" role="alert" id="form-error">(.*?)</p>',
                      page, re.S).group(1)
    assert named in error
    # What was entered is back in the form (escaped), so nothing needs typing again.
    assert html.escape("Look for the <gate> & its year", quote=False) in page
    if fields.get("option_0_en"):
        assert 'name="option_0_en" lang="en" maxlength="200" value="1650"' in page
    assert stored(staff) == []


def test_another_towns_organiser_gets_404_and_changes_nothing(geo_app, staff):
    anna, kabo = signed_in(geo_app, "anna"), signed_in(geo_app, "kabo")
    assert post_challenge(anna).status_code == 302
    (row,) = stored(staff)
    assert row["id"] not in kabo.get("/dashboard/challenges").get_data(as_text=True)
    token = csrf_token(kabo, "/dashboard/challenges")
    r = kabo.post(f"/dashboard/challenges/{row['id']}/withdraw", data={"csrf_token": token})
    assert r.status_code == 404
    assert stored(staff)[0]["status"] == "active"
    # A Bollnäs place sent by hand from Lobatse's form is refused in the form.
    r = post_challenge(kabo)
    assert r.status_code == 422 and "(place)" in r.get_data(as_text=True)
    assert len(stored(staff)) == 1


def test_withdrawing_without_the_forms_token_changes_nothing(geo_app, staff):
    anna = signed_in(geo_app, "anna")
    assert post_challenge(anna).status_code == 302
    (row,) = stored(staff)
    r = anna.post(f"/dashboard/challenges/{row['id']}/withdraw", data={})
    assert r.status_code == 400
    assert stored(staff)[0]["status"] == "active"
