"""The typed contract (issue 11): /api types every response, its examples and the real
responses match those types, a place reference has one shape, links are absolute (but
relative inside packs), every GET has an ETag, and every error body has `errors`."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from helpers.challenges import QUIZ
from helpers.contributions import PLACE, bearer, post_json, story
from helpers.exchange import active_twin, decide, organisers, question, reply
from helpers.organisers import add_organiser, token_headers
from openapi_schema_validator import OAS30Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from trailapp import errors
from trailapp.domain import COLLECTION_IDS
from trailapp.http.models.examples import EXAMPLES
from trailapp.http.openapi import build_document

BASE = "http://localhost"
SINGULAR = {"places": "Place", "trails": "Trail", "stories": "Story", "questions": "Question",
            "activities": "Activity", "twins": "Twin", "challenges": "Challenge"}


@pytest.fixture(scope="module")
def doc(tmp_path_factory):
    from helpers.app import settings_in

    from trailapp import create_app

    app = create_app(settings_in(tmp_path_factory.mktemp("doc")))
    try:
        return build_document(app)
    finally:
        app.extensions["trailapp"].store.close()


def validator(doc: dict, name: str) -> OAS30Validator:
    """A validator of one component schema, resolving $refs inside the document."""
    registry = Registry().with_resource("urn:api", Resource(doc, DRAFT4))
    schema = {"$ref": f"urn:api#/components/schemas/{name}"}
    return OAS30Validator(schema, registry=registry)


def check(doc: dict, name: str, instance) -> None:
    problems = [f"{list(e.absolute_path)}: {e.message}"
                for e in validator(doc, name).iter_errors(instance)]
    assert not problems, f"{name}: {problems[:5]}"


def approved_story_and_activity(geo_app, client) -> tuple[str, str, str]:
    """Submit and approve a story and an activity at PLACE; return their ids and a token."""
    store = geo_app.extensions["trailapp"].store
    headers = token_headers(store, add_organiser(store, "contract", "moderator"))
    first = post_json(client, story(title="Gästgivars gård", body="Vi gick hit en söndag."))
    activity = post_json(client, story(kind="activity", title="Vandring till gården",
                                       body="Vi går tillsammans.",
                                       starts_at="2026-12-12T10:00:00+01:00",
                                       ends_at="2026-12-12T12:00:00+01:00",
                                       meeting_point="Stationen"), addr="10.0.0.2")
    ids = []
    for response in (first, activity):
        assert response.status_code == 201, response.get_json()
        cid = response.get_json()["id"]
        ok = client.post(f"/moderation/contributions/{cid}/approve", json={}, headers=headers)
        assert ok.status_code == 200, ok.get_json()
        ids.append(cid)
    who = organisers(store)
    active_twin(client, who)  # the twins collection has a feature too
    r = client.post("/moderation/challenges", json=QUIZ, headers=headers)  # and challenges
    assert r.status_code == 201, r.get_json()
    asked = post_json(client, question(), addr="10.0.0.3")  # and questions, with a reply
    assert decide(client, who["bollnas"], asked.get_json()["id"]).status_code == 200
    replied = post_json(client, reply(asked.get_json()["id"]), addr="10.0.0.4")
    assert decide(client, who["lobatse"], replied.get_json()["id"]).status_code == 200
    return ids[0], ids[1], first.get_json()["token"]


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_every_example_matches_its_own_schema(doc, name):
    assert doc["components"]["schemas"][name]["example"] == EXAMPLES[name]
    check(doc, name, EXAMPLES[name])


def test_every_json_response_has_a_schema_and_typed_collections_have_examples(doc):
    missing = []
    for path, item in doc["paths"].items():
        for method, op in item.items():
            for status, response in op["responses"].items():
                for media_type, media in (response.get("content") or {}).items():
                    if "json" in media_type and "schema" not in media:
                        missing.append(f"{method} {path} {status} {media_type}")
    assert not missing
    for collection in COLLECTION_IDS:
        get = doc["paths"][f"/collections/{collection}/items"]["get"]
        media = get["responses"]["200"]["content"]["application/geo+json"]
        assert media["schema"]["$ref"].endswith(f"/{SINGULAR[collection]}Collection")
        assert media["example"]["features"][0]["properties"]["name"]


def test_document_names_servers_package_operations_and_heads(doc):
    assert doc["servers"] == [{"url": "/", "description": doc["servers"][0]["description"]}]
    assert doc["info"]["x-package-name"] == "trailapp_client"
    assert "Bollnäs" in doc["info"]["title"]  # the title stays for people
    ids = [op["operationId"] for item in doc["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids))
    assert all(i.isascii() and i.isidentifier() and len(i) <= 40 for i in ids)
    assert {"listPlaces", "getPlace", "listStories", "submitContribution", "syncChanges",
            "downloadPack", "headDownloadPack"} <= set(ids)
    for path, item in doc["paths"].items():
        if "get" in item:
            assert "head" in item, f"HEAD {path} is not in /api"


def test_document_declares_the_headers_the_docs_rely_on(doc):
    pack = doc["paths"]["/packs/{packId}"]["get"]
    assert {"Range", "If-Range", "If-None-Match"} <= {p["name"] for p in pack["parameters"]}
    assert {"X-Pack-Cursor", "ETag"} <= set(pack["responses"]["200"]["headers"])
    assert "Content-Range" in pack["responses"]["206"]["headers"]
    submit = doc["paths"]["/contributions"]["post"]["responses"]
    assert "Idempotent-Replayed" in submit["200"]["headers"]
    assert "Location" in submit["201"]["headers"]
    assert "Retry-After" in submit["429"]["headers"] and "Retry-After" in submit["507"]["headers"]
    for path in ("/packs", "/privacy-notice", "/pseudonym", "/sync"):
        assert "ETag" in doc["paths"][path]["get"]["responses"]["200"]["headers"], path


def test_error_codes_are_one_enum_built_from_the_error_classes(doc):
    error = doc["components"]["schemas"]["Error"]
    assert error["properties"]["code"]["enum"] == errors.error_codes()
    assert {"InvalidParameterValue", "NotFound", "ResyncRequired", "TooManyRequests",
            "InsufficientStorage", "InvalidMedia", "MethodNotAllowed"} <= set(
        errors.error_codes())
    assert "errors" in error["required"]
    # the dangling $ref of issue 11: every $ref resolves inside the document
    refs = set()
    for text in [json.dumps(doc)]:
        refs |= {r.split("/")[-1] for r in __import__("re").findall(
            r'"\$ref": "#/components/schemas/([^"]+)"', text)}
    assert "ReportModel" in refs and refs <= set(doc["components"]["schemas"])


def test_real_responses_match_their_typed_schemas(doc, geo_app, geo_client):
    story_id, activity_id, _ = approved_story_and_activity(geo_app, geo_client)
    for collection in COLLECTION_IDS:
        page = geo_client.get(f"/collections/{collection}/items?limit=1000&lang=sv")
        assert page.status_code == 200
        body = page.get_json(force=True)
        assert body["features"], collection
        check(doc, f"{SINGULAR[collection]}Collection", body)
        one = geo_client.get(f"/collections/{collection}/items/{body['features'][0]['id']}")
        check(doc, f"{SINGULAR[collection]}Feature", one.get_json(force=True))
    cursor, seen = "s0", set()
    while True:
        page = geo_client.get(f"/sync?since={cursor}&limit=200").get_json()
        check(doc, "SyncPage", page)
        seen |= {c["op"] for c in page["changes"]}
        cursor = page["next"]
        if not page["more"]:
            break
    assert "upsert" in seen
    check(doc, "PackList", geo_client.get("/packs").get_json())
    check(doc, "PrivacyNotice", geo_client.get("/privacy-notice?lang=sv").get_json())
    check(doc, "Pseudonym", geo_client.get("/pseudonym").get_json())
    check(doc, "Error", geo_client.get("/collections/nowhere/items").get_json())
    assert {story_id, activity_id}


def test_a_place_reference_is_the_same_object_everywhere(geo_app, geo_client):
    store = geo_app.extensions["trailapp"].store
    headers = token_headers(store, add_organiser(store, "refs", "moderator"))
    expected = {"id": PLACE, "href": f"{BASE}/collections/places/items/{PLACE}"}
    submitted = post_json(geo_client, story())
    receipt = submitted.get_json()
    assert receipt["place"] == expected
    status = geo_client.get(f"/contributions/{receipt['id']}",
                            headers=bearer(receipt["token"])).get_json()
    assert status["place"] == expected
    view = geo_client.get(f"/moderation/contributions/{receipt['id']}",
                          headers=headers).get_json()
    assert {k: view["place"][k] for k in ("id", "href")} == expected
    geo_client.post(f"/moderation/contributions/{receipt['id']}/approve", json={},
                    headers=headers)
    feature = geo_client.get(f"/collections/stories/items/{receipt['id']}").get_json(force=True)
    assert feature["properties"]["place"] == expected
    assert geo_client.get(expected["href"]).status_code == 200


def test_links_are_absolute_in_responses_and_relative_in_packs(geo_app, geo_client):
    approved_story_and_activity(geo_app, geo_client)
    other = "https://trails.example.org"
    place = geo_client.get(f"/collections/places/items/{PLACE}",
                           base_url=other).get_json(force=True)
    assert place["properties"]["stories"]["href"] == \
        f"{other}/collections/stories/items?place={PLACE}"
    synced = geo_client.get("/sync?since=s0&collections=stories").get_json()
    assert synced["changes"][0]["feature"]["properties"]["place"]["href"].startswith(BASE + "/")
    text = geo_client.get("/collections/stories/items?limit=100").get_data(as_text=True)
    assert '"href":"/' not in text
    [pack] = [p for p in geo_client.get("/packs").get_json()["packs"] if p["id"] == "bollnas"]
    archive = zipfile.ZipFile(io.BytesIO(geo_client.get(pack["href"]).data))
    packed = "".join(archive.read(n).decode() for n in archive.namelist()
                     if n.endswith(".json") or n.endswith(".geojson"))
    assert '"href":"/collections/stories/items?place=' in packed
    assert "http://localhost/collections/stories" not in packed


@pytest.mark.parametrize("path, cache", [("/packs", "no-cache"),
                                         ("/privacy-notice?lang=sv", "public, max-age=3600"),
                                         ("/pseudonym", "no-store")])
def test_every_get_has_an_etag_and_answers_304(geo_client, path, cache):
    first = geo_client.get(path)
    assert first.status_code == 200 and first.headers["ETag"]
    assert first.headers["Cache-Control"] == cache
    again = geo_client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    if path != "/pseudonym":
        assert again.status_code == 304
        assert again.headers["ETag"] == first.headers["ETag"]
    else:  # random per call: the ETag is the body's, so it matches only the same body
        assert again.status_code in (200, 304)
        assert (again.status_code == 304) == (again.headers["ETag"] == first.headers["ETag"])


def test_error_bodies_always_carry_errors(geo_client):
    for response in (geo_client.get("/collections/nowhere/items"),
                     geo_client.get("/nothing-here"),
                     geo_client.get("/contributions/" + "a" * 24),
                     geo_client.delete("/collections")):
        body = response.get_json()
        assert body["errors"] == [], body
