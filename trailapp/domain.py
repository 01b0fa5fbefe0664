"""The domain registry: every list, format and limit that the rules, the store and the
API share, defined once.

Longer than 300 lines because it is the one registry: split, the lists it exists to
hold together would scatter again.

Adding a municipality, a language or a collection starts here: the HTTP models build
their `Literal`s, patterns and descriptions from these values, the services and the
store read them, and tests/test_layout.py fails when a second copy of a list appears.

The envelope of a municipality is a generous plausibility box around it (not its legal
boundary): it catches coordinates that are out of place or swapped (lat, lon), such as a
"Bollnäs" point that would land in the Indian Ocean.

Longer than 300 lines because it is the one registry: splitting it would make two
places to look for a list.
"""

from __future__ import annotations

from dataclasses import dataclass

# -- languages -------------------------------------------------------------------------

LANGS = ("sv", "en", "tn")
DEFAULT_LANG = "en"
#: When a text is missing in a language, the next in its chain is served (and named).
FALLBACK: dict[str, tuple[str, ...]] = {
    "sv": ("sv", "en"),
    "en": ("en", "sv"),
    "tn": ("tn", "en", "sv"),
}

# -- municipalities --------------------------------------------------------------------


@dataclass(frozen=True)
class Municipality:
    """One partner municipality."""

    id: str
    name: dict[str, str]
    country: str
    timezone: str
    envelope: tuple[float, float, float, float]  # minlon, minlat, maxlon, maxlat
    metric_crs: str  # a projected CRS in metres for buffers and along-trail positions
    primary_lang: str  # the language of local names in GPX/KML files
    guardian_consent_under: int  # below this age a guardian consents (a setting overrides)

    def contains(self, lon: float, lat: float) -> bool:
        """True when (lon, lat) lies inside the plausibility envelope."""
        minx, miny, maxx, maxy = self.envelope
        return minx <= lon <= maxx and miny <= lat <= maxy


MUNICIPALITIES: dict[str, Municipality] = {
    m.id: m
    for m in (
        Municipality(
            id="bollnas",
            name={"sv": "Bollnäs", "en": "Bollnäs", "tn": "Bollnäs"},
            country="SE",
            timezone="Europe/Stockholm",
            envelope=(15.5, 60.9, 17.5, 62.0),
            metric_crs="EPSG:3006",  # SWEREF 99 TM
            primary_lang="sv",
            guardian_consent_under=13,  # Sweden's age of digital consent
        ),
        Municipality(
            id="lobatse",
            name={"sv": "Lobatse", "en": "Lobatse", "tn": "Lobatse"},
            country="BW",
            timezone="Africa/Gaborone",
            envelope=(25.4, -25.45, 25.95, -25.0),
            metric_crs="EPSG:32735",  # WGS 84 / UTM zone 35S
            primary_lang="en",
            guardian_consent_under=16,  # until counsel in Botswana says otherwise
        ),
    )
}
MUNICIPALITY_IDS = tuple(MUNICIPALITIES)


def get(municipality_id: str) -> Municipality | None:
    """The municipality with this id, or None."""
    return MUNICIPALITIES.get(municipality_id)


# -- collections and the kinds of content in them ---------------------------------------


@dataclass(frozen=True)
class Collection:
    """One public collection: where its features come from and what filters it takes."""

    id: str
    source: str  # "geodata" (organisers and files) or "contributions" (young people)
    contribution_kind: str | None = None  # the kind of contribution published into it
    along_trail: bool = True  # may be filtered with trail=&within=
    has_place: bool = False  # hangs off a place: may be filtered with place=
    #: The exchange between the towns (issue 13): carried in every municipality's sync
    #: and pack, whichever town it was written in (both towns take part in each item).
    shared: bool = False


COLLECTIONS: dict[str, Collection] = {
    c.id: c
    for c in (
        Collection("places", "geodata"),
        Collection("trails", "geodata", along_trail=False),
        Collection("stories", "contributions", "story", has_place=True),
        Collection("activities", "contributions", "activity", has_place=True),
        Collection("twins", "exchange", along_trail=False, shared=True),
        Collection("challenges", "challenges", has_place=True),
        # Questions across (issue 13): replies are shown inside their question's thread.
        Collection("questions", "contributions", "question", has_place=True, shared=True),
    )
}
COLLECTION_IDS = tuple(COLLECTIONS)
#: The collections organisers and geodata files write (the others are published
#: from approved contributions).
GEODATA_COLLECTIONS = tuple(c.id for c in COLLECTIONS.values() if c.source == "geodata")
#: contribution kind -> the collection it is published into
CONTRIBUTION_KINDS: dict[str, str] = {
    c.contribution_kind: c.id for c in COLLECTIONS.values() if c.contribution_kind}
#: Every kind a young person may send (POST /contributions): the published kinds, and
#: replies (shown inside their question's thread, not a collection of their own).
SUBMITTED_KINDS = (*CONTRIBUTION_KINDS, "reply")
#: What the steering report counts as taking part, by kind: everything young people
#: write (a challenge's answer is counted in the report's challenges section).
REPORT_KINDS = (*SUBMITTED_KINDS, "translation")
#: The collections both towns' syncs and packs carry (see Collection.shared).
SHARED_COLLECTIONS = tuple(c.id for c in COLLECTIONS.values() if c.shared)
#: What a pair of twin places shares (labels in i18n.LABELS, "theme.<id>").
TWIN_THEMES = ("journeys-and-railways", "refuge-and-solidarity", "gathering-places",
               "trails-and-nature", "work")

# -- coordinate reference systems (OGC API - Features Part 2) --------------------------

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


@dataclass(frozen=True)
class Crs:
    """A coordinate reference system a client may ask for, by its OGC URI."""

    uri: str
    code: str  # the name pyproj knows it by
    geographic: bool  # coordinates in degrees (else metres)


#: Every CRS the features can be served in (and bbox-crs / filter-crs may name). The
#: features are stored in CRS84; coordinates are given in each CRS's own axis order
#: (EPSG:4326: latitude, longitude; EPSG:3006: northing, easting).
CRSES: dict[str, Crs] = {
    c.uri: c
    for c in (
        Crs(CRS84, "OGC:CRS84", True),
        Crs("http://www.opengis.net/def/crs/EPSG/0/4326", "EPSG:4326", True),
        Crs("http://www.opengis.net/def/crs/EPSG/0/3006", "EPSG:3006", False),  # SWEREF 99 TM
        Crs("http://www.opengis.net/def/crs/EPSG/0/3857", "EPSG:3857", False),  # web maps
        Crs("http://www.opengis.net/def/crs/EPSG/0/32735", "EPSG:32735", False),  # UTM 35S
    )
}
CRS_URIS = tuple(CRSES)

# -- locations ---------------------------------------------------------------------------

#: How well a place's or trail's location is known: copied from a published coordinate,
#: near or derived from one (with uncertainty_m), measured by young surveyors and
#: approved, or not known (null geometry).
ACCURACIES = ("exact", "approximate", "surveyed", "unknown")
#: What location_status says: the accuracy, or to-be-surveyed without a location.
LOCATION_STATUSES = tuple(a for a in ACCURACIES if a != "unknown") + (
    "to-be-surveyed", "not-shown")

# -- sensitive places (issue 14) ----------------------------------------------------------

#: How much of a place's position is public, from most to least: its point; the centre
#: of the grid cell it lies in ("approximate area"); none ("location not shown at the
#: owner's request", text only); nothing at all (organisers only). Lowering a place's
#: protection (to an earlier level here) needs a written reason.
PROTECTION_LEVELS = ("exact", "area", "hidden", "organisers")
#: The side (metres) of the grid cells of `area` places when no setting gives one
#: (TRAILAPP_PROTECTION_CELL_M). A place keeps the cell size it was protected with.
PROTECTION_CELL_M = 500
#: Place attributes that locate a place on their own: never public for a protected one.
LOCATING_ATTRS = ("address", "osm_relation", "waypoints")
#: What a reader may want warning of, on places, stories and activities.
CONTENT_NOTES = ("death", "violence", "racism", "war", "grief", "burial-or-religious-site")
#: How a place may be visited; a private home is seen from the street.
ACCESS = ("public", "private-view-from-street", "ask-permission", "no-access")
ACCESSIBILITY = ("step-free", "steps", "rough-ground")
VISITING_TEXT_MAX = 500

# -- what a filter may name (OGC API - Features Part 3 queryables) -----------------------


@dataclass(frozen=True)
class Queryable:
    """A feature property that filter= may name, with its JSON Schema type."""

    name: str
    type: str  # "string", "number", "integer", "date-time" or "geometry"
    description: str
    enum: tuple[str, ...] | None = None


_COMMON_QUERYABLES = (
    Queryable("geometry", "geometry", "The feature's location (CRS84), for S_INTERSECTS and "
              "S_WITHIN."),
    Queryable("id", "string", "The feature's id."),
    Queryable("name", "string", "The name, in the language asked for (lang)."),
    Queryable("description", "string", "The description, in the language asked for."),
    Queryable("municipality", "string", "The municipality.", MUNICIPALITY_IDS),
    Queryable("kind", "string", "e.g. church, farmhouse, trail, story, activity."),
    Queryable("accuracy", "string", "How exact the location is.", ACCURACIES),
    Queryable("location_status", "string", "accuracy, or to-be-surveyed without a location.",
              LOCATION_STATUSES),
    Queryable("updated", "date-time", "When the feature last changed."),
)
_CONTRIBUTION_QUERYABLES = (
    Queryable("place", "string", "The id of the place it is about."),
    Queryable("pseudonym", "string", "The pseudonym it was published under."),
    Queryable("lang", "string", "The language it was written in.", LANGS),
    Queryable("published", "date-time", "When it was approved."),
)
#: collection id -> the properties its filter may name (documented in docs/api.md).
QUERYABLES: dict[str, tuple[Queryable, ...]] = {
    "places": _COMMON_QUERYABLES + (
        Queryable("heritage_status", "string", "Protection under Swedish or Botswana law."),
        Queryable("latest_story_at", "date-time", "When its newest story or activity was "
                  "published (null when there is none)."),
        Queryable("uncertainty_m", "number", "How far (metres) an approximate place may lie "
                  "from its point (null otherwise)."),
        Queryable("protection", "string", "How much of its position is public.",
                  PROTECTION_LEVELS[:3]),
    ),
    "trails": _COMMON_QUERYABLES + (
        Queryable("length_m", "number", "Geodesic length of the surveyed line in metres."),
        Queryable("walking_time_min", "integer", "Estimated walking time in minutes."),
        Queryable("difficulty", "string", "How demanding it is.",
                  ("easy", "moderate", "demanding")),
    ),
    "stories": _COMMON_QUERYABLES + _CONTRIBUTION_QUERYABLES,
    "activities": _COMMON_QUERYABLES + _CONTRIBUTION_QUERYABLES + (
        Queryable("starts_at", "date-time", "When it starts."),
        Queryable("ends_at", "date-time", "When it ends."),
        Queryable("capacity", "integer", "How many may join (null: no limit)."),
    ),
    "questions": _COMMON_QUERYABLES + _CONTRIBUTION_QUERYABLES + (
        Queryable("reply_count", "integer", "How many published replies it has."),
    ),
    "twins": _COMMON_QUERYABLES + (
        Queryable("theme", "string", "What the two places share.", TWIN_THEMES),
        Queryable("since", "date-time", "When the second town accepted the pairing."),
    ),
}

# -- contributions ---------------------------------------------------------------------

#: pending until approved (published) or rejected; a published one can be hidden
#: (by reports, or withdrawn by an organiser) and restored.
STATUSES = ("pending", "approved", "rejected", "hidden")
#: The youngest age in each band: a guardian consents when even the youngest in the
#: band is below the municipality's age of consent.
AGE_BANDS: dict[str, int] = {"under-13": 0, "13-15": 13, "16-17": 16, "18+": 18}
CONSENT_BY = ("self", "guardian")
REPORT_REASONS = ("personal-data", "bullying", "hateful", "untrue", "unsafe", "other")
SDG_TARGETS = ("4.7", "11.4")  # Agenda 2030: education for sustainable development; heritage
PACK_MEDIA = ("thumbnails", "full", "none")

#: Longest texts, in characters once cleaned (the request models allow more raw input,
#: since HTML that is dropped and whitespace that is folded do not count).
TEXT_LIMITS: dict[str, int] = {
    "title": 120, "body": 5000, "meeting_point": 200, "report_note": 500,
    "rejection_reason": 1000, "withdraw_reason": 500,
}
PSEUDONYM_LENGTH = (2, 30)

# -- the exchange between the towns (issue 13) -------------------------------------------

#: proposed by an organiser of one town, active once the other town accepts, ended by
#: either (a proposal the other town declines ends too).
TWIN_STATUSES = ("proposed", "active", "ended")
TWIN_TEXT_LENGTH = 600
TWIN_ID = r"^t[0-9a-f]{16}$"
#: What a young person may translate once it is published (a contribution of kind
#: `translation` whose parent_id is the text's id); a place's name and description can be
#: translated too (parent_id = the place's id), for its organisers to apply.
TRANSLATABLE_KINDS = ("story", "question", "reply")
#: What a translation translates: a published contribution, or a place's texts.
TRANSLATION_TARGETS = ("contribution", "place")
#: The place fields a translation of a place fills: its title -> name, its body ->
#: description.
PLACE_TRANSLATION_FIELDS = {"title": "name", "body": "description"}
TRANSLATION_TASKS_MAX = 500

# -- challenges and the heritage passport (issue 14) ---------------------------------------

#: What a challenge asks for: a written answer, a photo, a recorded interview ("ask an
#: elder about…"), a detail to find and name, or one of a few options (checked at once;
#: the correct option never leaves the server).
CHALLENGE_KINDS = ("free-answer", "photo", "audio-interview", "find-the-detail",
                   "multiple-choice")
QUERYABLES["challenges"] = _COMMON_QUERYABLES + (
    Queryable("place", "string", "The id of the place it is at (null along a trail)."),
    Queryable("challenge_kind", "string", "What it asks for.", CHALLENGE_KINDS),
)
#: The kinds whose answer carries a file, and the media kind it must be.
CHALLENGE_MEDIA = {"photo": "image", "audio-interview": "audio"}
CHALLENGE_STATUSES = ("active", "withdrawn")
CHALLENGE_TEXT_LIMITS = {"title": 120, "prompt": 1000, "option": 200}
CHALLENGE_OPTIONS = (2, 6)  # fewest and most options of a multiple-choice challenge
CHALLENGE_ID = r"^c[0-9a-f]{16}$"
#: An answer is a contribution of this kind (never published; see challenges.py).
ANSWER_KIND = "answer"
#: Every kind in the moderation queue (its kind filter): what young people send, their
#: translations, and challenge answers.
QUEUE_KINDS = (*REPORT_KINDS, ANSWER_KIND)
ANSWER_TEXT_MAX = 2000
#: What a passport key links (the keyed hash only): an answer, a survey fix, and (once
#: the exchange has them) a reply to the twin town.
PASSPORT_ITEMS = ("answer", "fix", "reply")
PASSPORT_KEY = r"^[A-Za-z0-9_-]{22,128}$"
#: The badges a passport can show (see passport.py for what earns each).
BADGES = ("trail", "elder-interview", "surveyor", "twin-reply")

#: Kinds of the exchange: contact between minors of two countries, so a safeguarding
#: flag blocks approval until an organiser has redacted the text (moderation.approve).
EXCHANGE_KINDS = ("question", "reply")
#: The most published replies a question's feature carries (sync and packs); a longer
#: thread is read page by page from GET /questions/{id}/thread.
THREAD_EMBEDDED_REPLIES = 100
THREAD_PAGE = (100, 1000)  # default and largest page of a thread

# -- safeguarding: contact details never pass between minors (issue 13) ------------------

#: Flag codes (text.flags) that block approval of a question or reply until redacted.
#: Elsewhere (stories, activities) they stay advisory, as every flag is.
SAFEGUARDING_FLAGS = ("phone", "phone-words", "email", "handle", "contact-app", "meeting")
#: Digits written as words, per language: a run of seven or more digits (words and
#: numerals mixed) reads as a phone number.
NUMBER_WORDS: dict[str, dict[str, int]] = {
    "sv": {"noll": 0, "nolla": 0, "ett": 1, "en": 1, "etta": 1, "två": 2, "tvåa": 2,
           "tre": 3, "trea": 3, "fyra": 4, "fem": 5, "femma": 5, "sex": 6,
           "sexa": 6, "sju": 7, "sjua": 7, "åtta": 8, "nio": 9, "nia": 9},
    "en": {"zero": 0, "oh": 0, "o": 0, "nought": 0, "one": 1, "two": 2, "three": 3,
           "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9},
    "tn": {"lefela": 0, "nngwe": 1, "bongwe": 1, "pedi": 2, "bobedi": 2, "tharo": 3,
           "boraro": 3, "nne": 4, "bone": 4, "tlhano": 5, "botlhano": 5, "thataro": 6,
           "borataro": 6, "supa": 7, "bosupa": 7, "robedi": 8, "robongwe": 9},
}
#: Apps a conversation could move to: always a flag when named.
CONTACT_APPS = ("snapchat", "instagram", "insta", "whatsapp", "whats app", "tiktok",
                "tik tok", "facebook", "wechat", "viber", "skype", "threema", "bereal")
#: App names that are also ordinary words (en "snap", "signal", "messenger", "discord",
#: "telegram" at a railway station; sv "kik" = a peek): a flag only as a way to be
#: reached ("on snap", "på snap", "mo snap", "add me on", "snap me").
CONTACT_APPS_AMBIGUOUS = ("snap", "signal", "telegram", "discord", "kik", "messenger",
                          "fb", "ig", "dm", "dms")
#: The words before an ambiguous app name that make it a way to be reached, per language.
CONTACT_APP_LEAD_INS: dict[str, tuple[str, ...]] = {
    "en": ("on", "add me on", "text me on", "message me on", "find me on", "my"),
    "sv": ("på", "lägg till mig på", "skriv till mig på", "min", "mitt"),
    "tn": ("mo", "kwa", "ka"),
}
#: Requests to meet or to be visited, per language (whole phrases: "träffas" alone is
#: ordinary, as in "var träffas ungdomar?", so it only counts with "ska vi", "kan vi").
MEETING_PHRASES: dict[str, tuple[str, ...]] = {
    "en": ("let's meet", "lets meet", "let us meet", "meet me", "meet up", "can we meet",
           "shall we meet", "we could meet", "come to my house", "come to my home",
           "come to my place", "come visit me", "visit me", "where do you live",
           "what is your address", "what's your address", "send me your address"),
    "sv": ("ska vi ses", "ses vi", "kan vi ses", "vill du ses", "ska vi träffas",
           "kan vi träffas", "vill du träffas", "vi kan träffas", "träffa mig",
           "kom hem till mig", "hem till mig", "var bor du", "vad är din adress",
           "skicka din adress"),
    "tn": ("a re kopaneng", "re kopane", "a re kopane", "kopana le nna", "tla kwa gae",
           "tla kwa ga me", "tla ko gae", "o nna kae", "o nna fa kae"),
}
#: Words that mean "at" and "dot" in an e-mail address written out ("kim at gmail dot com").
EMAIL_WORDS = {"at": ("at", "snabel-a", "snabela"), "dot": ("dot", "punkt", "ntlha")}

# -- the steering group's report ----------------------------------------------------------

#: Any count of young people below this is published as "fewer than 5" (report.py).
SMALL_NUMBER = 5
#: The report is written in these languages (the dashboard's).
REPORT_LANGS = ("sv", "en")
REPORT_FORMATS = ("html", "pdf", "csv")
#: The charts of the report, each also a CSV (?format=csv&chart=).
REPORT_CHARTS = ("per_month", "by_kind", "by_age_band", "by_language", "by_place",
                 "challenges_by_place", "challenges_by_kind", "challenges_by_age_band",
                 "exchange_by_pair")
REPORT_EXAMPLES_MAX = 6
#: The longest period one report covers (days): a bound on its work.
REPORT_MAX_DAYS = 3 * 366
REPORT_YEARS = (2000, 2099)  # the years a report's days may lie in

# -- organisers' photos of places ------------------------------------------------------

#: The licences an organiser may give a place photo under (its credit is required too).
IMAGE_LICENCES = ("CC-BY-4.0", "CC-BY-SA-4.0", "CC0-1.0", "permission")
IMAGES_PER_PLACE = 12
IMAGE_TEXT_LIMITS = {"credit": 200, "caption": 300}

# -- workshops (organiser-run sessions for a group; not public) --------------------------

#: A workshop's code: letters and digits that cannot be mistaken for one another on a
#: whiteboard (no 0/O, 1/I/L). 31**6 ≈ 887 million codes; wrong guesses are limited.
WORKSHOP_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
WORKSHOP_CODE_LENGTH = 6
WORKSHOP_CODE = rf"^[{WORKSHOP_CODE_ALPHABET}{WORKSHOP_CODE_ALPHABET.lower()}]" \
    rf"{{{WORKSHOP_CODE_LENGTH}}}$"
WORKSHOP_HOURS = (3, 12)  # default, longest
WORKSHOP_NAME_LENGTH = 80
WORKSHOP_PARTICIPANTS_MAX = 500
#: A workshop row (and the link from its contributions) is deleted this long after it ended.
WORKSHOP_RETENTION_DAYS = 7

# -- the field survey (young surveyors; fixes and tracks are never public) ----------------

#: The locations a field survey is asked for.
SURVEY_ACCURACIES = ("approximate", "unknown")
#: How a fix was taken: the phone's GPS where the surveyor stands, or a point they
#: chose on a map while there.
FIX_METHODS = ("gps", "map")
SURVEY_NOTE_LENGTH = 500
#: A fix or track still waiting for a decision after this many days is erased anyway.
SURVEY_PENDING_DAYS = 365
#: The licence under which surveyed positions (never who took them) are shared, so that
#: OpenStreetMap mappers may use them.
SURVEY_DATA_LICENCE = "CC0-1.0"

# -- identifiers and formats -----------------------------------------------------------

FEATURE_ID = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"
CONTRIBUTION_ID = r"^[0-9a-f]{24}$"
WORKSHOP_ID = r"^w[0-9a-f]{16}$"
UUID = r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$"
#: A sync cursor: 's' and the change log's sequence number.
CURSOR = r"^s([0-9]{1,18})$"
#: Organisers' API tokens start with this; contribution tokens never do.
ORGANISER_TOKEN_PREFIX = "tra_"  # noqa: S105 - a prefix, not a secret

# -- organisers' sessions --------------------------------------------------------------

SESSION_IDLE_S = 30 * 60
SESSION_ABSOLUTE_S = 12 * 3600

# Survey tracks -------------------------------------------------------------------------

#: The kinds of track file read by survey_tracks.read_track, with the media types and
#: file-name endings that name each (anything else is told apart by its first byte).
TRACK_FORMATS: dict[str, tuple[str, ...]] = {
    "gpx": ("application/gpx+xml", "application/xml", "text/xml", ".gpx", ".xml"),
    "geojson": ("application/geo+json", "application/json", ".geojson", ".json"),
}
#: A jump that comes back within this many fixes is a spike (those fixes are dropped);
#: one that does not is a gap, where the recording is cut into pieces.
TRACK_SPIKE_LOOKAHEAD = 10
#: Elevation is kept to a tenth of a metre (positions to 7 decimals, geo.PRECISION).
TRACK_ELEVATION_DECIMALS = 1
#: distance_between_m samples each line every this many metres.
TRACK_COMPARE_STEP_M = 10.0
