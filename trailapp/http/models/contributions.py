"""Request and response models of young people's contributions."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ... import domain
from .base import (
    FEATURE_ID,
    INSTANT,
    CachedSchema,
    ContributionKind,
    Lang,
    Point,
    Status,
    Strict,
)
from .features import MediaLink, PlaceRef

UUID_PATTERN = domain.UUID


class SubmissionModel(Strict):
    """A story, activity, question or reply (the last two text only), as JSON or as the
    fields of a multipart form (with files in `media`). Unknown fields are refused;
    status, municipality and flags are the server's to set."""

    kind: ContributionKind
    place: str | None = Field(None, pattern=FEATURE_ID,
                              description="The place it is about (an id from /collections/places).")
    point: Point | None = Field(
        None, description="Or lon,lat: the nearest place within 250 m is taken; the point "
        "itself is never stored.")
    lang: Lang = Field(description="The language the title and text are written in.")
    title: str = Field(min_length=1, max_length=400,
                       description="Plain text, at most 120 characters once cleaned.")
    body: str = Field(min_length=1, max_length=20_000,
                      description="Plain text (HTML is dropped), at most 5000 characters.")
    pseudonym: str = Field(min_length=1, max_length=100,
                           description="A made-up name, 2–30 characters; GET /pseudonym "
                           "suggests one. No e-mail, phone, bidi or invisible characters.")
    age_band: Literal[tuple(domain.AGE_BANDS)]  # type: ignore[valid-type]
    consent_by: Literal[domain.CONSENT_BY] = Field(  # type: ignore[valid-type]
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
    content_notes: list[Literal[domain.CONTENT_NOTES]] | None = Field(  # type: ignore[valid-type]
        None, max_length=len(domain.CONTENT_NOTES),
        description="Content notes the contributor SUGGESTS (a form sends them comma-"
        "separated): kept as suggestions, published only when an organiser approves.")
    joint: bool | None = Field(None, description="Activities: held by both towns' young "
                               "people together (a video call, an exchange visit); listed "
                               "in both towns with the time in each town's zone.")
    parent_id: str | None = Field(
        None, pattern=domain.CONTRIBUTION_ID, description="Replies (kind=reply): the id of "
        "the published question of the other town it answers; `place` is then the twin "
        "place in the replier's town.")
    client_id: str | None = Field(
        None, pattern=UUID_PATTERN, description="A UUID the app made for this submission: "
        "a retry with the same one returns the first result (like Idempotency-Key).")


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
    workshop_code: str | None = Field(
        None, alias="X-Workshop-Code", pattern=domain.WORKSHOP_CODE,
        description="The code of a live workshop an organiser opened for the group "
        f"({domain.WORKSHOP_CODE_LENGTH} letters and digits, any case): submissions with "
        "it share the workshop's limit instead of the address's. 422 naming this header "
        "for a code that is unknown, expired or closed, or for a place in another "
        "municipality.")


class ReportModel(Strict):
    reason: Literal[domain.REPORT_REASONS]  # type: ignore[valid-type]
    note: str | None = Field(None, max_length=2000, description="Optional, plain text.")


class ContributionPath(BaseModel):
    contributionId: str = Field(pattern=domain.CONTRIBUTION_ID)  # noqa: N815


class MediaPath(BaseModel):
    name: str = Field(description="A stored media file name, as given in a media link.")


class Receipt(BaseModel):
    id: str
    kind: str
    status: str
    place: PlaceRef
    created: str
    token: str = Field(description="Keep it secret: it shows the status and erases the "
                       "contribution. Only its hash is stored; it cannot be sent again.")
    replayed: bool


class ContributionStatus(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    kind: str
    status: Status
    lang: Lang
    title: str = Field(description="As submitted (published as the feature's `name`).")
    body: str = Field(description="As submitted (published as `description`).")
    pseudonym: str
    place: PlaceRef
    created: str
    decided_at: str | None
    hidden: bool
    rejection_reason: str | None
    media: list[MediaLink]
    starts_at: str | None = Field(None, description="Activities only (as are the next four).")
    ends_at: str | None = None
    time_zone: str | None = None
    meeting_point: str | None = None
    capacity: int | None = None


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


RESPONSE_MODELS = [Receipt, ContributionStatus, ReportReceipt, PrivacyNotice, Pseudonym,
                   SubmissionModel, ReportModel]
