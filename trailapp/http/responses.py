"""How responses are made: content negotiation, the content version behind every ETag,
304s, caching headers, JSON answers and the one error body."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from functools import lru_cache
from typing import Any

from flask import Response, g, request

from ..errors import ApiError, NotAcceptable
from ..features import GEOJSON, JSON, absolute_links, dumps
from .cache import VERSION_KEY
from .context import base_url, settings, state


def accepts(*media_types: str) -> None:
    """Refuse with 406 a request whose Accept header allows none of media_types."""
    accept = request.accept_mimetypes
    if not request.headers.get("Accept") or request.args.get("f"):
        return
    if not any(accept[m] for m in media_types):
        raise NotAcceptable(
            "This resource is available as " + ", ".join(media_types)
            + "; the Accept header allows none of them.")


HTML = "text/html"
FORMATS = {"json": JSON, "geojson": GEOJSON, "gpx": "application/gpx+xml", "html": HTML}


def negotiate(f: str | None, offered: list[str]) -> str:
    """The media type to send: f= wins, else the best of offered for the Accept header
    (the first offered on a tie or without the header); 406 when none is acceptable."""
    if f:
        return FORMATS[f]
    if not request.headers.get("Accept"):
        return offered[0]
    accepts(*offered)
    return request.accept_mimetypes.best_match(offered, default=offered[0]) or offered[0]


def _code_version() -> str:
    from .. import __version__
    from ..publishing import RENDER_VERSION

    return f"{__version__}/{RENDER_VERSION}"


CODE_VERSION = _code_version()  # a deploy that changes rendering changes every ETag


@dataclass(frozen=True)
class ContentVersion:
    """The content version a response is made from, and its strong ETag."""

    seq: int
    at: str | None
    etag: str


def content_version(reader: Any, lang: str, media_type: str) -> ContentVersion:
    """The content version in this snapshot and the ETag of this request at it.

    Responses are a pure function of (content version, URL, language, media type):
    timeStamp is the version's time, not the clock's, so equal inputs give equal bytes.
    Read once per request: the route passes `seq` on to the catalogue.
    """
    seq, at = state().catalog.version(reader)
    request.environ[VERSION_KEY] = seq  # lets the response cache keep this response
    g.content_time = at
    return ContentVersion(seq, at, etag_of(seq, request.host_url, request.full_path, lang,
                                           media_type))


def etag_of(seq: int, host_url: str, full_path: str, lang: str, media_type: str) -> str:
    """The strong ETag of a request (host, path and query) at a content version."""
    key = f"{CODE_VERSION}|{seq}|{host_url}|{full_path}|{lang}|{media_type}"
    return hashlib.blake2b(key.encode(), digest_size=16).hexdigest()


def not_modified(etag: str) -> Response | None:
    """A 304 when the client already holds this representation (plain or gzipped).

    If-None-Match compares weakly (RFC 9110 13.1.2): a proxy that re-encodes the body
    makes the ETag weak, and W/"x" must still match "x".
    """
    for candidate in (etag, f"{etag}:gzip"):
        if request.if_none_match.contains_weak(candidate):
            response = Response(status=304)
            response.set_etag(candidate)
            _cache_headers(response)
            return response
    return None


@lru_cache(maxsize=64)
def http_date(rfc3339: str) -> str:
    """A stored RFC 3339 time as an HTTP date (Last-Modified)."""
    return format_datetime(datetime.fromisoformat(rfc3339.replace("Z", "+00:00")), usegmt=True)


def cache_control(path: str, max_age: int) -> str:
    """Cache-Control of a public GET answer at this path."""
    if path.startswith(("/collections/stories", "/collections/activities", "/sync")):
        # Young people's contributions: a withdrawn one must leave caches at once.
        return "public, no-cache"
    return f"public, max-age={int(max_age)}, stale-if-error=86400"


def _cache_headers(response: Response) -> None:
    response.headers["Cache-Control"] = cache_control(request.path,
                                                      settings()["CACHE_MAX_AGE"])
    at = g.get("content_time")
    if at:
        response.headers["Last-Modified"] = http_date(at)
    # flask-cors echoes the request's Origin in Access-Control-Allow-Origin, so a
    # shared cache must keep one copy per Origin.
    response.headers["Vary"] = "Accept-Language, Accept, Origin"


def cached_response(body: str | bytes, media_type: str, etag: str, lang: str | None,
                    status: int = 200) -> Response:
    """A GET response with ETag, Last-Modified, Cache-Control, Vary and Content-Language."""
    response = Response(body, status=status, mimetype=media_type)
    if media_type in (GEOJSON, JSON) or media_type.startswith("application/vnd.oai"):
        response.headers["Content-Type"] = media_type
    response.set_etag(etag)
    if lang:
        response.headers["Content-Language"] = lang
    _cache_headers(response)
    return response


def error_response(error: ApiError) -> Response:
    """The one JSON error shape, with the error's status and headers."""
    response = Response(dumps(error.to_dict()), status=error.status, mimetype=JSON)
    for name, value in error.headers.items():
        response.headers[name] = value
    return response


def etagged_json(text: str, cache_control: str, lang: str | None = None) -> Response:
    """A JSON GET answer whose strong ETag is a hash of its body (for resources that are
    not made from the content version: packs, the privacy notice, a pseudonym), or a
    304 when If-None-Match already holds it."""
    etag = hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
    if request.if_none_match.contains_weak(etag):
        response = Response(status=304)
    else:
        response = Response(text, mimetype=JSON)
    response.set_etag(etag)
    response.headers["Cache-Control"] = cache_control
    if lang:
        response.headers["Content-Language"] = lang
    return response


def no_store(response: Response) -> Response:
    """Mark a response that no cache may keep (tokens, personal data, decisions)."""
    response.headers["Cache-Control"] = "no-store"
    return response


def json_answer(body: Any, status: int = 200) -> Response:
    """A JSON answer that no cache keeps (contributions, organisers); its links absolute."""
    return no_store(Response(absolute_links(dumps(body), base_url()), status=status,
                             mimetype=JSON))
