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


# -- contributions -------------------------------------------------------------------

UUID_PATTERN = r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$"


class SubmissionModel(Strict):
    """A story or activity, as JSON or as the fields of a multipart form (with files
    in `media`). Unknown fields are refused; status, municipality and flags are the
    server's to set."""

    kind: Literal["story", "activity"]
    place: str | None = Field(None, pattern=FEATURE_ID,
                              description="The place it is about (an id from /collections/places).")
    point: str | None = Field(
        None, description="Or lon,lat: the nearest place within 250 m is taken; the point "
        "itself is never stored.", json_schema_extra={"pattern": POINT_PATTERN})
    lang: Lang = Field(description="The language the title and text are written in.")
    title: str = Field(min_length=1, max_length=400,
                       description="Plain text, at most 120 characters once cleaned.")
    body: str = Field(min_length=1, max_length=20_000,
                      description="Plain text (HTML is dropped), at most 5000 characters.")
    pseudonym: str = Field(min_length=1, max_length=100,
                           description="A made-up name, 2–30 characters; GET /pseudonym "
                           "suggests one. No e-mail, phone, bidi or invisible characters.")
    age_band: Literal["under-13", "13-15", "16-17", "18+"]
    consent_by: Literal["self", "guardian"] = Field(
        description="Who agreed: the young person, or a parent/guardian (needed under 13 "
        "in Bollnäs and under 16 in Lobatse).")
    consent_notice_version: str = Field(max_length=40,
                                        description="The version of /privacy-notice agreed to.")
    people_in_media: bool | None = Field(
        None, description="Required with photos: can people be recognised in them?")
    people_consented: bool | None = Field(
        None, description="Required true when people can be recognised: they agreed.")
    starts_at: str | None = Field(None, description="Activities: RFC 3339 start.",
                                  json_schema_extra={"pattern": f"^{INSTANT}$"})
    ends_at: str | None = Field(None, description="Activities: RFC 3339 end.",
                                json_schema_extra={"pattern": f"^{INSTANT}$"})
    meeting_point: str | None = Field(None, max_length=1000,
                                      description="Activities: where to meet (plain text).")
    capacity: int | None = Field(None, ge=1, le=10_000,
                                 description="Activities: how many can take part.")
    client_id: str | None = Field(
        None, pattern=UUID_PATTERN, description="A UUID the app made for this submission: "
        "a retry with the same one returns the first result (like Idempotency-Key).")

    @field_validator("point")
    @classmethod
    def _point(cls, v: str | None) -> str | None:
        if v is not None:
            params.parse_point(v)
        return v


class SubmitHeaders(CachedSchema):
    idempotency_key: str | None = Field(
        None, alias="Idempotency-Key", pattern=UUID_PATTERN,
        description="A UUID the app made for this submission; a retry with the same key "
        "returns the first result instead of a duplicate.")


class ReportModel(Strict):
    reason: Literal["personal-data", "bullying", "hateful", "untrue", "unsafe", "other"]
    note: str | None = Field(None, max_length=2000, description="Optional, plain text.")


class ContributionPath(BaseModel):
    contributionId: str = Field(pattern=r"^[0-9a-f]{24}$")  # noqa: N815


class MediaPath(BaseModel):
    name: str = Field(description="A stored media file name, as given in a media link.")


class Receipt(BaseModel):
    id: str
    kind: str
    status: str
    place: str
    created: str
    token: str = Field(description="Keep it secret: it shows the status and erases the "
                       "contribution. Only its hash is stored; it cannot be sent again.")
    replayed: bool


class ContributionStatus(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    kind: str
    status: Literal["pending", "approved", "rejected", "hidden"]
    rejection_reason: str | None
    media: list[dict[str, Any]]


class ReportReceipt(BaseModel):
    id: str
    received: bool
    hidden: bool


class PrivacyNotice(BaseModel):
    version: str
    lang: str
    text: str | None
    text_language: str | None


class Pseudonym(BaseModel):
    pseudonym: str
    lang: str


RESPONSE_MODELS += [Receipt, ContributionStatus, ReportReceipt, PrivacyNotice, Pseudonym,
                    SubmissionModel]


# -- sync and packs -------------------------------------------------------------------

COLLECTION_LIST = r"^(places|trails|stories|activities)(,(places|trails|stories|activities))*$"
LANG_LIST = r"^(sv|en|tn)(,(sv|en|tn))*$"


class SyncQuery(Strict):
    """Parameters of /sync."""

    since: str = Field(pattern=r"^s[0-9]{1,18}$", description="The cursor of your last "
                       "sync or of the pack you installed (s0 for everything, while the "
                       "change log still starts at the beginning).")
    collections: str | None = Field(None, pattern=COLLECTION_LIST, description="Comma-"
                                    "separated collections; default all four.")
    municipality: Literal["bollnas", "lobatse"] | None = None
    lang: Lang | None = Field(None, description="Language of texts (as for items).")
    limit: int = Field(500, ge=1, le=1000, description="Changes per page (default 500).")


class PackQuery(Strict):
    """Parameters of a pack."""

    lang: str | None = Field(None, pattern=LANG_LIST, description="Languages to include, "
                             "comma-separated; default sv,en,tn.")
    media: Literal["thumbnails", "full", "none"] | None = Field(
        None, description="Media to include: thumbnails (default), full (and thumbnails) "
        "or none.")


class PackPath(BaseModel):
    packId: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,120}$",  # noqa: N815
                        description="bollnas, lobatse, or trail-<trail id>.")


class SyncPage(BaseModel):
    since: str
    next: str
    more: bool
    count: int
    changes: list[dict[str, Any]]


class PackInfo(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    kind: str
    href: str
    bytes: int
    sha256: str
    version: int
    cursor: str


class PackList(BaseModel):
    packs: list[PackInfo]


RESPONSE_MODELS += [SyncPage, PackInfo, PackList]


# -- organisers -----------------------------------------------------------------------


class QueueQuery(Strict):
    municipality: Literal["bollnas", "lobatse"] | None = Field(
        None, description="One of your municipalities; default all of yours.")
    kind: Literal["story", "activity"] | None = None
    status: Literal["pending", "approved", "rejected", "hidden"] | None = Field(
        "pending", description="Default pending.")
    flagged: bool | None = Field(None, description="Only flagged (true) or unflagged (false).")
    reported: bool | None = Field(None, description="Only reported (true) or unreported.")
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0)


class ScopeQuery(Strict):
    municipality: Literal["bollnas", "lobatse"] | None = Field(
        None, description="One of your municipalities; default all of yours.")


class AuditQuery(Strict):
    object_id: str | None = Field(None, max_length=120)
    limit: int = Field(100, ge=1, le=1000)


class ApproveBody(Strict):
    sdg_targets: list[Literal["4.7", "11.4"]] | None = Field(
        None, description="Agenda 2030 targets; default both 4.7 and 11.4.")


class RejectBody(Strict):
    reason: str | None = Field(None, max_length=1000, description="Free text, or:")
    template: Literal["personal-data", "off-topic", "unkind", "copyright", "unsafe"] | None = \
        Field(None, description="A reason in the contributor's language (see "
              "/moderation/reasons).")


class WithdrawBody(Strict):
    reason: str | None = Field(None, max_length=500)


class RedactBody(Strict):
    title: str | None = Field(None, max_length=400)
    body: str | None = Field(None, max_length=20_000)


class BulkBody(Strict):
    action: Literal["approve", "reject", "withdraw", "restore"]
    ids: list[str] = Field(min_length=1, max_length=200)
    reason: str | None = Field(None, max_length=1000)
    template: Literal["personal-data", "off-topic", "unkind", "copyright", "unsafe"] | None \
        = None


class ManagePath(BaseModel):
    collection: Literal["places", "trails"]


class ManageItemPath(BaseModel):
    collection: Literal["places", "trails"]
    featureId: str = Field(pattern=FEATURE_ID)  # noqa: N815


class TrailPath(BaseModel):
    trailId: str = Field(pattern=FEATURE_ID)  # noqa: N815


class GpxQuery(Strict):
    accuracy: Literal["exact", "approximate"] = "exact"


class ModerationItem(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    status: str
    municipality: str
    flags: list[dict[str, Any]]


class Queue(BaseModel):
    items: list[ModerationItem]
    total: int


RESPONSE_MODELS += [ModerationItem, Queue, ApproveBody, RejectBody, WithdrawBody, RedactBody,
                    BulkBody]
