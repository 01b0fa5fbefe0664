"""Request and response models of the field survey: tasks, fixes, tracks, review."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from ... import domain
from ...config import DEFAULTS
from .base import FEATURE_ID, CachedSchema, Lang, MunicipalityId, Point, Strict
from .features import Open, PlaceRef

_PERSON_DOC = ("The same as for POST /contributions: a pseudonym, an age band, who gave "
               "consent and the privacy notice's version.")


class TasksQuery(Strict):
    near: Point | None = Field(
        None, description="lon,lat: tasks around this point (in its municipality), nearest "
        "first; places with no point at all follow, with distance_m null.")
    radius: float | None = Field(
        None, gt=0, le=DEFAULTS["NEAR_MAX_RADIUS_M"],
        description=f"Metres around near (default {DEFAULTS['NEAR_DEFAULT_RADIUS_M']}); a "
        "place counts when its uncertainty circle reaches within it.")
    municipality: MunicipalityId | None = None
    lang: Lang | None = Field(None, description="Language of texts (fallback as for items).")


class SurveyPath(Strict):
    itemId: str = Field(pattern=domain.CONTRIBUTION_ID)  # noqa: N815


class _Surveyor(Strict):
    pseudonym: str = Field(min_length=1, max_length=100, description=_PERSON_DOC)
    age_band: Literal[tuple(domain.AGE_BANDS)]  # type: ignore[valid-type]
    consent_by: Literal[domain.CONSENT_BY]  # type: ignore[valid-type]
    consent_notice_version: str = Field(max_length=40)
    credit: bool = Field(False, description="Credit me by my pseudonym on the place or trail "
                         "once my fix or track is used (properties.surveyed_by). Never by "
                         "default.")
    note: str | None = Field(None, max_length=2000,
                             description="What helped find it, or a doubt (plain text, at "
                             f"most {domain.SURVEY_NOTE_LENGTH} characters).")


class FixModel(_Surveyor):
    """Where a young surveyor stood at a place. JSON, or multipart with a `photo` file."""

    place: str = Field(pattern=FEATURE_ID, description="The place (from GET /survey/tasks).")
    lon: float = Field(description="Longitude, WGS84.")
    lat: float = Field(description="Latitude, WGS84.")
    accuracy_m: float = Field(description="The phone's reported horizontal accuracy, metres; "
                              f"at most {DEFAULTS['SURVEY_MAX_ACCURACY_M']} by default.")
    method: Literal[domain.FIX_METHODS] = Field(  # type: ignore[valid-type]
        description="gps: the phone's position where you stand; map: a point you chose on "
        "a map while there.")
    observed_on: str = Field(max_length=10, description="The day (YYYY-MM-DD), never a time "
                             "of day.", json_schema_extra={"format": "date"})
    people_in_media: bool | None = Field(None, description="Required with a photo.")
    people_consented: bool | None = None


class TrackFieldsModel(_Surveyor):
    """The fields sent beside a track file (multipart), or with `geometry` (JSON)."""

    trail: str = Field(pattern=FEATURE_ID)
    stages: list[int] | str | None = Field(
        None, description="The stages walked (their seq numbers), in order; a list in JSON, "
        "comma-separated in a form. None: the whole trail.")
    observed_on: str | None = Field(None, max_length=10, json_schema_extra={"format": "date"})
    geometry: dict[str, Any] | None = Field(
        None, description="JSON only: a GeoJSON LineString (or a Feature with one), "
        "instead of a file.")


class SurveyHeaders(CachedSchema):
    idempotency_key: str | None = Field(
        None, alias="Idempotency-Key", pattern=domain.UUID,
        description="A UUID the app made for this fix or track: a retry gets the first "
        "answer.")
    install_id: str | None = Field(
        None, alias="X-Install-Id", pattern=r"^[A-Za-z0-9_-]{16,128}$",
        description="The app install's random id: fixes from one install count as one "
        "surveyor.")
    passport_key: str | None = Field(
        None, alias="X-Passport-Key", pattern=domain.PASSPORT_KEY,
        description="Fixes only: the app's heritage passport key; an accepted fix stamps "
        "the passport (GET /passport). Only a keyed hash of it is kept.")


class SurveyReceipt(Open):
    id: str
    kind: Literal["fix", "track"]
    status: Literal["pending", "accepted", "rejected", "published"]
    received_on: str = Field(description="The day it arrived (no time of day is kept).")
    token: str = Field(description="Keep it: send it back as 'Authorization: Bearer' with "
                       "your next fixes (they then count as one surveyor), to see what "
                       "happened, or to erase it.")
    replayed: bool
    place: PlaceRef | None = None
    trail: dict[str, str] | None = None
    length_m: float | None = None
    coverage: float | None = Field(None, description="Share of the trail's (or the stages') "
                                   "official length the cleaned track covers.")
    points_in: int | None = None
    points_out: int | None = None


class FixVotes(Open):
    independent: int = Field(description="Independent surveyors who sent a fix.")
    agreeing: int
    needed: int = Field(description="How many more agreeing surveyors are needed.")
    agree_within_m: float
    ready_for_review: bool


class TaskProperties(Open):
    task: Literal["locate-place", "record-trail"]
    collection: Literal["places", "trails"]
    municipality: MunicipalityId
    kind: str
    accuracy: Literal[domain.SURVEY_ACCURACIES]  # type: ignore[valid-type]
    location_label: str
    name: str | None = None
    description: str | None = None
    location_note: str | None = None
    address: str | None = None
    place: PlaceRef | None = None
    uncertainty_m: float | None = Field(None, description="Radius around the approximate "
                                        "point where the place should be.")
    fixes: FixVotes | None = None
    trail: dict[str, str] | None = None
    stages: list[dict[str, Any]] | None = None
    official_length_m: float | None = None
    tracks: dict[str, int] | None = None
    distance_m: float | None = None


class Task(Open):
    type: Literal["Feature"]
    id: str
    geometry: dict[str, Any] | None
    properties: TaskProperties


class SurveyTasks(Open):
    type: Literal["FeatureCollection"]
    features: list[Task]
    numberReturned: int


class PlaceDecisionBody(Strict):
    action: Literal["approve", "set", "reject"]
    reason: str | None = Field(None, max_length=1000, description="Required to reject.")
    lon: float | None = Field(None, description="With set: the position to give the place.")
    lat: float | None = None


class TrailPublishBody(Strict):
    tracks: list[str] = Field(min_length=1, max_length=50,
                              description="Track ids in stage order.")


class TrackRejectBody(Strict):
    reason: str = Field(min_length=1, max_length=1000)


RESPONSE_MODELS = [SurveyReceipt, SurveyTasks]
