"""Request and response models of young people's translations (issue 13)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from ... import domain
from .base import Lang, MunicipalityId, Strict
from .contributions import UUID_PATTERN, Receipt
from .features import PlaceRef


class TranslationModel(Strict):
    """A young person's translation of a published text or of a place's texts. The same
    consent rules as a story; the translator's own town moderates it."""

    lang: Lang = Field(description="The language translated into.")
    title: str = Field(min_length=1, max_length=400,
                       description="The title (a place's name) in that language; plain "
                       "text, at most 120 characters once cleaned.")
    body: str = Field(min_length=1, max_length=20_000,
                      description="The text (a place's description) in that language; "
                      "plain text, at most 5000 characters.")
    municipality: MunicipalityId = Field(
        description="The translator's own town: its organisers decide on the translation, "
        "and its age of consent applies.")
    pseudonym: str = Field(min_length=1, max_length=100,
                           description="A made-up name, shown as translated_by.")
    age_band: Literal[tuple(domain.AGE_BANDS)]  # type: ignore[valid-type]
    consent_by: Literal[domain.CONSENT_BY]  # type: ignore[valid-type]
    consent_notice_version: str = Field(max_length=40)
    client_id: str | None = Field(None, pattern=UUID_PATTERN,
                                  description="As for POST /contributions.")


class Translates(BaseModel):
    target: Literal[domain.TRANSLATION_TARGETS]  # type: ignore[valid-type]
    id: str
    href: str | None = None


class TranslationReceipt(Receipt):
    translates: Translates


class TranslationTasksQuery(Strict):
    lang: Lang = Field(description="The language texts are missing in.")
    municipality: MunicipalityId | None = Field(None, description="Only this town's texts "
                                                "and places.")
    limit: int = Field(100, ge=1, le=domain.TRANSLATION_TASKS_MAX,
                       description="At most this many tasks.")


class TranslationTask(BaseModel):
    target: Literal[domain.TRANSLATION_TARGETS]  # type: ignore[valid-type]
    kind: str
    id: str
    municipality: str
    lang: str | None = Field(description="The language the texts below are in.")
    missing: list[str]
    texts: dict[str, str | None]
    pseudonym: str | None
    place: PlaceRef
    href: str | None
    translate: str = Field(description="Where to POST the translation.")


class TranslationTasks(BaseModel):
    lang: str
    items: list[TranslationTask]
    numberReturned: int  # noqa: N815


class TranslationPath(BaseModel):
    translationId: str = Field(pattern=domain.CONTRIBUTION_ID)  # noqa: N815


class AppliedTranslation(BaseModel):
    id: str
    place: PlaceRef
    lang: str
    applied: list[str]
    name: dict[str, str]
    description: dict[str, str]


RESPONSE_MODELS = [TranslationModel, TranslationReceipt, TranslationTasks, AppliedTranslation]
