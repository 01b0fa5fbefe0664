"""The retention job and the organisers' stop-gap CLI for contributions."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta

from helpers.contributions import bearer, post_files, post_json, story
from helpers.media_files import jpeg_with_gps
from helpers.store import count

from trailapp import erasure, moderation


def settings(app):
    return app.extensions["trailapp"].contributions


def test_rejected_and_unmoderated_go_after_30_days_published_stay(app, geo_client, store):
    pending = post_files(geo_client, story(people_in_media=False),
                         [("a.jpg", jpeg_with_gps())]).get_json()
    rejected = post_json(geo_client, story(title="Avvisad")).get_json()
    published = post_json(geo_client, story(title="Publicerad")).get_json()
    moderation.reject(store, rejected["id"], "nej")
    moderation.approve(store, published["id"])
    media_root = settings(app).media.root
    assert len(list(media_root.rglob("*.jpg"))) == 2

    soon = erasure.purge_expired(store, settings(app),
                                       now=datetime.now(UTC) + timedelta(days=29))
    assert soon["contributions"] == 0 and count(store, "contributions") == 3

    later = erasure.purge_expired(store, settings(app),
                                        now=datetime.now(UTC) + timedelta(days=31))
    assert later["contributions"] == 2
    with store.reader() as r:
        assert [row["id"] for row in r.contributions(status="approved")] == [published["id"]]
    assert list(media_root.rglob("*.jpg")) == []
    assert geo_client.get(f"/contributions/{pending['id']}",
                          headers=bearer(pending["token"])).status_code == 404


def test_rate_limit_events_are_forgotten_after_72_hours(app, geo_client, store):
    post_json(geo_client, story())  # counted for the sender and for the address
    assert count(store, "rate_events") == 2
    erasure.purge_expired(store, settings(app),
                                now=datetime.now(UTC) + timedelta(hours=71))
    assert count(store, "rate_events") == 2
    erasure.purge_expired(store, settings(app),
                                now=datetime.now(UTC) + timedelta(hours=73))
    assert count(store, "rate_events") == 0


def test_orphan_media_files_are_removed_but_fresh_ones_kept(app, geo_client, store):
    body = post_files(geo_client, story(people_in_media=False),
                      [("a.jpg", jpeg_with_gps())]).get_json()
    root = settings(app).media.root
    orphan = root / "ab" / ("ab" + "0" * 30 + ".jpg")
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(b"left by a crash")
    part = root / "ab" / ("ab" + "1" * 30 + ".jpg.part")
    part.write_bytes(b"half written")
    fresh = root / "ab" / ("ab" + "2" * 30 + ".jpg")
    fresh.write_bytes(b"being written right now")
    old = time.time() - 7200
    for p in (orphan, part):
        os.utime(p, (old, old))
    done = erasure.purge_expired(store, settings(app))
    assert done["orphan_files"] == 2
    assert not orphan.exists() and not part.exists() and fresh.exists()
    media = geo_client.get(f"/contributions/{body['id']}",
                           headers=bearer(body["token"])).get_json()["media"]
    assert geo_client.get(media[0]["href"], headers=bearer(body["token"])).status_code == 200


def test_cli_lists_approves_and_rejects(app, runner, geo_client, store):
    a = post_json(geo_client, story(title="Första", body="Ring 070-123 45 67")).get_json()
    b = post_json(geo_client, story(title="Andra")).get_json()
    listed = runner.invoke(args=["contributions", "list"])
    assert listed.exit_code == 0
    assert a["id"] in listed.output and "flags: phone" in listed.output
    assert "2 pending contribution(s)." in listed.output
    assert runner.invoke(args=["contributions", "approve", a["id"]]).exit_code == 0
    assert runner.invoke(args=["contributions", "reject", b["id"], "--reason",
                               "Inte om platsen"]).exit_code == 0
    assert geo_client.get(f"/collections/stories/items/{a['id']}").status_code == 200
    seen = geo_client.get(f"/contributions/{b['id']}", headers=bearer(b["token"])).get_json()
    assert seen["rejection_reason"] == "Inte om platsen"


def test_cli_retention_reports_what_it_did(runner):
    result = runner.invoke(args=["retention"])
    assert result.exit_code == 0
    assert result.output.startswith("Erased 0 contribution(s)")


def _later(days: float) -> datetime:
    return datetime.now(UTC) + timedelta(days=days)


def test_hidden_and_withdrawn_go_30_days_after_they_were_taken_down(app, geo_client, store):
    """Issue 10, finding 6: the notice says anything not published is deleted."""
    withdrawn = post_json(geo_client, story(title="Tillbakadragen"),
                          addr="10.0.0.1").get_json()
    reported = post_json(geo_client, story(title="Anmäld"), addr="10.0.0.2").get_json()
    for body in (withdrawn, reported):
        moderation.approve(store, body["id"])
    moderation.withdraw(store, withdrawn["id"])
    for n in range(3):
        r = geo_client.post(f"/contributions/{reported['id']}/reports",
                            json={"reason": "bullying"},
                            environ_base={"REMOTE_ADDR": f"10.1.1.{n}"})
        assert r.status_code == 201
    with store.reader() as r:
        assert {row["status"] for row in r.contributions()} == {"hidden"}
    assert erasure.purge_expired(store, settings(app), now=_later(29))["contributions"] == 0
    assert erasure.purge_expired(store, settings(app), now=_later(31))["contributions"] == 2
    assert count(store, "contributions") == 0


def test_retention_counts_from_the_take_down_not_from_the_submission(app, geo_client, store):
    body = post_json(geo_client, story()).get_json()
    moderation.approve(store, body["id"])
    with store.writer() as w:  # sent 40 days ago, published since
        w.conn.execute("UPDATE contributions SET created = '2000-01-01T00:00:00.000Z'")
    moderation.withdraw(store, body["id"])
    assert erasure.purge_expired(store, settings(app), now=_later(29))["contributions"] == 0
    moderation.restore(store, body["id"])  # published again: stays
    assert erasure.purge_expired(store, settings(app), now=_later(400))["contributions"] == 0
    moderation.withdraw(store, body["id"])
    moderation.reject(store, body["id"], "personuppgifter")
    assert erasure.purge_expired(store, settings(app), now=_later(29))["contributions"] == 0
    assert erasure.purge_expired(store, settings(app), now=_later(31))["contributions"] == 1
