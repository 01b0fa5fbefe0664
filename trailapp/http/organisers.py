"""The organisers' API (bearer tokens, for scripts and the dashboard's data): the
moderation queue and decisions, reports, the audit log, statistics and exports, and
places and trails. Thin: who is asking, then a service call."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, abort, current_app, g, request
from flask_openapi3 import APIBlueprint, Tag
from pydantic import ValidationError

from .. import auth, manage, moderation, policy, stats
from ..errors import InvalidParameter
from ..features import GEOJSON, JSON, dumps
from . import models
from .common import bearer_token
from .openapi import REF, _errors, validation_error

bp = APIBlueprint("organisers", __name__, abp_tags=[Tag(name="Organisers")])
SECURITY = [{"organiserToken": []}]
ERRORS = _errors(401, 403, 404, 409)


def _store() -> Any:
    return current_app.extensions["trailapp"].store


def token_organiser() -> auth.Organiser | None:
    """The organiser behind the request's bearer token, or None."""
    return auth.token_organiser(_store(), bearer_token())


@bp.before_request
def _signed_in() -> None:
    # Every route here is for organisers: who is asking is settled before anything
    # of the request is read, so an anonymous caller always gets 401.
    g.organiser = policy.signed_in(token_organiser())


def organiser() -> auth.Organiser:
    """The signed-in organiser of this request."""
    return g.organiser


def _json(body: Any, status: int = 200) -> Response:
    response = Response(dumps(body), status=status, mimetype=JSON)
    response.headers["Cache-Control"] = "no-store"
    return response


def _body(model: type) -> Any:
    if request.mimetype != "application/json":
        raise InvalidParameter("body", "send application/json")
    try:
        data = json.loads(request.get_data(cache=False) or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise InvalidParameter("body", "is not valid UTF-8 JSON") from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:  # 400 naming each field, as for query parameters
        abort(validation_error(exc))


def item_view(row: dict[str, Any], reader: Any) -> dict[str, Any]:
    """What a moderator sees of a contribution (all of it, flags and reports too)."""
    media = reader.media_of(row["id"])
    out = {k: row[k] for k in (
        "id", "kind", "status", "municipality", "place_id", "lang", "title", "body",
        "pseudonym", "age_band", "consent_by", "consent_notice_version", "consent_at",
        "people_in_media", "people_consented", "starts_at", "ends_at", "time_zone",
        "meeting_point", "capacity", "rejection_reason", "hidden_reason", "created",
        "decided_at", "decided_by")}
    out["flags"] = json.loads(row["flags"])
    out["sdg_targets"] = json.loads(row.get("sdg_targets") or "[]")
    out["report_count"] = row.get("report_count", reader.report_count(row["id"]))
    out["reports"] = reader.reports_of(row["id"])
    place = reader.feature_row("places", row["place_id"])
    out["place"] = {"id": row["place_id"],
                    "geometry": json.loads(place["geometry"]) if place and place["geometry"]
                    else None}
    out["media"] = [{"kind": m["kind"], "type": m["media_type"], "href": f"/media/{m['file']}",
                     "thumbnail": f"/media/{m['thumb_file']}" if m["thumb_file"] else None,
                     "width": m["width"], "height": m["height"], "duration_s": m["duration_s"]}
                    for m in media]
    return out


def queue_page(who: auth.Organiser | None, q: models.QueueQuery) -> dict[str, Any]:
    """The moderation queue for an organiser (used by the API and the dashboard)."""
    scope = policy.scope(who, q.municipality)
    with _store().reader() as reader:
        rows, total = reader.queue(scope, q.status, q.kind, q.flagged, q.reported, q.limit,
                                   q.offset)
        items = [item_view(row, reader) for row in rows]
    return {"items": items, "total": total}


@bp.get("/moderation/queue", summary="The moderation queue, oldest first", security=SECURITY,
        responses={200: {"description": "Contributions with their flags",
                         "content": {JSON: {"schema": {"$ref": REF + "Queue"}}}}, **ERRORS})
def queue(query: models.QueueQuery) -> Response:
    """Pending contributions by default; filters: municipality, kind, status, flagged."""
    return _json(queue_page(organiser(), query))


@bp.get("/moderation/contributions/<contributionId>", summary="One contribution, in full",
        security=SECURITY, responses={200: {
            "description": "The contribution with flags, reports and media",
            "content": {JSON: {"schema": {"$ref": REF + "ModerationItem"}}}}, **ERRORS})
def contribution(path: models.ContributionPath) -> Response:
    """Everything a moderator needs to decide."""
    who = organiser()
    with _store().reader() as reader:
        row = reader.contribution(path.contributionId)
        policy.reach(who, row["municipality"] if row else None,
                     f"contribution {path.contributionId!r}")
        return _json(item_view(row, reader))  # type: ignore[arg-type]


def _decision(action: str, contribution_id: str, data: Any, who: auth.Organiser | None
              ) -> dict[str, Any]:
    store = _store()
    policy.signed_in(who)
    if action == "approve":
        # A bulk body has no sdg_targets: bulk approval uses the default targets.
        return moderation.approve(store, contribution_id, who,
                                  getattr(data, "sdg_targets", None), actor="api")
    if action == "reject":
        return moderation.reject(store, contribution_id, data.reason if data else None, who,
                                 data.template if data else None, actor="api")
    if action == "withdraw":
        return moderation.withdraw(store, contribution_id, who,
                                   (data.reason if data else None)
                                   or "withdrawn by an organiser", actor="api")
    return moderation.restore(store, contribution_id, who, actor="api")


DECISION_RESPONSES = {200: {"description": "The contribution after the decision",
                            "content": {JSON: {"schema": {"$ref": REF + "ModerationItem"}}}},
                      **ERRORS}


def _decided(row: dict[str, Any]) -> Response:
    with _store().reader() as reader:
        return _json(item_view(reader.contribution(row["id"]) or row, reader))


@bp.post("/moderation/contributions/<contributionId>/approve", summary="Approve and publish",
         security=SECURITY, responses=DECISION_RESPONSES)
def approve(path: models.ContributionPath) -> Response:
    """Publish now, tagged with Agenda 2030 targets."""
    data = _body(models.ApproveBody) if request.get_data(cache=True) else None
    return _decided(_decision("approve", path.contributionId, data, organiser()))


@bp.post("/moderation/contributions/<contributionId>/reject", summary="Reject with a reason",
         security=SECURITY, responses=DECISION_RESPONSES)
def reject(path: models.ContributionPath) -> Response:
    """The contributor reads the reason through their token."""
    return _decided(_decision("reject", path.contributionId, _body(models.RejectBody),
                              organiser()))


@bp.post("/moderation/contributions/<contributionId>/withdraw", summary="Unpublish",
         security=SECURITY, responses=DECISION_RESPONSES)
def withdraw(path: models.ContributionPath) -> Response:
    """Take a published contribution down; it can be restored."""
    data = _body(models.WithdrawBody) if request.get_data(cache=True) else None
    return _decided(_decision("withdraw", path.contributionId, data, organiser()))


@bp.post("/moderation/contributions/<contributionId>/restore", summary="Publish again",
         security=SECURITY, responses=DECISION_RESPONSES)
def restore(path: models.ContributionPath) -> Response:
    """Publish a hidden contribution again (its reports count as handled)."""
    return _decided(_decision("restore", path.contributionId, None, organiser()))


@bp.post("/moderation/contributions/<contributionId>/redact", summary="Edit the text",
         security=SECURITY, responses=DECISION_RESPONSES)
def redact(path: models.ContributionPath) -> Response:
    """Remove a surname or other personal data; the original stays in the audit log."""
    data = _body(models.RedactBody)
    return _decided(moderation.redact(_store(), path.contributionId, organiser(),
                                      data.title, data.body, actor="api"))


@bp.post("/moderation/bulk", summary="One decision for many contributions",
         security=SECURITY, responses={200: {"description": "One result per id"}, **ERRORS})
def bulk() -> Response:
    """Each id is decided on its own; the answer says how each went."""
    who = organiser()
    data = _body(models.BulkBody)
    results = []
    for contribution_id in dict.fromkeys(data.ids):
        try:
            row = _decision(data.action, contribution_id, data, who)
            results.append({"id": contribution_id, "status": 200, "state": row["status"]})
        except Exception as exc:  # an ApiError per item; anything else is a real fault
            from ..errors import ApiError

            if not isinstance(exc, ApiError):
                raise
            results.append({"id": contribution_id, "status": exc.status,
                            "error": exc.description})
    return _json({"results": results})


@bp.get("/moderation/reasons", summary="Rejection reasons in three languages",
        security=SECURITY, responses={200: {"description": "Templates by code"}, **ERRORS})
def reasons() -> Response:
    """Templates a moderator can pick; the contributor reads theirs in their language."""
    organiser()
    return _json(moderation.REJECTION_REASONS)


@bp.get("/moderation/audit", summary="The audit log, newest first", security=SECURITY,
        responses={200: {"description": "Entries: who, when, what, before and after"},
                   **ERRORS})
def audit_log(query: models.AuditQuery) -> Response:
    """Every decision and edit in your municipalities."""
    who = organiser()
    with _store().reader() as reader:
        entries = reader.audit_entries(None if who.is_admin else who.scope(),
                                       query.object_id, query.limit)
    for entry in entries:
        entry["before"] = json.loads(entry["before"]) if entry["before"] else None
        entry["after"] = json.loads(entry["after"]) if entry["after"] else None
    return _json({"entries": entries})


@bp.get("/moderation/stats", summary="Figures for the steering group", security=SECURITY,
        responses={200: {"description": "Counts, decision times, Agenda 2030 targets"},
                   **ERRORS})
def statistics(query: models.ScopeQuery) -> Response:
    """Counts by municipality, place, kind, language, age band and month."""
    scope = policy.scope(organiser(), query.municipality)
    with _store().reader() as reader:
        return _json(stats.summary(reader, scope))


@bp.get("/moderation/export.csv", summary="Approved content as CSV", security=SECURITY,
        responses={200: {"description": "CSV", "content": {"text/csv": {
            "schema": {"type": "string"}}}}, **ERRORS})
def export_csv(query: models.ScopeQuery) -> Response:
    """Approved stories and activities, no personal data."""
    scope = policy.scope(organiser(), query.municipality)
    with _store().reader() as reader:
        body = stats.export_csv(reader, scope)
    response = Response(body, mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="trailapp-approved.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/moderation/export.geojson", summary="Approved content as GeoJSON",
        security=SECURITY, responses={200: {"description": "GeoJSON", "content": {GEOJSON: {
            "schema": {"type": "object", "required": ["type", "features"], "properties": {
                "type": {"type": "string", "enum": ["FeatureCollection"]},
                "features": {"type": "array", "items": {"$ref": REF + "Feature"}}}}}}},
            **ERRORS})
def export_geojson(query: models.ScopeQuery) -> Response:
    """Approved stories and activities as one FeatureCollection."""
    scope = policy.scope(organiser(), query.municipality)
    with _store().reader() as reader:
        body = stats.export_geojson(reader, scope)
    response = Response(body, mimetype=GEOJSON)
    response.headers["Content-Disposition"] = 'attachment; filename="trailapp-approved.geojson"'
    response.headers["Cache-Control"] = "no-store"
    return response


MANAGE_RESPONSES = {200: {"description": "The stored record"},
                    201: {"description": "Created"}, **_errors(401, 403, 404, 409, 422)}


@bp.post("/manage/<collection>", summary="Create a place or trail", security=SECURITY,
         responses=MANAGE_RESPONSES)
def create(path: models.ManagePath) -> Response:
    """A GeoJSON Feature in the geodata schema (see geodata/README.md); checked like a
    loaded file; public at once."""
    record = manage.save(_store(), organiser(), path.collection,
                         _feature(), create=True)
    return _json(record, 201)


@bp.put("/manage/<collection>/<featureId>", summary="Replace a place or trail",
        security=SECURITY, responses=MANAGE_RESPONSES)
def update(path: models.ManageItemPath) -> Response:
    """The whole feature again, e.g. with a surveyed location for a place that had none."""
    feature = _feature()
    if feature.get("id") != path.featureId:
        raise InvalidParameter("id", "must be the id in the path")
    record = manage.save(_store(), organiser(), path.collection, feature,
                         create=False)
    return _json(record)


@bp.delete("/manage/<collection>/<featureId>", summary="Delete a place or trail",
           security=SECURITY, responses={204: {"description": "Deleted"},
                                         **_errors(401, 403, 404, 409)})
def remove(path: models.ManageItemPath) -> Response:
    """Refused (409) for a place that contributions belong to."""
    manage.delete(_store(), organiser(), path.collection, path.featureId)
    return Response(status=204)


@bp.post("/manage/trails/<trailId>/gpx", summary="Give a trail its surveyed line",
         security=SECURITY, responses=MANAGE_RESPONSES)
def gpx(path: models.TrailPath, query: models.GpxQuery) -> Response:
    """A GPX file (one track) as the body (application/gpx+xml) or in a form field
    'file'; names and stages are kept, the length and walking time recomputed."""
    who = organiser()
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise InvalidParameter("file", "send the GPX file in the form field 'file'")
        data = upload.read()
    else:
        data = request.get_data(cache=False)
    record = manage.upload_gpx(_store(), who, path.trailId, data, query.accuracy)
    return _json(record)


def _feature() -> dict[str, Any]:
    if request.mimetype not in ("application/json", GEOJSON):
        raise InvalidParameter("body", "send a GeoJSON Feature as application/geo+json")
    try:
        data = json.loads(request.get_data(cache=False) or b"null")
    except (ValueError, UnicodeDecodeError):
        raise InvalidParameter("body", "is not valid UTF-8 JSON") from None
    if not isinstance(data, dict):
        raise InvalidParameter("body", "must be a GeoJSON Feature object")
    return data
