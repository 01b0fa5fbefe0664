"""Young people's contributions: submit, check, erase, report; media; the privacy
notice and pseudonym suggestions. Thin: parse, call trailapp.contributions, answer."""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Response, current_app, request, send_file
from flask_openapi3 import APIBlueprint, Tag
from pydantic import ValidationError

from .. import contributions, privacy, pseudonyms, ratelimit
from ..contributions import Submission, Upload, token_hash
from ..errors import ApiError, InvalidParameter, NotFound
from ..features import JSON, dumps
from . import models, params
from .common import language
from .openapi import REF, _errors, validation_error

bp = APIBlueprint("contributions", __name__, abp_tags=[Tag(name="Contributions")])
MEDIA_NAME = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{32}(-thumb)?\.(jpg|mp3|m4a|aac|ogg|wav)$")
BEARER = [{"contributionToken": []}]


class UnsupportedMediaType(ApiError):
    status = 415
    code = "UnsupportedMediaType"


def _settings() -> contributions.Settings:
    return current_app.extensions["trailapp"].contributions


def _store() -> Any:
    return current_app.extensions["trailapp"].store


def _client() -> str:
    return ratelimit.client_key(current_app.config["SECRET_KEY"], request.remote_addr or "")


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def _json(body: dict[str, Any], status: int = 200) -> Response:
    return _no_store(Response(dumps(body), status=status, mimetype=JSON))


def _read_submission() -> tuple[dict[str, Any], list[Upload]]:
    """The fields and files of a JSON or multipart request, before validation."""
    if request.mimetype == "application/json":
        try:
            data = json.loads(request.get_data(cache=False) or b"null")
        except (ValueError, UnicodeDecodeError):
            raise InvalidParameter("body", "is not valid UTF-8 JSON") from None
        if not isinstance(data, dict):
            raise InvalidParameter("body", "must be a JSON object")
        return data, []
    if request.mimetype == "multipart/form-data":
        fields: dict[str, Any] = {}
        for name in request.form:
            values = request.form.getlist(name)
            if len(values) > 1:
                raise InvalidParameter(name, "given more than once")
            fields[name] = values[0]
        unknown = sorted(set(request.files) - {"media"})
        if unknown:
            raise InvalidParameter(unknown[0], "unknown file field; send files as 'media'")
        uploads = [Upload("media", f.stream) for f in request.files.getlist("media")]
        return fields, uploads
    raise UnsupportedMediaType(
        "Send the contribution as application/json, or as multipart/form-data with files "
        "in 'media'.")


SUBMIT_RESPONSES = {
    201: {"description": "Accepted as pending; keep the token.",
          "headers": {"Location": {"schema": {"type": "string"}}},
          "content": {JSON: {"schema": {"$ref": REF + "Receipt"}}}},
    200: {"description": "A retry of an earlier submission (same Idempotency-Key or "
                         "client_id): the first result again.",
          "content": {JSON: {"schema": {"$ref": REF + "Receipt"}}}},
    **_errors(413, 415, 422, 429),
}


@bp.post("/contributions", summary="Submit a story or activity",
         responses=SUBMIT_RESPONSES)
def submit(header: models.SubmitHeaders) -> Response:
    """A story or activity tied to a place; pending until an organiser approves it."""
    request.max_content_length = current_app.config["MEDIA_MAX_REQUEST_BYTES"]
    fields, uploads = _read_submission()
    try:
        model = models.SubmissionModel.model_validate(fields)
    except ValidationError as exc:
        return validation_error(exc)
    key = header.idempotency_key or model.client_id
    if header.idempotency_key and model.client_id and header.idempotency_key != model.client_id:
        raise InvalidParameter("client_id", "differs from the Idempotency-Key header")
    sub = Submission(**model.model_dump(exclude={"point", "client_id"}),
                     point=params.parse_point(model.point) if model.point else None)
    receipt = contributions.submit(_store(), _settings(), sub, uploads, client=_client(),
                                   idempotency_key=key.lower().replace("-", "") if key else None)
    response = _json(receipt, 200 if receipt["replayed"] else 201)
    response.headers["Location"] = f"{request.host_url.rstrip('/')}/contributions/{receipt['id']}"
    if receipt["replayed"]:
        response.headers["Idempotent-Replayed"] = "true"
    return response


@bp.get("/contributions/<contributionId>", summary="Status of one's own contribution",
        security=BEARER, responses={
            200: {"description": "The contribution as its author may see it",
                  "content": {JSON: {"schema": {"$ref": REF + "ContributionStatus"}}}},
            **_errors(401, 404)})
def status(path: models.ContributionPath) -> Response:
    """With the token from the submission: status, and the reason when rejected."""
    return _json(contributions.status(_store(), path.contributionId, _bearer()))


@bp.delete("/contributions/<contributionId>", summary="Erase one's own contribution",
           security=BEARER, responses={204: {"description": "Erased for good"},
                                       **_errors(401, 404)})
def erase(path: models.ContributionPath) -> Response:
    """With the token: erase text, media and any published feature, for good."""
    contributions.erase(_store(), _settings(), path.contributionId, _bearer())
    return _no_store(Response(status=204))


@bp.post("/contributions/<contributionId>/reports", summary="Report a published contribution",
         responses={201: {"description": "Report received",
                          "content": {JSON: {"schema": {"$ref": REF + "ReportReceipt"}}}},
                    200: {"description": "This client had already reported it",
                          "content": {JSON: {"schema": {"$ref": REF + "ReportReceipt"}}}},
                    **_errors(404, 415, 422, 429)})
def report(path: models.ContributionPath) -> Response:
    """Anyone may report; after 3 distinct reports it is hidden until an organiser looks."""
    if request.mimetype != "application/json":
        raise UnsupportedMediaType("Send the report as application/json.")
    try:
        data = json.loads(request.get_data(cache=False) or b"null")
    except (ValueError, UnicodeDecodeError):
        raise InvalidParameter("body", "is not valid UTF-8 JSON") from None
    try:
        model = models.ReportModel.model_validate(data)
    except ValidationError as exc:
        return validation_error(exc)
    result = contributions.report(_store(), _settings(), path.contributionId, _client(),
                                  model.reason, model.note)
    return _json(result, 201 if result["received"] else 200)


@bp.get("/media/<path:name>", summary="A photo, thumbnail or sound",
        security=[{}, {"contributionToken": []}], responses={
            200: {"description": "The file, with its type, nosniff and Content-Disposition",
                  "content": {"image/jpeg": {"schema": {"type": "string",
                                                        "format": "binary"}},
                              "audio/*": {"schema": {"type": "string", "format": "binary"}}}},
            **_errors(404)})
def media(path: models.MediaPath) -> Response:
    """Public once its contribution is published; before that only with its token."""
    if not MEDIA_NAME.match(path.name):
        raise NotFound("There is no such media file.")
    with _store().reader() as reader:
        row = reader.media_by_file(path.name)
    if row is None:
        raise NotFound("There is no such media file.")
    public = row["contribution_status"] == "approved"
    token = _bearer()
    if not public and not (token and row["token_hash"] == token_hash(token)):
        raise NotFound("There is no such media file.")
    media_type = "image/jpeg" if row["is_thumb"] else row["media_type"]
    response = send_file(_settings().media.path(path.name), mimetype=media_type,
                         conditional=True, etag=True, max_age=86400 if public else None)
    response.headers["Content-Disposition"] = (
        f'inline; filename="{path.name.rsplit("/", 1)[1]}"')
    response.headers["Cache-Control"] = "public, max-age=86400" if public else "no-store"
    return response


@bp.get("/privacy-notice", summary="The privacy notice consent refers to",
        responses={200: {"description": "The notice, its version and language",
                         "content": {JSON: {"schema": {"$ref": REF + "PrivacyNotice"}}}},
                   **_errors()})
def privacy_notice(query: models.MetaQuery) -> Response:
    """In Swedish and English (Setswana falls back to English until translated)."""
    response = Response(dumps(privacy.notice(language(query.lang))), mimetype=JSON)
    response.headers["Content-Language"] = language(query.lang)
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.get("/pseudonym", summary="A made-up name to use",
        responses={200: {"description": "A suggestion",
                         "content": {JSON: {"schema": {"$ref": REF + "Pseudonym"}}}},
                   **_errors()})
def pseudonym(query: models.MetaQuery) -> Response:
    """A random pseudonym, so nobody needs to type their own name."""
    return _json(pseudonyms.suggest(language(query.lang)))
