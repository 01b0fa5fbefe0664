"""Who and what this request is: the app's services and settings, the language, the
caller (organiser or contributor), the client's rate-limit key, and the JSON body.

The one accessor for what the app holds (`state()`, `settings()`), so no route reaches
into `current_app` itself; and the one JSON body parser of the whole API.
"""

from __future__ import annotations

import json
from typing import Any

from flask import current_app, g, request, session
from werkzeug.formparser import FormDataParser

from .. import auth, i18n, ratelimit
from ..domain import ORGANISER_TOKEN_PREFIX
from ..errors import InvalidParameter

#: Deeper JSON than this is refused with 400 before Python's parser could recurse
#: into a RecursionError (a 500): no request of this API nests more than a few levels.
MAX_JSON_DEPTH = 32


def state() -> Any:
    """What the app holds for its lifetime: store, catalog, packs, contribution rules."""
    return current_app.extensions["trailapp"]


def settings() -> Any:
    """The app's settings (defaults, then TRAILAPP_* from the environment)."""
    return current_app.config


def language(lang_param: str | None) -> str:
    """lang= wins; else Accept-Language negotiated with Babel; else English."""
    if lang_param:
        return lang_param
    return language_of(request.accept_languages)


def language_of(accept: Any) -> str:
    """The language negotiated for a parsed Accept-Language header (English without)."""
    return i18n.negotiate([value for value, quality in accept if quality > 0])


def base_url() -> str:
    """The service root as the client sees it, without a trailing slash."""
    return request.host_url.rstrip("/")


def client_key() -> str:
    """The caller's address as a keyed hash (rate limits never keep the address)."""
    return ratelimit.client_key(settings()["SECRET_KEY"], request.remote_addr or "")


def bearer_token() -> str | None:
    """The token of an 'Authorization: Bearer …' header, or None (the one parser)."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def contributor_token() -> str | None:
    """A contribution's token (organiser tokens, tra_…, are not contributors')."""
    token = bearer_token()
    return token if token and not token.startswith(ORGANISER_TOKEN_PREFIX) else None


def token_organiser() -> auth.Organiser | None:
    """The organiser behind the request's bearer token, or None."""
    return auth.token_organiser(state().store, bearer_token())


def current_organiser() -> auth.Organiser | None:
    """The organiser making this request: by API token, else by dashboard session
    cookie; None when neither is valid."""
    if "organiser" in g:
        return g.organiser
    token = bearer_token()
    who = None
    if token and token.startswith(ORGANISER_TOKEN_PREFIX):
        who = auth.token_organiser(state().store, token)
    elif session.get("sid"):
        who = auth.session_organiser(state().store, session.get("sid"))
    g.organiser = who
    return who


def _object_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object whose names are valid Unicode and given once each (like form
    fields and query parameters: a repeated name is refused, not silently replaced)."""
    out: dict[str, Any] = {}
    for name, value in pairs:
        try:
            name.encode()
        except UnicodeEncodeError:
            raise InvalidParameter("body", "a field name is not valid Unicode") from None
        if name in out:
            raise InvalidParameter(name, "given more than once")
        out[name] = value
    return out


def _too_deep(raw: bytes) -> bool:
    """True when brackets nest deeper than MAX_JSON_DEPTH (strings are skipped)."""
    depth = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return True
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return False


def json_body(*, media_types: tuple[str, ...] = ("application/json",),
              empty: Any = None) -> Any:
    """The request body as JSON: UTF-8 only, no repeated names, no deep nesting; a 400
    naming the body otherwise. `empty` is what an empty body stands for."""
    if request.mimetype not in media_types:
        raise InvalidParameter("body", f"send {' or '.join(media_types)}")
    raw = request.get_data(cache=True)
    if not raw:
        return empty
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidParameter("body", "is not valid UTF-8 JSON") from None
    if _too_deep(raw):
        raise InvalidParameter("body", f"nests deeper than {MAX_JSON_DEPTH} levels")
    try:
        return json.loads(text, object_pairs_hook=_object_pairs)
    except ValueError:
        raise InvalidParameter("body", "is not valid UTF-8 JSON") from None


def json_object(**kwargs: Any) -> dict[str, Any]:
    """The request body as one JSON object, or a 400 naming the body."""
    data = json_body(**kwargs)
    if not isinstance(data, dict):
        raise InvalidParameter("body", "must be a JSON object")
    return data


class _StrictFormParser(FormDataParser):
    """Werkzeug's form parser, except that a broken body (cut off, no boundary,
    undecodable part headers) is an error instead of an empty form, and the files
    of such a body are closed at once."""

    def __init__(self, **kwargs: Any) -> None:
        factory = kwargs.pop("stream_factory")
        self.opened: list[Any] = []

        def tracked(*args: Any, **kw: Any) -> Any:
            stream = factory(*args, **kw)
            self.opened.append(stream)
            return stream

        super().__init__(stream_factory=tracked, silent=False, **kwargs)

    def parse(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().parse(*args, **kwargs)
        except BaseException:
            for stream in self.opened:
                stream.close()
            raise


def multipart_form() -> tuple[Any, Any]:
    """The fields and files of a multipart body, or a 400 naming the body (the one
    multipart reader: a cut-off or malformed body is an error, never an empty form)."""
    request.form_data_parser_class = _StrictFormParser
    try:
        return request.form, request.files
    except ValueError:
        raise InvalidParameter("body", "is not a well-formed multipart/form-data body (cut "
                               "off, no boundary, or part headers that are not UTF-8)") from None
