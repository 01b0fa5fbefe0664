"""The dashboard's session cookie and its translations (see dashboard.py)."""

from __future__ import annotations

import hmac
import io
from functools import lru_cache
from hashlib import sha256
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from flask import Flask, Response, request
from flask.sessions import SecureCookieSessionInterface

CSRF_FIELD = "csrf_token"
TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"


def _csrf_secret(app: Flask, sid: str) -> str:
    key = str(app.config["SECRET_KEY"]).encode()
    return hmac.new(key, b"dashboard-csrf:" + sid.encode(), sha256).hexdigest()


class DashboardSessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie, holding only the session id ("sid") once signed in.

    The CSRF secret is derived from the sid on each request instead of being stored
    (before sign-in the cookie holds only the login form's). Secure whenever the request
    came over HTTPS, so `make run` on http://127.0.0.1 still works. dict methods do not
    mark the session accessed, which would add "Vary: Cookie" to every public response.
    """

    def open_session(self, app: Flask, request: Any) -> Any:
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            # No cookie (every public read): an empty session, without building the
            # signing serializer (its key derivation) on every request.
            return self.session_class()
        session = super().open_session(app, request)
        sid = dict.get(session, "sid") if session is not None else None
        if sid:
            dict.__setitem__(session, CSRF_FIELD, _csrf_secret(app, sid))
        return session

    def save_session(self, app: Flask, session: Any, response: Response) -> None:
        if dict.get(session, "sid"):
            dict.pop(session, CSRF_FIELD, None)
        super().save_session(app, session, response)

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure

    def get_cookie_samesite(self, app: Flask) -> str:
        return app.config["SESSION_COOKIE_SAMESITE"] or "Lax"


@lru_cache(maxsize=8)
def translations(lang: str) -> NullTranslations:
    """The dashboard's messages in lang, compiled in memory from messages.po; English
    (the msgids themselves) when there is no catalogue."""
    path = TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"
    if not path.is_file():
        return NullTranslations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)
