"""The organisers' review of the field survey (API tokens): what is waiting, a place's
fixes and consensus, a trail's tracks, the decisions and the OpenStreetMap export. Thin:
who is asking, then a call to trailapp.survey_review."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, g
from flask_openapi3 import APIBlueprint, Tag
from pydantic import ValidationError

from .. import auth, policy, survey_review
from ..features import GEOJSON
from . import models
from .context import json_body, language, state, token_organiser
from .openapi import _errors, validation_error
from .responses import json_answer, no_store

ERRORS = _errors(401, 403, 404, 409)
ORGANISER = [{"organiserToken": []}]

review_bp = APIBlueprint("survey_review", __name__, abp_tags=[Tag(name="Organisers")])


@review_bp.before_request
def _signed_in() -> None:
    # Who is asking is settled before anything of the request is read (HEAD and
    # OPTIONS too), so an anonymous caller always gets 401.
    g.organiser = policy.signed_in(token_organiser())


def _organiser() -> auth.Organiser:
    return g.organiser


def _body(model: type) -> Any:
    try:
        return model.model_validate(json_body(empty={}))
    except ValidationError as exc:
        abort(validation_error(exc))


@review_bp.get("/moderation/survey", summary="Places and trails waiting for the survey",
        security=ORGANISER, responses={200: {"description": "Per place its consensus so "
                                             "far; per trail its tracks"}, **ERRORS})
def overview(query: models.ScopeQuery) -> Response:
    who = _organiser()
    app = state()
    return json_answer(survey_review.overview(app.store, app.survey, who,
                                              query.municipality, language(None)))


@review_bp.get("/moderation/survey/places/<placeId>", summary="A place's fixes and consensus",
        security=ORGANISER, responses={200: {"description": "Fixes, consensus, old point"},
                                       **ERRORS})
def place(path: models.PlacePath) -> Response:
    who = _organiser()
    app = state()
    return json_answer(survey_review.place(app.store, app.survey, who,
                                           path.placeId, language(None)))


@review_bp.post("/moderation/survey/places/<placeId>", summary="Decide a place's location",
         security=ORGANISER, responses={200: {"description": "The decision"},
                                        **_errors(400, 401, 403, 404, 409, 422)})
def decide_place(path: models.PlacePath) -> Response:
    """approve (the consensus, when ready), set (lon, lat) or reject (with a reason)."""
    who = _organiser()
    data = _body(models.PlaceDecisionBody)
    app = state()
    return json_answer(survey_review.decide_place(
        app.store, app.survey, who, path.placeId, data.action, data.reason,
        data.lon, data.lat))


@review_bp.get("/moderation/survey/trails/<trailId>", summary="A trail's tracks",
        security=ORGANISER, responses={200: {"description": "Tracks and their distances"},
                                       **ERRORS})
def trail(path: models.TrailPath) -> Response:
    who = _organiser()
    app = state()
    return json_answer(survey_review.trail(app.store, app.survey, who,
                                           path.trailId, language(None)))


@review_bp.post("/moderation/survey/trails/<trailId>", summary="Publish a trail's line",
         security=ORGANISER, responses={200: {"description": "Published, with any warning"},
                                        **_errors(400, 401, 403, 404, 409, 422)})
def publish_trail(path: models.TrailPath) -> Response:
    """From one track, or several in stage order."""
    who = _organiser()
    data = _body(models.TrailPublishBody)
    app = state()
    return json_answer(survey_review.publish_trail(app.store, app.survey, who,
                                                   path.trailId, data.tracks))


@review_bp.post("/moderation/survey/tracks/<itemId>/reject", summary="Reject a track",
         security=ORGANISER, responses={204: {"description": "Rejected"},
                                        **_errors(400, 401, 403, 404, 409, 422)})
def reject_track(path: models.SurveyPath) -> Response:
    who = _organiser()
    data = _body(models.TrackRejectBody)
    survey_review.reject_track(state().store, who, path.itemId, data.reason)
    return no_store(Response(status=204))


@review_bp.get("/moderation/survey/export.geojson", summary="Surveyed places and lines for "
        "OpenStreetMap", security=ORGANISER, responses={
            200: {"description": "GeoJSON with proposed OSM tags, no personal data"},
            **ERRORS})
def osm_export(query: models.ScopeQuery) -> Response:
    who = _organiser()
    response = json_answer(survey_review.osm_export(state().store, who,
                                                    query.municipality))
    response.mimetype = GEOJSON
    return response
