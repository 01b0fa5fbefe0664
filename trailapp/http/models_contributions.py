"""Request and response models of contributions, sync and packs."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from . import params
from .models import (
    FEATURE_ID,
    INSTANT,
    POINT_PATTERN,
    RESPONSE_MODELS,
    CachedSchema,
    Lang,
    Strict,
)

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
    install_id: str | None = Field(
        None, alias="X-Install-Id", pattern=r"^[A-Za-z0-9_-]{16,128}$",
        description="A random id the app made once when it was installed (16-128 "
        "letters, digits, - or _; a UUID will do). A retry with an Idempotency-Key gets "
        "the first answer (and its token) only from the same install, or, without this "
        "header, from the same address.")


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
