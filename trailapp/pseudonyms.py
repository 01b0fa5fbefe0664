"""Made-up names to offer young contributors, so nobody needs to type their own."""

from __future__ import annotations

import secrets

WORDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "sv": (("Modig", "Snabb", "Klok", "Glad", "Tyst", "Stark", "Nyfiken", "Lugn", "Vild",
            "Varm"),
           ("Lo", "Älg", "Uggla", "Räv", "Örn", "Hare", "Björn", "Trana", "Klippdassie",
            "Kudu")),
    "en": (("Brave", "Swift", "Wise", "Happy", "Quiet", "Strong", "Curious", "Calm", "Wild",
            "Warm"),
           ("Lynx", "Elk", "Owl", "Fox", "Eagle", "Hare", "Bear", "Crane", "Hyrax", "Kudu")),
}


def suggest(lang: str) -> dict[str, str]:
    """A random adjective, animal and number, in Swedish or English (Setswana to come)."""
    used = lang if lang in WORDS else "en"
    adjectives, animals = WORDS[used]
    name = (f"{secrets.choice(adjectives)} {secrets.choice(animals)} "
            f"{10 + secrets.randbelow(90)}")
    return {"pseudonym": name, "lang": used}
