"""Request and response models of challenges and the heritage passport (issue 14)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from ... import domain
from .base import FEATURE_ID, MunicipalityId, Strict
from .contributions import Receipt, SubmitHeaders
from .features import PlaceRef

ChallengeKind = Literal[domain.CHALLENGE_KINDS]  # type: ignore[valid-type]
ChallengeStatus = Literal[domain.CHALLENGE_STATUSES]  # type: ignore[valid-type]
_LIMITS = domain.CHALLENGE_TEXT_LIMITS
PASSPORT_HEADER = Field(
    None, alias="X-Passport-Key", pattern=domain.PASSPORT_KEY,
    description="The app's random passport key (22-128 letters, digits, - or _): what is "
    "approved counts for its passport (GET /passport). Only a keyed hash of it is kept.")


class ChallengeTitle(Strict):
    sv: str | None = Field(None, max_length=4 * _LIMITS["title"])
    en: str | None = Field(None, max_length=4 * _LIMITS["title"])
    tn: str | None = Field(None, max_length=4 * _LIMITS["title"])


class ChallengePrompt(Strict):
    sv: str | None = Field(None, max_length=4 * _LIMITS["prompt"])
    en: str | None = Field(None, max_length=4 * _LIMITS["prompt"])
    tn: str | None = Field(None, max_length=4 * _LIMITS["prompt"])


class ChallengeOption(Strict):
    sv: str | None = Field(None, max_length=4 * _LIMITS["option"])
    en: str | None = Field(None, max_length=4 * _LIMITS["option"])
    tn: str | None = Field(None, max_length=4 * _LIMITS["option"])


class ChallengeBody(Strict):
    municipality: MunicipalityId = Field(description="Your town.")
    kind: ChallengeKind
    place: str | None = Field(None, pattern=FEATURE_ID, description="A place of your town "
                              "(or trail).")
    trail: str | None = Field(None, pattern=FEATURE_ID, description="A trail of your town "
                              "(or place).")
    title: ChallengeTitle = Field(description="sv/en/tn, at least one; plain text, at most "
                                  f"{_LIMITS['title']} characters.")
    prompt: ChallengePrompt = Field(description="What to do, sv/en/tn, at least one; at "
                                    f"most {_LIMITS['prompt']} characters.")
    options: list[ChallengeOption] | None = Field(
        None, max_length=domain.CHALLENGE_OPTIONS[1],
        description="Multiple choice only: "
        f"{domain.CHALLENGE_OPTIONS[0]}-{domain.CHALLENGE_OPTIONS[1]} options.")
    correct_option: int | None = Field(None, ge=0, le=100, description="Multiple choice "
                                       "only: the index of the right option (kept on the "
                                       "server).")


class ChallengePath(BaseModel):
    challengeId: str = Field(pattern=domain.CHALLENGE_ID)  # noqa: N815


class ChallengeQuery(Strict):
    municipality: MunicipalityId | None = Field(
        None, description="One of your municipalities; default all of yours.")
    status: ChallengeStatus | None = Field(None, description="Only challenges in this "
                                           "status.")


class ChallengeTrail(BaseModel):
    id: str
    href: str


class Challenge(BaseModel):
    id: str
    municipality: str
    kind: ChallengeKind
    status: ChallengeStatus
    title: dict[str, str]
    prompt: dict[str, str]
    options: list[dict[str, str]] | None
    correct_option: int | None = Field(None, description="Organisers only.")
    place: PlaceRef | None
    trail: ChallengeTrail | None
    href: str | None = Field(description="The public feature (active challenges only).")
    created_by: str
    created: str
    updated: str


class Challenges(BaseModel):
    items: list[Challenge]


class AnswerModel(Strict):
    """An answer, as JSON or as the fields of a multipart form (a photo or recording in
    `media`)."""

    lang: Literal[domain.LANGS]  # type: ignore[valid-type]
    age_band: Literal[tuple(domain.AGE_BANDS)]  # type: ignore[valid-type]
    consent_by: Literal[domain.CONSENT_BY] = Field(  # type: ignore[valid-type]
        description="Who agreed (a guardian under 13 in Bollnäs and under 16 in Lobatse).")
    consent_notice_version: str = Field(max_length=40)
    text: str | None = Field(None, max_length=4 * domain.ANSWER_TEXT_MAX,
                             description="The written answer (free-answer, find-the-detail;"
                             " optional with a photo or interview).")
    choice: int | None = Field(None, ge=0, le=100, description="Multiple choice: the index "
                               "of the option chosen.")
    place: str | None = Field(None, pattern=FEATURE_ID, description="Along a trail: the "
                              "place it was answered at.")
    pseudonym: str | None = Field(None, min_length=1, max_length=100)
    people_in_media: bool | None = None
    people_consented: bool | None = None
    client_id: str | None = Field(None, pattern=domain.UUID)


class AnswerHeaders(SubmitHeaders):
    passport_key: str | None = PASSPORT_HEADER


class AnswerReceipt(Receipt):
    challenge: ChallengeTrail
    correct: bool | None = Field(None, description="Multiple choice: right or wrong (it is "
                                 "approved or rejected at once).")


class Stamp(BaseModel):
    place: PlaceRef
    municipality: str
    answers: int
    survey_fixes: int
    replies: int


class Badge(BaseModel):
    id: Literal[domain.BADGES]  # type: ignore[valid-type]
    trail: ChallengeTrail | None = None


class Passport(BaseModel):
    stamps: list[Stamp]
    badges: list[Badge]
    challenges_done: int


RESPONSE_MODELS = [ChallengeTitle, ChallengePrompt, ChallengeOption, ChallengeBody,
                   ChallengeTrail, Challenge, Challenges, AnswerModel, AnswerReceipt, Stamp,
                   Badge, Passport]
