"""Youth translation (issue 13): a young person translates a published story (or a
place's texts); the translator's town moderates it; once approved the original is
served in that language with the "translated by young people" marker, the original
intact and linked; erasure by token takes it away everywhere."""

from __future__ import annotations

import io
import json
import zipfile

from helpers.contributions import LOBATSE_PLACE, PLACE, bearer, story
from helpers.exchange import organisers, sync_all
from helpers.packs import pack_info
from helpers.translations import Http, english_story, translation


def story_in(http: Http, story_id: str, lang: str) -> dict:
    return http.get(f"/collections/stories/items/{story_id}?lang={lang}")["properties"]


def rows(store, sql: str = "SELECT id, kind, status, parent_id, municipality, lang, title "
         "FROM contributions ORDER BY id") -> list[tuple]:
    with store.reader() as r:
        return [tuple(row) for row in r.conn.execute(sql)]


def test_a_swedish_translation_of_an_english_story_is_served_in_swedish(served, store):
    http, who = Http(served), organisers(store)
    original = english_story(http, who["lobatse"])
    status, receipt, head = http.call("POST", f"/contributions/{original['id']}/translations",
                                      translation())
    assert status == 201, receipt
    assert (receipt["kind"], receipt["status"]) == ("translation", "pending")
    assert receipt["translates"] == {"target": "contribution", "id": original["id"]}
    assert receipt["place"]["id"] == LOBATSE_PLACE
    assert head["Location"].endswith(f"/contributions/{receipt['id']}")
    # Nothing public before the translator's town approves it.
    assert story_in(http, original["id"], "sv")["name"] == "The court where people met"
    # The translator's town moderates it: Lobatse cannot, Bollnäs can.
    status, _, _ = http.call("POST", f"/moderation/contributions/{receipt['id']}/approve",
                             {}, who["lobatse"])
    assert status == 404
    queue = http.get("/moderation/queue?status=pending", who["bollnas"])
    assert [i["id"] for i in queue["items"]] == [receipt["id"]]
    status, body, _ = http.call("POST", f"/moderation/contributions/{receipt['id']}/approve",
                                {}, who["bollnas"])
    assert status == 200, body

    sv = story_in(http, original["id"], "sv")
    assert sv["name"] == "Domstolen där folk möttes"
    assert sv["description"] == "Min morfar berättade att folk gick hit långt bortifrån."
    assert sv["translated_by"] == "Snabb Räv 12"
    marker = sv["translation"]
    assert (marker["by_young_people"], marker["label"], marker["original_lang"]) == (
        True, "Översatt av unga", "en")
    assert marker["original"].endswith(f"/collections/stories/items/{original['id']}?lang=en")
    assert sv["text_language"]["name"] == "sv"
    assert sv["pseudonym"] == "Quiet River 7"  # the author stays the author
    # The original stays, in English, without the marker, and lists its translation.
    en = story_in(http, original["id"], "en")
    assert en["name"] == "The court where people met"
    assert "translated_by" not in en and "translation" not in en
    assert [(t["lang"], t["original"]) for t in en["translations"]] == [
        ("en", True), ("sv", False)]
    # Setswana falls back to the English original, not to the translation.
    assert "translated_by" not in story_in(http, original["id"], "tn")


def test_sync_and_packs_carry_the_translation(served, geo_app, store):
    http, who = Http(served), organisers(store)
    original = english_story(http, who["lobatse"])
    _, cursor = sync_all(geo_app.test_client())
    _, receipt, _ = http.call("POST", f"/contributions/{original['id']}/translations",
                              translation())
    http.call("POST", f"/moderation/contributions/{receipt['id']}/approve", {},
              who["bollnas"])
    changes, _ = sync_all(geo_app.test_client(), cursor, lang="sv")
    story = [c for c in changes if c["id"] == original["id"]]
    assert len(story) == 1 and story[0]["feature"]["properties"]["translated_by"] == \
        "Snabb Räv 12"
    info = pack_info(geo_app.test_client(), "lobatse", lang="sv")
    pack = geo_app.test_client().get(info["href"])
    with zipfile.ZipFile(io.BytesIO(pack.get_data())) as z:
        text = "".join(z.read(n).decode() for n in z.namelist() if n.endswith("json"))
    assert "Min morfar berättade" in text and "Snabb Räv 12" in text


def test_erasing_the_translation_by_token_takes_it_away_everywhere(served, geo_app, store):
    http, who = Http(served), organisers(store)
    original = english_story(http, who["lobatse"])
    _, receipt, _ = http.call("POST", f"/contributions/{original['id']}/translations",
                              translation())
    http.call("POST", f"/moderation/contributions/{receipt['id']}/approve", {},
              who["bollnas"])
    _, cursor = sync_all(geo_app.test_client())
    status, _, _ = http.call("DELETE", f"/contributions/{receipt['id']}",
                             headers=bearer(receipt["token"]))
    assert status == 204
    sv = story_in(http, original["id"], "sv")
    assert sv["name"] == "The court where people met"
    assert "translated_by" not in sv and "translations" not in sv
    changes, _ = sync_all(geo_app.test_client(), cursor, lang="sv")
    assert [c["id"] for c in changes if c["id"] == original["id"]] == [original["id"]]
    assert "Min morfar" not in json.dumps(changes, ensure_ascii=False)
    assert [r[0] for r in rows(store)] == [original["id"]]
    with store.reader() as r:
        audit = " ".join(row[0] for row in r.conn.execute("SELECT before || after FROM audit"))
    assert "Min morfar" not in audit
    info = pack_info(geo_app.test_client(), "lobatse", lang="sv")
    with zipfile.ZipFile(io.BytesIO(geo_app.test_client().get(info["href"]).get_data())) as z:
        assert not any("Min morfar" in z.read(n).decode(errors="replace")
                       for n in z.namelist())


def test_erasing_the_original_erases_its_translations(served, store):
    http, who = Http(served), organisers(store)
    original = english_story(http, who["lobatse"])
    _, receipt, _ = http.call("POST", f"/contributions/{original['id']}/translations",
                              translation())
    http.call("POST", f"/moderation/contributions/{receipt['id']}/approve", {},
              who["bollnas"])
    status, _, _ = http.call("DELETE", f"/contributions/{original['id']}",
                             headers=bearer(original["token"]))
    assert status == 204
    assert rows(store) == []


def test_only_a_published_story_can_be_translated(served, store):
    http = Http(served)
    status, pending, _ = http.call("POST", "/contributions", story(
        title="Väntar", body="Inte publicerad än."))
    assert status == 201
    before = rows(store)
    for cid in (pending["id"], "0" * 24):
        status, body, _ = http.call("POST", f"/contributions/{cid}/translations",
                                    translation(lang="en"))
        assert (status, body["code"]) == (404, "NotFound")
    assert rows(store) == before


def test_a_translation_into_the_original_language_or_a_translated_one_is_refused(
        served, store):
    http, who = Http(served), organisers(store)
    original = english_story(http, who["lobatse"])
    status, body, _ = http.call("POST", f"/contributions/{original['id']}/translations",
                                translation(lang="en"))
    assert status == 422 and body["errors"][0]["field"] == "lang"
    _, receipt, _ = http.call("POST", f"/contributions/{original['id']}/translations",
                              translation())
    _, second, _ = http.call("POST", f"/contributions/{original['id']}/translations",
                             translation(title="En annan översättning"))
    http.call("POST", f"/moderation/contributions/{receipt['id']}/approve", {},
              who["bollnas"])
    before = rows(store)
    status, body, _ = http.call("POST", f"/contributions/{original['id']}/translations",
                                translation(title="En tredje"))
    assert status == 422 and body["errors"][0]["field"] == "lang"
    # A second translation into Swedish waiting in the queue cannot be approved now.
    status, body, _ = http.call("POST", f"/moderation/contributions/{second['id']}/approve",
                                {}, who["bollnas"])
    assert status == 409
    assert rows(store) == before


def test_bad_translation_requests_are_4xx_naming_the_field(served, store):
    http, who = Http(served), organisers(store)
    original = english_story(http, who["lobatse"])
    path = f"/contributions/{original['id']}/translations"
    cases = [
        (translation(municipality="stockholm"), 400, "municipality"),
        (translation(lang="de"), 400, "lang"),
        (translation(title=""), 400, "title"),
        (translation(consent_notice_version="0"), 422, "consent_notice_version"),
        (translation(age_band="under-13"), 422, "consent_by"),
        (translation(place=PLACE), 400, "place"),
        ({k: v for k, v in translation().items() if k != "municipality"}, 400,
         "municipality"),
    ]
    before = rows(store)
    for fields, code, field in cases:
        status, body, _ = http.call("POST", path, fields)
        assert status == code, (fields, body)
        assert field in json.dumps(body["errors"]), (field, body)
    status, body, _ = http.call("POST", "/contributions/not-an-id/translations",
                                translation())
    assert status in (400, 404)
    assert rows(store) == before


def test_cross_town_decisions_on_a_translation_are_404_with_nothing_changed(served, store):
    http, who = Http(served), organisers(store)
    original = english_story(http, who["lobatse"])
    _, receipt, _ = http.call("POST", f"/contributions/{original['id']}/translations",
                              translation())
    before = rows(store)
    for action in ("approve", "reject", "withdraw", "redact"):
        status, body, _ = http.call(
            "POST", f"/moderation/contributions/{receipt['id']}/{action}",
            {"reason": "x"} if action in ("reject", "withdraw") else
            {"body": "x"} if action == "redact" else {}, who["lobatse"])
        assert (status, body["code"]) == (404, "NotFound"), (action, body)
    assert rows(store) == before


# -- what still needs translating, and place texts ----------------------------------


def setswana(**overrides) -> dict:
    """A Setswana translation by a 15-year-old in Lobatse (a guardian consented)."""
    fields = {"lang": "tn", "municipality": "lobatse", "pseudonym": "Tau e Nnye",
              "age_band": "13-15", "consent_by": "guardian",
              "title": "Polokelo ya baeng ya Vallsta",
              "body": "Polase e e kwa bokone ya dipolase tse tlhano."}
    return translation(**{**fields, **overrides})


def test_translation_tasks_list_published_texts_and_places_missing_a_language(served, store):
    http, who = Http(served), organisers(store)
    original = english_story(http, who["lobatse"])
    tasks = http.get("/translation/tasks?lang=sv&municipality=lobatse")
    texts = [t for t in tasks["items"] if t["target"] == "contribution"]
    assert [(t["id"], t["lang"], t["pseudonym"]) for t in texts] == [
        (original["id"], "en", "Quiet River 7")]
    assert texts[0]["translate"] == f"/contributions/{original['id']}/translations"
    # Every Lobatse place has a Swedish name already: no place task in Swedish.
    assert [t for t in tasks["items"] if t["target"] == "place"] == []
    tn = http.get("/translation/tasks?lang=tn&municipality=bollnas&limit=500")
    places = {t["id"]: t for t in tn["items"] if t["target"] == "place"}
    public = http.get("/collections/places/items?municipality=bollnas&limit=1000")
    assert sorted(places) == sorted(f["id"] for f in public["features"])  # none in tn yet
    assert places[PLACE]["missing"] == ["title", "body"]
    assert places[PLACE]["translate"] == f"/places/{PLACE}/translations"
    assert "age_band" not in json.dumps(tasks) and "token" not in json.dumps(tasks)
    # Once a Swedish translation is approved, the story leaves the Swedish list.
    _, receipt, _ = http.call("POST", f"/contributions/{original['id']}/translations",
                              translation())
    http.call("POST", f"/moderation/contributions/{receipt['id']}/approve", {},
              who["bollnas"])
    after = http.get("/translation/tasks?lang=sv&municipality=lobatse")
    assert [t for t in after["items"] if t["target"] == "contribution"] == []
    assert http.get("/translation/tasks?lang=tn&limit=1")["numberReturned"] == 1
    for bad in ("lang=de", "lang=sv&limit=0", "lang=sv&municipality=oslo", ""):
        status, body, _ = http.call("GET", f"/translation/tasks?{bad}")
        assert status == 400, (bad, body)


def test_an_approved_place_translation_is_applied_by_the_places_town(served, store):
    http, who = Http(served), organisers(store)
    status, receipt, _ = http.call("POST", f"/places/{PLACE}/translations", setswana())
    assert status == 201, receipt
    assert receipt["translates"]["target"] == "place"
    apply = f"/moderation/translations/{receipt['id']}/apply"
    # Not applicable before the translator's town (Lobatse) approves it.
    status, body, _ = http.call("POST", apply, None, who["bollnas"])
    assert status == 409, body
    status, body, _ = http.call("POST", f"/moderation/contributions/{receipt['id']}/approve",
                                {}, who["bollnas"])
    assert status == 404  # Bollnäs does not decide on a Lobatse young person's work
    status, body, _ = http.call("POST", f"/moderation/contributions/{receipt['id']}/approve",
                                {}, who["lobatse"])
    assert status == 200, body
    # Approved, but the place's texts change only when Bollnäs applies it.
    place_tn = http.get(f"/collections/places/items/{PLACE}?lang=tn")["properties"]
    assert place_tn["name"] == "Gästgivars farm, Vallsta"
    before = rows(store)
    status, body, _ = http.call("POST", apply, None, who["lobatse"])
    assert (status, body["code"]) == (404, "NotFound")
    assert rows(store) == before
    status, body, _ = http.call("POST", apply, None, who["bollnas"])
    assert status == 200, body
    assert body["name"]["tn"] == "Polokelo ya baeng ya Vallsta"
    assert body["applied"] == ["description", "name"]
    place_tn = http.get(f"/collections/places/items/{PLACE}?lang=tn")["properties"]
    assert place_tn["name"] == "Polokelo ya baeng ya Vallsta"
    assert place_tn["text_language"]["name"] == "tn"
    audit = http.get(f"/moderation/audit?object_id={receipt['id']}", who["bollnas"])
    assert "apply-translation" in json.dumps(audit)
    # The translator erases it: the place's Setswana texts go too.
    status, _, _ = http.call("DELETE", f"/contributions/{receipt['id']}",
                             headers=bearer(receipt["token"]))
    assert status == 204
    place_tn = http.get(f"/collections/places/items/{PLACE}?lang=tn")["properties"]
    assert place_tn["name"] == "Gästgivars farm, Vallsta"
    status, _, _ = http.call("POST", f"/places/{PLACE}/translations", setswana(lang="sv"))
    assert status == 422  # the place already has its texts in Swedish


def test_retention_erases_a_rejected_translation(served, store, geo_app):
    from datetime import UTC, datetime, timedelta

    from trailapp import erasure

    http, who = Http(served), organisers(store)
    original = english_story(http, who["lobatse"])
    _, receipt, _ = http.call("POST", f"/contributions/{original['id']}/translations",
                              translation())
    status, _, _ = http.call("POST", f"/moderation/contributions/{receipt['id']}/reject",
                             {"reason": "Inte klar."}, who["bollnas"])
    assert status == 200
    erasure.purge_expired(store, geo_app.extensions["trailapp"].contributions,
                          now=datetime.now(UTC) + timedelta(days=31))
    assert [r[0] for r in rows(store)] == [original["id"]]


# -- joint activities ---------------------------------------------------------------


def joint_activity(**overrides) -> dict:
    """A video call between the two youth groups, organised at a Bollnäs place."""
    return story(**{"kind": "activity", "title": "Videosamtal med Lobatse",
                    "body": "Vi pratar med unga i Lobatse om våra platser.",
                    "starts_at": "2027-01-15T15:00:00Z", "ends_at": "2027-01-15T16:00:00Z",
                    "joint": True, **overrides})


def test_a_joint_activity_is_listed_synced_and_packed_in_both_towns(served, geo_app, store):
    http, who = Http(served), organisers(store)
    _, cursor = sync_all(geo_app.test_client())
    status, receipt, _ = http.call("POST", "/contributions", joint_activity())
    assert status == 201, receipt
    status, body, _ = http.call("POST", f"/moderation/contributions/{receipt['id']}/approve",
                                {}, who["bollnas"])
    assert status == 200, body
    for town in ("bollnas", "lobatse"):
        listed = http.get(f"/collections/activities/items?municipality={town}")
        assert [f["id"] for f in listed["features"]] == [receipt["id"]], town
    props = http.get(f"/collections/activities/items/{receipt['id']}")["properties"]
    assert props["joint"] is True
    assert props["starts_at"] == "2027-01-15T16:00:00+01:00"  # as stored, Bollnäs time
    assert props["local_times"]["bollnas"]["starts_at"] == "2027-01-15T16:00:00+01:00"
    assert props["local_times"]["lobatse"] == {
        "starts_at": "2027-01-15T17:00:00+02:00", "ends_at": "2027-01-15T18:00:00+02:00",
        "time_zone": "Africa/Gaborone"}
    changes, lobatse_cursor = sync_all(geo_app.test_client(), cursor,
                                       municipality="lobatse")
    assert receipt["id"] in [c["id"] for c in changes]
    info = pack_info(geo_app.test_client(), "lobatse", lang="en")
    with zipfile.ZipFile(io.BytesIO(geo_app.test_client().get(info["href"]).get_data())) as z:
        assert receipt["id"] in z.read("activities.en.geojson").decode()
    # Withdrawn: the Lobatse app hears of it too (a tombstone in its sync).
    status, _, _ = http.call("POST", f"/moderation/contributions/{receipt['id']}/withdraw",
                             {}, who["bollnas"])
    assert status == 200
    changes, _ = sync_all(geo_app.test_client(), lobatse_cursor, municipality="lobatse")
    assert [(c["id"], c["op"]) for c in changes if c["id"] == receipt["id"]] == [
        (receipt["id"], "delete")]


def test_an_activity_that_is_not_joint_stays_in_its_town(served, store):
    http, who = Http(served), organisers(store)
    _, receipt, _ = http.call("POST", "/contributions", joint_activity(joint=False))
    http.call("POST", f"/moderation/contributions/{receipt['id']}/approve", {},
              who["bollnas"])
    assert http.get("/collections/activities/items?municipality=lobatse")["features"] == []
    props = http.get(f"/collections/activities/items/{receipt['id']}")["properties"]
    assert "joint" not in props and "local_times" not in props
    status, body, _ = http.call("POST", "/contributions", story(joint=True))
    assert status == 422 and body["errors"][0]["field"] == "joint"


def test_an_organiser_of_its_town_marks_an_activity_joint(served, store):
    http, who = Http(served), organisers(store)
    _, receipt, _ = http.call("POST", "/contributions", joint_activity(joint=None))
    http.call("POST", f"/moderation/contributions/{receipt['id']}/approve", {},
              who["bollnas"])
    path = f"/moderation/contributions/{receipt['id']}/joint"
    before = rows(store, "SELECT id, joint, updated FROM contributions")
    status, body, _ = http.call("POST", path, {"joint": True}, who["lobatse"])
    assert (status, body["code"]) == (404, "NotFound")
    assert rows(store, "SELECT id, joint, updated FROM contributions") == before
    status, body, _ = http.call("POST", path, {"joint": True}, who["bollnas"])
    assert status == 200, body
    listed = http.get("/collections/activities/items?municipality=lobatse")
    assert [f["id"] for f in listed["features"]] == [receipt["id"]]
    status, body, _ = http.call("POST", path, {"joint": False}, who["bollnas"])
    assert status == 409  # published in both towns: withdraw it first
    status, body, _ = http.call("POST", path, {"joint": "maybe"}, who["bollnas"])
    assert status == 400
    _, story_receipt, _ = http.call("POST", "/contributions", story())
    status, body, _ = http.call("POST", f"/moderation/contributions/{story_receipt['id']}/joint",
                                {"joint": True}, who["bollnas"])
    assert status == 422 and body["errors"][0]["field"] == "joint"


def test_the_queue_shows_a_translation_beside_its_original(served, store, geo_app):
    from helpers.dashboard import PASSWORD, login

    from trailapp import auth

    http, who = Http(served), organisers(store)
    original = english_story(http, who["lobatse"])
    status, receipt, _ = http.call("POST", f"/contributions/{original['id']}/translations",
                                   translation())
    assert status == 201
    auth.create_organiser(store, "berit", PASSWORD, "moderator", ["bollnas"])
    client = geo_app.test_client()
    assert login(client, "berit").status_code == 302
    page = client.get("/dashboard?lang=sv").get_data(as_text=True)
    card = page[page.index(f'id="c-{receipt["id"]}"'):]
    card = card[:card.index("</li>")]
    assert "En översättning av den här texten; originalet:" in card
    assert "The court where people met" in card and "Quiet River 7" in card
    assert "Domstolen där folk möttes" in card  # the translation itself
    body = http.get(f"/moderation/contributions/{receipt['id']}", headers=who["bollnas"])
    assert body["original"] == {"target": "contribution", "id": original["id"],
                                "kind": "story", "status": "approved", "lang": "en",
                                "title": "The court where people met",
                                "body": "My grandfather told me that people walked here "
                                        "from far away.", "pseudonym": "Quiet River 7"}


def test_the_queue_filters_translations_and_names_their_kind(served, store, geo_app):
    from helpers.dashboard import PASSWORD, login

    from trailapp import auth

    http, who = Http(served), organisers(store)
    original = english_story(http, who["lobatse"])
    _, receipt, _ = http.call("POST", f"/contributions/{original['id']}/translations",
                              translation())
    listed = http.get("/moderation/queue?kind=translation", headers=who["bollnas"])
    assert [i["id"] for i in listed["items"]] == [receipt["id"]]
    assert http.get("/moderation/queue?kind=answer", headers=who["bollnas"])["items"] == []
    auth.create_organiser(store, "berit", PASSWORD, "moderator", ["bollnas"])
    client = geo_app.test_client()
    assert login(client, "berit").status_code == 302
    page = client.get("/dashboard?kind=translation&lang=sv").get_data(as_text=True)
    assert f'id="c-{receipt["id"]}"' in page
    assert "Översättning av en ung person" in page
