"""The exchange between the towns (issue 13): organisers pair places as twins.
Thin: who is asking, then a call to trailapp.twins."""

from __future__ import annotations

from flask import Response, g
from flask_openapi3 import APIBlueprint, Tag

from .. import auth, policy, twins
from ..features import JSON
from . import models
from .context import state, token_organiser
from .openapi import REF, _errors
from .organisers import _body
from .responses import json_answer

bp = APIBlueprint("exchange", __name__, abp_tags=[Tag(name="Exchange")])
SECURITY = [{"organiserToken": []}]
ERRORS = _errors(401, 403, 404, 409)
TWIN = {"content": {JSON: {"schema": {"$ref": REF + "Twin"}}}}


@bp.before_request
def _signed_in() -> None:
    g.organiser = policy.signed_in(token_organiser())


def _organiser() -> auth.Organiser:
    return g.organiser


@bp.get("/moderation/twins", summary="Twin places of your towns", security=SECURITY,
        responses={200: {"description": "Proposed, active and ended twins, oldest first",
                         "content": {JSON: {"schema": {"$ref": REF + "Twins"}}}}, **ERRORS})
def list_twins(query: models.TwinQuery) -> Response:
    """Every twin one of your towns takes part in (either side), with both places."""
    return json_answer({"items": twins.listing(state().store, _organiser(),
                                               query.municipality, query.status)})


@bp.post("/moderation/twins", summary="Propose a twin", security=SECURITY,
         responses={201: {"description": "The proposal, waiting for the other town", **TWIN},
                    **_errors(401, 403, 404, 409, 415, 422)})
def propose() -> Response:
    """Pair a place of your town with a place of the other town, with a theme and a text;
    an organiser of the other town accepts it."""
    data = _body(models.TwinBody)
    return json_answer(twins.propose(
        state().store, _organiser(), data.municipality, data.place, data.twin_place,
        data.theme, data.text.model_dump()), 201)


@bp.post("/moderation/twins/<twinId>/accept", summary="Accept a twin", security=SECURITY,
         responses={200: {"description": "The twin, active and published", **TWIN},
                    **ERRORS})
def accept(path: models.TwinPath) -> Response:
    """Only an organiser of the town the proposal waits for may accept it."""
    return json_answer(twins.accept(state().store, _organiser(), path.twinId))


@bp.post("/moderation/twins/<twinId>/end", summary="End a twin", security=SECURITY,
         responses={200: {"description": "The twin, ended and off the public side", **TWIN},
                    **ERRORS})
def end(path: models.TwinPath) -> Response:
    """Either town may end a twin, or decline a proposal."""
    return json_answer(twins.end(state().store, _organiser(), path.twinId))
