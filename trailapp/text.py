"""Plain-text rules for what young people write, and the flags a moderator sees.

Text is stored as plain text (Unicode NFC, no HTML: tags are dropped, the words kept)
and escaped wherever it is shown. Flags never reject anything: they tell the
organiser where to look (a link, an e-mail address, a phone number: a minor's
personal data; profanity from the list of the text's own language; repeated text).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache
from html.parser import HTMLParser

# Bidi controls and zero-width characters: they can make a pseudonym look like
# someone else's or hide text; refused in pseudonyms.
BIDI_AND_INVISIBLE = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
                         "\u200e\u200f\u061c\u200b\u200c\u200d\u2060\ufeff\u180e")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+", re.UNICODE)
LINK = re.compile(r"(https?://|www\.)\S+|\b[\w-]+\.(se|com|org|net|bw|nu|io|co|info|me)"
                  r"(/\S*)?\b", re.I)
# Seven or more digits, allowing spaces, dots, dashes, brackets and a leading +.
PHONE = re.compile(r"(?<!\w)\+?\d[\d\s().-]{5,}\d(?!\w)")
PROFANITY_LANGUAGES = {"sv": "swedish", "en": "english"}  # no Setswana list exists yet


class TextError(ValueError):
    """A text that cannot be accepted; the message says why."""


class _TextOnly(HTMLParser):
    """Collects the text of an HTML fragment; drops tags, scripts and styles."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in ("br", "p", "div", "li"):
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


_TAG = re.compile(r"</?[a-zA-Z][^>]*>|<!--")


def strip_html(text: str) -> str:
    """The text without HTML tags; text that holds no tag is returned unchanged.

    Stripping decodes entities, and "&lt;img onerror=…&gt;" decodes into a tag: so it
    runs again until no tag is left (then any tag shape still there is removed).
    """
    for _ in range(5):
        if not _TAG.search(text):
            return text  # "<3" or "a < b" are not HTML: keep them as they are
        parser = _TextOnly()
        parser.feed(text)
        parser.close()
        text = "".join(parser.parts)
    return _TAG.sub("", text)


def clean(text: str, *, field: str, max_length: int, multiline: bool = True) -> str:
    """Plain text: NFC, HTML dropped, control characters removed, trimmed, length checked."""
    value = unicodedata.normalize("NFC", strip_html(text))
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    if not multiline:  # a line break or tab in a title separates words: keep a space
        value = " ".join(value.split())
    value = "".join(ch for ch in value
                    if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs"))
    value = re.sub(r"[ \t]+\n", "\n", value).strip()
    if not multiline:
        value = " ".join(value.split())
    if not value:
        raise TextError(f"{field} is empty")
    if len(value) > max_length:
        raise TextError(f"{field} is longer than {max_length} characters")
    return value


def pseudonym(text: str) -> str:
    """A pseudonym: 2–30 visible characters, no bidi or invisible characters, and no
    e-mail address or phone number (those would identify a young person)."""
    raw = unicodedata.normalize("NFC", text)
    if any(ch in BIDI_AND_INVISIBLE for ch in raw):
        raise TextError("pseudonym must not contain direction-control or invisible characters")
    value = clean(raw, field="pseudonym", max_length=30, multiline=False)
    if len(value) < 2:
        raise TextError("pseudonym needs at least 2 characters")
    if any(unicodedata.category(ch)[0] not in "LNZP" and ch not in "-_." for ch in value):
        raise TextError("pseudonym may hold letters, digits, spaces and - _ . only")
    if EMAIL.search(value) or PHONE.search(value):
        raise TextError("pseudonym must not be an e-mail address or phone number: "
                        "choose a made-up name")
    return value


def fingerprint(*texts: str) -> str:
    """A hash of texts, case- and space-insensitive, to spot the same text sent again."""
    joined = "\n".join(" ".join(t.casefold().split()) for t in texts)
    return hashlib.sha256(joined.encode()).hexdigest()


@lru_cache(maxsize=4)
def _profanity_filter(language: str):  # noqa: ANN202 - glin_profanity.Filter
    from glin_profanity import Filter

    return Filter({"languages": [language]})


def flags(texts: list[str], lang: str) -> list[dict[str, str]]:
    """Reasons for a moderator to look closer; never grounds for automatic rejection."""
    found: list[dict[str, str]] = []
    joined = "\n".join(texts)
    if LINK.search(joined):
        found.append({"code": "link", "reason": "contains a web link"})
    if EMAIL.search(joined):
        found.append({"code": "email", "reason": "contains an e-mail address (personal data)"})
    if PHONE.search(EMAIL.sub("", joined)):
        found.append({"code": "phone", "reason": "contains a phone number (personal data)"})
    if lang in PROFANITY_LANGUAGES:
        result = _profanity_filter(PROFANITY_LANGUAGES[lang]).check_profanity(joined)
        if result.get("contains_profanity"):
            words = ", ".join(sorted(set(result.get("profane_words") or [])))
            found.append({"code": "profanity",
                          "reason": f"words on the {PROFANITY_LANGUAGES[lang]} list: {words}"})
    if re.search(r"(.)\1{9,}", joined) or re.search(r"\b(\w+)\b(?:\W+\1\b){5,}", joined, re.I):
        found.append({"code": "repetition", "reason": "the same character or word repeated"})
    return found
