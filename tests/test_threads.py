"""Questions across (issue 13): a young person asks at a twin place, the other town's
young people reply; each town moderates its own young people; safeguarding flags block
approval until redacted; the thread is one request; withdrawal and erasure take the
whole thread off the public side (sync tombstones, packs rebuilt)."""

from __future__ import annotations

import io
import json
import urllib.request
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
from helpers.contributions import bearer, post_files, post_json
from helpers.dashboard import login
from helpers.exchange import (
    BOLLNAS_PLACE,
    LOBATSE_PLACE,
    active_twin,
    decide,
    organisers,
    question,
    reply,
    sync_all,
)
from helpers.media_files import jpeg_with_gps
from helpers.organisers import PASSWORD
from helpers.packs import pack_info
from helpers.store import INTEGRITY_ERRORS
from helpers.translations import translation

from trailapp import erasure, text


def _rows(store) -> list[tuple]:
    with store.reader() as r:
        return [tuple(row) for row in r.conn.execute(
            "SELECT id, status, flags, title, body FROM contributions ORDER BY id")]


def ask(client, who, approve: bool = True, **overrides) -> dict:
    r = post_json(client, question(**overrides))
    assert r.status_code == 201, r.get_json()
    receipt = r.get_json()
    if approve:
        assert decide(client, who["bollnas"], receipt["id"]).status_code == 200
    return receipt


def answer(client, who, question_id: str, approve: bool = True, **overrides) -> dict:
    r = post_json(client, reply(question_id, **overrides), addr="10.0.0.2")
    assert r.status_code == 201, r.get_json()
    receipt = r.get_json()
    if approve:
        assert decide(client, who["lobatse"], receipt["id"]).status_code == 200
    return receipt


# -- safeguarding flags, per language -------------------------------------------------

FLAGGED = [
    ("sv", "Ring mig på noll sju noll ett två tre fyra fem sex sju", "phone-words"),
    ("sv", "mitt nummer: noll sju 12 34 fem sex sju", "phone-words"),
    ("en", "call me zero seven one two three four five six seven", "phone-words"),
    ("en", "my number is oh seven 1 2 3 four five", "phone-words"),
    ("tn", "Founela mo go lefela supa nngwe pedi tharo nne tlhano", "phone-words"),
    ("en", "write to kim dot svensson at gmail dot com", "email"),
    ("sv", "maila kim snabel-a hotmail punkt se", "email"),
    ("en", "kim (at) gmail", "email"),
    ("en", "kim@example.com", "email"),
    ("en", "follow me @kim_99", "handle"),
    ("sv", "lägg till mig på snapchat", "contact-app"),
    ("sv", "adda mig på snap", "contact-app"),
    ("en", "my insta is kimmy", "contact-app"),
    ("en", "text me on WhatsApp", "contact-app"),
    ("en", "find me on discord", "contact-app"),
    ("tn", "ntshware mo snap", "contact-app"),
    ("en", "Let's meet at the station on Saturday", "meeting"),
    ("en", "come to my house after school", "meeting"),
    ("en", "where do you live?", "meeting"),
    ("sv", "Ska vi träffas på lördag?", "meeting"),
    ("sv", "ses vi vid stationen?", "meeting"),
    ("sv", "kom hem till mig", "meeting"),
    ("tn", "A re kopaneng kwa mmarakeng", "meeting"),
    ("tn", "O nna kae?", "meeting"),
]

ORDINARY = [
    ("sv", "Var träffas ungdomar i er stad?"),
    ("sv", "Vi ses! Hälsningar från Bollnäs."),
    ("sv", "Jag har en bror och tre systrar, vi är sex i familjen."),
    ("sv", "Ta en kik på bilden av stationen."),
    ("sv", "Tåget gick 1914-1918 varje dag."),
    ("en", "I snap a photo of the old station every summer."),
    ("en", "They sent a telegram from the station when the train came."),
    ("en", "The signal box stood at the end of the platform."),
    ("en", "We meet our friends at the kgotla on Sundays."),
    ("en", "The war lasted from 1939 to 1945; two of my great-grandfathers served."),
    ("tn", "Batho ba kopana fa go bua ka merafe."),
    ("tn", "Ke na le bana ba bararo le dikgomo di le pedi."),
]


@pytest.mark.parametrize(("lang", "sentence", "code"), FLAGGED)
def test_contact_details_and_requests_to_meet_are_flagged_as_blocking(lang, sentence, code):
    codes = [f["code"] for f in text.flags([sentence], lang)]
    assert code in codes
    assert code in text.blocking(text.flags([sentence], lang))


@pytest.mark.parametrize(("lang", "sentence"), ORDINARY)
def test_ordinary_sentences_get_no_safeguarding_flag(lang, sentence):
    assert text.blocking(text.flags([sentence], "tn")) == []  # tn: no profanity list


# -- asking and replying ----------------------------------------------------------------


def test_a_question_needs_a_place_with_an_active_twin(geo_client, store):
    r = post_json(geo_client, question())
    assert r.status_code == 422
    assert r.get_json()["errors"][0]["field"] == "place"
    assert _rows(store) == []


def test_questions_and_replies_are_text_only(geo_client, store):
    active_twin(geo_client, organisers(store))
    r = post_files(geo_client, question(people_in_media=False),
                   [("a.jpg", jpeg_with_gps())])
    assert r.status_code == 422
    assert r.get_json()["errors"][0]["field"] == "media"
    assert _rows(store) == []


@pytest.mark.parametrize("case", ["unknown", "pending", "same-town", "story", "not-twin"])
def test_a_reply_needs_a_published_question_of_the_other_town(geo_client, store, case):
    who = organisers(store)
    active_twin(geo_client, who)
    asked = ask(geo_client, who, approve=case != "pending")
    parent, place, field = asked["id"], LOBATSE_PLACE, "parent_id"
    if case == "unknown":
        parent = "0" * 24
    elif case == "same-town":
        place = BOLLNAS_PLACE
    elif case == "story":
        r = post_json(geo_client, question(kind="story"), addr="10.0.0.3")
        parent = r.get_json()["id"]
    elif case == "not-twin":
        place, field = "lob-keitseng-house", "place"
    before = _rows(store)
    r = post_json(geo_client, reply(parent, place=place), addr="10.0.0.2")
    assert r.status_code == 422, r.get_json()
    assert r.get_json()["errors"][0]["field"] == field
    assert _rows(store) == before


def test_only_a_reply_has_a_parent(geo_client, store):
    active_twin(geo_client, organisers(store))
    r = post_json(geo_client, question(parent_id="a" * 24))
    assert (r.status_code, r.get_json()["errors"][0]["field"]) == (422, "parent_id")


def test_the_journey_over_real_http(served, store):
    """Bollnäs asks in Swedish, Bollnäs approves; the Lobatse pack and sync carry it;
    Lobatse replies in English, Lobatse approves; the thread and the asker's token
    show the reply."""
    who = organisers(store)

    def call(method: str, path: str, body: dict | None = None, headers=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(served.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json",
                                              **(headers or {})})
        try:
            with urllib.request.urlopen(req) as r:  # noqa: S310 - loopback
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"null")

    from helpers.exchange import TWIN
    status, twin = call("POST", "/moderation/twins", TWIN, who["bollnas"])
    assert status == 201
    assert call("POST", f"/moderation/twins/{twin['id']}/accept", {}, who["lobatse"])[0] \
        == 200
    status, asked = call("POST", "/contributions", question(age_band="13-15"))
    assert status == 201 and asked["kind"] == "question"
    assert call("GET", f"/collections/questions/items/{asked['id']}")[0] == 404
    status, _ = call("POST", f"/moderation/contributions/{asked['id']}/approve", {},
                     who["bollnas"])
    assert status == 200
    status, listing = call("GET", f"/collections/questions/items?place={BOLLNAS_PLACE}")
    assert [f["id"] for f in listing["features"]] == [asked["id"]]
    props = listing["features"][0]["properties"]
    assert props["addressed_to"] == ["lobatse"]
    assert [p["id"] for p in props["twin_places"]] == [LOBATSE_PLACE]
    status, page = call("GET", "/sync?since=s0&municipality=lobatse&limit=1000")
    assert ("questions", asked["id"]) in {(c["collection"], c["id"])
                                          for c in page["changes"]}
    status, packs = call("GET", "/packs?lang=en")
    href = next(p for p in packs["packs"] if p["id"] == "lobatse")["href"]
    with urllib.request.urlopen(served.url + href if href.startswith("/") else href) as r:  # noqa: S310
        archive = zipfile.ZipFile(io.BytesIO(r.read()))
    assert [f["id"] for f in json.loads(archive.read("questions.en.geojson"))["features"]] \
        == [asked["id"]]

    status, replied = call("POST", "/contributions", reply(asked["id"]))
    assert status == 201
    status, _ = call("POST", f"/moderation/contributions/{replied['id']}/approve", {},
                     who["lobatse"])
    assert status == 200
    status, thread = call("GET", f"/questions/{asked['id']}/thread?lang=sv")
    assert status == 200
    assert thread["question"]["properties"]["name"] == "Var samlas ni?"
    assert [(r["id"], r["lang"], r["municipality"]) for r in thread["replies"]] == [
        (replied["id"], "en", "lobatse")]
    status, mine = call("GET", f"/contributions/{asked['id']}",
                        headers=bearer(asked["token"]))
    assert [r["body"] for r in mine["replies"]] == [reply("x")["body"]]
    status, theirs = call("GET", f"/contributions/{replied['id']}",
                          headers=bearer(replied["token"]))
    assert theirs["question"]["withdrawn"] is False

    # A Swedish young person translates the reply; Bollnäs (the translator's town)
    # approves; the thread in Swedish shows it with the marker, the original beside it.
    status, translated = call("POST", f"/contributions/{replied['id']}/translations",
                              translation(title="Vid kgotlan",
                                          body="Vi samlas vid kgotlan nära domstolen, "
                                               "och på fotbollen."))
    assert status == 201, translated
    assert call("POST", f"/moderation/contributions/{translated['id']}/approve", {},
                who["lobatse"])[0] == 404  # not the translator's town
    assert call("POST", f"/moderation/contributions/{translated['id']}/approve", {},
                who["bollnas"])[0] == 200
    status, thread = call("GET", f"/questions/{asked['id']}/thread?lang=sv")
    (shown,) = thread["replies"]
    assert (shown["lang"], shown["title"], shown["translated_by"]) == (
        "sv", "Vid kgotlan", "Snabb Räv 12")
    assert shown["translation"]["by_young_people"] is True
    assert shown["translation"]["label"] == "Översatt av unga"
    assert shown["translation"]["original"]["body"] == reply("x")["body"]
    status, thread = call("GET", f"/questions/{asked['id']}/thread?lang=en")
    assert thread["replies"][0]["body"] == reply("x")["body"]
    assert "translation" not in thread["replies"][0]


# -- who decides ---------------------------------------------------------------------------


def test_lobatse_cannot_decide_on_the_bollnas_question(geo_client, store):
    who = organisers(store)
    active_twin(geo_client, who)
    asked = ask(geo_client, who, approve=False)
    before = _rows(store)
    for action, body in (("approve", {}), ("reject", {"reason": "no"}),
                         ("redact", {"body": "x y z"})):
        r = decide(geo_client, who["lobatse"], asked["id"], action, **body)
        assert (r.status_code, r.get_json()["code"]) == (404, "NotFound")
    assert _rows(store) == before


def test_lobatse_decides_on_its_reply_to_a_bollnas_question_and_bollnas_cannot(geo_client,
                                                                              store):
    who = organisers(store)
    active_twin(geo_client, who)
    asked = ask(geo_client, who)
    replied = answer(geo_client, who, asked["id"], approve=False)
    before = _rows(store)
    r = decide(geo_client, who["bollnas"], replied["id"])
    assert (r.status_code, r.get_json()["code"]) == (404, "NotFound")
    assert _rows(store) == before
    queue = geo_client.get("/moderation/queue?kind=reply", headers=who["lobatse"]).get_json()
    [item] = queue["items"]
    assert item["question"]["id"] == asked["id"]
    assert item["question"]["title"] == "Var samlas ni?"
    r = decide(geo_client, who["lobatse"], replied["id"])
    assert (r.status_code, r.get_json()["status"]) == (200, "approved")


# -- safeguarding in moderation ---------------------------------------------------------


def test_a_flagged_question_is_approved_only_after_redaction(geo_client, store):
    who = organisers(store)
    active_twin(geo_client, who)
    body = "Lägg till mig på snapchat, ring noll sju noll ett två tre fyra fem sex"
    asked = ask(geo_client, who, approve=False, body=body)
    item = geo_client.get(f"/moderation/contributions/{asked['id']}",
                          headers=who["bollnas"]).get_json()
    assert item["approve_blocked_by"] == ["phone-words", "contact-app"]
    before = _rows(store)
    r = decide(geo_client, who["bollnas"], asked["id"])
    assert r.status_code == 422
    assert r.get_json()["errors"][0]["field"] == "flags"
    assert "phone-words" in r.get_json()["description"]
    assert _rows(store) == before
    assert geo_client.get("/collections/questions/items").get_json()["features"] == []
    r = decide(geo_client, who["bollnas"], asked["id"], "redact",
               body="[kontaktuppgifter borttagna av en vuxen]")
    assert r.status_code == 200
    assert r.get_json()["approve_blocked_by"] == []
    assert decide(geo_client, who["bollnas"], asked["id"]).status_code == 200
    features = geo_client.get("/collections/questions/items").get_json()["features"]
    assert [f["id"] for f in features] == [asked["id"]]


def test_a_flagged_story_stays_advisory(geo_client, store):
    r = post_json(geo_client, question(kind="story", body="add me on snapchat"))
    sid = r.get_json()["id"]
    who = organisers(store)
    assert decide(geo_client, who["bollnas"], sid).status_code == 200


def test_a_reply_to_a_withdrawn_question_cannot_be_approved(geo_client, store):
    who = organisers(store)
    active_twin(geo_client, who)
    asked = ask(geo_client, who)
    replied = answer(geo_client, who, asked["id"], approve=False)
    assert decide(geo_client, who["bollnas"], asked["id"], "withdraw").status_code == 200
    r = decide(geo_client, who["lobatse"], replied["id"])
    assert r.status_code == 409


# -- withdrawal and erasure ------------------------------------------------------------------


def test_withdrawing_a_question_takes_its_thread_down_and_tells_the_repliers(geo_client,
                                                                             store):
    who = organisers(store)
    active_twin(geo_client, who)
    asked = ask(geo_client, who)
    replied = answer(geo_client, who, asked["id"])
    _, since = sync_all(geo_client, municipality="lobatse", limit=1000)
    assert decide(geo_client, who["bollnas"], asked["id"], "withdraw").status_code == 200
    entries, _ = sync_all(geo_client, since, municipality="lobatse", limit=1000)
    assert {"collection": "questions", "id": asked["id"], "op": "delete"} in [
        {k: e[k] for k in ("collection", "id", "op")} for e in entries]
    assert geo_client.get(f"/questions/{asked['id']}/thread").status_code == 404
    mine = geo_client.get(f"/contributions/{replied['id']}",
                          headers=bearer(replied["token"])).get_json()
    assert mine["question"] == {"id": asked["id"], "href": None, "withdrawn": True,
                                "message": "the question was withdrawn"}
    assert decide(geo_client, who["bollnas"], asked["id"], "restore").status_code == 200
    thread = geo_client.get(f"/questions/{asked['id']}/thread").get_json()
    assert [r["id"] for r in thread["replies"]] == [replied["id"]]


def test_erasing_a_reply_by_token_removes_it_from_the_thread_sync_and_packs(geo_client,
                                                                            store):
    who = organisers(store)
    active_twin(geo_client, who)
    asked = ask(geo_client, who)
    marker = "Zebrakudu" + "marker"
    replied = answer(geo_client, who, asked["id"], body=f"We gather by the {marker}.")
    for town in ("bollnas", "lobatse"):  # built while the reply is public
        info = pack_info(geo_client, town, lang="en")
        archive = zipfile.ZipFile(io.BytesIO(geo_client.get(info["href"]).data))
        assert marker.encode() in archive.read("questions.en.geojson")
    _, since = sync_all(geo_client, municipality="bollnas", limit=1000)
    r = geo_client.delete(f"/contributions/{replied['id']}", headers=bearer(replied["token"]))
    assert r.status_code == 204
    thread = geo_client.get(f"/questions/{asked['id']}/thread").get_json()
    assert thread["replies"] == [] and thread["numberMatched"] == 0
    entries, _ = sync_all(geo_client, since, municipality="bollnas", limit=1000)
    upserts = [e for e in entries if e["id"] == asked["id"]]
    assert upserts and upserts[-1]["feature"]["properties"]["replies"] == []
    assert marker not in json.dumps(entries)
    for town in ("bollnas", "lobatse"):
        info = pack_info(geo_client, town, lang="en")
        archive = zipfile.ZipFile(io.BytesIO(geo_client.get(info["href"]).data))
        assert all(marker.encode() not in archive.read(n) for n in archive.namelist())


def test_erasing_a_question_by_token_tombstones_it_and_hides_its_replies(geo_app, geo_client,
                                                                        store):
    who = organisers(store)
    active_twin(geo_client, who)
    asked = ask(geo_client, who)
    replied = answer(geo_client, who, asked["id"])
    _, since = sync_all(geo_client, municipality="lobatse", limit=1000)
    r = geo_client.delete(f"/contributions/{asked['id']}", headers=bearer(asked["token"]))
    assert r.status_code == 204
    entries, _ = sync_all(geo_client, since, municipality="lobatse", limit=1000)
    assert [(e["collection"], e["id"], e["op"]) for e in entries
            if e["collection"] == "questions"] == [("questions", asked["id"], "delete")]
    mine = geo_client.get(f"/contributions/{replied['id']}",
                          headers=bearer(replied["token"])).get_json()
    assert (mine["status"], mine["question"]["withdrawn"]) == ("hidden", True)
    # retention erases the orphaned reply 30 days after its question went
    settings = geo_app.extensions["trailapp"].contributions
    erasure.purge_expired(store, settings, now=datetime.now(UTC) + timedelta(days=31))
    with store.reader() as reader:
        assert reader.contribution(replied["id"]) is None


def test_a_long_thread_is_paginated_in_order(geo_client, store):
    who = organisers(store)
    active_twin(geo_client, who)
    asked = ask(geo_client, who)
    ids = [answer(geo_client, who, asked["id"], body=f"Reply number {n} from us.",
                  client_id=None)["id"] for n in range(5)]
    first = geo_client.get(f"/questions/{asked['id']}/thread?limit=2").get_json()
    assert [r["id"] for r in first["replies"]] == ids[:2]
    assert first["numberMatched"] == 5
    nxt = next(link["href"] for link in first["links"] if link["rel"] == "next")
    second = geo_client.get(nxt).get_json()
    assert [r["id"] for r in second["replies"]] == ids[2:4]
    r = geo_client.get(f"/questions/{asked['id']}/thread?limit=0")
    assert (r.status_code, r.get_json()["errors"][0]["field"]) == (400, "limit")


@pytest.mark.sqlite_only  # counts statements with SQLite's trace callback
def test_a_thread_page_reads_its_replies_translations_in_one_query(geo_client, store):
    """Four replies in English, two translated into Swedish: in Swedish the page shows
    those two translated and the others as written, and reads the translations once for
    the page, not once per reply."""
    from trailapp import questions

    who = organisers(store)
    active_twin(geo_client, who)
    asked = ask(geo_client, who)
    ids = [answer(geo_client, who, asked["id"], body=f"Reply number {n} from us.",
                  client_id=None)["id"] for n in range(4)]
    for n, (parent, title) in enumerate([(ids[1], "Första"), (ids[3], "Tredje")]):
        r = geo_client.post(f"/contributions/{parent}/translations", json=translation(
            title=title, body=f"Svar nummer {n} från oss."),
            environ_base={"REMOTE_ADDR": f"10.0.7.{n}"})
        assert r.status_code == 201, r.get_json()
        assert decide(geo_client, who["bollnas"], r.get_json()["id"]).status_code == 200
    thread = geo_client.get(f"/questions/{asked['id']}/thread?lang=sv").get_json()
    assert [(r["id"], r["lang"], r["title"], "translation" in r) for r in thread["replies"]
            ] == [(ids[0], "en", "At the kgotla", False), (ids[1], "sv", "Första", True),
                  (ids[2], "en", "At the kgotla", False), (ids[3], "sv", "Tredje", True)]
    assert thread["replies"][1]["translation"]["original"]["body"] == "Reply number 1 from us."
    english = geo_client.get(f"/questions/{asked['id']}/thread?lang=en").get_json()
    assert [r["lang"] for r in english["replies"]] == ["en"] * 4
    statements: list[str] = []
    with store.reader() as reader:
        reader.conn.set_trace_callback(statements.append)
        try:
            again = questions.thread(reader, asked["id"], "sv", 50, 0)
        finally:
            reader.conn.set_trace_callback(None)
    assert [(r["id"], r["lang"], r["title"], r["body"]) for r in again["replies"]] == [
        (r["id"], r["lang"], r["title"], r["body"]) for r in thread["replies"]]
    assert len([s for s in statements if "kind = 'translation'" in s]) == 1


def test_the_migrated_database_keeps_the_reply_check(store):
    """A question with a parent, or a reply without one, cannot be stored at all."""
    with store.writer() as w, pytest.raises(INTEGRITY_ERRORS):
        w.conn.execute(
            "INSERT INTO contributions (id, kind, place_id, municipality, status, lang, "
            "title, body, pseudonym, age_band, consent_by, consent_notice_version, "
            "consent_at, token_hash, request_hash, text_hash, created, updated) VALUES "
            "('x', 'reply', 'p', 'bollnas', 'pending', 'sv', 't', 'b', 'ps', '13-15', "
            "'self', 'v', 'c', 'h', 'r', 'th', 'c', 'u')")


# -- the dashboard ----------------------------------------------------------------------------


def test_the_queue_shows_a_replys_question_and_that_approval_needs_redaction(geo_client,
                                                                             store):
    who = organisers(store)
    active_twin(geo_client, who)
    asked = ask(geo_client, who)
    answer(geo_client, who, asked["id"], approve=False,
           body="Nice! Add me on snapchat, my snap is kudu15")
    assert login(geo_client, "kabo", PASSWORD).status_code == 302
    page = geo_client.get("/dashboard?kind=reply&lang=sv").get_data(as_text=True)
    assert "Svar på den här frågan" in page
    assert "Var samlas ni?" in page  # the question beside the reply
    assert "Måste redigeras innan det kan godkännas" in page
    assert "App för att prata någon annanstans" in page


# -- statistics ---------------------------------------------------------------------------


def test_the_report_counts_questions_asked_and_answered_per_twin_pair(geo_client, store):
    from trailapp import auth, report

    who = organisers(store)
    active_twin(geo_client, who)
    asked = [ask(geo_client, who, title=f"Fråga {n}", body=f"Vad gör ni på vintern, {n}?")
             for n in range(5)]
    for q in asked[:3]:
        answer(geo_client, who, q["id"], body=f"We answer question {q['id']}.")
    token = who["bollnas"]["Authorization"].split(" ", 1)[1]
    built = report.build(store, auth.token_organiser(store, token), "bollnas", None, None,
                         "en")
    [section] = [s for s in built.sections if s.key == "exchange"]
    figures = dict(section.figures)
    pair = f"{BOLLNAS_PLACE} – {LOBATSE_PLACE}"
    table = built.table("exchange_by_pair")
    assert table.row_labels == [pair]
    [[asked, answered, replies, translations]] = table.cells
    assert asked.value == 5
    assert (answered.value, answered.hidden) == (None, "small")  # 3: fewer than 5
    assert (replies.hidden, translations.hidden) == ("small", "small")  # 3 and 0
    assert figures[f"{pair}: median days to a first reply"] == "0.0 days"
    # The organisers' statistics (JSON and the dashboard page) give the same per pair.
    stats = geo_client.get("/moderation/stats", headers=who["bollnas"]).get_json()
    [pair_stats] = stats["exchange"]
    assert (pair_stats["places"], pair_stats["questions"], pair_stats["answered"]) == (
        [BOLLNAS_PLACE, LOBATSE_PLACE], 5, 3)
    assert 0 <= pair_stats["median_days_to_first_reply"] < 0.01
    lobatse = geo_client.get("/moderation/stats", headers=who["lobatse"]).get_json()
    assert [p["questions"] for p in lobatse["exchange"]] == [5]  # a pair of both towns
    from helpers.dashboard import PASSWORD, login

    auth.create_organiser(store, "berit", PASSWORD, "moderator", ["bollnas"])
    assert login(geo_client, "berit").status_code == 302
    page = geo_client.get("/dashboard/statistics?lang=sv").get_data(as_text=True)
    section = page[page.index('<section id="exchange">'):]
    assert "Gästgivars i Vallsta" in section and "Dagar till första svaret" in section
    assert '<td class="num">5</td><td class="num">3</td>' in section


def test_a_pseudonym_that_names_an_app_blocks_a_question(geo_client, store):
    who = organisers(store)
    active_twin(geo_client, who)
    asked = ask(geo_client, who, approve=False, pseudonym="my insta kim99")
    r = decide(geo_client, who["bollnas"], asked["id"])
    assert (r.status_code, r.get_json()["errors"][0]["field"]) == (422, "flags")
    assert "contact-app" in r.get_json()["description"]


def test_a_question_follows_its_place_s_twins_as_they_end_and_begin(geo_client, store):
    who = organisers(store)
    twin = active_twin(geo_client, who)
    asked = ask(geo_client, who)
    _, cursor = sync_all(geo_client, municipality="lobatse", limit=1000)

    def shown() -> dict:
        return geo_client.get(f"/collections/questions/items/{asked['id']}").get_json()[
            "properties"]

    assert [p["id"] for p in shown()["twin_places"]] == [LOBATSE_PLACE]
    r = geo_client.post(f"/moderation/twins/{twin['id']}/end", headers=who["lobatse"])
    assert r.status_code == 200
    assert (shown()["addressed_to"], shown()["twin_places"]) == ([], [])
    entries, _ = sync_all(geo_client, since=cursor, municipality="lobatse", limit=1000)
    assert ("questions", asked["id"]) in {(c["collection"], c["id"]) for c in entries}
    # No reply can come while the place has no twin; a new twin addresses it again.
    r = post_json(geo_client, reply(asked["id"]), addr="10.0.0.2")
    assert (r.status_code, r.get_json()["errors"][0]["field"]) == (422, "place")
    active_twin(geo_client, who)
    assert shown()["addressed_to"] == ["lobatse"]
