"""What the OpenAPI document adds for client generators and app developers.

flask-openapi3 writes the paths from the routes; this module makes the document a
contract a generator can use: a relative server, an ASCII package name, a short stable
operationId per operation, typed paths per collection (one class per feature kind),
HEAD beside every GET, the headers the docs rely on, and an example for every schema
that has one in examples.py.
"""

from __future__ import annotations

import copy
from typing import Any

from ..domain import COLLECTION_IDS
from ..features import GPX
from .models.examples import EXAMPLES

REF = "#/components/schemas/"
PACKAGE_NAME = "trailapp_client"
ITEMS = "/collections/{collectionId}/items"
ITEM = "/collections/{collectionId}/items/{featureId}"
# One short, stable, ASCII name per operation (generated clients name their functions
# after it). Per-collection item routes are named below (listPlaces, getPlace, ...).
OPERATION_IDS = {
    ("/", "get"): "getLandingPage",
    ("/conformance", "get"): "getConformance",
    ("/collections", "get"): "listCollections",
    ("/collections/{collectionId}", "get"): "getCollection",
    ("/collections/{collectionId}/queryables", "get"): "getQueryables",
    ("/api", "get"): "getApiDocument",
    ("/contributions", "post"): "submitContribution",
    ("/contributions/{contributionId}", "get"): "getOwnContribution",
    ("/contributions/{contributionId}", "delete"): "eraseOwnContribution",
    ("/contributions/{contributionId}/reports", "post"): "reportContribution",
    ("/media/{name}", "get"): "getMedia",
    ("/privacy-notice", "get"): "getPrivacyNotice",
    ("/pseudonym", "get"): "suggestPseudonym",
    ("/sync", "get"): "syncChanges",
    ("/packs", "get"): "listPacks",
    ("/packs/{packId}", "get"): "downloadPack",
    ("/moderation/queue", "get"): "getModerationQueue",
    ("/moderation/contributions/{contributionId}", "get"): "getModerationItem",
    ("/moderation/contributions/{contributionId}/approve", "post"): "approveContribution",
    ("/moderation/contributions/{contributionId}/reject", "post"): "rejectContribution",
    ("/moderation/contributions/{contributionId}/withdraw", "post"): "withdrawContribution",
    ("/moderation/contributions/{contributionId}/restore", "post"): "restoreContribution",
    ("/moderation/contributions/{contributionId}/redact", "post"): "redactContribution",
    ("/moderation/contributions/{contributionId}/joint", "post"): "markJointActivity",
    ("/moderation/contributions/{contributionId}/content-notes", "put"): "setContentNotes",
    ("/moderation/bulk", "post"): "decideInBulk",
    ("/moderation/reasons", "get"): "listRejectionReasons",
    ("/moderation/audit", "get"): "getAuditLog",
    ("/moderation/stats", "get"): "getStatistics",
    ("/moderation/report", "get"): "getReport",
    ("/moderation/export.csv", "get"): "exportCsv",
    ("/moderation/export.geojson", "get"): "exportGeojson",
    ("/manage/{collection}", "post"): "createFeature",
    ("/manage/{collection}/{featureId}", "put"): "updateFeature",
    ("/manage/{collection}/{featureId}", "delete"): "deleteFeature",
    ("/manage/trails/{trailId}/gpx", "post"): "uploadTrailGpx",
    ("/manage/{collection}/{featureId}", "get"): "getFeatureRecord",
    ("/manage/places/{placeId}/images", "post"): "addPlaceImage",
    ("/manage/places/{placeId}/images/{imageId}", "delete"): "deletePlaceImage",
    ("/survey/tasks", "get"): "listSurveyTasks",
    ("/survey/fixes", "post"): "submitFix",
    ("/survey/fixes/{itemId}", "get"): "getOwnFix",
    ("/survey/fixes/{itemId}", "delete"): "eraseOwnFix",
    ("/survey/tracks", "post"): "submitTrack",
    ("/survey/tracks/{itemId}", "get"): "getOwnTrack",
    ("/survey/tracks/{itemId}", "delete"): "eraseOwnTrack",
    ("/moderation/survey", "get"): "getSurveyOverview",
    ("/moderation/survey/places/{placeId}", "get"): "getPlaceSurvey",
    ("/moderation/survey/places/{placeId}", "post"): "decidePlaceSurvey",
    ("/moderation/survey/trails/{trailId}", "get"): "getTrailSurvey",
    ("/moderation/survey/trails/{trailId}", "post"): "publishTrailLine",
    ("/moderation/survey/tracks/{itemId}/reject", "post"): "rejectTrack",
    ("/moderation/survey/export.geojson", "get"): "exportSurveyForOsm",
    ("/moderation/workshops", "get"): "listWorkshops",
    ("/moderation/workshops", "post"): "openWorkshop",
    ("/moderation/workshops/{workshopId}/close", "post"): "closeWorkshop",
    ("/moderation/twins", "get"): "listTwinsOfMyTowns",
    ("/moderation/twins", "post"): "proposeTwin",
    ("/moderation/twins/{twinId}/accept", "post"): "acceptTwin",
    ("/moderation/twins/{twinId}/end", "post"): "endTwin",
    ("/moderation/challenges", "get"): "listChallengesOfMyTowns",
    ("/moderation/challenges", "post"): "createChallenge",
    ("/moderation/challenges/{challengeId}", "get"): "getChallengeForOrganisers",
    ("/moderation/challenges/{challengeId}/withdraw", "post"): "withdrawChallenge",
    ("/challenges/{challengeId}/answers", "post"): "answerChallenge",
    ("/passport", "get"): "getPassport",
    ("/passport", "delete"): "erasePassport",
    ("/contributions/{contributionId}/translations", "post"): "translateContribution",
    ("/places/{placeId}/translations", "post"): "translatePlace",
    ("/translation/tasks", "get"): "listTranslationTasks",
    ("/moderation/translations/{translationId}/apply", "post"): "applyPlaceTranslation",
    ("/questions/{questionId}/thread", "get"): "getQuestionThread",
    ("/healthz", "get"): "getHealth",
    ("/metrics", "get"): "getMetrics",
}
NOUNS = {"places": ("Places", "Place"), "trails": ("Trails", "Trail"),
         "stories": ("Stories", "Story"), "activities": ("Activities", "Activity"),
         "twins": ("Twins", "Twin"), "challenges": ("Challenges", "Challenge"),
         "questions": ("Questions", "Question")}


def _header(description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"description": description, "schema": schema or {"type": "string"}}


RETRY_AFTER = _header("Seconds to wait before trying again.", {"type": "integer"})
ETAG = _header("Strong validator of this representation; send it back in If-None-Match.")
IF_NONE_MATCH = {"name": "If-None-Match", "in": "header", "required": False,
                 "schema": {"type": "string"},
                 "description": "ETags you hold: 304 Not Modified when one is current."}
# GETs without an ETag: personal or organisers' answers that no cache may keep
# (no-store), and the machine's own health and metrics.
NO_ETAG = ("/contributions/{contributionId}", "/moderation/", "/healthz", "/metrics",
           "/passport")
PACK_HEADERS = [
    {"name": "Range", "in": "header", "required": False,
     "schema": {"type": "string"},
     "description": "One byte range (bytes=start-[end]) to resume a broken download."},
    {"name": "If-Range", "in": "header", "required": False, "schema": {"type": "string"},
     "description": "The pack's ETag: the range is only sent while the pack is unchanged "
                    "(else the whole pack, 200)."},
]


def _typed_collection_paths(doc: dict[str, Any]) -> None:
    """The items routes as one path per collection, each with its own feature schema,
    in place of the shared /collections/{collectionId}/items[/{featureId}]."""
    paths = doc["paths"]
    items, item = paths.pop(ITEMS, None), paths.pop(ITEM, None)
    for collection in COLLECTION_IDS:
        plural, singular = NOUNS.get(collection, (collection.title(), collection.title()))
        for template, path_item, op_id, schema in (
                (ITEMS, items, f"list{plural}", f"{singular}Collection"),
                (ITEM, item, f"get{singular}", f"{singular}Feature")):
            if path_item is None:
                continue
            get = copy.deepcopy(path_item["get"])
            get["operationId"] = op_id
            get["parameters"] = [p for p in get.get("parameters", [])
                                 if p["name"] != "collectionId"]
            content = get["responses"]["200"]["content"]
            for media_type in list(content):
                if media_type == GPX and collection != "trails":
                    del content[media_type]
                elif media_type != GPX:
                    content[media_type] = {"schema": {"$ref": REF + schema}}
            paths[template.replace("{collectionId}", collection)] = {"get": get}


def _head(get: dict[str, Any], op_id: str) -> dict[str, Any]:
    """HEAD of a GET: the same parameters and statuses, headers only."""
    head = {k: copy.deepcopy(v) for k, v in get.items() if k not in ("operationId", "responses")}
    name = op_id.removeprefix("get")
    head["operationId"] = "head" + name[0].upper() + name[1:]
    head["summary"] = "Headers only: " + get.get("summary", "")
    head["responses"] = {status: {k: v for k, v in response.items() if k != "content"}
                         for status, response in get["responses"].items()}
    return head


def _add_headers(path: str, method: str, operation: dict[str, Any]) -> None:
    """Request and response headers the docs rely on."""
    params = operation.setdefault("parameters", [])
    validated = method == "get" and not path.startswith(NO_ETAG)
    if validated:
        params.append(copy.deepcopy(IF_NONE_MATCH))
    if path == "/packs/{packId}":
        params.extend(copy.deepcopy(PACK_HEADERS))
    if validated and "200" in operation["responses"]:
        operation["responses"].setdefault("304", {
            "description": "Not modified: the ETag in If-None-Match is still current"})
    for status, response in operation["responses"].items():
        headers = response.setdefault("headers", {})
        if status in ("429", "503", "507"):
            headers["Retry-After"] = RETRY_AFTER
        if validated and status in ("200", "206", "304"):
            headers.setdefault("ETag", ETAG)
        if path == "/packs/{packId}" and status in ("200", "206"):
            headers["X-Pack-Cursor"] = _header("The sync cursor of the pack's content: "
                                               "sync from it after installing the pack.")
            headers["Accept-Ranges"] = _header("bytes")
        if path == "/packs/{packId}" and status in ("206", "416"):
            headers["Content-Range"] = _header("bytes start-end/size (416: bytes */size).")
        if path == "/contributions" and status == "200":
            headers["Idempotent-Replayed"] = _header(
                "true: this is the first answer to the same submission, sent again.")
        if (path == "/contributions" or path.endswith("/translations")) and \
                status in ("200", "201"):
            headers["Location"] = _header("The contribution's absolute URL.")
        if not headers:
            del response["headers"]


def _add_examples(doc: dict[str, Any]) -> None:
    """Examples on the schemas, and on each response whose schema is one of them."""
    schemas = doc["components"]["schemas"]
    for name, example in EXAMPLES.items():
        schemas[name]["example"] = example
    for path_item in doc["paths"].values():
        for operation in path_item.values():
            for response in operation.get("responses", {}).values():
                for media in (response.get("content") or {}).values():
                    ref = (media.get("schema") or {}).get("$ref", "")
                    if ref.removeprefix(REF) in EXAMPLES:
                        media["example"] = EXAMPLES[ref.removeprefix(REF)]


def make_contract(doc: dict[str, Any]) -> None:
    """Turn flask-openapi3's document into the contract (in place, OpenAPI 3.0)."""
    doc["servers"] = [{"url": "/", "description": "This service (the address /api was "
                                                  "fetched from)."}]
    doc["info"]["x-package-name"] = PACKAGE_NAME
    doc["info"]["description"] += (
        f" Generated clients: use the package name {PACKAGE_NAME} (info.title is for "
        "people). Stored hrefs are absolute URLs in responses; inside offline packs they "
        "are paths relative to the service root.")
    for (path, method), op_id in OPERATION_IDS.items():
        if method in doc["paths"].get(path, {}):
            doc["paths"][path][method]["operationId"] = op_id
    _typed_collection_paths(doc)
    for path, path_item in doc["paths"].items():
        for method, operation in list(path_item.items()):
            _add_headers(path, method, operation)
        if "get" in path_item:
            path_item["head"] = _head(path_item["get"], path_item["get"]["operationId"])
    _add_examples(doc)
