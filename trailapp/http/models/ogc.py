"""The models of OGC API - Features: they validate requests and make the document.

Query models forbid extra fields, so an unknown query parameter gets a 400 that
names it, as OGC API Features asks, unless the document declares it.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from ...config import DEFAULTS
from ...domain import CONTENT_NOTES, CRS84
from ...filters import FILTER_LANGS
from ...geo import check_lonlat_box
from .base import (
    COLLECTION_LIST_TEXT,
    FEATURE_ID,
    LANG_LIST_TEXT,
    BboxNumbers,
    CrsUri,
    Instant,
    Interval,
    Lang,
    Link,
    MunicipalityId,
    Point,
    Strict,
)


class MetaQuery(Strict):
    """Parameters of the landing page, conformance, /api and collection metadata."""

    f: Literal["json"] | None = Field(None, description="Output format; only json.")
    lang: Lang | None = Field(
        None, description=f"Language of texts: {LANG_LIST_TEXT}. Overrides Accept-Language.")


class PageQuery(MetaQuery):
    """Parameters of the OGC resources that also have an HTML page."""

    f: Literal["json", "html"] | None = Field(
        None, description="Output format: json, or html (a page for people, with a "
        "map). Without f, the Accept header chooses: a browser gets html.")


CRS_TEXT = ("URI of the coordinate reference system of the geometries in the response "
            f"(default {CRS84}); the collection's `crs` list names those offered. "
            "Coordinates are in that CRS's axis order: EPSG:4326 latitude first, "
            "EPSG:3006 northing first. The Content-Crs header names the CRS answered in.")


class ItemQuery(Strict):
    """Parameters of one feature."""

    crs: CrsUri | None = Field(None, description=CRS_TEXT)

    f: Literal["json", "geojson", "gpx", "html"] | None = Field(
        None, description="Output format: geojson (default; json is the same body as "
        "application/json), gpx (trails only: a GPX 1.1 track) or html (a page with "
        "a map; without f, the Accept header chooses: a browser gets html).")
    lang: Lang | None = Field(
        None, description=f"Language of texts: {LANG_LIST_TEXT}. Overrides Accept-Language.")


class ItemsParams(Strict):
    """Parameters of /collections/{collectionId}/items."""

    limit: int = Field(
        DEFAULTS["ITEMS_DEFAULT_LIMIT"], ge=1,
        description=f"Features per page. Default {DEFAULTS['ITEMS_DEFAULT_LIMIT']}, maximum "
        f"{DEFAULTS['ITEMS_MAX_LIMIT']}: a larger value is treated as "
        f"{DEFAULTS['ITEMS_MAX_LIMIT']} (OGC API Features asks that it is not an error).")
    offset: int = Field(0, ge=0, le=1_000_000,
                        description="Features to skip; the next/prev links carry it.")
    bbox_crs: CrsUri | None = Field(
        None, alias="bbox-crs", description="URI of the CRS of bbox (default CRS84), "
        "one of the collection's `crs` list; bbox is then given in that CRS's axis order.")
    bbox: BboxNumbers | None = Field(
        None, description="minlon,minlat,maxlon,maxlat in WGS84 (CRS84); 6 numbers "
        "with heights are accepted and the heights ignored. minlon > maxlon crosses "
        "the antimeridian. With bbox-crs: the lower and upper corners in that CRS.",
        json_schema_extra={"example": "16.3,61.3,16.5,61.4"})
    crs: CrsUri | None = Field(None, description=CRS_TEXT)
    filter: str | None = Field(
        None, max_length=8000, description="A CQL2 filter (OGC API - Features Part 3) on "
        "the collection's queryables (/collections/{collectionId}/queryables): "
        "comparisons, LIKE, IN, IS NULL, AND/OR/NOT, S_INTERSECTS and S_WITHIN.",
        json_schema_extra={"example": "kind = 'church' AND municipality = 'bollnas'"})
    filter_lang: Literal[FILTER_LANGS] | None = Field(  # type: ignore[valid-type]
        None, alias="filter-lang", description="The language of filter: cql2-text "
        "(default) or cql2-json.")
    filter_crs: CrsUri | None = Field(
        None, alias="filter-crs", description="URI of the CRS of the geometries in filter "
        "(default CRS84), in that CRS's axis order.")
    datetime: Interval | None = Field(
        None, description="RFC 3339 instant or interval (start/end, '..' for an open end). "
        "Matches the feature's time: when an activity takes place; when it was last "
        "updated for places, trails and stories.",
        json_schema_extra={"example": "2026-01-01T00:00:00Z/.."})
    municipality: MunicipalityId | None = Field(
        None, description="Only features of this municipality.")
    kind: str | None = Field(None, pattern=r"^[a-z][a-z0-9-]{0,49}$",
                             description="Only features of this kind, e.g. church, trail.")
    q: str | None = Field(
        None, max_length=200, description="Text search in names and descriptions, in "
        "every language; words are matched as prefixes (kyrk finds kyrka), accents ignored.")
    lang: Lang | None = Field(
        None, description=f"Language of texts: {LANG_LIST_TEXT}. Overrides Accept-Language. "
        "Missing texts fall back (tn → en → sv; sv → en; en → sv) and "
        "properties.text_language says which language each text is in.")
    near: Point | None = Field(
        None, description="lon,lat: only features within radius metres (geodesic, WGS84), "
        "nearest first; each gets properties.distance_m.",
        json_schema_extra={"example": "16.39,61.35"})
    radius: float | None = Field(
        None, gt=0, le=DEFAULTS["NEAR_MAX_RADIUS_M"],
        description=f"Metres around near. Default {DEFAULTS['NEAR_DEFAULT_RADIUS_M']}, "
        f"maximum {DEFAULTS['NEAR_MAX_RADIUS_M']}.")
    trail: str | None = Field(
        None, pattern=FEATURE_ID, description="A trail id: only features within `within` "
        "metres of its line, in order along it; each gets properties.distance_to_trail_m and "
        "properties.distance_along_trail_m (from the trail's start). 409 while the trail's "
        "line is not surveyed.")
    within: float | None = Field(
        None, gt=0, le=DEFAULTS["TRAIL_MAX_WITHIN_M"],
        description=f"Metres from the trail. Default {DEFAULTS['TRAIL_DEFAULT_WITHIN_M']}, "
        f"maximum {DEFAULTS['TRAIL_MAX_WITHIN_M']}.")
    place: str | None = Field(
        None, pattern=FEATURE_ID, description="Stories and activities: only those about "
        "this place (a place id).")
    content_notes_exclude: str | None = Field(
        None, pattern=r"^(" + "|".join(CONTENT_NOTES) + r")(,(" + "|".join(CONTENT_NOTES)
        + r"))*$", description="Comma-separated content notes: leave out features that "
        f"carry any of them ({', '.join(CONTENT_NOTES)}).",
        json_schema_extra={"example": "death,violence"})
    updated_since: Instant | None = Field(
        None, description="Full RFC 3339 date-time with time zone: only features changed "
        "after it.",
        json_schema_extra={"example": "2026-11-01T00:00:00Z"})
    f: Literal["json", "geojson", "html"] | None = Field(
        None, description="Output format: geojson (default), json (same body, "
        "Content-Type application/json) or html (a page with a map; without f, the "
        "Accept header chooses: a browser gets html).")

    @field_validator("bbox")
    @classmethod
    def _bbox_in_crs84(cls, value: Any, info: ValidationInfo) -> Any:
        """Without bbox-crs the bbox is lon/lat: check its ranges here (400 naming bbox).
        With one, the route checks it in that CRS."""
        if value is not None and "bbox_crs" in info.data and \
                info.data["bbox_crs"] in (None, CRS84):
            return check_lonlat_box(*value)
        return value


class CollectionPath(BaseModel):
    collectionId: str = Field(  # noqa: N815
        description=f"Collection id: {COLLECTION_LIST_TEXT}.")


class ItemPath(BaseModel):
    collectionId: str = Field(  # noqa: N815
        description=f"Collection id: {COLLECTION_LIST_TEXT}.")
    featureId: str = Field(description="Feature id, e.g. bol-gastgivars.")  # noqa: N815


# -- response models (documentation and schemathesis' response checks) -------------


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


class Queryables(BaseModel):
    """The properties filter= may name, as a JSON Schema (OGC API - Features Part 3)."""

    model_config = ConfigDict(extra="allow")
    type: Literal["object"]
    title: str
    properties: dict[str, dict[str, Any]]
    additionalProperties: bool  # noqa: N815


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
    timeStamp: str | None = None  # noqa: N815 - left out (see docs/api.md)
    links: list[Link]


RESPONSE_MODELS = [LandingPage, Conformance, Extent, CollectionInfo, Collections, Geometry,
                   Feature, FeatureCollection, Queryables]
