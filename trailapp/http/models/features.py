"""Typed features per public collection, and the sync page typed by `op`.

These models only describe responses (the features are rendered once per language by
trailapp.features and served as stored text): they give code generators a class per
collection and let tests check real responses against them. Properties not listed
here may be added later (extra members are allowed): a client should ignore them.

Longer than 300 lines because every public collection's typed schema is here, side by
side, and the sync page is the union of them.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from ... import domain
from ...domain import ACCURACIES, IMAGE_LICENCES, LOCATION_STATUSES
from .base import CollectionId, Lang, Link, MunicipalityId
from .ogc import Geometry

Accuracy = Literal[ACCURACIES]  # type: ignore[valid-type]
LocationStatus = Literal[LOCATION_STATUSES]  # type: ignore[valid-type]
ABSOLUTE = ("An absolute URL, built from the address the request was sent to (inside an "
            "offline pack: a path relative to the service root, starting with /).")


class Open(BaseModel):
    """A response object: members added later are allowed (clients ignore them)."""

    model_config = ConfigDict(extra="allow")


class PlaceRef(Open):
    """A place, as every response refers to one."""

    id: str = Field(description="The place's id in /collections/places.")
    href: str = Field(description="The place's feature. " + ABSOLUTE)


class RelatedCount(Open):
    """How many published stories (or activities) a place has, and where they are."""

    count: int
    href: str = Field(description="Their list (items?place=…). " + ABSOLUTE)


class MediaLink(Open):
    """A published photo or sound."""

    type: str = Field(description="Media type of the file: image/jpeg or audio/mp4.")
    kind: Literal["photo", "audio"]
    href: str = Field(description="The file. " + ABSOLUTE)
    thumbnail: str | None = Field(description="A small JPEG of a photo (null for a sound). "
                                  + ABSOLUTE)
    width: int | None = None
    height: int | None = None
    duration_s: float | None = None


class Common(Open):
    """Properties every public feature has."""

    name: str = Field(description="The name (a story's or activity's title as published).")
    description: str | None = Field(None, description="The text (a story's or activity's "
                                    "body as published).")
    municipality: MunicipalityId
    kind: str = Field(description="e.g. church, farmhouse, trail, story, activity.")
    accuracy: Accuracy
    location_status: LocationStatus
    location_label: str = Field(description="location_status in words, in the language "
                                "asked for.")
    text_language: dict[str, Lang] = Field(
        description="For each text property, the language it is in (after fallback).")
    updated: str = Field(description="RFC 3339 time of the last change.")
    distance_m: float | None = Field(None, description="With near=: geodesic metres.")
    distance_to_trail_m: float | None = Field(None, description="With trail=.")
    distance_along_trail_m: float | None = Field(None, description="With trail=.")


class Heritage(Common):
    """Texts and sources of a place or trail from the geodata."""

    location_note: str | None = None
    heritage_status: str | None = None
    caveats: str | None = None
    condition_note: str | None = None
    source: str | None = Field(None, description="Where the facts come from: a web address "
                               "or a citation.")
    additional_sources: list[str] | None = None
    address: str | None = None
    name_local: str | None = None


class PlaceImageLink(Open):
    """An organiser's photo of the place (show its credit and licence with it)."""

    href: str
    thumbnail: str
    type: str
    width: int
    height: int
    credit: str
    licence: Literal[IMAGE_LICENCES]  # type: ignore[valid-type]
    caption: str | None = Field(None, description="In the language asked for (fallback).")


class SurveyProvenance(Open):
    """How a field survey located a place (or a trail's line)."""

    method: Literal["field survey", "set by an organiser"]
    fixes: int | None = Field(None, description="Independent surveyors whose fixes agreed.")
    spread_m: float | None = Field(None, description="Every agreeing fix lay within this "
                                   "many metres of the published point.")
    tracks: int | None = Field(None, description="Walked tracks the line was made from.")
    month: str = Field(description="YYYY-MM of the decision.")


class TwinPlaceRef(Open):
    """A place of a twin, with its town and name."""

    id: str
    href: str
    municipality: MunicipalityId | None = None
    name: str | None = Field(None, description="In the language asked for (fallback).")
    updated: str | None = Field(
        None, description="In a twin's `places`: when that place last changed. A twin "
        "feature changes with its places, so each town's sync and pack keep the other "
        "town's place up to date.")


class PlaceTwin(Open):
    """One active twin of a place (issue 13): the other town's place and the theme."""

    id: str
    href: str = Field(description="The twin's feature in the twins collection.")
    theme: str
    theme_label: str
    place: TwinPlaceRef = Field(description="The twin place, in the other town.")
    municipality: MunicipalityId = Field(description="The other town.")


class PlaceProperties(Heritage):
    """A cultural-history place."""

    twins: list[PlaceTwin] = Field(
        default_factory=list, description="Its active twins in the other town.")
    stories: RelatedCount | None = None
    activities: RelatedCount | None = None
    latest_story_at: str | None = Field(
        None, description="When the newest published story or activity of the place was "
        "published; null when there is none.")
    images: list[PlaceImageLink] = Field(
        default_factory=list, description="Organisers' photos of the place, in order.")
    uncertainty_m: float | None = Field(
        None, description="Only on an approximate place: how far (metres) the place may lie "
        "from its point, from the point's source (an arc-minute coordinate, a town centre). "
        "Draw a circle of this radius, not a pin.")
    surveyed_by: list[str] | None = Field(
        None, description="Pseudonyms of young surveyors who located the place and asked "
        "to be credited (never by default).")
    survey: SurveyProvenance | None = Field(
        None, description="Set when the location comes from an approved field survey.")


class Stage(Open):
    seq: int
    section: str | None = None
    role: Literal["main", "branch", "connector"] | None = None
    from_: str | None = Field(None, alias="from")
    to: str | None = None
    length_km: float | None = None
    osm_relation: int | None = None
    walking_time_min: int | None = None


class Waypoint(Open):
    seq: int | None = None
    name: str | None = None
    note: str | None = None
    accuracy: str | None = None
    coordinates: list[float] | None = None


class TrailProperties(Heritage):
    """A walking trail."""

    length_m: float | None = Field(description="Geodesic length of the surveyed line; null "
                                   "while it is to be surveyed.")
    walking_time_min: int | None = None
    walking_time_basis: str | None = None
    walking_time_length_source: str | None = None
    difficulty: Literal["easy", "moderate", "demanding"] | None = None
    official_length_km: dict[str, float] | None = Field(
        None, description="Official lengths in km, keyed by section.")
    official_length_source: str | None = None
    osm_relation: int | None = None
    overnight_cabins: list[str] | None = None
    rest_cabins: list[str] | None = None
    connectors: list[str] | None = None
    stages: list[Stage] | None = None
    stage_source: str | None = None
    waypoints: list[Waypoint] | None = None
    start_place: str | None = None
    surveyed_by: list[str] | None = Field(
        None, description="Pseudonyms of young surveyors whose tracks made the line, who "
        "asked to be credited.")
    survey: SurveyProvenance | None = None


class StoryProperties(Common):
    """A young person's story as published. `name` is the title and `description` the
    body they submitted (POST /contributions `title` and `body`), after moderation."""

    place: PlaceRef
    pseudonym: str
    lang: Lang = Field(description="The language the story was written in.")
    published: str = Field(description="RFC 3339 time it was approved.")
    sdg_targets: list[str] = Field(description="Agenda 2030 targets, e.g. 4.7, 11.4.")
    media: list[MediaLink]


class ActivityProperties(StoryProperties):
    """A young person's activity as published (name/description as for stories)."""

    starts_at: str
    ends_at: str
    time_zone: str
    meeting_point: str | None = None
    capacity: int | None = None


class ReplyOriginal(Open):
    """A translated reply's own words."""

    title: str
    body: str


class ReplyTranslation(Open):
    """The "translated by young people" marker of a reply shown in translation."""

    by_young_people: bool
    label: str
    original_lang: Lang
    original: ReplyOriginal


class PublicReply(Open):
    """A published reply inside its question's thread (issue 13)."""

    id: str
    pseudonym: str
    lang: Lang
    title: str
    body: str
    municipality: MunicipalityId = Field(description="The replier's town.")
    place: PlaceRef = Field(description="The twin place in the replier's town.")
    published: str
    translated_by: str | None = Field(
        None, description="In a thread asked for in another language than the reply's: "
        "the pseudonym of the young person whose approved translation is shown.")
    translation: ReplyTranslation | None = Field(
        None, description="Present when a young person's translation is shown: the marker "
        "and the original.")


class QuestionProperties(StoryProperties):
    """A young person's question to the twin town's young people (issue 13): `name` is
    its title, `description` its text. Its first published replies come with it (the
    rest from `thread`)."""

    addressed_to: list[MunicipalityId] = Field(description="The town(s) it is asked of.")
    twin_places: list[PlaceRef] = Field(description="The place's twins in that town.")
    replies: list[PublicReply] = Field(description="Published replies, oldest first (at "
                                       f"most {domain.THREAD_EMBEDDED_REPLIES}).")
    reply_count: int = Field(description="How many replies are published.")
    thread: dict[str, str] = Field(description="`href`: GET it for the question and every "
                                   "reply, page by page.")


class Thread(BaseModel):
    """A question with a page of its published replies, in order (issue 13)."""

    question: dict[str, Any] = Field(description="The question's feature (as in "
                                     "/collections/questions/items/{id}).")
    replies: list[PublicReply]
    numberMatched: int  # noqa: N815
    numberReturned: int  # noqa: N815
    links: list[Link]


class TwinProperties(Common):
    """A pair of twin places (issue 13): `name` names both places, `description` is the
    organisers' text on what they share; geometry is a MultiPoint of both."""

    theme: str
    theme_label: str
    places: list[TwinPlaceRef]
    since: str = Field(description="RFC 3339 time the second town accepted the pairing.")


class ChallengeTrailRef(Open):
    """The trail a challenge is set along."""

    id: str
    href: str


class ChallengeProperties(Common):
    """A challenge (issue 14): `name` is its title, `prompt` what to do; answer it with
    POST /challenges/{id}/answers. A multiple-choice challenge lists its `options` (the
    right one is never sent: the answer says whether it was right)."""

    challenge_kind: str = Field(description="free-answer, photo, audio-interview, "
                                "find-the-detail or multiple-choice.")
    prompt: str | None = None
    options: list[str] | None = Field(None, description="Multiple choice: the options, "
                                      "answered by index (0 first).")
    place: PlaceRef | None = Field(None, description="The place it is at (or null: along "
                                   "a trail).")
    trail: ChallengeTrailRef | None = None
    answers_href: str


def _feature(name: str, properties: type[BaseModel], doc: str) -> type[BaseModel]:
    """A GeoJSON Feature model with typed properties."""
    fields = {
        "type": (Literal["Feature"], ...),
        "id": (str, ...),
        "geometry": (Geometry | None, Field(description="null while the location is to "
                                            "be surveyed")),
        "properties": (properties, ...),
        "links": (list[Link] | None, None),
    }

    return create_model(name, __base__=Open, __doc__=doc, **fields)  # type: ignore[call-overload]


def _collection(name: str, feature: type[BaseModel]) -> type[BaseModel]:

    return create_model(  # type: ignore[call-overload]
        name, __base__=Open, __doc__=f"A page of {feature.__name__}s (GeoJSON).",
        type=(Literal["FeatureCollection"], ...), features=(list[feature], ...),
        numberMatched=(int | None, None), numberReturned=(int, ...),
        links=(list[Link], ...))


PlaceFeature = _feature("PlaceFeature", PlaceProperties, "A place (GeoJSON Feature).")
TrailFeature = _feature("TrailFeature", TrailProperties, "A trail (GeoJSON Feature).")
StoryFeature = _feature("StoryFeature", StoryProperties, "A story (GeoJSON Feature).")
ActivityFeature = _feature("ActivityFeature", ActivityProperties,
                           "An activity (GeoJSON Feature).")
PlaceCollection = _collection("PlaceCollection", PlaceFeature)
TrailCollection = _collection("TrailCollection", TrailFeature)
StoryCollection = _collection("StoryCollection", StoryFeature)
ActivityCollection = _collection("ActivityCollection", ActivityFeature)
TwinFeature = _feature("TwinFeature", TwinProperties, "A pair of twin places (GeoJSON "
                       "Feature).")
TwinCollection = _collection("TwinCollection", TwinFeature)
ChallengeFeature = _feature("ChallengeFeature", ChallengeProperties,
                            "A challenge (GeoJSON Feature).")
ChallengeCollection = _collection("ChallengeCollection", ChallengeFeature)
QuestionFeature = _feature("QuestionFeature", QuestionProperties, "A question to the twin "
                           "town (GeoJSON Feature).")
QuestionCollection = _collection("QuestionCollection", QuestionFeature)

#: collection id -> (feature model, collection model)
BY_COLLECTION: dict[str, tuple[type[BaseModel], type[BaseModel]]] = {
    "places": (PlaceFeature, PlaceCollection),
    "trails": (TrailFeature, TrailCollection),
    "stories": (StoryFeature, StoryCollection),
    "activities": (ActivityFeature, ActivityCollection),
    "twins": (TwinFeature, TwinCollection),
    "challenges": (ChallengeFeature, ChallengeCollection),
    "questions": (QuestionFeature, QuestionCollection),
}


def _upsert(collection: str, feature: type[BaseModel]) -> type[BaseModel]:
    """A change that is a new or changed feature of one collection."""

    return create_model(  # type: ignore[call-overload]
        f"Upsert{feature.__name__.removesuffix('Feature')}", __base__=Open,
        __doc__=f"A {collection} feature that is new or changed: store it (replacing any "
                "copy with its id). `feature` is as items would serve it.",
        seq=(int, ...), op=(Literal["upsert"], ...),
        collection=(Literal[collection], ...), id=(str, ...), feature=(feature, ...))


UpsertPlace = _upsert("places", PlaceFeature)
UpsertTrail = _upsert("trails", TrailFeature)
UpsertStory = _upsert("stories", StoryFeature)
UpsertActivity = _upsert("activities", ActivityFeature)
UpsertTwin = _upsert("twins", TwinFeature)
UpsertChallenge = _upsert("challenges", ChallengeFeature)
UpsertQuestion = _upsert("questions", QuestionFeature)


class Delete(Open):
    """A feature that was deleted or unpublished: remove your copy."""

    seq: int
    op: Literal["delete"]
    collection: CollectionId
    id: str


Change = (UpsertPlace | UpsertTrail | UpsertStory | UpsertActivity  # type: ignore[valid-type]
          | UpsertTwin | UpsertChallenge | UpsertQuestion | Delete)


class SyncPage(BaseModel):
    """One page of changes; follow `next` while `more` is true."""

    since: str
    next: str
    more: bool
    count: int
    changes: list[Change] = Field(  # type: ignore[valid-type]
        description="Oldest first: `op` is upsert (with `feature`, typed by `collection`) or "
        "delete.")


RESPONSE_MODELS = [PlaceRef, RelatedCount, MediaLink, PlaceImageLink, Stage, Waypoint,
                   PlaceProperties,
                   TrailProperties, StoryProperties, ActivityProperties, PlaceFeature,
                   TrailFeature, StoryFeature, ActivityFeature, PlaceCollection,
                   TrailCollection, StoryCollection, ActivityCollection, UpsertPlace, UpsertTrail,
                   UpsertStory, UpsertActivity, Delete, TwinPlaceRef, PlaceTwin, TwinProperties,
                   TwinFeature, TwinCollection, UpsertTwin, ChallengeTrailRef,
                   ChallengeProperties, ChallengeFeature, ChallengeCollection, UpsertChallenge,
                   ReplyOriginal, ReplyTranslation, PublicReply, QuestionProperties,
                   QuestionFeature, QuestionCollection, UpsertQuestion, Thread,
                   SyncPage]
