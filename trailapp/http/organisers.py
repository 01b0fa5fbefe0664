"""The organisers' API (bearer tokens, for scripts and the dashboard's data): the
moderation queue and decisions, workshops, the audit log, statistics and exports (places
and trails are in editing.py). Thin: who is asking, then a service call."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, g, request
from flask_openapi3 import APIBlueprint, Tag
from pydantic import ValidationError

from .. import auth, moderation, policy, review, stats, workshops
from ..features import GEOJSON, JSON
from . import models, report_view
from .context import json_body, settings, state, token_organiser
from .openapi import REF, _errors, validation_error
from .responses import json_answer, no_store

bp = APIBlueprint("organisers", __name__, abp_tags=[Tag(name="Organisers")])
SECURITY = [{"organiserToken": []}]
ERRORS = _errors(401, 403, 404, 409)
ACTOR = "api"


@bp.before_request
def _signed_in() -> None:
    # Every route here is for organisers: who is asking is settled before anything
    # of the request is read, so an anonymous caller always gets 401.
    g.organiser = policy.signed_in(token_organiser())


def organiser() -> auth.Organiser:
    """The signed-in organiser of this request."""
    return g.organiser


def _body(model: type, optional: bool = False) -> Any:
    """The JSON body validated by a model (an optional body may be empty)."""
    if optional and not request.get_data(cache=True):
        return None
    try:
        return model.model_validate(json_body(empty={}))
    except ValidationError as exc:  # 400 naming each field, as for query parameters
        abort(validation_error(exc))


@bp.get("/moderation/queue", summary="The moderation queue, oldest first", security=SECURITY,
        responses={200: {"description": "Contributions with their flags",
                         "content": {JSON: {"schema": {"$ref": REF + "Queue"}}}}, **ERRORS})
def queue(query: models.QueueQuery) -> Response:
    """Pending contributions by default; filters: municipality, kind, status, flagged."""
    return json_answer(review.queue(state().store, organiser(), **query.model_dump()))


@bp.get("/moderation/contributions/<contributionId>", summary="One contribution, in full",
        security=SECURITY, responses={200: {
            "description": "The contribution with flags, reports and media",
            "content": {JSON: {"schema": {"$ref": REF + "ModerationItem"}}}}, **ERRORS})
def contribution(path: models.ContributionPath) -> Response:
    """Everything a moderator needs to decide."""
    return json_answer(review.contribution(state().store, organiser(), path.contributionId))


DECISION_RESPONSES = {200: {"description": "The contribution after the decision",
                            "content": {JSON: {"schema": {"$ref": REF + "ModerationItem"}}}},
                      **ERRORS}


def _decided(action: str, contribution_id: str, **values: Any) -> Response:
    return json_answer(review.decide(state().store, organiser(), action, contribution_id,
                                     actor=ACTOR, **values))


@bp.post("/moderation/contributions/<contributionId>/approve", summary="Approve and publish",
         security=SECURITY, responses=DECISION_RESPONSES)
def approve(path: models.ContributionPath) -> Response:
    """Publish now, tagged with Agenda 2030 targets."""
    data = _body(models.ApproveBody, optional=True)
    return _decided("approve", path.contributionId,
                    sdg_targets=data.sdg_targets if data else None,
                    content_notes=data.content_notes if data else None)


@bp.post("/moderation/contributions/<contributionId>/reject", summary="Reject with a reason",
         security=SECURITY, responses=DECISION_RESPONSES)
def reject(path: models.ContributionPath) -> Response:
    """The contributor reads the reason through their token."""
    data = _body(models.RejectBody)
    return _decided("reject", path.contributionId, reason=data.reason, template=data.template)


@bp.post("/moderation/contributions/<contributionId>/withdraw", summary="Unpublish",
         security=SECURITY, responses=DECISION_RESPONSES)
def withdraw(path: models.ContributionPath) -> Response:
    """Take a published contribution down; it can be restored."""
    data = _body(models.WithdrawBody, optional=True)
    return _decided("withdraw", path.contributionId, reason=data.reason if data else None)


@bp.post("/moderation/contributions/<contributionId>/restore", summary="Publish again",
         security=SECURITY, responses=DECISION_RESPONSES)
def restore(path: models.ContributionPath) -> Response:
    """Publish a hidden contribution again (its reports count as handled)."""
    return _decided("restore", path.contributionId)


@bp.post("/moderation/contributions/<contributionId>/redact", summary="Edit the text",
         security=SECURITY, responses=DECISION_RESPONSES)
def redact(path: models.ContributionPath) -> Response:
    """Remove a surname or other personal data; the original stays in the audit log."""
    data = _body(models.RedactBody)
    return _decided("redact", path.contributionId, title=data.title, body=data.body)


@bp.post("/moderation/contributions/<contributionId>/joint",
         summary="Mark an activity as both towns'", security=SECURITY,
         responses={**DECISION_RESPONSES, **_errors(422)})
def joint(path: models.ContributionPath) -> Response:
    """A joint activity is listed, synced and packed in both towns (issue 13)."""
    data = _body(models.JointBody)
    moderation.mark_joint(state().store, path.contributionId, organiser(), data.joint,
                          actor=ACTOR)
    return json_answer(review.contribution(state().store, organiser(), path.contributionId))


@bp.put("/moderation/contributions/<contributionId>/content-notes",
        summary="Change a published item's content notes", security=SECURITY,
        responses={**DECISION_RESPONSES, **_errors(422)})
def content_notes(path: models.ContributionPath) -> Response:
    """The content notes (death, violence, ...) a published story, activity or question
    carries from now on; sync and packs carry the change (issue 14)."""
    data = _body(models.ContentNotesBody)
    moderation.set_content_notes(state().store, path.contributionId, organiser(),
                                 data.content_notes, actor=ACTOR)
    return json_answer(review.contribution(state().store, organiser(), path.contributionId))


@bp.post("/moderation/bulk", summary="One decision for many contributions",
         security=SECURITY, responses={200: {"description": "One result per id"}, **ERRORS})
def bulk() -> Response:
    """Each id is decided on its own; the answer says how each went."""
    data = _body(models.BulkBody)
    return json_answer({"results": review.bulk(
        state().store, organiser(), data.action, data.ids, actor=ACTOR, reason=data.reason,
        template=data.template)})


@bp.post("/moderation/workshops", summary="Open a workshop for a group", security=SECURITY,
         responses={201: {"description": "The workshop and its code (shown this once)",
                          "content": {JSON: {"schema": {"$ref": REF + "OpenedWorkshop"}}}},
                    **_errors(401, 403, 404, 415, 422)})
def open_workshop() -> Response:
    """A short code, valid for some hours for one municipality; submissions sent with
    it share a higher limit and are grouped in the queue (?workshop=)."""
    data = _body(models.WorkshopBody)
    return no_store(json_answer(workshops.open_workshop(
        state().store, organiser(), settings()["SECRET_KEY"], municipality=data.municipality,
        name=data.name, hours=data.hours, expected_participants=data.expected_participants),
        201))


@bp.get("/moderation/workshops", summary="Live workshops", security=SECURITY,
        responses={200: {"description": "Workshops not yet ended, soonest ending first",
                         "content": {JSON: {"schema": {"$ref": REF + "Workshops"}}}},
                   **ERRORS})
def list_workshops(query: models.ScopeQuery) -> Response:
    """The live workshops of your municipalities (their codes are never shown again)."""
    return json_answer(workshops.live(state().store, organiser(), query.municipality))


@bp.post("/moderation/workshops/<workshopId>/close", summary="End a workshop now",
         security=SECURITY, responses={
             200: {"description": "The workshop, ended",
                   "content": {JSON: {"schema": {"$ref": REF + "Workshop"}}}}, **ERRORS})
def close_workshop(path: models.WorkshopPath) -> Response:
    """Its code stops working at once; what was sent with it stays in the queue."""
    return json_answer(workshops.close(state().store, organiser(), path.workshopId))


@bp.get("/moderation/reasons", summary="Rejection reasons in three languages",
        security=SECURITY, responses={200: {"description": "Templates by code"}, **ERRORS})
def reasons() -> Response:
    """Templates a moderator can pick; the contributor reads theirs in their language."""
    organiser()
    return json_answer(moderation.REJECTION_REASONS)


@bp.get("/moderation/audit", summary="The audit log, newest first", security=SECURITY,
        responses={200: {"description": "Entries: who, when, what, before and after"},
                   **ERRORS})
def audit_log(query: models.AuditQuery) -> Response:
    """Every decision and edit in your municipalities."""
    return json_answer({"entries": review.audit_log(state().store, organiser(),
                                                    query.object_id, query.limit)})


@bp.get("/moderation/stats", summary="Figures for the steering group", security=SECURITY,
        responses={200: {"description": "Counts, decision times, Agenda 2030 targets"},
                   **ERRORS})
def statistics(query: models.ScopeQuery) -> Response:
    """Counts by municipality, place, kind, language, age band and month."""
    return json_answer(stats.summary(state().store, organiser(), query.municipality))


@bp.get("/moderation/report", summary="The steering group's report (HTML, PDF or CSV)",
        security=SECURITY, responses={200: {"description": (
            "The report of a period: HTML (charts as SVG images, each with its figures as "
            "a table), PDF, or one chart's figures as CSV. Counts under 5 read 'fewer than "
            "5'."), "content": {"text/html": {"schema": {"type": "string"}},
                                "application/pdf": {"schema": {"type": "string",
                                                               "format": "binary"}},
                                "text/csv": {"schema": {"type": "string"}}}},
            **_errors(401, 403, 404, 422)})
def steering_report(query: models.ReportQuery) -> Response:
    """Contributions per month by kind, age band and language, by place (a map), time
    to a decision, Agenda 2030 counts and example stories chosen with ?examples=."""
    built = report_view.build(state().store, organiser(), query)
    return report_view.respond(built, query.format, query.chart,
                               report_view.file_name(built))


@bp.get("/moderation/export.csv", summary="Approved content as CSV", security=SECURITY,
        responses={200: {"description": "CSV", "content": {"text/csv": {
            "schema": {"type": "string"}}}}, **ERRORS})
def export_csv(query: models.ScopeQuery) -> Response:
    """Approved stories and activities, no personal data."""
    body = stats.export_csv(state().store, organiser(), query.municipality)
    response = Response(body, mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="trailapp-approved.csv"'
    return no_store(response)


@bp.get("/moderation/export.geojson", summary="Approved content as GeoJSON",
        security=SECURITY, responses={200: {"description": "GeoJSON", "content": {GEOJSON: {
            "schema": {"type": "object", "required": ["type", "features"], "properties": {
                "type": {"type": "string", "enum": ["FeatureCollection"]},
                "features": {"type": "array", "items": {"$ref": REF + "Feature"}}}}}}},
            **ERRORS})
def export_geojson(query: models.ScopeQuery) -> Response:
    """Approved stories and activities as one FeatureCollection."""
    body = stats.export_geojson(state().store, organiser(), query.municipality)
    response = Response(body, mimetype=GEOJSON)
    response.headers["Content-Disposition"] = 'attachment; filename="trailapp-approved.geojson"'
    return no_store(response)
