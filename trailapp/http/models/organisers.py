"""Request and response models of the organisers' API."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ...domain import IMAGE_LICENCES
from ...moderation import REJECTION_REASONS
from .base import (
    FEATURE_ID,
    ContributionKind,
    GeodataCollection,
    MunicipalityId,
    SdgTarget,
    Status,
    Strict,
)

Template = Literal[tuple(REJECTION_REASONS)]  # type: ignore[valid-type]


class QueueQuery(Strict):
    municipality: MunicipalityId | None = Field(
        None, description="One of your municipalities; default all of yours.")
    kind: ContributionKind | None = None
    status: Status | None = Field(
        "pending", description="Default pending.")
    flagged: bool | None = Field(None, description="Only flagged (true) or unflagged (false).")
    reported: bool | None = Field(None, description="Only reported (true) or unreported.")
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=1_000_000)


class ScopeQuery(Strict):
    municipality: MunicipalityId | None = Field(
        None, description="One of your municipalities; default all of yours.")


class AuditQuery(Strict):
    object_id: str | None = Field(None, max_length=120)
    limit: int = Field(100, ge=1, le=1000)


class ApproveBody(Strict):
    sdg_targets: list[SdgTarget] | None = Field(
        None, description="Agenda 2030 targets; default both 4.7 and 11.4.")


class RejectBody(Strict):
    reason: str | None = Field(None, max_length=1000, description="Free text, or:")
    template: Template | None = \
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


RESPONSE_MODELS = [PlaceImage, ModerationItem, Queue, ApproveBody, RejectBody, WithdrawBody,
                   RedactBody, BulkBody]
