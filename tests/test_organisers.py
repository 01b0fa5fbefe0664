"""Organisers: accounts, login limits, API tokens, the moderation API, the audit log,
statistics and exports, and looking after places and trails; through the services,
the CLI and the bearer-token API, on a real SQLite file."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import sqlite3
from collections import Counter
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from helpers.app import GEODATA, ON_POSTGRES, place, trail, write_geojson
from helpers.gpx import WALK, walk_length_m, write_gpx
from helpers.organisers import PASSWORD, add_organiser, bearer, submit, token_headers
from helpers.report import row, seed, seed_answers
from helpers.rfc7946 import validate
from helpers.store import count

from trailapp import auth, loader, moderation
from trailapp.ratelimit import TooManyRequests
from trailapp.times import rfc3339

EXPORT_COLUMNS = ["id", "kind", "municipality", "place", "lang", "title", "body", "pseudonym",
                  "published", "sdg_targets", "starts_at", "ends_at", "challenges_done_at_place"]
ACTIVITY = {"kind": "activity", "starts_at": "2027-06-10T16:00:00Z",
            "ends_at": "2027-06-10T18:00:00Z", "meeting_point": "Vid grinden", "capacity": 20}


@pytest.fixture
def team(geo_app, store) -> dict[str, dict[str, str]]:
    """Token headers of a Bollnäs moderator, a Lobatse moderator and an admin."""
    return {"bollnas": token_headers(store, add_organiser(store, "anna")),
            "lobatse": token_headers(store, add_organiser(store, "kabo",
                                                          municipalities=("lobatse",))),
            "admin": token_headers(store, add_organiser(store, "root", "admin", ()))}


@pytest.fixture
def anna(team) -> dict[str, str]:
    return team["bollnas"]


def row_of(store, contribution_id: str) -> dict:
    with store.reader() as r:
        return r.contribution(contribution_id)


def audit_of(store, object_id: str) -> list[dict]:
    """A contribution's, place's or trail's audit entries, oldest first."""
    with store.reader() as r:
        return list(reversed(r.audit_entries(None, object_id)))


def decide(client, headers: dict, contribution_id: str, action: str, body: dict | None = None):
    return client.post(f"/moderation/contributions/{contribution_id}/{action}",
                       headers=headers, json=body)


def public(client, contribution_id: str, collection: str = "stories"):
    return client.get(f"/collections/{collection}/items/{contribution_id}")


def seen_by_contributor(client, receipt: dict) -> dict:
    return client.get(f"/contributions/{receipt['id']}",
                      headers=bearer(receipt["token"])).get_json()


def set_created(store, contribution_id: str, when: datetime) -> None:
    with store.writer() as w:
        w.conn.execute("UPDATE contributions SET created = ? WHERE id = ?",
                       [rfc3339(when), contribution_id])


# -- accounts ----------------------------------------------------------------------


def test_a_fresh_database_has_no_organisers(store):
    assert count(store, "organisers") == 0


def test_a_password_is_stored_as_an_argon2id_hash(store):
    auth.create_organiser(store, "Anna", PASSWORD, "moderator", ["bollnas"])
    with store.reader() as r:
        row = r.organiser_by_name("anna")
    assert row["password_hash"].startswith("$argon2id$")
    assert PASSWORD not in json.dumps(row)
    assert (row["role"], json.loads(row["municipalities"])) == ("moderator", ["bollnas"])


@pytest.mark.parametrize("password, role, municipalities, message", [
    ("elva-tecken", "moderator", ["bollnas"], "at least 12 characters"),
    ("password1234", "moderator", ["bollnas"], "too common or simple"),
    ("Sommar2024!!", "moderator", ["bollnas"], "common word with digits or symbols"),
    (PASSWORD, "moderator", ["gavle"], "unknown municipalities: gavle"),
    (PASSWORD, "moderator", [], "a moderator works for at least one municipality"),
    (PASSWORD, "owner", ["bollnas"], "role must be one of moderator, admin"),
], ids=["short", "common", "common-swedish", "unknown-municipality",
        "moderator-without-municipality", "unknown-role"])
def test_create_organiser_refuses(store, password, role, municipalities, message):
    with pytest.raises(ValueError, match=message):
        auth.create_organiser(store, "anna", password, role, municipalities)
    assert count(store, "organisers") == 0


@pytest.mark.parametrize("username", ["\u3164\u3164", "anna\u3164", "an\u115fna",
                                      "\uffa0root", "anna\u1160"],
                         ids=["fillers-only", "filler-after", "choseong-filler",
                              "halfwidth-filler", "jungseong-filler"])
def test_a_user_name_with_a_hangul_filler_is_refused(store, username):
    """str.isalnum() takes the Hangul fillers for letters: "anna" and "anna" + U+3164
    would be two accounts that look the same (issue 10, finding 8)."""
    with pytest.raises(ValueError, match="user name: letters, digits"):
        auth.create_organiser(store, username, PASSWORD, "moderator", ["bollnas"])
    assert count(store, "organisers") == 0


def test_a_duplicate_name_is_refused_whatever_its_case(store):
    auth.create_organiser(store, "anna", PASSWORD, "moderator", ["bollnas"])
    with pytest.raises(ValueError, match="already an organiser called 'Anna'"):
        auth.create_organiser(store, "Anna", "a different long passphrase", "admin", [])
    assert count(store, "organisers") == 1


def test_cli_create_organiser_reads_the_password_from_stdin(runner, store):
    result = runner.invoke(args=["create-organiser", "anna", "--municipality", "bollnas",
                                 "--password-stdin"], input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert result.output == "Created moderator anna (id 1) for bollnas.\n"
    who = auth.authenticate(store, "anna", PASSWORD, "client-1", secret="test-only")
    assert (who.username, who.role, who.municipalities) == ("anna", "moderator", ("bollnas",))


def test_cli_create_organiser_refuses_a_weak_password_and_creates_nothing(runner, store):
    result = runner.invoke(args=["create-organiser", "anna", "--municipality", "bollnas",
                                 "--password-stdin"], input="Sommar2024!!\n")
    assert result.exit_code == 1
    assert result.output.startswith("Not created: the password is a common word")
    assert count(store, "organisers") == 0


# -- login limits -------------------------------------------------------------------


def test_the_eleventh_login_on_one_account_is_refused_even_with_the_right_password(store):
    add_organiser(store, "anna")
    for i in range(10):  # each from its own client: only the account's limit counts
        with pytest.raises(auth.Unauthorized):
            auth.authenticate(store, "anna", "a wrong guess", f"client-{i}", secret="test-only")
    with pytest.raises(TooManyRequests) as refused:
        auth.authenticate(store, "anna", PASSWORD, "client-new", secret="test-only")
    assert refused.value.status == 429
    assert 1 <= int(refused.value.headers["Retry-After"]) <= 901


def test_one_client_is_limited_across_accounts(store):
    add_organiser(store, "anna")
    for i in range(10):
        with pytest.raises(auth.Unauthorized):
            auth.authenticate(store, f"guess{i}", "a wrong guess", "client-1", secret="test-only")
    with pytest.raises(TooManyRequests):
        auth.authenticate(store, "anna", PASSWORD, "client-1", secret="test-only")
    who = auth.authenticate(store, "anna", PASSWORD, "client-2", secret="test-only")
    assert who.username == "anna"


def test_a_right_password_after_nine_failures_signs_in(store):
    add_organiser(store, "anna")
    for _ in range(9):
        with pytest.raises(auth.Unauthorized):
            auth.authenticate(store, "anna", "a wrong guess", "client-1", secret="test-only")
    who = auth.authenticate(store, "anna", PASSWORD, "client-1", secret="test-only")
    assert who.username == "anna"


def test_unknown_user_and_wrong_password_get_the_same_answer(store):
    add_organiser(store, "anna")
    with pytest.raises(auth.Unauthorized) as unknown:
        auth.authenticate(store, "nobody", PASSWORD, "client-1", secret="test-only")
    with pytest.raises(auth.Unauthorized) as wrong:
        auth.authenticate(store, "anna", "a wrong guess", "client-1", secret="test-only")
    assert unknown.value.to_dict() == wrong.value.to_dict() == {
        "code": "Unauthorized", "description": "Wrong user name or password.", "status": 401,
        "errors": []}


def test_a_disabled_organiser_cannot_sign_in(store):
    organiser_id = add_organiser(store, "anna")
    with store.writer() as w:
        w.conn.execute("UPDATE organisers SET disabled = 1 WHERE id = ?", [organiser_id])
    with pytest.raises(auth.Unauthorized):
        auth.authenticate(store, "anna", PASSWORD, "client-1", secret="test-only")


# -- API tokens ---------------------------------------------------------------------


def cli_token(runner, username: str = "anna") -> str:
    result = runner.invoke(args=["create-token", username, "--name", "weekly export"])
    assert result.exit_code == 0, result.output
    return result.output.splitlines()[-1]


def test_create_token_prints_it_once_and_stores_only_its_hash(runner, store):
    add_organiser(store, "anna")
    result = runner.invoke(args=["create-token", "anna", "--name", "weekly export"])
    token = result.output.splitlines()[-1]
    assert result.output.startswith("Token 1 for anna (weekly export). Keep it secret")
    assert token.startswith("tra_") and len(token) >= 40
    assert result.output.count(token) == 1
    with store.reader() as r:
        rows = [dict(row) for row in r.conn.execute("SELECT * FROM api_tokens")]
    assert len(rows) == 1
    assert rows[0]["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert token not in json.dumps(rows)


def test_a_token_name_is_stored_as_plain_text(runner, store):
    add_organiser(store, "anna")
    result = runner.invoke(args=["create-token", "anna", "--name",
                                 "<b>weekly</b>\u202e export\u200b"])
    assert result.exit_code == 0, result.output
    with store.reader() as r:
        assert r.conn.execute("SELECT name FROM api_tokens").fetchone()[0] == "weekly export"


def test_a_token_name_of_invisible_characters_is_refused(runner, store):
    add_organiser(store, "anna")
    result = runner.invoke(args=["create-token", "anna", "--name", "\u3164\u200b\u202e"])
    assert result.exit_code == 1
    assert result.output == "Not created: name is empty\n"
    assert count(store, "api_tokens") == 0


def test_a_token_opens_the_moderation_queue(runner, client, store):
    add_organiser(store, "anna")
    r = client.get("/moderation/queue", headers=bearer(cli_token(runner)))
    assert r.status_code == 200
    assert r.get_json() == {"items": [], "total": 0}
    assert r.headers["Cache-Control"] == "no-store"


def test_a_revoked_token_is_refused_at_once(runner, client, store):
    add_organiser(store, "anna")
    headers = bearer(cli_token(runner))
    assert client.get("/moderation/queue", headers=headers).status_code == 200
    result = runner.invoke(args=["revoke-token", "anna", "1"])
    assert (result.exit_code, result.output) == (0, "Revoked token 1.\n")
    r = client.get("/moderation/queue", headers=headers)
    assert r.status_code == 401 and r.get_json()["code"] == "Unauthorized"


def test_an_organiser_cannot_revoke_someone_elses_token(runner, client, store):
    add_organiser(store, "anna")
    add_organiser(store, "kabo", municipalities=("lobatse",))
    headers = bearer(cli_token(runner, "kabo"))
    result = runner.invoke(args=["revoke-token", "anna", "1"])
    assert (result.exit_code, result.output) == (1, "No such live token.\n")
    assert client.get("/moderation/queue", headers=headers).status_code == 200


def test_a_token_of_a_disabled_organiser_is_refused(client, store):
    organiser_id = add_organiser(store, "anna")
    headers = token_headers(store, organiser_id)
    with store.writer() as w:
        w.conn.execute("UPDATE organisers SET disabled = 1 WHERE id = ?", [organiser_id])
    assert client.get("/moderation/queue", headers=headers).status_code == 401


# -- the queue ----------------------------------------------------------------------


@pytest.fixture
def queue_set(geo_client, store, team) -> dict[str, str]:
    """Contributions in every state the queue filters on, by name."""
    ids = {
        "plain": submit(geo_client)["id"],
        "flagged": submit(geo_client, body="Ring mig på 070-123 45 67 efter skolan.")["id"],
        "activity": submit(geo_client, **ACTIVITY)["id"],
        "approved": submit(geo_client)["id"],
        "reported": submit(geo_client)["id"],
        "hidden": submit(geo_client)["id"],
        "lobatse": submit(geo_client, "lobatse")["id"],
    }
    for name in ("approved", "reported", "hidden"):
        moderation.approve(store, ids[name])
    moderation.withdraw(store, ids["hidden"])
    geo_client.post(f"/contributions/{ids['reported']}/reports", json={"reason": "untrue"},
                    environ_base={"REMOTE_ADDR": "10.200.0.1"})
    return ids


@pytest.mark.parametrize("query, expected", [
    ("", {"plain", "flagged", "activity", "lobatse"}),
    ("municipality=bollnas", {"plain", "flagged", "activity"}),
    ("municipality=lobatse", {"lobatse"}),
    ("kind=activity", {"activity"}),
    ("kind=story", {"plain", "flagged", "lobatse"}),
    ("status=approved", {"approved", "reported"}),
    ("status=hidden", {"hidden"}),
    ("flagged=true", {"flagged"}),
    ("flagged=false", {"plain", "activity", "lobatse"}),
    ("status=approved&reported=true", {"reported"}),
    ("status=approved&reported=false", {"approved"}),
])
def test_queue_filters(geo_client, team, queue_set, query, expected):
    r = geo_client.get(f"/moderation/queue?{query}", headers=team["admin"])
    assert r.status_code == 200
    names = {name for name, cid in queue_set.items()
             if cid in {item["id"] for item in r.get_json()["items"]}}
    assert names == expected
    assert r.get_json()["total"] == len(expected)


def test_the_queue_is_oldest_first(geo_client, store, anna):
    ids = [submit(geo_client)["id"] for _ in range(3)]
    now = datetime.now(UTC)
    for cid, days_ago in zip(ids, (1, 3, 2), strict=True):
        set_created(store, cid, now - timedelta(days=days_ago))
    items = geo_client.get("/moderation/queue", headers=anna).get_json()["items"]
    assert [item["id"] for item in items] == [ids[1], ids[2], ids[0]]


def test_queue_items_show_their_flags_with_reasons(geo_client, team, queue_set):
    r = geo_client.get("/moderation/queue?flagged=true", headers=team["bollnas"])
    [item] = r.get_json()["items"]
    assert item["flags"] == [{"code": "phone",
                              "reason": "contains a phone number (personal data)"}]


def test_queue_items_show_their_reports(geo_client, team, queue_set):
    r = geo_client.get("/moderation/queue?status=approved&reported=true",
                       headers=team["bollnas"])
    [item] = r.get_json()["items"]
    assert item["report_count"] == 1
    assert [(x["reason"], x["note"]) for x in item["reports"]] == [("untrue", None)]


# -- decisions ----------------------------------------------------------------------


def test_approve_without_a_body_tags_both_agenda_2030_targets(geo_client, store, anna):
    cid = submit(geo_client)["id"]
    r = decide(geo_client, anna, cid, "approve")
    assert r.status_code == 200
    assert (r.get_json()["status"], r.get_json()["decided_by"]) == ("approved", "anna")
    assert sorted(r.get_json()["sdg_targets"]) == ["11.4", "4.7"]
    feature = public(geo_client, cid).get_json(force=True)
    assert sorted(feature["properties"]["sdg_targets"]) == ["11.4", "4.7"]


def test_approve_with_chosen_agenda_2030_targets(geo_client, anna):
    cid = submit(geo_client)["id"]
    r = decide(geo_client, anna, cid, "approve", {"sdg_targets": ["11.4"]})
    assert r.get_json()["sdg_targets"] == ["11.4"]
    assert public(geo_client, cid).get_json(force=True)["properties"]["sdg_targets"] == ["11.4"]


def test_an_unknown_agenda_2030_target_is_refused(geo_client, store, anna):
    cid = submit(geo_client)["id"]
    r = decide(geo_client, anna, cid, "approve", {"sdg_targets": ["17.1"]})
    assert r.status_code == 400 and r.get_json()["code"] == "InvalidParameterValue"
    assert r.get_json()["errors"][0]["field"] == "sdg_targets.0"
    assert row_of(store, cid)["status"] == "pending"


# Regression: a body that failed its model raised pydantic's error, answered 500.
@pytest.mark.parametrize("action, body, field", [
    ("reject", {"template": "rude"}, "template"),
    ("redact", {"text": "Ny text"}, "text"),
    ("withdraw", {"reason": 5}, "reason"),
    ("bulk", {"action": "delete"}, "action"),
])
def test_a_malformed_body_is_refused_naming_the_field(geo_client, store, anna, action, body,
                                                      field):
    cid = submit(geo_client)["id"]
    moderation.approve(store, cid)
    before = row_of(store, cid)
    if action == "bulk":
        r = geo_client.post("/moderation/bulk", headers=anna, json={**body, "ids": [cid]})
    else:
        r = decide(geo_client, anna, cid, action, body)
    assert r.status_code == 400
    assert [e["field"] for e in r.get_json()["errors"]] == [field]
    assert row_of(store, cid) == before


@pytest.mark.parametrize("who", ["bollnas", "admin"])
def test_an_unknown_contribution_is_not_found(geo_client, team, who):
    r = geo_client.get(f"/moderation/contributions/{'0' * 24}", headers=team[who])
    assert r.status_code == 404 and r.get_json()["code"] == "NotFound"


def test_an_approved_story_is_public_at_once(geo_client, anna):
    cid = submit(geo_client, title="Synlig direkt")["id"]
    before = geo_client.get("/collections/stories/items").get_json(force=True)
    assert before["features"] == []  # also puts the empty page in the response cache
    decide(geo_client, anna, cid, "approve")
    after = geo_client.get("/collections/stories/items").get_json(force=True)
    assert [(f["id"], f["properties"]["name"]) for f in after["features"]] == [
        (cid, "Synlig direkt")]


def test_a_free_text_rejection_reaches_the_contributor(geo_client, anna):
    receipt = submit(geo_client)
    r = decide(geo_client, anna, receipt["id"], "reject",
               {"reason": "Texten nämner en klasskompis med namn."})
    assert r.status_code == 200 and r.get_json()["status"] == "rejected"
    seen = seen_by_contributor(geo_client, receipt)
    assert (seen["status"], seen["rejection_reason"]) == (
        "rejected", "Texten nämner en klasskompis med namn.")


@pytest.mark.parametrize("lang, shown_in", [("sv", "sv"), ("en", "en"), ("tn", "en")])
def test_a_template_rejection_reaches_the_contributor_in_their_language(geo_client, anna,
                                                                        lang, shown_in):
    receipt = submit(geo_client, lang=lang)
    decide(geo_client, anna, receipt["id"], "reject", {"template": "personal-data"})
    assert seen_by_contributor(geo_client, receipt)["rejection_reason"] == \
        moderation.REJECTION_REASONS["personal-data"][shown_in]


def test_a_rejection_needs_a_reason(geo_client, store, anna):
    cid = submit(geo_client)["id"]
    r = decide(geo_client, anna, cid, "reject", {})
    assert r.status_code == 400 and r.get_json()["errors"][0]["field"] == "reason"
    assert row_of(store, cid)["status"] == "pending"


# Reasons an organiser types are stored as plain text, by the rules of contributions
# (issue 10, finding 12): the contributor reads a rejection reason through their token.
@pytest.mark.parametrize("action, reason, shown", [
    ("reject", "<b>Texten</b> nämner\u202e en <script>x</script>klasskompis.",
     "Texten nämner en klasskompis."),
    ("withdraw", "Fel\u200b <i>plats</i>\u2066.\u2069", "Fel plats."),
], ids=["reject", "withdraw"])
def test_an_organisers_reason_is_stored_as_plain_text(geo_client, store, anna, action,
                                                      reason, shown):
    receipt = submit(geo_client)
    if action == "withdraw":
        moderation.approve(store, receipt["id"])
    r = decide(geo_client, anna, receipt["id"], action, {"reason": reason})
    assert r.status_code == 200, r.get_json()
    column = "rejection_reason" if action == "reject" else "hidden_reason"
    assert row_of(store, receipt["id"])[column] == shown
    assert json.loads(audit_of(store, receipt["id"])[-1]["after"])[column] == shown


@pytest.mark.parametrize("action", ["reject", "withdraw", "bulk-reject"])
@pytest.mark.parametrize("reason", ["\u3164\u3164", "\u200b\u202e\u2066", "\u2800 \u2800",
                                    "<b></b>", "..."],
                         ids=["hangul-fillers", "invisible", "braille-blank", "tags-only",
                              "dots-only"])
def test_an_organisers_reason_with_nothing_visible_is_refused(geo_client, store, anna,
                                                              action, reason):
    cid = submit(geo_client)["id"]
    if action == "withdraw":
        moderation.approve(store, cid)
    before = row_of(store, cid)["status"]
    if action == "bulk-reject":
        r = geo_client.post("/moderation/bulk", headers=anna,
                            json={"action": "reject", "ids": [cid], "reason": reason})
        assert r.status_code == 200 and r.get_json()["results"][0]["status"] == 422
    else:
        r = decide(geo_client, anna, cid, action, {"reason": reason})
        assert r.status_code == 422
        assert r.get_json()["errors"] == [{"field": "reason", "message": r.get_json()[
            "errors"][0]["message"]}]
    assert row_of(store, cid)["status"] == before


def test_withdraw_takes_a_story_off_the_public_side(geo_client, store, anna):
    receipt = submit(geo_client)
    moderation.approve(store, receipt["id"])
    r = decide(geo_client, anna, receipt["id"], "withdraw", {"reason": "Fel plats."})
    assert (r.get_json()["status"], r.get_json()["hidden_reason"]) == ("hidden", "Fel plats.")
    assert public(geo_client, receipt["id"]).status_code == 404
    assert seen_by_contributor(geo_client, receipt)["hidden"] is True


def test_restore_publishes_again_and_clears_the_reports(geo_client, store, anna):
    cid = submit(geo_client)["id"]
    moderation.approve(store, cid)
    for addr in ("10.201.0.1", "10.201.0.2"):
        geo_client.post(f"/contributions/{cid}/reports", json={"reason": "untrue"},
                        environ_base={"REMOTE_ADDR": addr})
    decide(geo_client, anna, cid, "withdraw")
    r = decide(geo_client, anna, cid, "restore")
    assert (r.get_json()["status"], r.get_json()["report_count"]) == ("approved", 0)
    assert r.get_json()["reports"] == [] and count(store, "reports") == 0
    assert public(geo_client, cid).status_code == 200


def test_redact_changes_the_public_text_at_once(geo_client, store, anna):
    cid = submit(geo_client, body="Jag och Lisa Andersson från 7B var här.")["id"]
    moderation.approve(store, cid)
    r = decide(geo_client, anna, cid, "redact", {"body": "Jag och Lisa var här."})
    assert r.status_code == 200 and r.get_json()["body"] == "Jag och Lisa var här."
    props = public(geo_client, cid).get_json(force=True)["properties"]
    assert props["description"] == "Jag och Lisa var här."
    assert "Andersson" not in geo_client.get("/collections/stories/items").get_data(as_text=True)


@pytest.mark.parametrize("field", ["title", "body"])
def test_a_redaction_to_invisible_characters_only_is_refused(geo_client, store, anna, field):
    cid = submit(geo_client)["id"]
    before = row_of(store, cid)[field]
    r = decide(geo_client, anna, cid, "redact", {field: "\u200b\u3164\u202e"})
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == field
    assert row_of(store, cid)[field] == before


def test_a_redaction_is_stored_as_plain_text(geo_client, store, anna):
    cid = submit(geo_client)["id"]
    r = decide(geo_client, anna, cid, "redact", {"body": "Jag\u202e och <b>Lisa</b>\u200b."})
    assert r.status_code == 200 and row_of(store, cid)["body"] == "Jag och Lisa."


def test_redact_keeps_the_original_text_in_the_audit_log(geo_client, store, anna):
    cid = submit(geo_client, body="Jag och Lisa Andersson från 7B var här.")["id"]
    decide(geo_client, anna, cid, "redact", {"body": "Jag och Lisa var här."})
    entry = audit_of(store, cid)[-1]
    assert (entry["action"], entry["organiser"]) == ("redact", "anna")
    assert json.loads(entry["before"])["body"] == "Jag och Lisa Andersson från 7B var här."
    assert json.loads(entry["after"])["body"] == "Jag och Lisa var här."


def test_bulk_decides_each_id_on_its_own(geo_client, store, anna):
    first, last = submit(geo_client)["id"], submit(geo_client)["id"]
    lobatse = submit(geo_client, "lobatse")["id"]
    approved = submit(geo_client)["id"]
    moderation.approve(store, approved)
    unknown = "0" * 24
    r = geo_client.post("/moderation/bulk", headers=anna, json={
        "action": "approve", "ids": [first, lobatse, unknown, approved, last]})
    assert r.status_code == 200
    assert [(x["id"], x["status"], x.get("state")) for x in r.get_json()["results"]] == [
        (first, 200, "approved"), (lobatse, 404, None), (unknown, 404, None),
        (approved, 409, None), (last, 200, "approved")]
    assert [row_of(store, cid)["status"] for cid in (first, last, lobatse)] == [
        "approved", "approved", "pending"]


def test_bulk_reject_with_a_template(geo_client, store, anna):
    ids = [submit(geo_client)["id"], submit(geo_client, lang="en")["id"]]
    r = geo_client.post("/moderation/bulk", headers=anna,
                        json={"action": "reject", "ids": ids, "template": "off-topic"})
    assert [x["state"] for x in r.get_json()["results"]] == ["rejected", "rejected"]
    assert [row_of(store, cid)["rejection_reason"] for cid in ids] == [
        moderation.REJECTION_REASONS["off-topic"]["sv"],
        moderation.REJECTION_REASONS["off-topic"]["en"]]


def _into(store, cid: str, state: str) -> None:
    """Bring a pending contribution into a state with the services (as the CLI would)."""
    if state in ("approved", "hidden"):
        moderation.approve(store, cid)
    if state == "hidden":
        moderation.withdraw(store, cid)
    if state == "rejected":
        moderation.reject(store, cid, "Inte om platsen.")


@pytest.mark.parametrize("state, action", [
    ("approved", "approve"), ("rejected", "approve"), ("hidden", "approve"),
    ("approved", "reject"), ("rejected", "reject"),
    ("pending", "withdraw"), ("rejected", "withdraw"), ("hidden", "withdraw"),
    ("pending", "restore"), ("approved", "restore"), ("rejected", "restore"),
])
def test_an_invalid_transition_is_a_conflict(geo_client, store, anna, state, action):
    cid = submit(geo_client)["id"]
    _into(store, cid, state)
    before = row_of(store, cid)
    r = decide(geo_client, anna, cid, action, {"reason": "Inte om platsen."}
               if action == "reject" else None)
    assert r.status_code == 409 and r.get_json()["code"] == "Conflict"
    assert row_of(store, cid) == before


# -- the audit log ------------------------------------------------------------------


@pytest.mark.parametrize("state, action, body, logged, after", [
    ("pending", "approve", None, "approve", "approved"),
    ("pending", "reject", {"template": "unkind"}, "reject", "rejected"),
    ("approved", "withdraw", None, "withdraw", "hidden"),
    ("hidden", "restore", None, "restore", "approved"),
    ("approved", "redact", {"title": "Ny rubrik"}, "redact", "approved"),
])
def test_every_decision_is_audited(geo_client, store, anna, state, action, body, logged,
                                   after):
    cid = submit(geo_client)["id"]
    _into(store, cid, state)
    decide(geo_client, anna, cid, action, body)
    entry = audit_of(store, cid)[-1]
    assert (entry["organiser"], entry["action"], entry["object_type"],
            entry["municipality"]) == ("anna", logged, "contribution", "bollnas")
    assert datetime.fromisoformat(entry["at"]).tzinfo is not None
    assert json.loads(entry["before"])["status"] == state
    assert json.loads(entry["after"])["status"] == after


#: What a refused write raises: SQLite's RAISE(ABORT) or PostgreSQL's RAISE EXCEPTION.
REFUSED = (sqlite3.IntegrityError, psycopg.errors.RaiseException)


def open_database(app):
    """A plain connection to the app's database, as any other program could open (the
    SQLite file, or the PostgreSQL database), committing each statement."""
    if ON_POSTGRES:
        return psycopg.connect(app.config["DATABASE"], autocommit=True)
    return sqlite3.connect(app.config["DATABASE"], isolation_level=None)


@pytest.fixture
def audited(geo_app, geo_client, store, anna) -> str:
    cid = submit(geo_client)["id"]
    decide(geo_client, anna, cid, "approve")
    return cid


@pytest.mark.parametrize("statement", [
    "UPDATE audit SET organiser = 'mallory'",
    "UPDATE audit SET after = '{}'",
    "DELETE FROM audit",
])
def test_the_audit_log_refuses_changes(geo_app, store, audited, statement):
    conn = open_database(geo_app)
    with pytest.raises(REFUSED, match="append-only"):
        conn.execute(statement)
    conn.close()
    assert [e["organiser"] for e in audit_of(store, audited)] == ["anna"]


def test_the_audit_log_allows_the_erasure_blanking(geo_app, store, audited):
    conn = open_database(geo_app)
    conn.execute("UPDATE audit SET before = '\"erased\"', after = '\"erased\"'")
    conn.close()
    [entry] = audit_of(store, audited)
    assert (entry["organiser"], entry["before"], entry["after"]) == (
        "anna", '"erased"', '"erased"')


def test_the_erasure_blanking_cannot_rewrite_who_did_it(geo_app, store, audited):
    conn = open_database(geo_app)
    try:
        conn.execute("UPDATE audit SET before = '\"erased\"', after = '\"erased\"', "
                     "organiser = 'mallory'")
    except REFUSED:
        pass
    conn.close()
    assert [e["organiser"] for e in audit_of(store, audited)] == ["anna"]


def test_erasure_by_the_contributor_blanks_their_text_in_the_audit_log(geo_client, store,
                                                                      anna):
    receipt = submit(geo_client, body="Min moster Karin Berg bor granne med gården.")
    cid = receipt["id"]
    decide(geo_client, anna, cid, "approve")
    decide(geo_client, anna, cid, "redact", {"body": "Min moster bor granne med gården."})
    kept = [(e["id"], e["at"], e["organiser"], e["action"]) for e in audit_of(store, cid)]
    r = geo_client.delete(f"/contributions/{cid}", headers=bearer(receipt["token"]))
    assert r.status_code == 204
    entries = audit_of(store, cid)
    assert [(e["id"], e["at"], e["organiser"], e["action"]) for e in entries[:-1]] == kept
    assert (entries[-1]["organiser"], entries[-1]["action"]) == ("contributor", "erase")
    assert {(e["before"], e["after"]) for e in entries} == {('"erased"', '"erased"')}
    with store.reader() as reader:
        log = "".join(f"{r[0]}{r[1]}" for r in reader.conn.execute(
            "SELECT before, after FROM audit").fetchall())
    assert "moster" not in log and "erased" in log


def test_a_moderator_reads_only_their_municipalities_audit_entries(geo_client, team):
    bollnas, lobatse = submit(geo_client)["id"], submit(geo_client, "lobatse")["id"]
    decide(geo_client, team["bollnas"], bollnas, "approve")
    decide(geo_client, team["lobatse"], lobatse, "approve")

    def logged(who: str) -> set[tuple[str, str]]:
        r = geo_client.get("/moderation/audit", headers=team[who])
        return {(e["object_id"], e["municipality"]) for e in r.get_json()["entries"]}

    assert logged("bollnas") == {(bollnas, "bollnas")}
    assert logged("lobatse") == {(lobatse, "lobatse")}
    assert logged("admin") == {(bollnas, "bollnas"), (lobatse, "lobatse")}


# -- statistics and exports ---------------------------------------------------------

# A known set: (name, municipality, fields, days before now it came, decision).
KNOWN = [
    ("b1", "bollnas", {"lang": "sv", "age_band": "13-15"}, 80, ("approve", None)),
    ("b2", "bollnas", {"lang": "en", "age_band": "16-17"}, 50, ("reject", None)),
    ("b3", "bollnas", {**ACTIVITY, "place": "bol-renshammar", "lang": "sv",
                       "age_band": "13-15"}, 35, ("approve", ["4.7"])),
    ("b4", "bollnas", {"place": "bol-renshammar", "lang": "sv", "age_band": "18+"}, 34, None),
    ("l1", "lobatse", {"lang": "en", "age_band": "16-17"}, 49, ("approve", None)),
    ("l2", "lobatse", {"place": "lob-town", "lang": "en", "age_band": "18+"}, 20, None),
]


@pytest.fixture
def known(geo_client, store, team) -> dict[str, dict]:
    """The KNOWN set, submitted, dated and decided; each with its created time."""
    now = datetime.now(UTC)
    out = {}
    for name, municipality, fields, days_ago, decision in KNOWN:
        cid = submit(geo_client, municipality, **fields)["id"]
        created = now - timedelta(days=days_ago)
        set_created(store, cid, created)
        if decision is not None:
            action, targets = decision
            body = {"reason": "Inte om platsen."} if action == "reject" else (
                {"sdg_targets": targets} if targets else None)
            assert decide(geo_client, team["admin"], cid, action, body).status_code == 200
        out[name] = {"id": cid, "created": rfc3339(created)}
    return out


def stats(client, headers, query: str = "") -> dict:
    r = client.get(f"/moderation/stats{query}", headers=headers)
    assert r.status_code == 200
    return r.get_json()


@pytest.mark.parametrize("group, expected", [
    ("by_municipality", [("bollnas", "approved", 2), ("bollnas", "pending", 1),
                         ("bollnas", "rejected", 1), ("lobatse", "approved", 1),
                         ("lobatse", "pending", 1)]),
    ("by_place", [("bollnas", "bol-gastgivars", "approved", 1),
                  ("bollnas", "bol-gastgivars", "rejected", 1),
                  ("bollnas", "bol-renshammar", "approved", 1),
                  ("bollnas", "bol-renshammar", "pending", 1),
                  ("lobatse", "lob-high-court", "approved", 1),
                  ("lobatse", "lob-town", "pending", 1)]),
    ("by_kind", [("bollnas", "activity", "approved", 1), ("bollnas", "story", "approved", 1),
                 ("bollnas", "story", "pending", 1), ("bollnas", "story", "rejected", 1),
                 ("lobatse", "story", "approved", 1), ("lobatse", "story", "pending", 1)]),
    ("by_language", [("bollnas", "en", "rejected", 1), ("bollnas", "sv", "approved", 2),
                     ("bollnas", "sv", "pending", 1), ("lobatse", "en", "approved", 1),
                     ("lobatse", "en", "pending", 1)]),
])
def test_stats_count_a_known_set(geo_client, team, known, group, expected):
    rows = stats(geo_client, team["admin"])[group]
    assert [tuple(row.values()) for row in rows] == expected


def test_stats_by_age_band_hide_every_count_under_5_of_a_known_set(geo_client, team,
                                                                       known):
    rows = stats(geo_client, team["admin"])["by_age_band"]
    # Every band of each municipality and status with contributions, zero included: all
    # of the known set's are under 5.
    assert len(rows) == 4 * 5
    assert {(r["count"], r["hidden"]) for r in rows} == {(None, "fewer than 5")}


def test_stats_by_age_band_never_give_a_small_band_away(geo_client, store, team):
    """A Bollnäs place with six 13-15-year-olds and one under 13: the band of one child
    is hidden, and so is the band of six (7 - 6 would give the one away)."""
    seed(store, [row("2026-03-01T09:00:00Z", age_band="13-15") for _ in range(6)]
         + [row("2026-03-01T09:00:00Z", age_band="under-13")])
    figures = stats(geo_client, team["bollnas"])
    assert [(r["municipality"], r["status"], r["count"]) for r in figures["by_municipality"]
            ] == [("bollnas", "pending", 7)]
    bands = {r["age_band"]: (r["count"], r["hidden"]) for r in figures["by_age_band"]}
    assert bands == {"under-13": (None, "fewer than 5"), "13-15": (None, "not shown"),
                     "16-17": (None, "fewer than 5"), "18+": (None, "fewer than 5")}
    # Seven 16-17-year-olds and four adults more: the hidden bands add up to 5 (1 + 4),
    # which no subtraction can split, so the bands of six and seven are shown.
    seed(store, [row("2026-03-02T09:00:00Z", age_band="16-17") for _ in range(7)]
         + [row("2026-03-02T09:00:00Z", age_band="18+") for _ in range(4)])
    bands = {r["age_band"]: r["count"] for r in stats(geo_client, team["bollnas"])[
        "by_age_band"]}
    assert bands == {"under-13": None, "13-15": 6, "16-17": 7, "18+": None}


def test_stats_count_by_month(geo_client, team, known):
    decisions = {"b1": "approved", "b2": "rejected", "b3": "approved", "b4": "pending",
                 "l1": "approved", "l2": "pending"}
    expected = Counter((name[0], known[name]["created"][:7], status)
                       for name, status in decisions.items())
    rows = stats(geo_client, team["admin"])["by_month"]
    assert {(r["municipality"][0], r["month"], r["status"]): r["count"] for r in rows} == \
        dict(expected)


def test_stats_of_a_moderator_cover_only_their_municipality(geo_client, team, known):
    figures = stats(geo_client, team["bollnas"])
    assert (figures["municipalities"], figures["total"]) == (["bollnas"], 4)
    assert {row["municipality"] for row in figures["by_place"]} == {"bollnas"}


def test_time_to_decision_is_counted_for_decided_contributions(geo_client, team, known):
    times = stats(geo_client, team["admin"])["time_to_decision_hours"]
    assert times["decided"] == 4  # b1, b2, b3 and l1; 80, 50, 35 and 49 days after arrival
    assert times["median"] == pytest.approx((49 + 50) / 2 * 24, abs=0.5)
    assert times["p90"] >= times["median"] >= 0


def test_agenda_2030_counts_approved_contributions(geo_client, team, known):
    # b1 and l1 carry both targets by default, b3 only 4.7; the rejected b2 none.
    assert stats(geo_client, team["admin"])["agenda_2030"] == {"4.7": 3, "11.4": 2}
    assert stats(geo_client, team["bollnas"])["agenda_2030"] == {"4.7": 2, "11.4": 1}


def csv_rows(client, headers, query: str = "") -> list[list[str]]:
    r = client.get(f"/moderation/export.csv{query}", headers=headers)
    assert r.status_code == 200 and r.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(r.get_data(as_text=True))))


def test_csv_export_has_exactly_the_documented_columns(geo_client, team, known):
    header = csv_rows(geo_client, team["admin"])[0]
    assert header == EXPORT_COLUMNS
    assert not {"age_band", "consent_by", "flags"} & set(header)


@pytest.mark.parametrize("who, query, expected", [
    ("admin", "", {"b1", "b3", "l1"}),
    ("admin", "?municipality=lobatse", {"l1"}),
    ("bollnas", "", {"b1", "b3"}),
    ("lobatse", "", {"l1"}),
])
def test_csv_export_holds_approved_items_of_the_organisers_municipalities(
        geo_client, team, known, who, query, expected):
    rows = csv_rows(geo_client, team[who], query)[1:]
    assert {row[0] for row in rows} == {known[name]["id"] for name in expected}


def test_csv_export_rows_hold_the_published_values(geo_client, team, known):
    rows = {row[0]: dict(zip(EXPORT_COLUMNS, row, strict=True))
            for row in csv_rows(geo_client, team["bollnas"])[1:]}
    activity = rows[known["b3"]["id"]]
    assert (activity["kind"], activity["place"], activity["lang"], activity["sdg_targets"],
            activity["starts_at"]) == ("activity", "bol-renshammar", "sv", "4.7",
                                       "2027-06-10T18:00:00+02:00")
    assert rows[known["b1"]["id"]]["pseudonym"] == "Modig Lo 42"


def test_csv_export_neutralises_formulas(geo_client, store, anna):
    cid = submit(geo_client, title='=HYPERLINK("https://example.com","Klicka")',
                 body="@SUM(A1:A9) och +1 till")["id"]
    moderation.approve(store, cid)
    [row] = csv_rows(geo_client, anna)[1:]
    cells = dict(zip(EXPORT_COLUMNS, row, strict=True))
    assert cells["title"] == "'=HYPERLINK(\"https://example.com\",\"Klicka\")"
    assert cells["body"] == "'@SUM(A1:A9) och +1 till"


def test_exports_carry_the_challenges_done_at_each_place_small_numbers_hidden(
        geo_client, store, team, known):
    done = {"status": "approved", "decided_at": "2026-03-01T10:00:00Z"}
    seed_answers(store, "photo", [row("2026-03-01T09:00:00Z", place_id="bol-gastgivars",
                                      **done) for _ in range(6)])
    seed_answers(store, "free-answer", [row("2026-03-01T09:00:00Z",
                                            place_id="bol-renshammar", **done)
                                        for _ in range(2)])
    seed_answers(store, "photo", [row("2026-03-01T09:00:00Z", place_id="bol-gastgivars")
                                  for _ in range(3)])  # pending: not done
    rows = {row[0]: dict(zip(EXPORT_COLUMNS, row, strict=True))
            for row in csv_rows(geo_client, team["bollnas"])[1:]}
    # b1 is a story at Gästgivars (6 done), b3 an activity at Renshammar (2: hidden).
    assert rows[known["b1"]["id"]]["challenges_done_at_place"] == "6"
    assert rows[known["b3"]["id"]]["challenges_done_at_place"] == "fewer than 5"
    doc = json.loads(geo_client.get("/moderation/export.geojson", headers=team["bollnas"])
                     .get_data(as_text=True))
    done_at = {f["id"]: f["properties"]["challenges_done_at_place"] for f in doc["features"]}
    assert done_at == {known["b1"]["id"]: {"count": 6, "hidden": None},
                       known["b3"]["id"]: {"count": None, "hidden": "fewer than 5"}}
    assert validate(doc) == []
    # No answer's text reaches either export.
    exported = json.dumps(doc) + json.dumps(rows)
    with store.reader() as r:
        texts = [t[0] for t in r.conn.execute(
            "SELECT body FROM contributions WHERE kind = 'answer'")]
    assert len(texts) == 11 and not [t for t in texts if t in exported]


@pytest.mark.parametrize("who, expected", [("bollnas", {"b1", "b3"}),
                                           ("admin", {"b1", "b3", "l1"})])
def test_geojson_export_is_a_valid_collection_of_approved_content(geo_client, team, known,
                                                                  who, expected):
    r = geo_client.get("/moderation/export.geojson", headers=team[who])
    assert r.status_code == 200 and r.mimetype == "application/geo+json"
    doc = json.loads(r.get_data(as_text=True))
    assert doc["type"] == "FeatureCollection" and validate(doc) == []
    assert {f["id"] for f in doc["features"]} == {known[name]["id"] for name in expected}
    assert all("age_band" not in f["properties"] and "flags" not in f["properties"]
               for f in doc["features"])


# -- places and trails --------------------------------------------------------------


def stored(store, collection: str, feature_id: str) -> dict | None:
    with store.reader() as r:
        row = r.feature_row(collection, feature_id)
    return json.loads(row["record"]) if row else None


def test_a_new_place_is_public_at_once_and_audited(geo_client, store, anna):
    r = geo_client.post("/manage/places", headers=anna, json=place("bol-test-kvarn", 16.40,
                                                                    61.35))
    assert r.status_code == 201 and r.get_json()["id"] == "bol-test-kvarn"
    feature = geo_client.get("/collections/places/items/bol-test-kvarn").get_json(force=True)
    assert feature["geometry"] == {"type": "Point", "coordinates": [16.40, 61.35]}
    assert feature["properties"]["name"] == "Test place bol-test-kvarn"
    [entry] = audit_of(store, "bol-test-kvarn")
    assert (entry["organiser"], entry["action"], entry["object_type"]) == (
        "anna", "create", "place")
    assert entry["before"] == "null" and json.loads(entry["after"])["id"] == "bol-test-kvarn"


ZIGZAG = [[16.40, 61.35], [16.50, 61.40], [16.50, 61.35], [16.40, 61.40]]
OPEN_RING = [[16.40, 61.35], [16.45, 61.35], [16.45, 61.38], [16.40, 61.38]]


def shaped(geometry: dict) -> dict:
    feature = place("bol-test-bad", 16.4, 61.35)
    feature["geometry"] = geometry
    return feature


@pytest.mark.parametrize("collection, feature, fault", [
    ("places", place("bol-test-bad", 61.35, 16.4), "The coordinates look swapped"),
    ("trails", trail("bol-test-bad", ZIGZAG),
     "self-intersecting LineString near [16.450000, 61.375000]"),
    ("places", place("bol-test-bad", 16.4, 61.35, colour="red"), "unknown properties colour"),
    ("places", shaped({"type": "Polygon", "coordinates": [OPEN_RING]}),
     "Polygon, ring 0: unclosed ring"),
    ("places", place("bol-test-bad", 16.4, 91.0), "coordinate [16.4, 91.0] is out of range"),
    ("places", place("bol-test-bad", None, None, accuracy="exact"),
     "a feature without geometry must have accuracy 'unknown'"),
    ("places", place("bol-test-bad", 16.4, 61.35, municipality="gavle"),
     "unknown municipality 'gavle'"),
    ("places", trail("bol-test-bad", [[16.40, 61.30], [16.41, 61.31]]),
     "collection must be places"),
], ids=["swapped-lat-lon", "self-intersection", "unknown-property", "unclosed-ring",
        "out-of-range", "exact-without-geometry", "unknown-municipality", "wrong-collection"])
def test_an_invalid_feature_is_refused_naming_feature_and_fault(geo_client, store, anna,
                                                                collection, feature, fault):
    r = geo_client.post(f"/manage/{collection}", headers=anna, json=feature)
    assert r.status_code == 422 and r.get_json()["code"] == "InvalidGeodata"
    [error] = r.get_json()["errors"]
    assert error["message"].startswith("request: feature 'bol-test-bad': ")
    assert fault in error["message"]
    assert stored(store, collection, "bol-test-bad") is None
    assert audit_of(store, "bol-test-bad") == []


def test_creating_an_existing_place_is_a_conflict(geo_client, store, anna):
    real = next(f for f in json.loads((GEODATA / "bollnas.geojson").read_text("utf-8"))
                ["features"] if f["id"] == "bol-gastgivars")
    before = stored(store, "places", "bol-gastgivars")
    real["properties"]["name_en"] = "Something else"
    r = geo_client.post("/manage/places", headers=anna, json=real)
    assert r.status_code == 409
    assert stored(store, "places", "bol-gastgivars") == before


# Place data is public GeoJSON read by web maps (open CORS): sources only http(s) or a
# citation, names and texts plain (issue 10, finding 10). The same rule as a loaded file.
@pytest.mark.parametrize("props, fault", [
    ({"source": "javascript:alert(document.cookie)"}, "not a javascript: address"),
    ({"additional_sources": ["data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="]},
     "not a data: address"),
    ({"source": " JAVASCRIPT:alert(1)"}, "not a javascript: address"),
    ({"source": "https://bollnas.se@evil.example/"}, "without a user name or password"),
    ({"name_en": "\u3164\u3164"}, "name_en is empty"),
    ({"description_sv": "\u200b\u202e"}, "description_sv is empty"),
], ids=["javascript-source", "data-url", "spaced-upper-case-scheme", "credentials",
        "hangul-filler-name", "invisible-description"])
def test_a_place_with_hostile_data_is_refused(geo_client, store, anna, props, fault):
    r = geo_client.post("/manage/places", headers=anna,
                        json=place("bol-test-bad", 16.4, 61.35, **props))
    assert r.status_code == 422 and r.get_json()["code"] == "InvalidGeodata"
    [error] = r.get_json()["errors"]
    assert error["message"].startswith("request: feature 'bol-test-bad': ")
    assert fault in error["message"]
    assert stored(store, "places", "bol-test-bad") is None


def test_a_places_names_and_texts_are_published_as_plain_text(geo_client, store, anna):
    feature = place("bol-test-html", 16.4, 61.35,
                    name_en="<img src=x onerror=alert(1)>Old mill\u202e",
                    description_en="<script>alert(1)</script>It <b>grinds</b>\u200b.",
                    address="<a href=\"javascript:x\">Kvarnvägen 1</a>",
                    source="https://bollnas.se/kvarn")
    r = geo_client.post("/manage/places", headers=anna, json=feature)
    assert r.status_code == 201, r.get_json()
    props = geo_client.get("/collections/places/items/bol-test-html?lang=en").get_json(
        force=True)["properties"]
    assert (props["name"], props["description"], props["address"], props["source"]) == (
        "Old mill", "It grinds.", "Kvarnvägen 1", "https://bollnas.se/kvarn")


@pytest.fixture
def unsurveyed(geo_app, store, tmp_path) -> dict:
    """A synthetic place whose location is still to be surveyed."""
    feature = place("bol-test-unsurveyed", None, None,
                    location_note_en="Behind the old school, by the road to Kilafors.")
    loader.load(store, [write_geojson(tmp_path / "test.geojson", [feature])])
    return feature


def test_put_gives_an_unsurveyed_place_its_surveyed_location(geo_client, store, anna,
                                                             unsurveyed):
    url = "/collections/places/items/bol-test-unsurveyed"
    before = geo_client.get(url).get_json(force=True)
    assert (before["geometry"], before["properties"]["location_status"]) == (
        None, "to-be-surveyed")
    unsurveyed["geometry"] = {"type": "Point", "coordinates": [16.52, 61.24]}
    unsurveyed["properties"].update(accuracy="exact",
                                    location_note_en="Surveyed with GPS, 2026.")
    r = geo_client.put("/manage/places/bol-test-unsurveyed", headers=anna, json=unsurveyed)
    assert r.status_code == 200
    after = geo_client.get(url).get_json(force=True)
    assert after["geometry"] == {"type": "Point", "coordinates": [16.52, 61.24]}
    assert (after["properties"]["accuracy"], after["properties"]["location_status"]) == (
        "exact", "exact")
    entry = audit_of(store, "bol-test-unsurveyed")[-1]
    assert (entry["action"], json.loads(entry["before"])["geometry"]) == ("update", None)


# Regression: a place's published stories stayed where the place had been (here:
# nowhere) after an organiser gave the place its surveyed location.
def test_put_moves_the_places_published_stories_with_it(geo_client, store, anna,
                                                        unsurveyed):
    cid = submit(geo_client, place="bol-test-unsurveyed")["id"]
    moderation.approve(store, cid)
    assert public(geo_client, cid).get_json(force=True)["geometry"] is None
    unsurveyed["geometry"] = {"type": "Point", "coordinates": [16.52, 61.24]}
    unsurveyed["properties"]["accuracy"] = "exact"
    geo_client.put("/manage/places/bol-test-unsurveyed", headers=anna, json=unsurveyed)
    assert public(geo_client, cid).get_json(force=True)["geometry"] == {
        "type": "Point", "coordinates": [16.52, 61.24]}


def test_put_with_a_javascript_source_changes_nothing(geo_client, store, anna, unsurveyed):
    before = stored(store, "places", "bol-test-unsurveyed")
    unsurveyed["properties"]["source"] = "javascript:alert(1)"
    r = geo_client.put("/manage/places/bol-test-unsurveyed", headers=anna, json=unsurveyed)
    assert r.status_code == 422 and "not a javascript: address" in r.get_json()["description"]
    assert stored(store, "places", "bol-test-unsurveyed") == before


def test_put_of_an_unknown_place_is_not_found(geo_client, store, anna):
    r = geo_client.put("/manage/places/bol-test-none", headers=anna,
                       json=place("bol-test-none", 16.40, 61.35))
    assert r.status_code == 404 and stored(store, "places", "bol-test-none") is None


def test_put_needs_the_id_of_its_path(geo_client, store, anna, unsurveyed):
    r = geo_client.put("/manage/places/bol-test-unsurveyed", headers=anna,
                       json=place("bol-test-other", 16.40, 61.35))
    assert r.status_code == 400 and r.get_json()["errors"][0]["field"] == "id"


def test_delete_keeps_a_place_that_contributions_belong_to(geo_client, store, anna):
    submit(geo_client)  # a pending story about bol-gastgivars
    r = geo_client.delete("/manage/places/bol-gastgivars", headers=anna)
    assert r.status_code == 409 and "1 contribution(s)" in r.get_json()["description"]
    assert geo_client.get("/collections/places/items/bol-gastgivars").status_code == 200


def test_delete_removes_a_place_without_contributions(geo_client, store, anna, unsurveyed):
    r = geo_client.delete("/manage/places/bol-test-unsurveyed", headers=anna)
    assert r.status_code == 204
    assert geo_client.get("/collections/places/items/bol-test-unsurveyed").status_code == 404
    entry = audit_of(store, "bol-test-unsurveyed")[-1]
    assert (entry["action"], entry["after"]) == ("delete", "null")
    assert json.loads(entry["before"])["id"] == "bol-test-unsurveyed"


def upload_gpx(client, headers, tmp_path, trail_id: str = "bol-halsingeleden"):
    """Upload a GPX file written by gpxpy, as a browser form sends it."""
    path = write_gpx(tmp_path / "test-walk.gpx")
    with path.open("rb") as f:
        return client.post(f"/manage/trails/{trail_id}/gpx", headers=headers,
                           data={"file": (f, path.name)}, content_type="multipart/form-data")


def test_gpx_gives_a_trail_its_line_length_and_walking_time(geo_client, store, anna,
                                                            tmp_path):
    r = upload_gpx(geo_client, anna, tmp_path)
    assert r.status_code == 200
    record = stored(store, "trails", "bol-halsingeleden")
    assert record["geometry"]["coordinates"] == [[lon, lat] for lat, lon, _ in WALK]
    assert record["accuracy"] == "exact"
    assert record["attrs"]["length_m"] == pytest.approx(walk_length_m(), abs=0.05)
    assert record["attrs"]["walking_time_min"] == round(walk_length_m() / 1000 / 4 * 60)
    assert record["attrs"]["walking_time_length_source"] == "surveyed line"
    assert r.get_json()["attrs"]["length_m"] == record["attrs"]["length_m"]


def test_gpx_keeps_the_stages_and_the_swedish_name(geo_client, store, anna, tmp_path):
    before = stored(store, "trails", "bol-halsingeleden")
    upload_gpx(geo_client, anna, tmp_path)
    after = stored(store, "trails", "bol-halsingeleden")
    assert after["texts"]["name"]["sv"] == "Hälsingeleden"
    assert after["texts"] == before["texts"]
    assert after["attrs"]["stages"] == before["attrs"]["stages"]
    assert len(after["attrs"]["stages"]) == 21


def test_gpx_as_the_request_body_works_too(geo_client, store, anna, tmp_path):
    path = write_gpx(tmp_path / "test-walk.gpx")
    r = geo_client.post("/manage/trails/bol-halsingeleden/gpx?accuracy=approximate",
                        headers=anna, data=path.read_bytes(),
                        content_type="application/gpx+xml")
    assert r.status_code == 200
    assert stored(store, "trails", "bol-halsingeleden")["accuracy"] == "approximate"


def test_places_along_a_trail_work_once_it_has_a_line(geo_client, anna, tmp_path):
    url = "/collections/places/items?trail=bol-halsingeleden&within=1000"
    assert geo_client.get(url).status_code == 409
    upload_gpx(geo_client, anna, tmp_path)
    r = geo_client.get(url)
    assert r.status_code == 200
    features = r.get_json(force=True)["features"]
    assert "bol-bollnas-kyrka" in {f["id"] for f in features}
    assert all(f["properties"]["distance_to_trail_m"] <= 1000 for f in features)


def test_a_gpx_upload_is_audited(geo_client, store, anna, tmp_path):
    upload_gpx(geo_client, anna, tmp_path)
    entry = audit_of(store, "bol-halsingeleden")[-1]
    assert (entry["organiser"], entry["action"], entry["object_type"]) == (
        "anna", "upload-gpx", "trail")
    assert json.loads(entry["before"])["geometry"] is None
    assert json.loads(entry["after"])["attrs"]["length_m"] == pytest.approx(walk_length_m(),
                                                                            abs=0.05)


def test_parallel_wrong_passwords_cannot_slip_under_the_limit(store):
    """A reviewer's finding: 60 parallel guesses were all checked. Now at most 10 per
    account and client get a verdict; the rest get 429."""
    import threading

    from trailapp import ratelimit as rl

    outcomes: list[str] = []

    def guess(i: int) -> None:
        try:
            auth.authenticate(store, "nobody", f"guess-{i}", "client-x", secret="test-only")
        except auth.Unauthorized:
            outcomes.append("401")
        except rl.TooManyRequests:
            outcomes.append("429")

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert outcomes.count("401") == 10 and outcomes.count("429") == 20
