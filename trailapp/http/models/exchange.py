"""Request and response models of the exchange between the towns (issue 13)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from ... import domain
from .base import FEATURE_ID, Lang, MunicipalityId, Strict

TwinTheme = Literal[domain.TWIN_THEMES]  # type: ignore[valid-type]
TwinStatus = Literal[domain.TWIN_STATUSES]  # type: ignore[valid-type]


class TwinTexts(Strict):
    sv: str | None = Field(None, max_length=4 * domain.TWIN_TEXT_LENGTH)
    en: str | None = Field(None, max_length=4 * domain.TWIN_TEXT_LENGTH)
    tn: str | None = Field(None, max_length=4 * domain.TWIN_TEXT_LENGTH)


class TwinBody(Strict):
    municipality: MunicipalityId = Field(description="Your town: the one proposing.")
    place: str = Field(pattern=FEATURE_ID, description="A place of your town.")
    twin_place: str = Field(pattern=FEATURE_ID, description="A place of the other town.")
    theme: TwinTheme
    text: TwinTexts = Field(description="What the two places share, in sv/en/tn (at least "
                            f"one; plain text, at most {domain.TWIN_TEXT_LENGTH} characters "
                            "each).")


class TwinPath(BaseModel):
    twinId: str = Field(pattern=domain.TWIN_ID)  # noqa: N815


class TwinQuery(Strict):
    municipality: MunicipalityId | None = Field(
        None, description="One of your municipalities; default all of yours.")
    status: TwinStatus | None = Field(None, description="Only twins in this status.")


class TwinPlace(BaseModel):
    id: str
    href: str
    name: dict[str, str] | None = None
    geometry: dict | None = None


class Twin(BaseModel):
    id: str
    status: TwinStatus
    municipality: str = Field(description="The proposing town.")
    twin_municipality: str = Field(description="The town that accepts.")
    theme: TwinTheme
    text: dict[str, str]
    place: TwinPlace
    twin_place: TwinPlace
    proposed_by: str
    proposed_at: str
    accepted_by: str | None
    accepted_at: str | None
    ended_by: str | None
    ended_at: str | None
    href: str | None = Field(description="The public feature (active twins only).")


class Twins(BaseModel):
    items: list[Twin]


class ThreadPath(BaseModel):
    questionId: str = Field(pattern=domain.CONTRIBUTION_ID)  # noqa: N815


class ThreadQuery(Strict):
    lang: Lang | None = Field(None, description="Language of the question's texts "
                              "(replies are shown in the language they were written in).")
    limit: int = Field(domain.THREAD_PAGE[0], ge=1, le=domain.THREAD_PAGE[1],
                       description="How many replies per page.")
    offset: int = Field(0, ge=0, le=10**9, description="How many replies to skip.")


RESPONSE_MODELS = [TwinTexts, TwinBody, TwinPlace, Twin, Twins]
