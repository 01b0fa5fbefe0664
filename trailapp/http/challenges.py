"""Challenges and the heritage passport (issue 14): organisers set challenges; young
people answer them and look at their passport. Thin: parse, call the services, answer."""

from __future__ import annotations

from flask import Response, g, request
from flask_openapi3 import APIBlueprint, Tag
from pydantic import ValidationError

from .. import answers, auth, challenges, passport, policy
from ..features import JSON
from . import models
from .context import bearer_token, client_key, settings, state, token_organiser
from .contributions import (
    RATELIMIT_HEADERS,
    SUBMIT_RESPONSES,
    _read_submission,
    idempotency_key,
    receipt_response,
)
from .openapi import REF, _errors, validation_error
from .organisers import _body
from .responses import json_answer, no_store

bp = APIBlueprint("challenges", __name__, abp_tags=[Tag(name="Challenges")])
#: The routes for young people (answers, the passport): no organiser needed.
public_bp = APIBlueprint("challenge_answers", __name__, abp_tags=[Tag(name="Challenges")])
SECURITY = [{"organiserToken": []}]
ERRORS = _errors(401, 403, 404, 409)
CHALLENGE = {"content": {JSON: {"schema": {"$ref": REF + "Challenge"}}}}
PASSPORT_SECURITY = [{"passportKey": []}]


@bp.before_request
def _signed_in() -> None:
    g.organiser = policy.signed_in(token_organiser())


def _organiser() -> auth.Organiser:
    return g.organiser


@bp.get("/moderation/challenges", summary="Challenges of your towns", security=SECURITY,
        responses={200: {"description": "Active and withdrawn challenges, oldest first",
                         "content": {JSON: {"schema": {"$ref": REF + "Challenges"}}}},
                   **ERRORS})
def list_challenges(query: models.ChallengeQuery) -> Response:
    """Every challenge of your towns, with the right option of multiple-choice ones."""
    return json_answer({"items": challenges.listing(state().store, _organiser(),
                                                    query.municipality, query.status)})


@bp.post("/moderation/challenges", summary="Set a challenge", security=SECURITY,
         responses={201: {"description": "The challenge, published", **CHALLENGE},
                    **_errors(400, 401, 403, 404, 415, 422)})
def create() -> Response:
    """A challenge at a place or along a trail of your town, in sv/en/tn."""
    data = _body(models.ChallengeBody)
    return json_answer(challenges.create(
        state().store, _organiser(), data.municipality, data.kind, data.place, data.trail,
        data.title.model_dump(), data.prompt.model_dump(),
        [o.model_dump() for o in data.options] if data.options is not None else None,
        data.correct_option), 201)


@bp.get("/moderation/challenges/<challengeId>", summary="One challenge",
        security=SECURITY, responses={200: {"description": "The challenge", **CHALLENGE},
                                      **_errors(401, 404)})
def get(path: models.ChallengePath) -> Response:
    """One challenge of your towns (another town's is a 404)."""
    return json_answer(challenges.get(state().store, _organiser(), path.challengeId))


@bp.post("/moderation/challenges/<challengeId>/withdraw", summary="Withdraw a challenge",
         security=SECURITY, responses={200: {"description": "Withdrawn, off the public side",
                                             **CHALLENGE}, **ERRORS})
def withdraw(path: models.ChallengePath) -> Response:
    """Take a challenge off the public side (its answers stay until erased)."""
    return json_answer(challenges.withdraw(state().store, _organiser(), path.challengeId))


ANSWER_RESPONSES = {
    **SUBMIT_RESPONSES,
    201: {**SUBMIT_RESPONSES[201],
          "content": {JSON: {"schema": {"$ref": REF + "AnswerReceipt"}}}},
    200: {**SUBMIT_RESPONSES[200],
          "content": {JSON: {"schema": {"$ref": REF + "AnswerReceipt"}}}},
    **_errors(404, 413, 415, 422, 507),
}


@public_bp.post("/challenges/<challengeId>/answers", summary="Answer a challenge",
         responses=ANSWER_RESPONSES)
def answer(path: models.ChallengePath, header: models.AnswerHeaders) -> Response:
    """An answer, like a contribution (consent, token, photos and sound cleaned);
    waits for an organiser, except multiple choice, which is checked at once."""
    request.max_content_length = settings()["MEDIA_MAX_REQUEST_BYTES"]
    fields, uploads = _read_submission()
    try:
        model = models.AnswerModel.model_validate(
            fields, strict=request.mimetype == "application/json")
    except ValidationError as exc:
        return validation_error(exc)
    app = state()
    receipt, quota = answers.answer(
        app.store, app.contributions, path.challengeId,
        answers.AnswerFields(**model.model_dump(exclude={"client_id"})), uploads,
        client=client_key(), idempotency_key=idempotency_key(header, model.client_id),
        install_id=header.install_id, workshop_code=header.workshop_code,
        passport_key=header.passport_key)
    return receipt_response(receipt, quota, f"/contributions/{receipt['id']}")


@public_bp.get("/passport", summary="Your heritage passport", security=PASSPORT_SECURITY,
        responses={200: {"description": "Stamps per place and badges, from approved items",
                         "content": {JSON: {"schema": {"$ref": REF + "Passport"}}}},
                   **_errors(401, 422)})
def get_passport() -> Response:
    """With the passport key as 'Authorization: Bearer <key>'."""
    return no_store(json_answer(passport.view(state().store, state().contributions.secret,
                                              bearer_token())))


@public_bp.delete("/passport", summary="Erase your heritage passport", security=PASSPORT_SECURITY,
           responses={204: {"description": "Every link to the key is gone"},
                      **_errors(401, 422)})
def erase_passport() -> Response:
    """The answers and fixes stay (each is erased with its own token); the passport and
    every link to it go."""
    passport.erase(state().store, state().contributions.secret, bearer_token())
    return no_store(Response(status=204))


__all__ = ["RATELIMIT_HEADERS", "bp", "public_bp"]
