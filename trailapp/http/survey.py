"""The field survey: tasks for young surveyors, their fixes and tracks (token-owned).
Thin: parse, call trailapp.survey, answer. The organisers' review is survey_review.py."""

from __future__ import annotations

import io
import json
from typing import Any

from flask import Response, abort, request
from flask_openapi3 import APIBlueprint, Tag
from pydantic import ValidationError

from .. import passport, ratelimit, survey
from ..errors import InvalidParameter, MediaError, UnsupportedMediaType
from ..features import GEOJSON, JSON
from . import models
from .context import (
    client_key,
    contributor_token,
    json_object,
    language,
    multipart_form,
    settings,
    state,
)
from .contributions import receipt_response
from .openapi import REF, _errors, validation_error
from .responses import json_answer, no_store

bp = APIBlueprint("survey", __name__, abp_tags=[Tag(name="Survey")])
BEARER = [{"contributionToken": []}]
OPTIONAL_BEARER = [{}, {"contributionToken": []}]  # a surveyor's first fix has no token


def _form(files_allowed: set[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Fields and files of a JSON or multipart request."""
    if request.mimetype == "application/json":
        return json_object(), {}
    if request.mimetype == "multipart/form-data":
        form, files = multipart_form()
        fields: dict[str, Any] = {}
        for name in form:
            values = form.getlist(name)
            if len(values) > 1:
                raise InvalidParameter(name, "given more than once")
            if "\ufffd" in values[0]:
                raise InvalidParameter(name, "is not valid UTF-8 text")
            fields[name] = values[0]
        unknown = sorted(set(files) - files_allowed)
        if unknown:
            raise InvalidParameter(unknown[0], "unknown file field")
        chosen = {}
        for name in files:
            items = files.getlist(name)
            if len(items) > 1:
                raise InvalidParameter(name, "send one file")
            if items[0].filename or items[0].stream.read(1):
                items[0].stream.seek(0)
                chosen[name] = items[0]
        return fields, chosen
    raise UnsupportedMediaType("Send application/json, or multipart/form-data.")


def _cap(field: str, file_bytes: int) -> None:
    """Refuse a request larger than its one file may be (plus room for the fields),
    naming the file's field, before any of it is read."""
    limit = file_bytes + 64 * 1024
    request.max_content_length = limit
    if request.content_length is not None and request.content_length > limit:
        raise MediaError(413, field, f"the request is {request.content_length} bytes; the "
                         f"file may be at most {file_bytes} bytes")


def _validated(model: type, fields: dict[str, Any]) -> Any:
    """Typed fields (JSON keeps its types; form fields are strings and are converted);
    400 naming each field."""
    try:
        return model.model_validate(fields, strict=request.mimetype == "application/json")
    except ValidationError as exc:
        abort(validation_error(exc))


def _surveyor(model: Any) -> survey.Surveyor:
    return survey.Surveyor(pseudonym=model.pseudonym, age_band=model.age_band,
                           consent_by=model.consent_by,
                           consent_notice_version=model.consent_notice_version,
                           credit=model.credit)


def _receipt(receipt: dict[str, Any], quota: ratelimit.Quota | None, kind: str) -> Response:
    plural = {"fix": "fixes", "track": "tracks"}[kind]
    return receipt_response(receipt, quota, f"/survey/{plural}/{receipt['id']}")


SUBMIT = {201: {"description": "Accepted as pending; keep the token.",
                "content": {JSON: {"schema": {"$ref": REF + "SurveyReceipt"}}}},
          200: {"description": "A retry with the same Idempotency-Key: the first answer.",
                "content": {JSON: {"schema": {"$ref": REF + "SurveyReceipt"}}}},
          **_errors(400, 401, 413, 415, 422, 429)}


@bp.get("/survey/tasks", summary="What is left to survey", responses={
    200: {"description": "Places to locate and trails to record, as GeoJSON",
          "content": {GEOJSON: {"schema": {"$ref": REF + "SurveyTasks"}}}}, **_errors(400)})
def tasks(query: models.TasksQuery) -> Response:
    """Places whose location is unknown or approximate (with uncertainty_m) and trails
    without a surveyed line, with what helps find them and what each still needs."""
    app = state()
    lang = language(query.lang)
    radius = query.radius or settings()["NEAR_DEFAULT_RADIUS_M"] if query.near else None
    with app.store.reader() as reader:
        body = survey.tasks(reader, app.survey, lang, query.municipality, query.near, radius)
    response = json_answer(body)
    response.mimetype = GEOJSON
    response.headers["Content-Language"] = lang
    response.headers["Cache-Control"] = "no-cache"  # counts change without a new version
    return response


@bp.post("/survey/fixes", summary="Send a position fix", security=OPTIONAL_BEARER,
         responses=SUBMIT)
def submit_fix(header: models.SurveyHeaders) -> Response:
    """Where a place is: lon/lat, the phone's accuracy, gps or map, the day; optionally a
    note and a photo (cleaned like a contribution's). Send the token of your first fix
    as 'Authorization: Bearer' with the next ones: they count as one surveyor."""
    _cap("photo", settings()["MEDIA_MAX_IMAGE_BYTES"])
    fields, files = _form({"photo"})
    model = _validated(models.FixModel, fields)
    app = state()
    if header.passport_key:  # refused before anything is stored
        passport.key_hash(app.contributions.secret, header.passport_key)
    photo = files.get("photo")
    receipt, quota = survey.submit_fix(
        app.store, app.survey, survey.FixFields(
            place=model.place, lon=model.lon, lat=model.lat, accuracy_m=model.accuracy_m,
            method=model.method, observed_on=model.observed_on, note=model.note,
            people_in_media=model.people_in_media, people_consented=model.people_consented),
        _surveyor(model), photo.stream if photo else None, client=client_key(),
        token=contributor_token(), idempotency_key=header.idempotency_key,
        install_id=header.install_id)
    passport.link_in(app.store, app.contributions.secret, header.passport_key, "fix",
                     receipt["id"])
    return _receipt(receipt, quota, "fix")


def _stages(value: Any) -> list[int]:
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return value
    try:
        return [int(s) for s in str(value).split(",")]
    except ValueError:
        raise InvalidParameter("stages", "give stage numbers separated by commas") from None


@bp.post("/survey/tracks", summary="Send a walked track", security=OPTIONAL_BEARER,
         responses=SUBMIT)
def submit_track(header: models.SurveyHeaders) -> Response:
    """A GPX file (multipart, field `track`) or a GeoJSON LineString (`geometry` in JSON)
    recorded while walking a trail or some of its stages. The server cleans it at once
    (see docs/survey.md): the receipt says how long it is and how much it covers."""
    _cap("track", settings()["TRACK_MAX_BYTES"])
    fields, files = _form({"track"})
    model = _validated(models.TrackFieldsModel, fields)
    upload = files.get("track")
    if (upload is None) == (model.geometry is None):
        raise InvalidParameter("track", "send one track: a file in 'track' (multipart) or "
                               "a GeoJSON line in 'geometry' (JSON)")
    if upload is not None:
        stream, name = upload.stream, upload.filename or upload.mimetype or "track"
    else:
        stream, name = io.BytesIO(json.dumps(model.geometry).encode()), "track.geojson"
    app = state()
    receipt, quota = survey.submit_track(
        app.store, app.survey, survey.TrackFields(
            trail=model.trail, stages=_stages(model.stages), observed_on=model.observed_on,
            note=model.note), _surveyor(model), stream, name, client=client_key(),
        token=contributor_token(), idempotency_key=header.idempotency_key,
        install_id=header.install_id)
    return _receipt(receipt, quota, "track")


for _kind in ("fix", "track"):
    def _status(path: models.SurveyPath, kind: str = _kind) -> Response:
        return json_answer(survey.status(state().store, kind, path.itemId,
                                         contributor_token()))

    def _erase(path: models.SurveyPath, kind: str = _kind) -> Response:
        app = state()
        survey.erase(app.store, app.survey, kind, path.itemId, contributor_token())
        return no_store(Response(status=204))

    _status.__name__ = f"{_kind}_status"
    _erase.__name__ = f"erase_{_kind}"
    _status.__doc__ = f"With the token: your {_kind} as stored, its status and any reason."
    _erase.__doc__ = f"With the token: erase your {_kind} (and its photo) for good."
    bp.get(f"/survey/{_kind}es/<itemId>" if _kind == "fix" else f"/survey/{_kind}s/<itemId>",
           summary=f"Your own {_kind}", security=BEARER,
           responses={200: {"description": f"The {_kind}"}, **_errors(401, 404)})(_status)
    bp.delete(f"/survey/{_kind}es/<itemId>" if _kind == "fix" else f"/survey/{_kind}s/<itemId>",
              summary=f"Erase your own {_kind}", security=BEARER,
              responses={204: {"description": "Erased"}, **_errors(401, 404)})(_erase)
