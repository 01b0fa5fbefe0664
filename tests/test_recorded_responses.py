"""Public responses and the OpenAPI document, compared with recorded copies.

A restructuring must not change what the app team builds against. This test replays a
fixed set of requests on the real geodata (with one approved story and activity) and
compares status, the headers an app reads, and the body with tests/recorded/. Volatile
values (times of this run, random ids and tokens) are replaced by placeholders first.

When a change to a public shape is intended, record again and review the diff:
    TRAILAPP_RECORD=1 .venv/bin/python -m pytest tests/test_recorded_responses.py
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from helpers.contributions import post_json, story
from helpers.organisers import add_organiser, token_headers

RECORDED = Path(__file__).parent / "recorded"
RECORD = os.environ.get("TRAILAPP_RECORD") == "1"
HEADERS = ("Content-Type", "Cache-Control", "Content-Language", "Vary", "Allow",
           "Retry-After", "WWW-Authenticate", "Idempotent-Replayed")

GETS = [
    "/", "/conformance", "/collections", "/collections/places", "/collections/trails",
    "/collections/places/items?lang=sv&limit=5",
    "/collections/places/items?lang=en&limit=3&offset=4",
    "/collections/places/items?bbox=16.2,61.2,16.6,61.6&lang=sv",
    "/collections/places/items?near=25.68,-25.22&radius=3000",
    "/collections/places/items?municipality=lobatse&q=court",
    "/collections/places/items?f=json&limit=2",
    "/collections/places/items/bol-gastgivars?lang=sv",
    "/collections/places/items/lob-keitseng-house",
    "/collections/trails/items", "/collections/trails/items/bol-halsingeleden?lang=sv",
    "/collections/stories/items", "/collections/activities/items?lang=sv",
    "/collections/stories/items?place=bol-gastgivars",
    "/sync?since=s0&limit=3", "/sync?since=s0&collections=stories,activities",
    "/privacy-notice?lang=sv",
    # errors: one shape for all
    "/collections/nowhere/items", "/collections/places/items?bbox=1,2,3",
    "/collections/places/items?limit=0", "/collections/places/items?colour=red",
    "/collections/places/items/no-such-place", "/collections/trails/items?trail=x",
    "/collections/places/items?trail=bol-halsingeleden",
    "/collections/trails/items/bol-halsingeleden?f=gpx", "/sync?since=banana",
    "/sync?since=s999999999", "/nothing-here",
]


def _normalise(text: str, run: dict[str, str]) -> str:
    for value, name in run.items():
        text = text.replace(value, name)
    text = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", "<time>", text)
    text = re.sub(r'"s\d+"', '"s<seq>"', text)
    return re.sub(r'"(seq|version)": ?\d+', r'"\1":0', text)


def _snapshot(response, run: dict[str, str]) -> dict:
    headers = {h: response.headers[h] for h in HEADERS if h in response.headers}
    body = response.get_data(as_text=True)
    try:
        parsed = json.loads(_normalise(body, run))
    except ValueError:
        parsed = _normalise(body, run)
    return {"status": response.status_code, "headers": headers, "body": parsed}


@pytest.fixture
def published(geo_app, geo_client):
    """One approved story and one approved activity; their random values named."""
    store = geo_app.extensions["trailapp"].store
    organiser = token_headers(store, add_organiser(store, "recorder"))
    run: dict[str, str] = {}
    sent = [("story", story(title="Gästgivars gård", body="Vi gick hit en söndag.")),
            ("activity", story(kind="activity", title="Vandring till gården",
                               body="Vi går tillsammans.", starts_at="2027-05-01T10:00:00Z",
                               ends_at="2027-05-01T12:00:00Z", meeting_point="Stationen"))]
    for name, fields in sent:
        receipt = post_json(geo_client, fields).get_json()
        run[receipt["id"]] = f"<{name}-id>"
        run[receipt["token"]] = f"<{name}-token>"
        r = geo_client.post(f"/moderation/contributions/{receipt['id']}/approve",
                            headers=organiser)
        assert r.status_code == 200
    run["__organiser"] = json.dumps(organiser)
    return run


def _compare(name: str, snapshot: dict) -> None:
    path = RECORDED / f"{name}.json"
    text = json.dumps(snapshot, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    if RECORD:
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no recording {path.name}; run with TRAILAPP_RECORD=1"
    assert json.loads(path.read_text(encoding="utf-8")) == json.loads(text)


def test_public_responses_are_as_recorded(geo_client, published):
    published.pop("__organiser")
    snapshots = {url: _snapshot(geo_client.get(url), published) for url in GETS}
    _compare("public_responses", snapshots)


def test_organiser_and_contributor_responses_are_as_recorded(geo_client, published):
    organiser = json.loads(published.pop("__organiser"))
    ids = {name: value for value, name in published.items()}
    story_id, story_token = ids["<story-id>"], ids["<story-token>"]
    pending = post_json(geo_client, story(title="Väntar", body="Inte granskad än."),
                        addr="10.0.0.9").get_json()
    published[pending["id"]] = "<pending-id>"
    published[pending["token"]] = "<pending-token>"
    requests = {
        "status": geo_client.get(f"/contributions/{story_id}",
                                 headers={"Authorization": f"Bearer {story_token}"}),
        "queue": geo_client.get("/moderation/queue", headers=organiser),
        "queue-all": geo_client.get("/moderation/queue?status=approved", headers=organiser),
        "item": geo_client.get(f"/moderation/contributions/{story_id}", headers=organiser),
        "stats": geo_client.get("/moderation/stats", headers=organiser),
        "reasons": geo_client.get("/moderation/reasons", headers=organiser),
        "reject": geo_client.post(f"/moderation/contributions/{pending['id']}/reject",
                                  json={"template": "off-topic"}, headers=organiser),
        "bulk": geo_client.post("/moderation/bulk", headers=organiser,
                                json={"action": "withdraw", "ids": [story_id, "nope"]}),
        "audit": geo_client.get("/moderation/audit?limit=3", headers=organiser),
        "anonymous": geo_client.get("/moderation/queue"),
        "other-town": geo_client.get("/moderation/queue?municipality=lobatse",
                                     headers=organiser),
    }
    snapshots = {name: _snapshot(r, published) for name, r in requests.items()}
    _compare("organiser_responses", snapshots)


def test_the_openapi_document_is_as_recorded(geo_client):
    r = geo_client.get("/api")
    assert r.status_code == 200
    _compare("openapi", r.get_json(force=True))
