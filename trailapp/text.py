"""Plain-text rules for what young people write, and the flags a moderator sees.

Text is stored as plain text (Unicode NFC, no HTML: tags are dropped, the words kept)
and escaped wherever it is shown. Flags never reject anything: they tell the
organiser where to look (a link, an e-mail address, a phone number: a minor's
personal data; profanity from the list of the text's own language; repeated text).
The safeguarding flags (domain.SAFEGUARDING_FLAGS: contact details written in any of
the three languages, app names and handles, requests to meet) block the approval of
the exchange's questions and replies until an organiser has redacted them.

Longer than 300 lines because the safeguarding rules (numbers written as words, e-mail
addresses spelt out, handles, app names and requests to meet, in three languages) sit
beside the other flags they extend: one module says everything a moderator is told.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache
from html.parser import HTMLParser
from urllib.parse import urlsplit

import regex

from . import domain

# Characters judged by their Unicode properties (the regex module knows them; Python's
# unicodedata does not). Default-ignorable code points render as nothing (zero-width
# spaces and joiners, the word joiner, BOM, soft hyphen, variation selectors, tag
# characters, the Mongolian vowel separator, the Hangul fillers); bidi controls
# (U+202A-202E, U+2066-2069, U+200E/F, U+061C) reorder what a reader sees; unassigned
# and private-use code points render as anything or nothing.
HIDDEN = regex.compile(r"[\p{Default_Ignorable_Code_Point}\p{Bidi_Control}\p{Cn}\p{Co}]")
# Visible characters that render as a blank, beside the Hangul fillers (default-
# ignorable): braille pattern blank, Khitan filler, musical null notehead. In titles and
# bodies they count as spaces (like U+3000 and the other Unicode spaces); in pseudonyms
# and user names they are refused.
BLANKS = "\u2800\U00016fe4\U0001d159\u115f\u1160\u3164\uffa0"
_BLANK = re.compile(f"[{BLANKS}]")
# What clean() keeps of the hidden characters, because a script or an emoji needs it:
_NEEDED = regex.compile(r"""
    # a subdivision flag: black flag, tag letters/digits, cancel tag (England, Wales)
    \U0001F3F4[\U000E0030-\U000E0039\U000E0061-\U000E007A]{1,7}\U000E007F
    # ZWJ inside an emoji sequence (a family, a rainbow flag, a skin tone then a job)
  | (?<=\p{Extended_Pictographic}[\p{Emoji_Modifier}\uFE0F]?)\u200D(?=\p{Extended_Pictographic})
    # ZWNJ/ZWJ between joining letters (Arabic script: Persian and Urdu need ZWNJ in
    # everyday words, mi + ZWNJ + xaham, "I want"; also Syriac, N'Ko, Mongolian) ...
  | (?<=[\p{Joining_Type=Dual_Joining}\p{Joining_Type=Right_Joining}]\p{M}*)[\u200C\u200D]
    (?=\p{M}*[\p{Joining_Type=Dual_Joining}\p{Joining_Type=Right_Joining}])
    # ... and next to a virama (Indic half forms and conjuncts, Sinhala yansaya)
  | (?<=\p{InSC=Virama})[\u200C\u200D] | [\u200C\u200D](?=\p{InSC=Virama})
    # one variation selector right after a visible character (emoji or text style of
    # a symbol, CJK ideograph variants); more in a row only hide data
  | (?<=[^\p{Default_Ignorable_Code_Point}\p{White_Space}\p{C}])
    [\uFE00-\uFE0F\U000E0100-\U000E01EF]
""", regex.VERBOSE)
_HIDDEN_OR_NEEDED = regex.compile(f"(?P<keep>{_NEEDED.pattern})|{HIDDEN.pattern}",
                                  regex.VERBOSE)
_VISIBLE = regex.compile(r"[\p{L}\p{N}\p{S}]")
_NEWLINES = re.compile("\r\n|[\r\x85\u2028\u2029]")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+", re.UNICODE)
LINK = re.compile(r"(https?://|www\.)\S+|\b[\w-]+\.(se|com|org|net|bw|nu|io|co|info|me)"
                  r"(/\S*)?\b", re.I)
# Seven or more digits, allowing spaces, dots, dashes, brackets and a leading +.
PHONE = re.compile(r"(?<!\w)\+?\d[\d\s().-]{5,}\d(?!\w)")
# Two years or a span of years ("1914-1918", "1998 2004") are history, not a phone number.
_YEARS = re.compile(r"\+?\(?(1[5-9]|20)\d\d\)?\s*(-|–|/|\s)\s*\(?(1[5-9]|20)\d\d\)?")
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


def without_hidden(text: str) -> str:
    """The text without invisible and direction-control characters, keeping the joiners
    and variation selectors that an emoji or a script needs (see _NEEDED)."""
    return _HIDDEN_OR_NEEDED.sub(lambda m: m.group("keep") or "", text)


def hidden(text: str) -> bool:
    """True when the text holds an invisible, direction-control, unassigned,
    private-use or blank-looking character: refused where a name must be what it
    looks like (pseudonyms, organisers' user names)."""
    return bool(HIDDEN.search(text) or _BLANK.search(text))


def clean(text: str, *, field: str, max_length: int, multiline: bool = True) -> str:
    """Plain text: NFC, HTML dropped, invisible and control characters removed, blank
    look-alikes as spaces, trimmed, length checked; refused when no visible letter,
    digit or symbol is left."""
    value = unicodedata.normalize("NFC", strip_html(text))
    value = _NEWLINES.sub("\n", value)
    value = _BLANK.sub(" ", value)
    # Normalised again: dropping a combining grapheme joiner can let marks recombine.
    value = unicodedata.normalize("NFC", without_hidden(value))
    if not multiline:  # a line break or tab in a title separates words: keep a space
        value = " ".join(value.split())
    value = "".join(ch for ch in value
                    if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs"))
    value = re.sub(r"[ \t]+\n", "\n", value).strip()
    if not multiline:
        value = " ".join(value.split())
    if not value:
        raise TextError(f"{field} is empty")
    if not _VISIBLE.search(value):
        raise TextError(f"{field} has no visible letter, digit or symbol")
    if len(value) > max_length:
        raise TextError(f"{field} is longer than {max_length} characters")
    return value


def pseudonym(text: str) -> str:
    """A pseudonym: 2–30 visible characters with a letter or digit among them; no
    invisible, direction-control or blank-looking character (they make one pseudonym
    look like another, or like nothing); no e-mail address or phone number (those would
    identify a young person)."""
    raw = unicodedata.normalize("NFC", text)
    if hidden(raw):
        raise TextError("pseudonym must not contain direction-control, invisible or "
                        "blank-looking characters")
    value = clean(raw, field="pseudonym", max_length=30, multiline=False)
    if len(value) < 2:
        raise TextError("pseudonym needs at least 2 characters")
    if any(unicodedata.category(ch)[0] not in "LNZP" and ch not in "-_." for ch in value):
        raise TextError("pseudonym may hold letters, digits, spaces and - _ . only")
    if not regex.search(r"[\p{L}\p{N}]", value):
        raise TextError("pseudonym needs a letter or digit")
    if EMAIL.search(value) or PHONE.search(value):
        raise TextError("pseudonym must not be an e-mail address or phone number: "
                        "choose a made-up name")
    return value


_URL_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.I)
_NOT_IN_URL = re.compile(r"[\"'<>\\^`{|}]")


def source(text: str, *, field: str, max_length: int = 2000) -> str:
    """A source of place data: an http(s) web address, optionally followed by a note
    ("https://example.org (print edition)"), or a citation in words. Plain text like any
    other; anything that starts like an address of another kind (javascript:, data:,
    file:, an app's own scheme) is refused, since a web map may make it a link."""
    value = clean(text, field=field, max_length=max_length, multiline=False)
    address = value.split(" ", 1)[0]
    if not _URL_SCHEME.match(address):
        return value  # a citation in words
    try:
        parts = urlsplit(address)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise TextError(f"{field} is not a valid web address") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise TextError(f"{field} must be an http(s) web address or a citation in words, "
                        f"not a {parts.scheme}: address")
    if (not parts.hostname or parts.username is not None or parts.password is not None
            or _NOT_IN_URL.search(address) or not address.lower().startswith(
                f"{parts.scheme.lower()}://")):
        raise TextError(f"{field} is not a valid web address (http(s)://host/path, "
                        "without a user name or password)")
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
    if any(not _YEARS.fullmatch(m.group().strip())
           for m in PHONE.finditer(EMAIL.sub("", joined))):
        found.append({"code": "phone", "reason": "contains a phone number (personal data)"})
    found += safeguarding(joined)
    if lang in PROFANITY_LANGUAGES:
        result = _profanity_filter(PROFANITY_LANGUAGES[lang]).check_profanity(joined)
        if result.get("contains_profanity"):
            words = ", ".join(sorted(set(result.get("profane_words") or [])))
            found.append({"code": "profanity",
                          "reason": f"words on the {PROFANITY_LANGUAGES[lang]} list: {words}"})
    if re.search(r"(.)\1{9,}", joined) or re.search(r"\b(\w+)\b(?:\W+\1\b){5,}", joined, re.I):
        found.append({"code": "repetition", "reason": "the same character or word repeated"})
    return found


# -- safeguarding (issue 13): contact details never pass between minors ---------------

_NUMBER_WORDS = {w: d for words in domain.NUMBER_WORDS.values() for w, d in words.items()}
_TOKEN = regex.compile(r"[\p{L}\p{N}]+(?:'[\p{L}]+)?")
_BETWEEN_DIGITS = regex.compile(r"[\s\-.,/()+]*")


def _phrase(words: tuple[str, ...] | list[str]) -> str:
    """A regex alternative of whole phrases, any spacing, apostrophes ' or ’."""
    parts = [r"\s+".join(regex.escape(w).replace("'", "['’]?") for w in p.split())
             for p in sorted(words, key=len, reverse=True)]
    return r"(?<![\p{L}\p{N}])(?:" + "|".join(parts) + r")(?![\p{L}\p{N}])"


_AT = "|".join(regex.escape(w) for w in domain.EMAIL_WORDS["at"])
_DOT = "|".join(regex.escape(w) for w in domain.EMAIL_WORDS["dot"])
_EMAIL_IN_WORDS = regex.compile(
    rf"(?<![\p{{L}}\p{{N}}])[\w.+-]+\s*[(\[]?\s*(?:{_AT}|@)\s*[)\]]?\s*[\w-]+"
    rf"(?:\s*[(\[]?\s*(?:{_DOT})\s*[)\]]?\s*[\w-]+)+(?![\p{{L}}\p{{N}}])"
    rf"|(?<![\p{{L}}\p{{N}}])[\w.+-]+\s*[(\[]?\s*(?:{_AT}|@)\s*[)\]]?\s*"
    r"(?:gmail|hotmail|yahoo|outlook|icloud|live|protonmail|proton)(?![\p{L}\p{N}])",
    regex.I)
_HANDLE = regex.compile(r"(?<![\w@.])@[A-Za-z0-9_][A-Za-z0-9_.]{1,29}(?![\w@])")
_APPS = regex.compile(_phrase(domain.CONTACT_APPS), regex.I)
_AMBIGUOUS_APPS = regex.compile(
    _phrase([f"{lead} {app}" for leads in domain.CONTACT_APP_LEAD_INS.values()
             for lead in leads for app in domain.CONTACT_APPS_AMBIGUOUS])
    + "|" + _phrase([f"{app} me" for app in domain.CONTACT_APPS_AMBIGUOUS]), regex.I)
_MEETING = {lang: regex.compile(_phrase(phrases), regex.I)
            for lang, phrases in domain.MEETING_PHRASES.items()}


def phone_in_words(value: str) -> bool:
    """True when seven or more digits follow one another, written as numerals or as
    digit words of any of the three languages, at least one of them as a word
    ("noll sju tre 12 34 567", "seven one two ..."); numerals alone are PHONE's."""
    digits, words, end = 0, 0, None
    for match in _TOKEN.finditer(value):
        token = match.group().casefold()
        joined = end is not None and _BETWEEN_DIGITS.fullmatch(value, end, match.start())
        if not joined:
            digits, words = 0, 0
        if token.isdigit():
            digits += len(token)
        elif token in _NUMBER_WORDS:
            digits, words = digits + 1, words + 1
        else:
            digits, words, end = 0, 0, None
            continue
        end = match.end()
        if digits >= 7 and words:
            return True
    return False


def safeguarding(value: str) -> list[dict[str, str]]:
    """The safeguarding flags of a text (domain.SAFEGUARDING_FLAGS, but "phone", which
    flags() finds): phone numbers in words, e-mail addresses in words, handles, app
    names used to move a conversation, requests to meet."""
    found: list[dict[str, str]] = []
    if phone_in_words(value):
        found.append({"code": "phone-words", "reason": "contains a phone number written "
                      "in words (contact details)"})
    if not EMAIL.search(value) and _EMAIL_IN_WORDS.search(value):
        found.append({"code": "email", "reason": "contains an e-mail address written in "
                      "words (contact details)"})
    if _HANDLE.search(EMAIL.sub("", value)):
        found.append({"code": "handle", "reason": "contains a social-media handle (@name)"})
    apps = {m.group() for m in _APPS.finditer(value)} | {
        m.group() for m in _AMBIGUOUS_APPS.finditer(value)}
    if apps:
        found.append({"code": "contact-app", "reason": "names an app to talk elsewhere: "
                      + ", ".join(sorted(apps))})
    meeting = [lang for lang, pattern in _MEETING.items() if pattern.search(value)]
    if meeting:
        found.append({"code": "meeting", "reason": "asks to meet or to be visited ("
                      + ", ".join(meeting) + ")"})
    return found


def blocking(flags_: list[dict[str, str]]) -> list[str]:
    """The codes among these flags that block approval in the exchange."""
    return [f["code"] for f in flags_ if f["code"] in domain.SAFEGUARDING_FLAGS]
