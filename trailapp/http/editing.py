"""The organisers' API for places and trails (bearer tokens): read a record with its
internal notes, create, replace and delete, give a trail its surveyed line from GPX, and
add or remove photos of a place. Thin: who is asking, then a service call."""

from __future__ import annotations

from typing import Any

from flask import Response, g, request
from flask_openapi3 import APIBlueprint, Tag

from .. import auth, editing, place_images, policy
from ..domain import LANGS
from ..errors import InvalidParameter, UnsupportedMediaType
from ..features import GEOJSON, JSON
from . import models
from .context import base_url, json_body, multipart_form, settings, state, token_organiser
from .openapi import REF, _errors
from .responses import json_answer

bp = APIBlueprint("editing", __name__, abp_tags=[Tag(name="Organisers")])
SECURITY = [{"organiserToken": []}]
IMAGE_FORM_FIELDS = {"file", "credit", "licence", *(f"caption_{lang}" for lang in LANGS)}


@bp.before_request
def _signed_in() -> None:
    # As for every organiser route: an anonymous caller gets 401 before anything is read.
    g.organiser = policy.signed_in(token_organiser())


def organiser() -> auth.Organiser:
    """The signed-in organiser of this request."""
    return g.organiser


MANAGE_RESPONSES = {200: {"description": "The stored record"},
                    201: {"description": "Created"}, **_errors(401, 403, 404, 409, 422)}


@bp.get("/manage/<collection>/<featureId>", summary="A place or trail, with internal notes",
        security=SECURITY, responses={200: {
            "description": "The stored record in the geodata schema, with `internal` (working "
                           "notes and caveats: organisers only, never public)"},
            **_errors(401, 404)})
def record(path: models.ManageItemPath) -> Response:
    """The whole record as organisers edit it: public texts, organiser-only texts
    (`internal.notes_internal`, `internal.caveats`) and attributes."""
    with state().store.reader() as reader:
        return json_answer(editing.get(reader, organiser(), path.collection, path.featureId))


@bp.post("/manage/<collection>", summary="Create a place or trail", security=SECURITY,
         responses=MANAGE_RESPONSES)
def create(path: models.ManagePath) -> Response:
    """A GeoJSON Feature in the geodata schema (see geodata/README.md); checked like a
    loaded file; public at once."""
    record = editing.save(state().store, organiser(), path.collection, _feature(), create=True,
                          cell_m=settings()["PROTECTION_CELL_M"])
    return json_answer(record, 201)


@bp.put("/manage/<collection>/<featureId>", summary="Replace a place or trail",
        security=SECURITY, responses=MANAGE_RESPONSES)
def update(path: models.ManageItemPath) -> Response:
    """The whole feature again, e.g. with a surveyed location for a place that had none."""
    feature = _feature()
    if feature.get("id") != path.featureId:
        raise InvalidParameter("id", "must be the id in the path")
    record = editing.save(state().store, organiser(), path.collection, feature, create=False,
                          cell_m=settings()["PROTECTION_CELL_M"])
    return json_answer(record)


@bp.delete("/manage/<collection>/<featureId>", summary="Delete a place or trail",
           security=SECURITY, responses={204: {"description": "Deleted"},
                                         **_errors(401, 403, 404, 409)})
def remove(path: models.ManageItemPath) -> Response:
    """Refused (409) for a place that contributions belong to."""
    editing.delete(state().store, organiser(), path.collection, path.featureId,
                   media=state().contributions.media)
    return Response(status=204)


@bp.post("/manage/places/<placeId>/images", summary="Add a photo to a place",
         security=SECURITY, responses={
             201: {"description": "The photo as published on the place",
                   "content": {JSON: {"schema": {"$ref": REF + "PlaceImage"}}}},
             **_errors(401, 403, 404, 409, 413, 415, 422)})
def add_image(path: models.PlacePath) -> Response:
    """A photo (JPEG, PNG or WebP) in the form field 'file', with 'credit' and 'licence'
    (required) and 'caption_sv', 'caption_en', 'caption_tn'; cleaned like young people's
    photos and public on the place at once."""
    request.max_content_length = settings()["MEDIA_MAX_REQUEST_BYTES"]
    if request.mimetype != "multipart/form-data":
        raise UnsupportedMediaType("Send the photo as multipart/form-data in the field "
                                   "'file'.")
    form, files = multipart_form()
    unknown = sorted(str(k) for k in set(form) | set(files) if k not in IMAGE_FORM_FIELDS)
    if unknown:
        raise InvalidParameter(unknown[0], "unknown field")
    upload = files.get("file")
    if upload is None:
        raise InvalidParameter("file", "send the photo in the form field 'file'")
    image = place_images.add(
        state().store, state().contributions, organiser(), path.placeId, upload.stream,
        form.get("credit"), form.get("licence"),
        {lang: form.get(f"caption_{lang}") for lang in LANGS})
    base = base_url()  # links in answers are absolute, as everywhere
    return json_answer({**image, "href": base + image["href"],
                        "thumbnail": base + image["thumbnail"]}, 201)


@bp.delete("/manage/places/<placeId>/images/<imageId>", summary="Remove a photo from a place",
           security=SECURITY, responses={204: {"description": "Removed"},
                                         **_errors(401, 403, 404)})
def delete_image(path: models.PlaceImagePath) -> Response:
    """The photo's files go too, and every built pack."""
    place_images.delete(state().store, state().contributions, organiser(), path.placeId,
                        path.imageId)
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
    record = editing.upload_gpx(state().store, who, path.trailId, data, query.accuracy)
    return json_answer(record)


def _feature() -> dict[str, Any]:
    if request.mimetype not in ("application/json", GEOJSON):
        raise InvalidParameter("body", "send a GeoJSON Feature as application/geo+json")
    data = json_body(media_types=("application/json", GEOJSON))
    if not isinstance(data, dict):
        raise InvalidParameter("body", "must be a GeoJSON Feature object")
    return data
