"""Request and response models: they validate requests and make the OpenAPI document.

Query models forbid extra fields, so an unknown query parameter gets a 400 that
names it, as OGC API Features asks, unless the document declares it.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from . import params

Lang = Literal["sv", "en", "tn"]
FEATURE_ID = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"
# Patterns for the document (fuzzers and clients); the validators below give the
# friendly messages and check what a pattern cannot (ranges, order).
_NUM = r"-?[0-9]+(\.[0-9]+)?"
BBOX_PATTERN = rf"^{_NUM},{_NUM},{_NUM},{_NUM}(,{_NUM},{_NUM})?$"
POINT_PATTERN = rf"^{_NUM},{_NUM}$"
INSTANT = (r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?"
           r"(Z|[+-][0-9]{2}:[0-9]{2})")
DATETIME_PATTERN = rf"^({INSTANT}|({INSTANT}|\.\.)?/({INSTANT}|\.\.)?)$"


_SCHEMAS: dict[tuple[Any, ...], dict[str, Any]] = {}


class CachedSchema(BaseModel):
    """A model whose JSON schema is made once (see model_json_schema)."""

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:  # type: ignore[override]
        """Pydantic's schema, made once per model and arguments.

        flask-openapi3 asks for a query or header model's JSON schema on every request
        (to find list-valued fields); building it costs more than the rest of a
        request. It is only read, so one copy serves.
        """
        key = (cls, args, tuple(sorted(kwargs.items(), key=lambda kv: kv[0])))
        if key not in _SCHEMAS:
            _SCHEMAS[key] = super().model_json_schema(*args, **kwargs)
        return _SCHEMAS[key]


class Strict(CachedSchema):
    """A query or body model: unknown parameters are refused."""

    model_config = ConfigDict(extra="forbid")


class MetaQuery(Strict):
    """Parameters of the landing page, conformance, /api and collection metadata."""

    f: Literal["json"] | None = Field(None, description="Output format; only json.")
    lang: Lang | None = Field(
        None, description="Language of texts: sv, en or tn. Overrides Accept-Language.")


class ItemQuery(Strict):
    """Parameters of one feature."""

    f: Literal["json", "geojson", "gpx"] | None = Field(
        None, description="Output format: geojson (default; json is the same body as "
        "application/json) or gpx (trails only: a GPX 1.1 track).")
    lang: Lang | None = Field(
        None, description="Language of texts: sv, en or tn. Overrides Accept-Language.")


class ItemsQuery(Strict):
    """Parameters of /collections/{collectionId}/items."""

    limit: int = Field(
        100, ge=1, description="Features per page. Default 100, maximum 1000: a larger "
        "value is treated as 1000 (OGC API Features asks that it is not an error).")
    offset: int = Field(0, ge=0, le=1_000_000,
                        description="Features to skip; the next/prev links carry it.")
    bbox: str | None = Field(
        None, description="minlon,minlat,maxlon,maxlat in WGS84 (CRS84); 6 numbers "
        "with heights are accepted and the heights ignored. minlon > maxlon crosses "
        "the antimeridian.",
        json_schema_extra={"example": "16.3,61.3,16.5,61.4", "pattern": BBOX_PATTERN})
    datetime: str | None = Field(
        None, description="RFC 3339 instant or interval (start/end, '..' for an open end). "
        "Matches the feature's time: when an activity takes place; when it was last "
        "updated for places, trails and stories.",
        json_schema_extra={"example": "2026-01-01T00:00:00Z/..", "pattern": DATETIME_PATTERN})
    municipality: Literal["bollnas", "lobatse"] | None = Field(
        None, description="Only features of this municipality.")
    kind: str | None = Field(None, pattern=r"^[a-z][a-z0-9-]{0,49}$",
                             description="Only features of this kind, e.g. church, trail.")
    q: str | None = Field(
        None, max_length=200, description="Text search in names and descriptions, in "
        "every language; words are matched as prefixes (kyrk finds kyrka), accents ignored.")
    lang: Lang | None = Field(
        None, description="Language of texts: sv, en or tn. Overrides Accept-Language. "
        "Missing texts fall back (tn → en → sv; sv → en; en → sv) and "
        "properties.text_language says which language each text is in.")
    near: str | None = Field(
        None, description="lon,lat: only features within radius metres (geodesic, WGS84), "
        "nearest first; each gets properties.distance_m.",
        json_schema_extra={"example": "16.39,61.35", "pattern": POINT_PATTERN})
    radius: float | None = Field(
        None, gt=0, le=100_000, description="Metres around near. Default 5000, maximum 100000.")
    trail: str | None = Field(
        None, pattern=FEATURE_ID, description="A trail id: only features within `within` "
        "metres of its line, in order along it; each gets properties.distance_to_trail_m and "
        "properties.distance_along_trail_m (from the trail's start). 409 while the trail's "
        "line is not surveyed.")
    within: float | None = Field(
        None, gt=0, le=10_000, description="Metres from the trail. Default 500, maximum 10000.")
    place: str | None = Field(
        None, pattern=FEATURE_ID, description="Stories and activities: only those about "
        "this place (a place id).")
    updated_since: str | None = Field(
        None, description="Full RFC 3339 date-time with time zone: only features changed "
        "after it.",
        json_schema_extra={"example": "2026-11-01T00:00:00Z", "format": "date-time",
                           "pattern": f"^{INSTANT}$"})
    f: Literal["json", "geojson"] | None = Field(
        None, description="Output format: geojson (default) or json (same body, "
        "Content-Type application/json).")

    @field_validator("bbox")
    @classmethod
    def _bbox(cls, v: str | None) -> str | None:
        if v is not None:
            params.parse_bbox(v)
        return v

    @field_validator("datetime")
    @classmethod
    def _datetime(cls, v: str | None) -> str | None:
        if v is not None:
            params.parse_datetime(v)
        return v

    @field_validator("near")
    @classmethod
    def _near(cls, v: str | None) -> str | None:
        if v is not None:
            params.parse_point(v)
        return v

    @field_validator("updated_since")
    @classmethod
    def _updated_since(cls, v: str | None) -> str | None:
        if v is not None:
            params.parse_instant(v)
        return v


class CollectionPath(BaseModel):
    collectionId: str = Field(  # noqa: N815
        description="Collection id: places, trails, stories or activities.")


class ItemPath(BaseModel):
    collectionId: str = Field(  # noqa: N815
        description="Collection id: places, trails, stories or activities.")
    featureId: str = Field(description="Feature id, e.g. bol-gastgivars.")  # noqa: N815


# -- response models (documentation and schemathesis' response checks) -------------


class Link(BaseModel):
    model_config = ConfigDict(extra="allow")
    href: str
    rel: str
    type: str | None = None
    title: str | None = None


class ErrorItem(BaseModel):
    field: str | None = None
    message: str


class Error(BaseModel):
    """The one error shape of the whole service."""

    code: str = Field(description="A short machine-readable name, e.g. InvalidParameterValue.")
    description: str = Field(description="What went wrong, for a person to read.")
    status: int = Field(description="The HTTP status code.")
    errors: list[ErrorItem] | None = Field(None, description="One entry per faulty field.")


class LandingPage(BaseModel):
    model_config = ConfigDict(extra="allow")
    title: str
    description: str
    attribution: str
    links: list[Link]


class Conformance(BaseModel):
    conformsTo: list[str]  # noqa: N815


class Extent(BaseModel):
    model_config = ConfigDict(extra="allow")
    spatial: dict[str, Any]
    temporal: dict[str, Any]


class CollectionInfo(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    title: str
    description: str
    links: list[Link]
    extent: Extent
    itemType: str  # noqa: N815
    crs: list[str]


class Collections(BaseModel):
    links: list[Link]
    collections: list[CollectionInfo]


class Geometry(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: Literal["Point", "MultiPoint", "LineString", "MultiLineString", "Polygon",
                  "MultiPolygon"]
    coordinates: list[Any]


class Feature(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: Literal["Feature"]
    id: str
    geometry: Geometry | None
    properties: dict[str, Any]
    links: list[Link] | None = None


class FeatureCollection(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: Literal["FeatureCollection"]
    features: list[Feature]
    numberMatched: int | None = None  # noqa: N815
    numberReturned: int  # noqa: N815
    timeStamp: str  # noqa: N815
    links: list[Link]


RESPONSE_MODELS = [Link, ErrorItem, Error, LandingPage, Conformance, Extent, CollectionInfo,
                   Collections, Geometry, Feature, FeatureCollection]


# The contribution and organiser models live beside this module; importing them here
# keeps one namespace (models.X) and adds their response models to RESPONSE_MODELS.
from .models_contributions import *  # noqa: E402,F403
from .models_organisers import *  # noqa: E402,F403
