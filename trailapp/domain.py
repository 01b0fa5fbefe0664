"""The domain registry: every list, format and limit that the rules, the store and the
API share, defined once.

Adding a municipality, a language or a collection starts here: the HTTP models build
their `Literal`s, patterns and descriptions from these values, the services and the
store read them, and tests/test_layout.py fails when a second copy of a list appears.

The envelope of a municipality is a generous plausibility box around it (not its legal
boundary): it catches coordinates that are out of place or swapped (lat, lon), such as a
"Bollnäs" point that would land in the Indian Ocean.
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


COLLECTIONS: dict[str, Collection] = {
    c.id: c
    for c in (
        Collection("places", "geodata"),
        Collection("trails", "geodata", along_trail=False),
        Collection("stories", "contributions", "story", has_place=True),
        Collection("activities", "contributions", "activity", has_place=True),
    )
}
COLLECTION_IDS = tuple(COLLECTIONS)
#: The collections organisers and geodata files write (the others are published
#: from approved contributions).
GEODATA_COLLECTIONS = tuple(c.id for c in COLLECTIONS.values() if c.source == "geodata")
#: contribution kind -> the collection it is published into
CONTRIBUTION_KINDS: dict[str, str] = {
    c.contribution_kind: c.id for c in COLLECTIONS.values() if c.contribution_kind}

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

# -- the steering group's report ----------------------------------------------------------

#: Any count of young people below this is published as "fewer than 5" (report.py).
SMALL_NUMBER = 5
#: The report is written in these languages (the dashboard's).
REPORT_LANGS = ("sv", "en")
REPORT_FORMATS = ("html", "pdf", "csv")
#: The charts of the report, each also a CSV (?format=csv&chart=).
REPORT_CHARTS = ("per_month", "by_kind", "by_age_band", "by_language", "by_place")
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
