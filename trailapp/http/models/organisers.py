"""Request and response models of the organisers' API."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ... import domain
from ...domain import IMAGE_LICENCES
from ...moderation import REJECTION_REASONS
from .base import (
    FEATURE_ID,
    GeodataCollection,
    MunicipalityId,
    SdgTarget,
    Status,
    Strict,
)

Template = Literal[tuple(REJECTION_REASONS)]  # type: ignore[valid-type]
QueueKind = Literal[domain.QUEUE_KINDS]  # type: ignore[valid-type]


class QueueQuery(Strict):
    municipality: MunicipalityId | None = Field(
        None, description="One of your municipalities; default all of yours.")
    kind: QueueKind | None = Field(
        None, description="story, activity, question, reply, translation or answer (to "
        "a challenge).")
    status: Status | None = Field(
        "pending", description="Default pending.")
    flagged: bool | None = Field(None, description="Only flagged (true) or unflagged (false).")
    reported: bool | None = Field(None, description="Only reported (true) or unreported.")
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=1_000_000)
    workshop: str | None = Field(None, pattern=domain.WORKSHOP_ID,
                                 description="Only what was sent with this workshop's code.")


class ScopeQuery(Strict):
    municipality: MunicipalityId | None = Field(
        None, description="One of your municipalities; default all of yours.")


ReportLang = Literal[domain.REPORT_LANGS]  # type: ignore[valid-type]
ReportFormat = Literal[domain.REPORT_FORMATS]  # type: ignore[valid-type]
ReportChart = Literal[domain.REPORT_CHARTS]  # type: ignore[valid-type]
EXAMPLES = (rf"^{domain.CONTRIBUTION_ID[1:-1]}"
            rf"(,{domain.CONTRIBUTION_ID[1:-1]}){{0,{domain.REPORT_EXAMPLES_MAX - 1}}}$")


class ReportQuery(Strict):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    municipality: MunicipalityId | None = Field(
        None, description="One of your municipalities; default all of yours.")
    from_: date | None = Field(None, alias="from", description=(
        "First day (YYYY-MM-DD, UTC); default the first of the month eleven months "
        "before `to`."))
    to: date | None = Field(None, description="Last day (YYYY-MM-DD, UTC); default today.")
    lang: ReportLang = Field("en", description="The report's language.")
    format: ReportFormat = Field("html", description="html, pdf, or csv (needs chart=).")
    chart: ReportChart | None = Field(None, description="The chart whose figures the CSV "
                                      "holds; required with format=csv.")
    examples: str | None = Field(None, pattern=EXAMPLES, description=(
        "Comma-separated ids of approved stories to show as examples, in order "
        f"(at most {domain.REPORT_EXAMPLES_MAX})."))


class AuditQuery(Strict):
    object_id: str | None = Field(None, max_length=120)
    limit: int = Field(100, ge=1, le=1000)


class ApproveBody(Strict):
    sdg_targets: list[SdgTarget] | None = Field(
        None, description="Agenda 2030 targets; default both 4.7 and 11.4.")
    content_notes: list[Literal[domain.CONTENT_NOTES]] | None = Field(  # type: ignore[valid-type]
        None, max_length=len(domain.CONTENT_NOTES),
        description="The content notes to publish it with; default the contributor's "
        "suggestions ([] publishes none).")


class RejectBody(Strict):
    reason: str | None = Field(None, max_length=1000, description="Free text, or:")
    template: Template | None = \
        Field(None, description="A reason in the contributor's language (see "
              "/moderation/reasons).")


class WithdrawBody(Strict):
    reason: str | None = Field(None, max_length=500)


class ContentNotesBody(Strict):
    content_notes: list[str] = Field(
        max_length=len(domain.CONTENT_NOTES),
        json_schema_extra={"items": {"type": "string", "enum": list(domain.CONTENT_NOTES)}},
        description="Every content note the published item carries from now on ([] none); "
        "an unknown note: 422 naming content_notes.")


class JointBody(Strict):
    joint: bool = Field(description="true: held by both towns' young people together.")


class RedactBody(Strict):
    title: str | None = Field(None, max_length=400)
    body: str | None = Field(None, max_length=20_000)


class BulkBody(Strict):
    action: Literal["approve", "reject", "withdraw", "restore"]
    ids: list[str] = Field(min_length=1, max_length=200)
    reason: str | None = Field(None, max_length=1000)
    template: Template | None \
        = None


class ManagePath(BaseModel):
    collection: GeodataCollection


class ManageItemPath(BaseModel):
    collection: GeodataCollection
    featureId: str = Field(pattern=FEATURE_ID)  # noqa: N815


class PlacePath(BaseModel):
    placeId: str = Field(pattern=FEATURE_ID)  # noqa: N815


class PlaceImagePath(BaseModel):
    placeId: str = Field(pattern=FEATURE_ID)  # noqa: N815
    imageId: str = Field(pattern=r"^[0-9a-f]{24}$")  # noqa: N815


class PlaceImage(BaseModel):
    """An organiser's photo of a place, as published in the place's `images`."""

    id: str
    place: str
    href: str
    thumbnail: str
    width: int
    height: int
    credit: str
    licence: Literal[IMAGE_LICENCES]  # type: ignore[valid-type]
    caption: dict[str, str | None]


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


class WorkshopBody(Strict):
    municipality: MunicipalityId = Field(description="One of your municipalities: the code "
                                         "is accepted only for places there.")
    name: str = Field(min_length=1, max_length=400, description="For you and the other "
                      f"organisers (plain text, at most {domain.WORKSHOP_NAME_LENGTH} "
                      "characters), e.g. 'Class 8B, Gärdesskolan'.")
    hours: int = Field(domain.WORKSHOP_HOURS[0], ge=1, le=domain.WORKSHOP_HOURS[1],
                       description="How long the code is valid, from now.")
    expected_participants: int | None = Field(None, ge=1, le=domain.WORKSHOP_PARTICIPANTS_MAX)


class WorkshopPath(BaseModel):
    workshopId: str = Field(pattern=domain.WORKSHOP_ID)  # noqa: N815


class Workshop(BaseModel):
    id: str
    municipality: str
    name: str
    expected_participants: int | None
    created: str
    created_by: str
    ends_at: str
    closed_at: str | None
    contributions: int = Field(description="Contributions sent with its code so far.")


class OpenedWorkshop(Workshop):
    code: str = Field(description="Shown this once (only a keyed hash is kept): give it to "
                      "the group; the app sends it as X-Workshop-Code.")


class Workshops(BaseModel):
    items: list[Workshop]


RESPONSE_MODELS = [PlaceImage, ModerationItem, Queue, ApproveBody, RejectBody, WithdrawBody,
                   JointBody, ContentNotesBody,
                   RedactBody, BulkBody, WorkshopBody, Workshop, OpenedWorkshop, Workshops]
