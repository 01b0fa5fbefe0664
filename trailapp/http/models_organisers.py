"""Request and response models of the organisers' API."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .models import (
    FEATURE_ID,
    RESPONSE_MODELS,
    Strict,
)

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
