"""Issue 10, finding 2: nothing kept is an unkeyed hash that a copy of the database
could be checked against. The contributor's point was recoverable by brute force
from the retry hash (an unsalted SHA-256 over the fields, the point included)."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import asdict, fields

import pytest
from helpers.app import ON_POSTGRES
from helpers.contributions import post_json, story

from trailapp import auth, ratelimit, text
from trailapp.contributions import Submission

LON, LAT = 16.36791, 61.53238  # 5 decimals, a few metres from bol-gastgivars


def _all_values(store) -> set:
    """Every value of every row of every table (what a database copy holds)."""
    with store.reader() as reader:
        tables = [r[0] for r in reader.conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'" if ON_POSTGRES
            else "SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {v for t in tables for row in reader.conn.execute(f'SELECT * FROM "{t}"')
                for v in tuple(row)}


def _unkeyed_request_hash(point: tuple[float, float], sent: dict) -> str:
    """The hash as an attacker with the public fields would compute it for a guess."""
    base = {f.name: None for f in fields(Submission)}
    base.update({k: v for k, v in sent.items() if k != "point"})
    sub = Submission(**{**base, "point": point})
    return hashlib.sha256(json.dumps(asdict(sub), sort_keys=True).encode()).hexdigest()


def test_a_database_copy_does_not_give_back_the_point(geo_client, store):
    sent = story(place=None, point=f"{LON},{LAT}")
    assert post_json(geo_client, sent, key=str(uuid.uuid4())).status_code == 201
    kept = _all_values(store)
    # A brute force over the 5-decimal grid around the place (41 x 41 guesses here;
    # the real attack covers the 250 m circle in seconds).
    guesses = {(round(LON + dx / 1e5, 5), round(LAT + dy / 1e5, 5)): None
               for dx in range(-20, 21) for dy in range(-20, 21)}
    found = [p for p in guesses if _unkeyed_request_hash(p, sent) in kept]
    assert found == []
    assert not any(isinstance(v, str) and f"{LON}" in v for v in kept)


def test_the_text_fingerprint_is_keyed(geo_client, store):
    sent = story(title="En gissad titel", body="En gissad text om gården.")
    assert post_json(geo_client, sent).status_code == 201
    assert text.fingerprint(sent["title"], sent["body"]) not in _all_values(store)


def test_the_text_fingerprint_still_flags_the_same_text_sent_again(geo_client, store):
    post_json(geo_client, story(body="Samma text  igen."), addr="10.0.0.1")
    post_json(geo_client, story(body="samma TEXT igen."), addr="10.0.0.2")
    with store.reader() as reader:
        flags = [json.loads(r["flags"]) for r in reader.contributions()]
    assert [[f["code"] for f in fl] for fl in flags] == [[], ["repeated"]]


@pytest.mark.parametrize("typed", ["anna", "correct horse battery staple"])
def test_a_failed_login_keeps_no_unkeyed_hash_of_the_typed_name(store, typed):
    """Someone may type their password into the user-name field."""
    with pytest.raises(auth.Unauthorized):
        auth.authenticate(store, typed, "a wrong guess", "client-1", secret="test-only")
    kept = _all_values(store)
    assert hashlib.sha256(typed.encode()).hexdigest()[:32] not in kept
    assert ratelimit.client_key("test-only", "login-account\x1f" + typed) in kept
