"""Young people's translations (issue 13): translate a published text or a place's
texts, the list of what still needs translating, and an organiser applying a place
translation. Thin: parse, call trailapp.translations, answer."""

from __future__ import annotations

from flask import Response, g, request
from flask_openapi3 import APIBlueprint, Tag
from pydantic import ValidationError

from .. import policy, translations
from ..errors import UnsupportedMediaType
from ..features import JSON
from . import models
from .context import client_key, json_object, settings, state, token_organiser
from .contributions import SUBMIT_RESPONSES, idempotency_key, receipt_response
from .openapi import REF, _errors, validation_error
from .responses import json_answer

bp = APIBlueprint("translations", __name__, abp_tags=[Tag(name="Translations")])
#: The organisers' route, in a blueprint of its own: who is asking is settled before
#: anything of the request is read (OPTIONS too), as for every /moderation route.
moderation_bp = APIBlueprint("translations_moderation", __name__,
                             abp_tags=[Tag(name="Translations")])


@moderation_bp.before_request
def _signed_in() -> None:
    g.organiser = policy.signed_in(token_organiser())
RESPONSES = {code: ({**answer, "content": {JSON: {"schema": {
    "$ref": REF + "TranslationReceipt"}}}} if code in (200, 201) else answer)
    for code, answer in SUBMIT_RESPONSES.items()}
RESPONSES[404] = _errors(404)[404]


def _submit(target: str, parent_id: str, header: models.SubmitHeaders) -> Response:
    """The shared handling of both translation routes (JSON only; no media)."""
    if request.mimetype != "application/json":
        raise UnsupportedMediaType("Send the translation as application/json.")
    try:
        model = models.TranslationModel.model_validate(json_object(), strict=True)
    except ValidationError as exc:
        return validation_error(exc)
    app = state()
    receipt, quota = translations.submit(
        app.store, app.contributions, target, parent_id,
        model.model_dump(exclude={"client_id"}), client=client_key(),
        idempotency_key=idempotency_key(header, model.client_id),
        install_id=header.install_id, workshop_code=header.workshop_code)
    return receipt_response(receipt, quota, f"/contributions/{receipt['id']}")


@bp.post("/contributions/<contributionId>/translations",
         summary="Translate a published story, question or reply", responses=RESPONSES)
def translate_text(path: models.ContributionPath, header: models.SubmitHeaders) -> Response:
    """A young person's translation, pending until the translator's town approves it;
    then the original is served in that language with `translated_by`. 404 for a text
    that is not published; 422 naming `lang` for its own language or one it already has."""
    request.max_content_length = settings()["MEDIA_MAX_REQUEST_BYTES"]
    return _submit("contribution", path.contributionId, header)


@bp.post("/places/<placeId>/translations", summary="Translate a place's name and description",
         responses=RESPONSES)
def translate_place(path: models.PlacePath, header: models.SubmitHeaders) -> Response:
    """title is the place's name, body its description, in lang; once the translator's
    town approves it, an organiser of the place's town may apply it to the place."""
    request.max_content_length = settings()["MEDIA_MAX_REQUEST_BYTES"]
    return _submit("place", path.placeId, header)


@bp.get("/translation/tasks", summary="Texts missing a language", responses={
    200: {"description": "Published texts, then place texts, missing lang",
          "content": {JSON: {"schema": {"$ref": REF + "TranslationTasks"}}}},
    **_errors(400)})
def tasks(query: models.TranslationTasksQuery) -> Response:
    """What young people can help translate: published stories (questions and replies)
    and places' names and descriptions that lack lang. Pseudonyms only."""
    response = json_answer(translations.tasks(state().store, query.lang, query.municipality,
                                              query.limit))
    response.headers["Cache-Control"] = "no-cache"  # changes with every decision
    return response


@moderation_bp.post("/moderation/translations/<translationId>/apply",
         summary="Write a youth translation into a place's fields",
         security=[{"organiserToken": []}], responses={
             200: {"description": "The place's name and description now",
                   "content": {JSON: {"schema": {"$ref": REF + "AppliedTranslation"}}}},
             **_errors(401, 404, 409)})
def apply(path: models.TranslationPath) -> Response:
    """An organiser of the place's town applies an approved translation of its texts
    (audited); organisers of another town get 404."""
    return json_answer(translations.apply(state().store, g.organiser, path.translationId))
