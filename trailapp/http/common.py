"""What every public route shares: language, links, caching headers, error bodies."""

from __future__ import annotations

import hashlib
from email.utils import format_datetime
from typing import Any

from flask import Response, current_app, g, request

from .. import i18n
from ..errors import ApiError, NotAcceptable
from ..features import GEOJSON, JSON, dumps
from ..store import Reader


def store_reader() -> Any:
    """A read snapshot for this request (closed by the context manager)."""
    return current_app.extensions["trailapp"].store.reader()


def catalog() -> Any:
    """The app's Catalog service."""
    return current_app.extensions["trailapp"].catalog


def language(lang_param: str | None) -> str:
    """lang= wins; else Accept-Language negotiated with Babel; else English."""
    if lang_param:
        return lang_param
    header = request.accept_languages
    return i18n.negotiate([value for value, quality in header if quality > 0])


def base_url() -> str:
    """The service root as the client sees it, without a trailing slash."""
    return request.host_url.rstrip("/")


def accepts(*media_types: str) -> None:
    """Refuse with 406 a request whose Accept header allows none of media_types."""
    accept = request.accept_mimetypes
    if not request.headers.get("Accept") or request.args.get("f"):
        return
    if not any(accept[m] for m in media_types) and not accept["application/*"]:
        raise NotAcceptable(
            "This resource is available as " + ", ".join(media_types)
            + "; the Accept header allows none of them.")


def version_etag(reader: Reader, lang: str, media_type: str) -> tuple[str, str | None]:
    """A strong ETag for this request at the current content version.

    Responses are a pure function of (content version, URL, language, media type):
    timeStamp is the version's time, not the clock's, so equal inputs give equal bytes.
    """
    seq, at = reader.version()
    key = f"{seq}|{request.host_url}|{request.full_path}|{lang}|{media_type}"
    digest = hashlib.blake2b(key.encode(), digest_size=16).hexdigest()
    g.content_time = at
    return digest, at


def not_modified(etag: str) -> Response | None:
    """A 304 when the client already holds this representation (plain or gzipped)."""
    for candidate in (etag, f"{etag}:gzip"):
        if candidate in request.if_none_match:
            response = Response(status=304)
            response.set_etag(candidate)
            _cache_headers(response)
            return response
    return None


def _cache_headers(response: Response) -> None:
    response.cache_control.public = True
    response.cache_control.max_age = current_app.config["CACHE_MAX_AGE"]
    response.headers["Cache-Control"] += ", stale-if-error=86400"
    at = g.get("content_time")
    if at:
        from datetime import datetime

        response.headers["Last-Modified"] = format_datetime(
            datetime.fromisoformat(at.replace("Z", "+00:00")), usegmt=True)
    response.vary.update(["Accept-Language", "Accept"])


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
