"""Languages: which one a client gets, the fallback chain, and the few fixed labels.

Texts are kept per language (sv, en, tn). Setswana texts fall back to English
until translated; every response says which language each text is really in.
"""

from __future__ import annotations

from collections.abc import Iterable

from babel import negotiate_locale

from .domain import DEFAULT_LANG, FALLBACK, LANGS

__all__ = ["LANGS", "DEFAULT_LANG", "FALLBACK", "negotiate", "pick", "label"]


def negotiate(preferred: Iterable[str]) -> str:
    """The best of sv/en/tn for language tags in preference order (Accept-Language).

    Babel matches 'sv-SE' to 'sv' and keeps the client's order, where Werkzeug's
    best_match answered 'en' for 'sv-SE,en;q=0.5'.
    """
    tags = [t.strip().lower() for t in preferred if t and t.strip() != "*"]
    found = negotiate_locale(tags, list(LANGS), sep="-", aliases=None)
    if found is None:
        found = negotiate_locale(tags, list(LANGS), sep="_", aliases=None)
    return found or DEFAULT_LANG


def pick(texts: dict[str, str | None] | None, lang: str) -> tuple[str | None, str | None]:
    """The text in lang or the first language of its fallback chain, and that language."""
    if not texts:
        return None, None
    for candidate in FALLBACK[lang]:
        value = texts.get(candidate)
        if value:
            return value, candidate
    return None, None


LABELS: dict[str, dict[str, str | None]] = {
    "exact": {"sv": "Exakt läge", "en": "Exact location", "tn": None},
    "approximate": {"sv": "Ungefärligt läge", "en": "Approximate location", "tn": None},
    "surveyed": {"sv": "Läget uppmätt i fält", "en": "Location surveyed in the field",
                 "tn": None},
    "unknown": {"sv": "Platsen ska kartläggas", "en": "Location to be surveyed", "tn": None},
    "places.title": {"sv": "Kulturhistoriska platser", "en": "Cultural-history places",
                     "tn": None},
    "places.description": {
        "sv": "Kulturarv i Bollnäs och Lobatse: byggnader, fornlämningar och platser "
              "från befrielsekampens tid. Platser utan känt läge har geometrin null.",
        "en": "Heritage of Bollnäs and Lobatse: buildings, ancient sites and places from "
              "the time of the liberation struggle. Places without a known location have "
              "a null geometry.",
        "tn": None,
    },
    "trails.title": {"sv": "Leder", "en": "Trails", "tn": None},
    "trails.description": {
        "sv": "Vandringsleder: Hälsingeleden genom Bollnäs och vandringar i Lobatse, med "
              "etapper i ordning. Leder som inte mätts in ännu har geometrin null.",
        "en": "Walking trails: Hälsingeleden through Bollnäs and walks in Lobatse, with "
              "stages in order. Trails not yet surveyed have a null geometry.",
        "tn": None,
    },
    "stories.title": {"sv": "Berättelser", "en": "Stories", "tn": None},
    "stories.description": {
        "sv": "Ungas egna berättelser om platserna, med bilder och ljud. Varje berättelse "
              "har granskats av en vuxen från kommunen innan den publicerades.",
        "en": "Young people's own stories about the places, with photos and sounds. Every "
              "story was reviewed by an adult from the municipality before it was published.",
        "tn": None,
    },
    "activities.title": {"sv": "Aktiviteter", "en": "Activities", "tn": None},
    "activities.description": {
        "sv": "Vandringar, workshoppar och utmaningar vid platserna, med tid och mötesplats. "
              "Filtrera med datetime på när de äger rum.",
        "en": "Walks, workshops and challenges at the places, with times and meeting points. "
              "Filter with datetime on when they take place.",
        "tn": None,
    },
    # The exchange between the towns (issue 13). Setswana waits for Lobatse's organisers;
    # until then English is served.
    "twins.title": {"sv": "Vänplatser", "en": "Twin places", "tn": None},
    "questions.title": {"sv": "Frågor till vänorten", "en": "Questions to the twin town",
                        "tn": None},
    "questions.description": {
        "sv": "Ungas frågor vid en vänplats till unga i den andra staden, med deras svar; "
              "publicerade efter granskning i den egna staden.",
        "en": "Young people's questions at a twin place to the young people of the other "
              "town, with their replies; published after moderation in their own town.",
        "tn": None},
    "challenges.title": {"sv": "Utmaningar", "en": "Challenges", "tn": None},
    "challenges.description": {
        "sv": "Något att göra vid en plats eller längs en led: en fråga, en bild, en "
              "intervju med en äldre, en detalj att hitta eller flerval. Svaren granskas "
              "innan de räknas.",
        "en": "Something to do at a place or along a trail: a question, a photo, an "
              "interview with an elder, a detail to find, or multiple choice. Answers are "
              "reviewed before they count.",
        "tn": None},
    "twins.description": {
        "sv": "En plats i Bollnäs och en i Lobatse som delar ett tema, parade av "
              "organisatörer i båda städerna.",
        "en": "A place in Bollnäs and one in Lobatse that share a theme, paired by "
              "organisers of both towns.",
        "tn": None,
    },
    "theme.journeys-and-railways": {"sv": "Resor och järnvägar",
                                    "en": "Journeys and railways", "tn": None},
    "theme.refuge-and-solidarity": {"sv": "Tillflykt och solidaritet",
                                    "en": "Refuge and solidarity", "tn": None},
    "theme.gathering-places": {"sv": "Mötesplatser", "en": "Gathering places", "tn": None},
    "theme.trails-and-nature": {"sv": "Leder och natur", "en": "Trails and nature",
                                "tn": None},
    "theme.work": {"sv": "Arbete", "en": "Work", "tn": None},
    "attribution": {
        "sv": "Fakta om kulturarvet kommer från källorna som anges i varje objekt. "
              "Hälsingeledens etappdata © OpenStreetMaps bidragsgivare, ODbL 1.0. "
              "Koordinater från Wikipedia CC BY-SA.",
        "en": "Heritage facts from the sources cited in each feature. Hälsingeleden stage "
              "data © OpenStreetMap contributors, ODbL 1.0. Wikipedia-derived coordinates "
              "CC BY-SA.",
        "tn": None,
    },
    "walking_time_basis": {
        "sv": "Uppskattning: 4 km/h över ledens längd, utan pauser eller stigningar.",
        "en": "Estimate: 4 km/h over the trail's length, without breaks or climbs.",
        "tn": None,
    },
    # Sensitive places (issue 14). Setswana to be written with Lobatse's organisers: until
    # then English is served (an unchecked translation of a warning would be worse).
    "protection.area": {"sv": "Ungefärligt område", "en": "Approximate area",
                        "tn": None},
    "protection.hidden": {"sv": "Platsen visas inte på ägarens begäran",
                          "en": "Location not shown at the owner's request",
                          "tn": None},
    "note.death": {"sv": "Död", "en": "Death", "tn": None},
    "note.violence": {"sv": "Våld", "en": "Violence", "tn": None},
    "note.racism": {"sv": "Rasism", "en": "Racism", "tn": None},
    "note.war": {"sv": "Krig", "en": "War", "tn": None},
    "note.grief": {"sv": "Sorg", "en": "Grief", "tn": None},
    "note.burial-or-religious-site": {"sv": "Begravningsplats eller helig plats",
                                      "en": "A burial or religious site",
                                      "tn": None},
    # Youth translation (issue 13): the marker beside a text a young person translated.
    "translated-by-young-people": {"sv": "Översatt av unga", "en": "Translated by young "
                                   "people", "tn": None},
}


def label(key: str, lang: str) -> str:
    """A fixed label in lang, falling back like any text."""
    value, _ = pick(LABELS[key], lang)
    return value or key
