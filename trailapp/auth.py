"""Organisers: accounts, passwords, dashboard sessions, API tokens and brute-force
limits. Plain Python; the HTTP layer hands in what it read from the request."""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

from . import ratelimit, text
from .domain import MUNICIPALITIES, ORGANISER_TOKEN_PREFIX, SESSION_ABSOLUTE_S, SESSION_IDLE_S
from .errors import Unauthorized
from .store import Store
from .times import now_rfc3339

PASSWORD_MIN_LENGTH = 12
ROLES = ("moderator", "admin")
# At most 10 failed logins per 15 minutes, per account and per client.
LOGIN_FAILURES_PER_ACCOUNT = ratelimit.Limit("login-account", 10, 900)
LOGIN_FAILURES_PER_CLIENT = ratelimit.Limit("login-client", 10, 900)
IDLE_TIMEOUT_S = SESSION_IDLE_S
ABSOLUTE_TIMEOUT_S = SESSION_ABSOLUTE_S
_hasher = PasswordHasher()  # argon2id with the library's current recommended costs
_DUMMY_HASH = _hasher.hash("a password no account has, to even out timing")


@dataclass(frozen=True)
class Organiser:
    """An organiser as the rules see them."""

    id: int
    username: str
    role: str
    municipalities: tuple[str, ...]

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def may_act_on(self, municipality: str | None) -> bool:
        """True for an admin, and for a moderator of that municipality."""
        return self.is_admin or municipality in self.municipalities

    def scope(self) -> list[str]:
        """The municipalities this organiser works for."""
        return sorted(MUNICIPALITIES) if self.is_admin else list(self.municipalities)


class PasswordRejected(ValueError):
    """A password that does not meet the policy; the message says why."""


def _organiser(row: dict) -> Organiser:
    return Organiser(row["id"], row["username"], row["role"],
                     tuple(json.loads(row["municipalities"])))


# zxcvbn knows English words; these are the local ones people build a password on,
# dressed up with a year and symbols ("Sommar2024!!"), which zxcvbn scores 4.
LOCAL_WORDS = frozenset({
    *MUNICIPALITIES, *(n.lower() for m in MUNICIPALITIES.values() for n in m.name.values()),
    "trailapp", "botswana", "sverige", "halsingeleden",
    "hälsingeleden", "halsingland", "hälsingland", "sommar", "sommaren", "vinter",
    "vintern", "höst", "hösten", "vår", "våren", "januari", "februari", "mars", "april",
    "maj", "juni", "juli", "augusti", "september", "oktober", "november", "december",
    "lösenord", "losenord", "hemligt", "välkommen", "valkommen", "dumela", "pula"})


def check_password(password: str, username: str) -> None:
    """At least 12 characters and not easy to guess (zxcvbn score 3 or more, with the
    user name and local words counted as known; a local word with only digits and
    symbols around it is refused)."""
    if len(password) < PASSWORD_MIN_LENGTH:
        raise PasswordRejected(f"the password needs at least {PASSWORD_MIN_LENGTH} characters")
    letters = "".join(ch for ch in password.lower() if ch.isalpha())
    if letters in LOCAL_WORDS or letters == username.lower():
        raise PasswordRejected("the password is a common word with digits or symbols "
                               "added; use a longer phrase of unrelated words")
    result = zxcvbn(password[:100], user_inputs=[username, *sorted(LOCAL_WORDS)])
    if result["score"] < 3:
        hint = result["feedback"].get("warning") or "it is too easy to guess"
        raise PasswordRejected(f"the password is too common or simple ({hint}); use a "
                               "longer phrase of unrelated words")


def create_organiser(store: Store, username: str, password: str, role: str,
                     municipalities: list[str]) -> int:
    """Create an account (there are no default accounts); return its id."""
    if (not username or not username.replace("-", "").replace(".", "").isalnum()
            or text.hidden(username)):  # isalnum() takes the Hangul fillers as letters
        raise ValueError("user name: letters, digits, '.' and '-' only")
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    unknown = sorted(set(municipalities) - set(MUNICIPALITIES))
    if unknown:
        raise ValueError(f"unknown municipalities: {', '.join(unknown)}")
    if role == "moderator" and not municipalities:
        raise ValueError("a moderator works for at least one municipality")
    check_password(password, username)
    with store.writer() as writer:
        if writer.organiser_by_name(username.lower()) is not None:
            raise ValueError(f"there is already an organiser called {username!r}")
        return writer.insert_organiser({
            "username": username.lower(), "password_hash": _hasher.hash(password),
            "role": role, "municipalities": json.dumps(sorted(set(municipalities))),
            "created": now_rfc3339()})


def authenticate(store: Store, username: str, password: str, client: str, *,
                 secret: str) -> Organiser:
    """The organiser for these credentials. Every attempt first reserves a place in the
    failure counts, per account and per client, inside one write (so parallel guesses
    cannot all slip under the limit); the 11th within 15 minutes gets 429 before any
    password is checked, and a success gives its reservation back. The account is
    counted under a keyed hash of the typed name (which may be a mistyped password)."""
    name = username.strip().lower()
    account = ratelimit.client_key(secret, "login-account\x1f" + name)
    with store.writer() as writer:
        now = time.time()
        ratelimit.check(writer, LOGIN_FAILURES_PER_ACCOUNT, account, now)
        ratelimit.check(writer, LOGIN_FAILURES_PER_CLIENT, client, now)
        reserved = [writer.add_rate_event(LOGIN_FAILURES_PER_ACCOUNT.bucket, account, now),
                    writer.add_rate_event(LOGIN_FAILURES_PER_CLIENT.bucket, client, now)]
        row = writer.organiser_by_name(name)
    try:
        _hasher.verify(row["password_hash"] if row else _DUMMY_HASH, password)
        ok = row is not None and not row["disabled"]
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or row is None:
        raise Unauthorized("Wrong user name or password.")
    with store.writer() as writer:
        writer.remove_rate_events(reserved)
        if _hasher.check_needs_rehash(row["password_hash"]):
            writer.set_password_hash(row["id"], _hasher.hash(password))
    return _organiser(row)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def start_session(store: Store, organiser: Organiser) -> str:
    """A new session id (a fresh one at every login); only its hash is stored."""
    session_id = secrets.token_urlsafe(32)
    with store.writer() as writer:
        writer.insert_session(_hash(session_id), organiser.id, time.time())
    return session_id


def session_organiser(store: Store, session_id: str | None, now: float | None = None
                      ) -> Organiser | None:
    """The organiser of a live session; an idle (30 min) or old (12 h) one is ended."""
    if not session_id:
        return None
    now = time.time() if now is None else now
    key = _hash(session_id)
    with store.reader() as reader:
        session = reader.session(key)
        row = reader.organiser(session["organiser_id"]) if session else None
    if session is None or row is None or row["disabled"]:
        return None
    if now - session["last_seen"] > IDLE_TIMEOUT_S or now - session["created"] > \
            ABSOLUTE_TIMEOUT_S:
        with store.writer() as writer:
            writer.delete_session(key)
        return None
    if now - session["last_seen"] > 60:  # note activity, at most once a minute
        with store.writer() as writer:
            writer.touch_session(key, now)
    return _organiser(row)


def end_session(store: Store, session_id: str | None) -> None:
    """Logout: the session ends on the server, whatever the browser keeps."""
    if session_id:
        with store.writer() as writer:
            writer.delete_session(_hash(session_id))


def create_token(store: Store, organiser_id: int, name: str) -> tuple[int, str]:
    """A new API token for scripts: (its id, the token, shown once)."""
    name = text.clean(name, field="name", max_length=100, multiline=False)
    token = ORGANISER_TOKEN_PREFIX + secrets.token_urlsafe(32)
    with store.writer() as writer:
        if writer.organiser(organiser_id) is None:
            raise ValueError("no such organiser")
        token_id = writer.insert_api_token(organiser_id, name, _hash(token), now_rfc3339())
    return token_id, token


def token_organiser(store: Store, token: str | None) -> Organiser | None:
    """The organiser of a live API token, or None."""
    if not token or not token.startswith(ORGANISER_TOKEN_PREFIX):
        return None
    with store.reader() as reader:
        row = reader.api_token(_hash(token))
        organiser = reader.organiser(row["organiser_id"]) if row else None
    if row is None or organiser is None or organiser["disabled"]:
        return None
    if row["last_used"] is None or row["last_used"][:16] != now_rfc3339()[:16]:
        with store.writer() as writer:  # note use, at most once a minute
            writer.use_api_token(row["id"], now_rfc3339())
    return _organiser(organiser)


def revoke_token(store: Store, organiser_id: int, token_id: int) -> bool:
    """Revoke a token; True when it was live."""
    with store.writer() as writer:
        return writer.revoke_api_token(token_id, organiser_id, now_rfc3339())
