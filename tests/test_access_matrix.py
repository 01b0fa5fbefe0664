"""Who may do what: every organiser route against every kind of caller.

A moderator of one municipality gets 404 for every object of the other (403 for a
listing of it) and changes nothing; the other municipality's moderator and an admin
may do each; an anonymous caller gets 401 on every route and method. The routes come
from the app's url_map, so a new organiser route cannot escape the matrix.
"""

from __future__ import annotations

import io
import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from helpers.app import GEODATA, copy_instance, place, settings_in, trail, write_geojson
from helpers.gpx import WALK, write_gpx
from helpers.media_files import jpeg_with_gps
from helpers.organisers import add_organiser, submit, token_headers
from helpers.survey import send_fixes, send_track

from trailapp import auth, create_app, loader, moderation, privacy, workshops

PREFIX = {"bollnas": "bol", "lobatse": "lob"}
OTHER = {"bollnas": "lobatse", "lobatse": "bollnas"}
SITE = {"bollnas": (16.40, 61.35), "lobatse": (25.67, -25.21)}
LINE = {"bollnas": [[16.39, 61.34], [16.395, 61.3425], [16.403, 61.344]],
        "lobatse": [[25.660, -25.220], [25.665, -25.215], [25.672, -25.210]]}
GPS_WALK = {"bollnas": WALK,  # (lat, lon, elevation)
            "lobatse": [(-25.221, 25.661, 1180.0), (-25.216, 25.666, 1184.5),
                        (-25.211, 25.671, 1190.0)]}
TABLES = ("contributions", "media", "reports", "features", "changes", "audit",
          "place_images", "workshops", "survey_fixes", "survey_tracks", "twins",
          "challenges")


def organiser_routes() -> list[tuple[str, str]]:
    """(method, rule) of every route under /moderation and /manage of a real app."""
    with tempfile.TemporaryDirectory(prefix="trailapp-routes-") as folder:
        app = create_app(settings_in(Path(folder)))
        try:
            return sorted((method, rule.rule) for rule in app.url_map.iter_rules()
                          if rule.rule.split("/")[1] in ("moderation", "manage")
                          for method in rule.methods or ())
        finally:
            app.extensions["trailapp"].store.close()


ROUTES = organiser_routes()


@dataclass
class World:
    """Both municipalities side by side: a contribution in each state, a synthetic
    place and surveyed trail, and each kind of organiser's token headers."""

    client: Any
    store: Any
    tmp_path: Path
    headers: dict[str, dict[str, str]]
    ids: dict[str, dict[str, str]]
    # A twin proposal waiting for each town: it belongs to both towns, so it is kept
    # apart from ids (which a listing of the other town must not show).
    twins: dict[str, str] = field(default_factory=dict)
    # An approved youth translation of each town's unsure place, by a young person of the
    # other town (issue 13): the place's town applies it, the translator's town decided.
    translations: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Built:
    """A world built once, closed, in its folder: what each test's copy starts from."""

    folder: Path
    headers: dict[str, dict[str, str]]
    ids: dict[str, dict[str, str]]
    twins: dict[str, str]
    translations: dict[str, str]


@pytest.fixture(scope="module")
def built_world(tmp_path_factory) -> Built:
    """The world built once per module (tokens, contributions, a survey, photos, twin
    proposals); each test gets its own copy of the files (see world)."""
    folder = tmp_path_factory.mktemp("world")
    app = create_app(settings_in(folder))
    store = app.extensions["trailapp"].store
    try:
        loader.load(store, [GEODATA])
        world = build_world(app.test_client(), store, folder)
    finally:
        store.close()
    return Built(folder, world.headers, world.ids, world.twins, world.translations)


@pytest.fixture
def world(built_world, tmp_path) -> Iterator[World]:
    """A test's own world: a copy of the built one's database and media, on a new app
    (so what one test writes no other test sees)."""
    copy_instance(built_world.folder, tmp_path)
    app = create_app(settings_in(tmp_path))
    store = app.extensions["trailapp"].store
    yield World(app.test_client(), store, tmp_path, built_world.headers,
                {m: dict(made) for m, made in built_world.ids.items()},
                dict(built_world.twins), dict(built_world.translations))
    store.close()


def build_world(client, store, tmp_path: Path) -> World:
    """Both municipalities' contributions, organisers, workshops, surveys, photos and
    twin proposals, made through the services and routes."""
    features = []
    for municipality, prefix in PREFIX.items():
        features += [place(f"{prefix}-test-site", *SITE[municipality],
                           municipality=municipality),
                     place(f"{prefix}-test-unsure", None, None, municipality=municipality),
                     # Nothing hangs off it (no contribution, no twin): it can be deleted.
                     place(f"{prefix}-test-spare", *SITE[municipality],
                           municipality=municipality),
                     trail(f"{prefix}-test-walk", LINE[municipality],
                           municipality=municipality)]
    loader.load(store, [write_geojson(tmp_path / "test.geojson", features)])
    ids = {}
    for municipality in PREFIX:
        made = {state: submit(client, municipality)["id"]
                for state in ("pending", "pending-too", "approved", "hidden")}
        made["activity"] = submit(client, municipality, kind="activity",
                                  starts_at="2027-01-15T15:00:00Z",
                                  ends_at="2027-01-15T16:00:00Z")["id"]
        for state in ("approved", "hidden"):
            moderation.approve(store, made[state])
        moderation.withdraw(store, made["hidden"])
        ids[municipality] = made
    headers = {
        "bollnas": token_headers(store, add_organiser(store, "anna")),
        "lobatse": token_headers(store, add_organiser(store, "kabo",
                                                      municipalities=("lobatse",))),
        "admin": token_headers(store, add_organiser(store, "root", "admin", ())),
    }
    root = auth.token_organiser(store, headers["admin"]["Authorization"].split()[1])
    for municipality in PREFIX:
        ids[municipality]["workshop"] = workshops.open_workshop(
            store, root, "test-only", municipality=municipality,
            name=f"Workshop in {municipality}", hours=3)["id"]
    world = World(client, store, tmp_path, headers, ids)
    for municipality, prefix in PREFIX.items():  # a survey of each: fixes and a track
        send_fixes(client, f"{prefix}-test-unsure", SITE[municipality], surveyors=3)
        ids[municipality]["track"] = send_track(client, f"{prefix}-test-walk",
                                                SITE[municipality])["id"]
    for municipality in PREFIX:  # a photo on each test site, added by the admin
        url, kwargs = add_image(world, municipality)
        added = client.post(url, headers=headers["admin"], **kwargs)
        assert added.status_code == 201, added.get_json()
        ids[municipality]["image"] = added.get_json()["id"]
    for municipality, prefix in PREFIX.items():  # a twin proposal waiting for each town
        other = PREFIX[OTHER[municipality]]
        proposed = client.post("/moderation/twins", headers=headers[OTHER[municipality]],
                               json=twin_body(OTHER[municipality], f"{other}-test-site",
                                              f"{prefix}-test-unsure"))
        assert proposed.status_code == 201, proposed.get_json()
        world.twins[municipality] = proposed.get_json()["id"]
    for municipality in PREFIX:  # a challenge at each test site
        made = client.post("/moderation/challenges", headers=headers["admin"],
                           json=challenge_body(municipality))
        assert made.status_code == 201, made.get_json()
        ids[municipality]["challenge"] = made.get_json()["id"]
    for municipality, prefix in PREFIX.items():
        sent = client.post(f"/places/{prefix}-test-unsure/translations",
                           json=place_translation(OTHER[municipality]))
        assert sent.status_code == 201, sent.get_json()
        moderation.approve(store, sent.get_json()["id"])
        world.translations[municipality] = sent.get_json()["id"]
    return world


def challenge_body(municipality: str) -> dict:
    return {"municipality": municipality, "kind": "free-answer",
            "place": f"{PREFIX[municipality]}-test-site", "title": {"en": "Look up"},
            "prompt": {"en": "What is above the door?"}}


def place_translation(translator_town: str) -> dict:
    return {"lang": "tn", "title": "Lefelo la teko", "body": "Lefelo le le dirisiwang go leka.",
            "municipality": translator_town, "pseudonym": "Tau 9", "age_band": "16-17",
            "consent_by": "guardian", "consent_notice_version": privacy.VERSION}


def twin_body(municipality: str, place_id: str, twin_place_id: str) -> dict:
    return {"municipality": municipality, "place": place_id, "twin_place": twin_place_id,
            "theme": "work", "text": {"en": "Two places of work."}}


def snapshot(store) -> dict[str, list[tuple]]:
    """Every row that a decision or an edit could change."""
    with store.reader() as r:
        return {table: sorted((tuple(row) for row in r.conn.execute(
            f"SELECT * FROM {table}")), key=repr) for table in TABLES}


# -- the actions, each on an object of a given municipality --------------------------

Request = Callable[[World, str], tuple[str, dict]]


@dataclass(frozen=True)
class Action:
    method: str
    rule: str
    request: Request
    ok: int                 # what the municipality's own moderator and an admin get
    # what the other municipality's moderator gets; None: both towns take part in the
    # object (a twin), so both may (tests/test_twins.py checks who else may not)
    refused: int | None = 404
    writes: bool = True
    per_item: bool = False  # bulk: 200, with a status for each id


def decision(action: str, state: str, body: dict | None = None) -> Request:
    def make(world: World, municipality: str) -> tuple[str, dict]:
        cid = world.ids[municipality][state]
        return f"/moderation/contributions/{cid}/{action}", {"json": body}
    return make


def read_item(world: World, municipality: str) -> tuple[str, dict]:
    return f"/moderation/contributions/{world.ids[municipality]['pending']}", {}


def bulk(world: World, municipality: str) -> tuple[str, dict]:
    ids = [world.ids[municipality]["pending"], world.ids[municipality]["pending-too"]]
    return "/moderation/bulk", {"json": {"action": "approve", "ids": ids}}


def create(collection: str) -> Request:
    def make(world: World, municipality: str) -> tuple[str, dict]:
        fid = f"{PREFIX[municipality]}-test-new"
        feature = (place(fid, *SITE[municipality], municipality=municipality)
                   if collection == "places" else
                   trail(fid, LINE[municipality], municipality=municipality))
        return f"/manage/{collection}", {"json": feature}
    return make


def edit(collection: str) -> Request:
    def make(world: World, municipality: str) -> tuple[str, dict]:
        prefix = PREFIX[municipality]
        feature = (place(f"{prefix}-test-site", *SITE[municipality],
                         municipality=municipality, name_en="Renamed test site")
                   if collection == "places" else
                   trail(f"{prefix}-test-walk", LINE[municipality],
                         municipality=municipality, name_en="Renamed test walk"))
        return f"/manage/{collection}/{feature['id']}", {"json": feature}
    return make


def delete(collection: str, name: str) -> Request:
    def make(world: World, municipality: str) -> tuple[str, dict]:
        return f"/manage/{collection}/{PREFIX[municipality]}-test-{name}", {}
    return make


def add_image(world: World, municipality: str) -> tuple[str, dict]:
    return (f"/manage/places/{PREFIX[municipality]}-test-site/images",
            {"data": {"file": (io.BytesIO(jpeg_with_gps()), "p.jpg"), "credit": "Foto",
                      "licence": "CC0-1.0"}, "content_type": "multipart/form-data"})


def delete_image(world: World, municipality: str) -> tuple[str, dict]:
    return (f"/manage/places/{PREFIX[municipality]}-test-site/images/"
            f"{world.ids[municipality]['image']}", {})


def gpx(world: World, municipality: str) -> tuple[str, dict]:
    path = write_gpx(world.tmp_path / f"test-{municipality}.gpx",
                     points=GPS_WALK[municipality])
    return (f"/manage/trails/{PREFIX[municipality]}-test-walk/gpx",
            {"data": path.read_bytes(), "content_type": "application/gpx+xml"})


def open_workshop(world: World, municipality: str) -> tuple[str, dict]:
    return "/moderation/workshops", {"json": {"municipality": municipality, "name": "8B"}}


def close_workshop(world: World, municipality: str) -> tuple[str, dict]:
    return f"/moderation/workshops/{world.ids[municipality]['workshop']}/close", {}


def report_pdf(world: World, municipality: str) -> tuple[str, dict]:
    return f"/moderation/report?municipality={municipality}&format=pdf", {}


def scoped(path: str) -> Request:
    def make(world: World, municipality: str) -> tuple[str, dict]:
        return f"{path}?municipality={municipality}", {}
    return make


CONTRIBUTION = "/moderation/contributions/<contributionId>"
ACTIONS = {
    "read-item": Action("GET", CONTRIBUTION, read_item, 200, writes=False),
    "approve": Action("POST", CONTRIBUTION + "/approve", decision("approve", "pending"), 200),
    "reject": Action("POST", CONTRIBUTION + "/reject",
                     decision("reject", "pending", {"reason": "Inte om platsen."}), 200),
    "withdraw": Action("POST", CONTRIBUTION + "/withdraw", decision("withdraw", "approved"),
                       200),
    "restore": Action("POST", CONTRIBUTION + "/restore", decision("restore", "hidden"), 200),
    "redact": Action("POST", CONTRIBUTION + "/redact",
                     decision("redact", "approved", {"body": "En ny text."}), 200),
    "bulk": Action("POST", "/moderation/bulk", bulk, 200, refused=200, per_item=True),
    "create-place": Action("POST", "/manage/<collection>", create("places"), 201),
    "create-trail": Action("POST", "/manage/<collection>", create("trails"), 201),
    "edit-place": Action("PUT", "/manage/<collection>/<featureId>", edit("places"), 200),
    "edit-trail": Action("PUT", "/manage/<collection>/<featureId>", edit("trails"), 200),
    "read-place": Action("GET", "/manage/<collection>/<featureId>",
                         delete("places", "site"), 200, writes=False),
    "read-trail": Action("GET", "/manage/<collection>/<featureId>",
                         delete("trails", "walk"), 200, writes=False),
    "delete-place": Action("DELETE", "/manage/<collection>/<featureId>",
                           delete("places", "spare"), 204),
    "delete-trail": Action("DELETE", "/manage/<collection>/<featureId>",
                           delete("trails", "walk"), 204),
    "upload-gpx": Action("POST", "/manage/trails/<trailId>/gpx", gpx, 200),
    "add-image": Action("POST", "/manage/places/<placeId>/images", add_image, 201),
    "delete-image": Action("DELETE", "/manage/places/<placeId>/images/<imageId>",
                           delete_image, 204),
    "open-workshop": Action("POST", "/moderation/workshops", open_workshop, 201, 403),
    "close-workshop": Action("POST", "/moderation/workshops/<workshopId>/close",
                             close_workshop, 200),
    "workshops": Action("GET", "/moderation/workshops", scoped("/moderation/workshops"), 200,
                        403, writes=False),
    "queue": Action("GET", "/moderation/queue", scoped("/moderation/queue"), 200, 403,
                    writes=False),
    "stats": Action("GET", "/moderation/stats", scoped("/moderation/stats"), 200, 403,
                    writes=False),
    "report": Action("GET", "/moderation/report", scoped("/moderation/report"), 200, 403,
                     writes=False),
    "report-pdf": Action("GET", "/moderation/report", report_pdf, 200, 403, writes=False),
    "export-csv": Action("GET", "/moderation/export.csv", scoped("/moderation/export.csv"),
                         200, 403, writes=False),
    "export-geojson": Action("GET", "/moderation/export.geojson",
                             scoped("/moderation/export.geojson"), 200, 403, writes=False),
}
def survey(path: str, body: Callable[[World, str], dict] | None = None) -> Request:
    def make(world: World, municipality: str) -> tuple[str, dict]:
        url = path.format(prefix=PREFIX[municipality],
                          track=world.ids[municipality]["track"])
        return url, ({"json": body(world, municipality)} if body else {})
    return make


ACTIONS.update({
    "survey": Action("GET", "/moderation/survey", scoped("/moderation/survey"), 200, 403,
                     writes=False),
    "survey-place": Action("GET", "/moderation/survey/places/<placeId>",
                           survey("/moderation/survey/places/{prefix}-test-unsure"), 200,
                           writes=False),
    "survey-approve": Action("POST", "/moderation/survey/places/<placeId>",
                             survey("/moderation/survey/places/{prefix}-test-unsure",
                                    lambda w, m: {"action": "approve"}), 200),
    "survey-trail": Action("GET", "/moderation/survey/trails/<trailId>",
                           survey("/moderation/survey/trails/{prefix}-test-walk"), 200,
                           writes=False),
    "survey-publish": Action("POST", "/moderation/survey/trails/<trailId>",
                             survey("/moderation/survey/trails/{prefix}-test-walk",
                                    lambda w, m: {"tracks": [w.ids[m]["track"]]}), 200),
    "survey-reject-track": Action("POST", "/moderation/survey/tracks/<itemId>/reject",
                                  survey("/moderation/survey/tracks/{track}/reject",
                                         lambda w, m: {"reason": "Fel led."}), 204),
    "survey-export": Action("GET", "/moderation/survey/export.geojson",
                            scoped("/moderation/survey/export.geojson"), 200, 403,
                            writes=False),
})
def twin_step(step: str) -> Request:
    def make(world: World, municipality: str) -> tuple[str, dict]:
        return f"/moderation/twins/{world.twins[municipality]}/{step}", {}
    return make


def propose_twin(world: World, municipality: str) -> tuple[str, dict]:
    prefix, other = PREFIX[municipality], PREFIX[OTHER[municipality]]
    return "/moderation/twins", {"json": twin_body(municipality, f"{prefix}-test-site",
                                                   f"{other}-test-site")}


ACTIONS.update({
    "twins": Action("GET", "/moderation/twins", scoped("/moderation/twins"), 200, 403,
                    writes=False),
    "propose-twin": Action("POST", "/moderation/twins", propose_twin, 201, 403),
    # The proposal waits for this town: only it accepts (the proposer's town gets 404).
    "accept-twin": Action("POST", "/moderation/twins/<twinId>/accept", twin_step("accept"),
                          200),
    "end-twin": Action("POST", "/moderation/twins/<twinId>/end", twin_step("end"), 200,
                       refused=None),
})
def challenge_step(step: str) -> Request:
    def make(world: World, municipality: str) -> tuple[str, dict]:
        return f"/moderation/challenges/{world.ids[municipality]['challenge']}{step}", {}
    return make


def apply_translation(world: World, municipality: str) -> tuple[str, dict]:
    return f"/moderation/translations/{world.translations[municipality]}/apply", {}


ACTIONS.update({
    "challenges": Action("GET", "/moderation/challenges", scoped("/moderation/challenges"),
                         200, 403, writes=False),
    "create-challenge": Action("POST", "/moderation/challenges",
                               lambda w, m: ("/moderation/challenges",
                                             {"json": challenge_body(m)}), 201, 403),
    "read-challenge": Action("GET", "/moderation/challenges/<challengeId>",
                             challenge_step(""), 200, writes=False),
    "withdraw-challenge": Action("POST", "/moderation/challenges/<challengeId>/withdraw",
                                 challenge_step("/withdraw"), 200),
    "joint": Action("POST", CONTRIBUTION + "/joint",
                    decision("joint", "activity", {"joint": True}), 200),
    "content-notes": Action("PUT", CONTRIBUTION + "/content-notes",
                            decision("content-notes", "approved",
                                     {"content_notes": ["death", "grief"]}), 200),
    "apply-translation": Action("POST", "/moderation/translations/<translationId>/apply",
                                apply_translation, 200),
})
# Listings without a municipality: each shows only the caller's municipalities.
LISTINGS = ["/moderation/queue?status=approved", "/moderation/audit", "/moderation/stats",
            "/moderation/workshops", "/moderation/survey", "/moderation/report",
            "/moderation/export.csv", "/moderation/export.geojson"]
# The same for every organiser: nothing of any municipality in it.
UNSCOPED = {("GET", "/moderation/reasons")}


def call(world: World, who: str, action: Action, municipality: str):
    url, kwargs = action.request(world, municipality)
    return world.client.open(url, method=action.method, headers=world.headers[who],
                             **kwargs)


def test_every_organiser_route_is_in_the_matrix():
    routes = {(method, rule) for method, rule in ROUTES if method not in ("HEAD", "OPTIONS")}
    listed = {("GET", path.split("?")[0]) for path in LISTINGS}
    covered = {(a.method, a.rule) for a in ACTIONS.values()} | listed | UNSCOPED
    assert routes == covered


# -- a moderator against the other municipality --------------------------------------


@pytest.mark.parametrize("name", [n for n, a in ACTIONS.items() if a.refused is not None])
@pytest.mark.parametrize("moderator", ["bollnas", "lobatse"])
def test_a_moderator_cannot_act_on_the_other_municipality(world, moderator, name):
    action = ACTIONS[name]
    before = snapshot(world.store)
    r = call(world, moderator, action, OTHER[moderator])
    assert r.status_code == action.refused
    if action.per_item:
        assert {result["status"] for result in r.get_json()["results"]} == {404}
    else:
        assert r.get_json()["code"] == {403: "Forbidden", 404: "NotFound"}[action.refused]
    assert snapshot(world.store) == before


@pytest.mark.parametrize("name", ACTIONS)
@pytest.mark.parametrize("municipality", ["bollnas", "lobatse"])
@pytest.mark.parametrize("who", ["own-moderator", "admin"])
def test_the_municipalitys_moderator_and_an_admin_may(world, who, municipality, name):
    action = ACTIONS[name]
    before = snapshot(world.store)
    r = call(world, municipality if who == "own-moderator" else "admin", action,
             municipality)
    assert r.status_code == action.ok, r.get_json()
    if action.per_item:
        assert {result["status"] for result in r.get_json()["results"]} == {200}
    assert (snapshot(world.store) != before) == action.writes


@pytest.mark.parametrize("path", LISTINGS)
@pytest.mark.parametrize("moderator", ["bollnas", "lobatse"])
def test_a_listing_shows_only_the_moderators_municipality(world, moderator, path):
    r = world.client.get(path, headers=world.headers[moderator])
    assert r.status_code == 200
    text = r.get_data(as_text=True)
    assert moderator in text
    assert OTHER[moderator] not in text
    assert not [cid for cid in world.ids[OTHER[moderator]].values() if cid in text]


def test_the_rejection_reasons_are_the_same_for_every_organiser(world):
    answers = [world.client.get("/moderation/reasons", headers=world.headers[who])
               for who in ("bollnas", "lobatse", "admin")]
    assert [r.status_code for r in answers] == [200, 200, 200]
    assert answers[0].get_json() == answers[1].get_json() == answers[2].get_json()


# -- anonymous callers ------------------------------------------------------------------

# A value for each path parameter; a new parameter name fails here until it is added.
SAMPLES = {"contributionId": "0123456789abcdef01234567", "collection": "places",
           "featureId": "bol-gastgivars", "trailId": "bol-halsingeleden",
           "placeId": "bol-gastgivars", "imageId": "0123456789abcdef01234567",
           "workshopId": "w0123456789abcdef", "itemId": "0123456789abcdef01234567",
           "twinId": "t0123456789abcdef", "challengeId": "c0123456789abcdef",
           "translationId": "0123456789abcdef01234567"}


def sample_path(rule: str) -> str:
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: SAMPLES[m.group(1)], rule)


@pytest.mark.parametrize("authorization", [None, "Bearer tra_not-a-token",
                                           "Basic YW5uYTpwYXNzd29yZA=="],
                         ids=["no-header", "unknown-token", "basic-auth"])
@pytest.mark.parametrize("method, rule", ROUTES, ids=[f"{m} {r}" for m, r in ROUTES])
def test_an_anonymous_caller_gets_401(geo_client, store, method, rule, authorization):
    before = snapshot(store)
    headers = {"Authorization": authorization} if authorization else {}
    r = geo_client.open(sample_path(rule), method=method, headers=headers, json={})
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"] == 'Bearer realm="organisers"'
    if method != "HEAD":
        assert r.mimetype == "application/json"
        body = r.get_json()
        assert set(body) == {"code", "description", "status", "errors"}
        assert (body["code"], body["status"]) == ("Unauthorized", 401)
    assert snapshot(store) == before


# -- the exchange between the towns (issue 13): who decides on questions and replies ---
# A question is decided by the asker's town, a reply by the replier's town, also when it
# answers the other town's question (policy.decide_contribution). Real places with an
# active twin (helpers.exchange), outside the World above: a reply's queue entry shows
# the other town's (published) question beside it by design.

EXCHANGE_DECISIONS = [("approve", {}), ("reject", {"reason": "not now"}),
                      ("redact", {"body": "Redigerad text."})]


def _exchange_world(client, store) -> tuple[dict, dict[str, str]]:
    from helpers.contributions import post_json
    from helpers.exchange import active_twin, decide, organisers, question, reply

    who = organisers(store)
    active_twin(client, who)
    asked = post_json(client, question()).get_json()["id"]
    assert decide(client, who["bollnas"], asked).status_code == 200
    pending_question = post_json(client, question(title="Och vintern?"),
                                 addr="10.0.0.5").get_json()["id"]
    replied = post_json(client, reply(asked), addr="10.0.0.2").get_json()["id"]
    return who, {"question": pending_question, "reply": replied}


@pytest.mark.parametrize("action, body", EXCHANGE_DECISIONS, ids=[a for a, _ in
                                                                   EXCHANGE_DECISIONS])
@pytest.mark.parametrize("what, stranger", [("question", "lobatse"), ("reply", "bollnas")])
def test_the_other_town_cannot_decide_on_a_question_or_reply(geo_client, store, action,
                                                             body, what, stranger):
    who, ids = _exchange_world(geo_client, store)
    before = snapshot(store)
    r = geo_client.post(f"/moderation/contributions/{ids[what]}/{action}", json=body,
                        headers=who[stranger])
    assert (r.status_code, r.get_json()["code"]) == (404, "NotFound")
    assert snapshot(store) == before


@pytest.mark.parametrize("action, body", EXCHANGE_DECISIONS, ids=[a for a, _ in
                                                                   EXCHANGE_DECISIONS])
@pytest.mark.parametrize("what, own", [("question", "bollnas"), ("reply", "lobatse"),
                                       ("question", "admin"), ("reply", "admin")])
def test_the_young_persons_own_town_decides_on_a_question_or_reply(geo_client, store,
                                                                   action, body, what, own):
    who, ids = _exchange_world(geo_client, store)
    before = snapshot(store)
    r = geo_client.post(f"/moderation/contributions/{ids[what]}/{action}", json=body,
                        headers=who[own])
    assert r.status_code == 200, r.get_json()
    assert snapshot(store) != before


@pytest.mark.parametrize("who", ["anonymous", "bollnas", "lobatse"])
def test_the_public_thread_route_shows_no_unpublished_question(geo_client, store, who):
    organisers_, ids = _exchange_world(geo_client, store)
    headers = {} if who == "anonymous" else organisers_[who]
    r = geo_client.get(f"/questions/{ids['question']}/thread", headers=headers)
    assert (r.status_code, r.get_json()["code"]) == (404, "NotFound")
