"""Young people's contributions: submit, check, erase, report; media; the privacy
notice and pseudonym suggestions. Thin: parse, call trailapp.contributions, answer."""

from __future__ import annotations

from typing import Any

from flask import Response, request
from flask_openapi3 import APIBlueprint, Tag
from pydantic import ValidationError

from .. import contributions, erasure, media_access, privacy, pseudonyms, questions, ratelimit
from ..contributions import Submission, Upload
from ..errors import InvalidParameter, NotFound, UnsupportedMediaType
from ..features import JSON, absolute_links, dumps
from ..media import NAME as MEDIA_NAME
from . import models
from .context import (
    base_url,
    client_key,
    contributor_token,
    current_organiser,
    json_object,
    language,
    multipart_form,
    settings,
    state,
)
from .files import send_content
from .openapi import REF, _errors, validation_error
from .responses import etagged_json, json_answer, no_store

bp = APIBlueprint("contributions", __name__, abp_tags=[Tag(name="Contributions")])
BEARER = [{"contributionToken": []}]


def _no_file_chosen(upload: Any) -> bool:
    """A browser sends an empty part without a file name for "no file chosen"."""
    if upload.filename:
        return False
    empty = upload.stream.read(1) == b""
    upload.stream.seek(0)
    return empty


def _read_submission() -> tuple[dict[str, Any], list[Upload]]:
    """The fields and files of a JSON or multipart request, before validation."""
    if request.mimetype == "application/json":
        return json_object(), []
    if request.mimetype == "multipart/form-data":
        form, files = multipart_form()
        fields: dict[str, Any] = {}
        for name in form:
            values = form.getlist(name)
            if len(values) > 1:
                raise InvalidParameter(name, "given more than once")
            # Werkzeug decodes fields with errors="replace": U+FFFD stands for bytes
            # that were not UTF-8 (JSON with such bytes is refused too).
            if "\ufffd" in values[0]:
                raise InvalidParameter(name, "is not valid UTF-8 text")
            fields[name] = values[0]
        unknown = sorted(set(files) - {"media"})
        if unknown:
            raise InvalidParameter(unknown[0], "unknown file field; send files as 'media'")
        uploads = [Upload("media", f.stream) for f in files.getlist("media")
                   if not _no_file_chosen(f)]
        return fields, uploads
    raise UnsupportedMediaType(
        "Send the contribution as application/json, or as multipart/form-data with files "
        "in 'media'.")


_INT = {"schema": {"type": "integer", "minimum": 0}}
#: The IETF draft's headers (draft-ietf-httpapi-ratelimit-headers): the tightest of the
#: submission limits that apply to this request.
RATELIMIT_HEADERS = {
    "RateLimit-Limit": {**_INT, "description": "Submissions allowed in the window of the "
                        "limit closest to running out."},
    "RateLimit-Remaining": {**_INT, "description": "Submissions left in that window "
                            "(after this one)."},
    "RateLimit-Reset": {**_INT, "description": "Seconds until that window frees a slot."},
}
_too_many = _errors(429)[429]
SUBMIT_RESPONSES = {
    201: {"description": "Accepted as pending; keep the token.",
          "headers": {"Location": {"schema": {"type": "string"}}, **RATELIMIT_HEADERS},
          "content": {JSON: {"schema": {"$ref": REF + "Receipt"}}}},
    200: {"description": "A retry of an earlier submission (same Idempotency-Key or "
                         "client_id, same X-Install-Id or address, same content): the "
                         "first result again (a replay does not count against the limit).",
          "headers": {**RATELIMIT_HEADERS},
          "content": {JSON: {"schema": {"$ref": REF + "Receipt"}}}},
    **_errors(413, 415, 422, 507),
    429: {**_too_many, "headers": {
        "Retry-After": {**_INT, "description": "Seconds to wait before trying again."},
        **RATELIMIT_HEADERS}},
}


@bp.post("/contributions", summary="Submit a story or activity",
         responses=SUBMIT_RESPONSES)
def submit(header: models.SubmitHeaders) -> Response:
    """A story or activity tied to a place; pending until an organiser approves it."""
    request.max_content_length = settings()["MEDIA_MAX_REQUEST_BYTES"]
    fields, uploads = _read_submission()
    if request.mimetype == "multipart/form-data" and "content_notes" in fields:
        fields["content_notes"] = [n for n in fields["content_notes"].split(",") if n]
    try:
        # JSON has types: true is not "true" and 20.0 is not 20 there. Form fields are
        # all strings, so they are converted ("true", "20").
        model = models.SubmissionModel.model_validate(
            fields, strict=request.mimetype == "application/json")
    except ValidationError as exc:
        return validation_error(exc)
    sub = Submission(**model.model_dump(exclude={"client_id"}))
    app = state()
    receipt, quota = contributions.submit(app.store, app.contributions, sub, uploads,
                                   client=client_key(),
                                   idempotency_key=idempotency_key(header, model.client_id),
                                   install_id=header.install_id,
                                   workshop_code=header.workshop_code)
    return receipt_response(receipt, quota, f"/contributions/{receipt['id']}")


def idempotency_key(header: Any, client_id: str | None) -> str | None:
    """The submission's idempotency key: the Idempotency-Key header or the body's
    client_id (the same UUID either way; both given and different is 400)."""
    header_key, body_key = (k.lower().replace("-", "") if k else None
                            for k in (header.idempotency_key, client_id))
    if header_key and body_key and header_key != body_key:
        raise InvalidParameter("client_id", "differs from the Idempotency-Key header")
    return header_key or body_key


def receipt_response(receipt: dict[str, Any], quota: ratelimit.Quota | None,
                     path: str) -> Response:
    """A submission's answer (a contribution, answer, translation, fix or track): 201
    with its Location, or 200 and Idempotent-Replayed for a retry; the rate-limit
    headers."""
    response = json_answer(receipt, 200 if receipt["replayed"] else 201)
    response.headers.update(ratelimit.headers(quota))
    response.headers["Location"] = f"{request.host_url.rstrip('/')}{path}"
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
    return json_answer(contributions.status(state().store, path.contributionId,
                                            contributor_token()))


@bp.delete("/contributions/<contributionId>", summary="Erase one's own contribution",
           security=BEARER, responses={204: {"description": "Erased for good"},
                                       **_errors(401, 404)})
def erase(path: models.ContributionPath) -> Response:
    """With the token: erase text, media and any published feature, for good."""
    app = state()
    erasure.erase(app.store, app.contributions, path.contributionId, contributor_token())
    return no_store(Response(status=204))


@bp.get("/questions/<questionId>/thread", summary="A question and its replies",
        responses={200: {"description": "The published question and a page of its "
                         "published replies, oldest first",
                         "content": {JSON: {"schema": {"$ref": REF + "Thread"}}}},
                   **_errors(404)})
def thread(path: models.ThreadPath, query: models.ThreadQuery) -> Response:
    """Questions across (issue 13): one request for the thread; `next` while longer."""
    lang = language(query.lang)
    with state().store.reader() as reader:
        page = questions.thread(reader, path.questionId, lang, query.limit, query.offset)
    return etagged_json(absolute_links(dumps(page), base_url()), "public, no-cache", lang)


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
        model = models.ReportModel.model_validate(json_object())
    except ValidationError as exc:
        return validation_error(exc)
    app = state()
    result = contributions.report(app.store, app.contributions, path.contributionId,
                                  client_key(), model.reason, model.note)
    return json_answer(result, 201 if result["received"] else 200)


# merge_slashes=False: /media//etc/passwd is a 404 like any other bad name, not a
# redirect to a normalised path.
@bp.get("/media/<path:name>", summary="A photo, thumbnail or sound", merge_slashes=False,
        security=[{}, {"contributionToken": []}, {"organiserToken": []}], responses={
            200: {"description": "The file, with its type, nosniff and Content-Disposition",
                  "content": {"image/jpeg": {"schema": {"type": "string",
                                                        "format": "binary"}},
                              "audio/*": {"schema": {"type": "string", "format": "binary"}}}},
            **_errors(404)})
def media(path: models.MediaPath) -> Response:
    """Public once its contribution is published; before that only with its token."""
    if not MEDIA_NAME.match(path.name):
        raise NotFound(media_access.NO_SUCH_MEDIA)
    token = contributor_token()
    row, public = media_access.media_file(state().store, path.name, token,
                                           None if token else current_organiser())
    media_type = "image/jpeg" if row["is_thumb"] else row["media_type"]
    try:
        file, size, etag = state().contributions.media.open(path.name)
    except FileNotFoundError:  # erased between the query and now
        raise NotFound(media_access.NO_SUCH_MEDIA) from None
    response = send_content(file, size, etag, media_type)
    response.headers["Content-Disposition"] = (
        f'inline; filename="{path.name.rsplit("/", 1)[1]}"')
    # no-cache: every use revalidates (a cheap 304), so a withdrawn photo is gone at once.
    response.headers["Cache-Control"] = "public, no-cache" if public else "no-store"
    return response


@bp.get("/privacy-notice", summary="The privacy notice consent refers to",
        responses={200: {"description": "The notice, its version and language",
                         "content": {JSON: {"schema": {"$ref": REF + "PrivacyNotice"}}}},
                   **_errors()})
def privacy_notice(query: models.MetaQuery) -> Response:
    """In Swedish and English (Setswana falls back to English until translated)."""
    lang = language(query.lang)
    return etagged_json(dumps(privacy.notice(lang)), "public, max-age=3600", lang)


@bp.get("/pseudonym", summary="A made-up name to use",
        responses={200: {"description": "A suggestion",
                         "content": {JSON: {"schema": {"$ref": REF + "Pseudonym"}}}},
                   **_errors()})
def pseudonym(query: models.MetaQuery) -> Response:
    """A random pseudonym, so nobody needs to type their own name.

    Random on every call, so no cache may keep it (no-store); its ETag is a hash of this
    body, as on every GET, and only matches when the same suggestion comes again."""
    return etagged_json(dumps(pseudonyms.suggest(language(query.lang))), "no-store")
