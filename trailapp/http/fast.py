"""The fast path: the plainest public reads answered in front of Flask.

A map that pans asks for a new bbox on every move, and an app opens one place after
another: requests no response cache can answer. Profiled at 100,000 places, Flask's
per-request machinery (request context, routing, query validation, hooks, headers)
took more time than the database. This WSGI middleware recognises exactly the plain
requests of the two hot routes:

- GET /collections/{c}/items/{id} with at most lang and f=json|geojson;
- GET /collections/{c}/items with at most limit, offset, bbox (CRS84), lang and
  f=json|geojson;

with no cookie, no Authorization, no If-None-Match, no gzip asked for, an Accept
header that is absent or one of */*, application/json, application/geo+json, and a
plain host. It answers them with the same service calls, the same link builders and
the same header values as the routes in ogc.py (tests/test_fast_reads.py compares the
two, bodies and headers). Everything else, and anything the fast path cannot answer
(an unknown id, a value the query model refuses, any error), goes on to Flask
unchanged, which answers it as before (with its 4xx or 304). TRAILAPP_FAST_READS=0
turns it off.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

from flask import Flask
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header
from werkzeug.sansio.utils import get_current_url
from werkzeug.wsgi import get_host

from .. import crs
from ..domain import COLLECTION_IDS
from ..features import GEOJSON, JSON, collection_json, with_links
from . import models
from .cache import VERSION_KEY
from .context import language_of
from .ogc import items_query
from .ogc_links import item_links, page_links
from .ops import LATENCY, REQUESTS
from .responses import cache_control, etag_of, http_date

_PATH = re.compile(r"/collections/([a-z]{1,40})/items(?:/([A-Za-z0-9][A-Za-z0-9._-]{0,199}))?")
_QUERY = re.compile(r"[A-Za-z0-9=&.,_-]{0,2000}")  # nothing to unquote
_HOST = re.compile(r"[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?")
_ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?")
_ITEMS_PARAMS = frozenset(("limit", "offset", "bbox", "lang", "f"))
_ITEM_PARAMS = frozenset(("lang", "f"))
_FORMATS = {"json": JSON, "geojson": GEOJSON}
_ACCEPT = {"": GEOJSON, "*/*": GEOJSON, GEOJSON: GEOJSON, JSON: JSON}
#: Headers that make a request not plain (the normal path reads them).
_NOT_PLAIN = ("HTTP_COOKIE", "HTTP_AUTHORIZATION", "HTTP_IF_NONE_MATCH",
              "HTTP_IF_MODIFIED_SINCE", "HTTP_RANGE", "HTTP_IF_MATCH")
_EXPOSE = ("Content-Language, ETag, Last-Modified, RateLimit-Limit, RateLimit-Remaining, "
           "RateLimit-Reset, Retry-After")


@lru_cache(maxsize=64)
def _host_url(scheme: str, host: str) -> str:
    """request.host_url for a plain Host header (_plain() checked it), as Flask makes it
    (werkzeug's IRI decoding took more time than the rest of the URL work)."""
    return get_current_url(scheme, get_host({"wsgi.url_scheme": scheme, "HTTP_HOST": host}))


@lru_cache(maxsize=256)
def _language(accept_language: str) -> str:
    return language_of(parse_accept_header(accept_language, LanguageAccept))


def _params(query_string: str, allowed: frozenset[str]) -> dict[str, str] | None:
    """The query's parameters when it is plain: known names, each once, no escapes."""
    if not _QUERY.fullmatch(query_string):
        return None
    out: dict[str, str] = {}
    if not query_string:
        return out
    for part in query_string.split("&"):
        name, eq, value = part.partition("=")
        if not eq or name not in allowed or name in out or not value:
            return None
        out[name] = value
    return out


class FastReads:
    """WSGI middleware: answers plain item reads itself, hands the rest to Flask."""

    def __init__(self, app: Flask, wsgi_app: Callable):
        self.app = app
        self.next = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        started = time.perf_counter()
        plan = self._plain(environ)
        answer = None
        if plan is not None:
            try:
                with self.app.app_context():
                    answer = self._answer(environ, *plan)
            except Exception:  # noqa: BLE001 - an error, a busy database: Flask answers
                answer = None  # it again, with the one error shape (never a bare 500)
        if answer is None:
            return self.next(environ, start_response)
        endpoint, headers, body = answer
        start_response("200 OK", headers)
        REQUESTS.labels("GET", endpoint, "200").inc()
        LATENCY.labels(endpoint).observe(time.perf_counter() - started)
        return [body]

    def _plain(self, environ: dict[str, Any]) -> tuple | None:
        """(collection, feature id or None, parameters, media type, host) of a plain
        request; None for anything else."""
        if environ.get("REQUEST_METHOD") != "GET" or environ.get("SCRIPT_NAME"):
            return None
        match = _PATH.fullmatch(environ.get("PATH_INFO", ""))
        if match is None or match.group(1) not in COLLECTION_IDS:
            return None
        if any(environ.get(h) for h in _NOT_PLAIN):
            return None
        if "gzip" in environ.get("HTTP_ACCEPT_ENCODING", "").lower():
            return None  # flask-compress's answer (see docs/operations.md)
        origin = environ.get("HTTP_ORIGIN")
        if origin is not None and not _ORIGIN.fullmatch(origin):
            return None
        host = environ.get("HTTP_HOST", "")
        if not _HOST.fullmatch(host) or self.app.config.get("TRUSTED_HOSTS") \
                or self.app.config.get("SERVER_NAME"):
            return None
        params = _params(environ.get("QUERY_STRING", ""),
                         _ITEM_PARAMS if match.group(2) else _ITEMS_PARAMS)
        if params is None:
            return None
        # f= wins over Accept, as in responses.negotiate
        media_type = _FORMATS.get(params["f"]) if "f" in params else \
            _ACCEPT.get(environ.get("HTTP_ACCEPT", ""))
        if media_type is None:
            return None
        return match.group(1), match.group(2), params, media_type

    def _answer(self, environ: dict[str, Any], collection_id: str, feature_id: str | None,
                params: dict[str, str], media_type: str
                ) -> tuple[str, list[tuple[str, str]], bytes] | None:
        state = self.app.extensions["trailapp"]
        config = self.app.config
        scheme = environ.get("wsgi.url_scheme", "http")
        host_url = _host_url(scheme, environ["HTTP_HOST"])
        base = host_url.rstrip("/")
        path = environ["PATH_INFO"]
        full_path = f"{path}?{environ.get('QUERY_STRING', '')}"
        lang = params.get("lang") or _language(environ.get("HTTP_ACCEPT_LANGUAGE", ""))
        out_crs = crs.resolve(None, "crs")
        collection = state.catalog.collection(collection_id)
        if feature_id is None:
            query = models.ItemsParams.model_validate(params)
            q = items_query(collection, query, lang)
        else:
            models.ItemQuery.model_validate(params)  # the same checks as Flask's
        with state.store.reader() as reader:
            seq, at = state.catalog.version(reader)
            etag = etag_of(seq, host_url, full_path, lang, media_type)
            if feature_id is None:
                page = state.catalog.items(reader, q, seq, base)  # links made absolute
            else:
                text = state.catalog.item(reader, collection, feature_id, lang, base)  # or 404
        if feature_id is None:
            endpoint = "ogc.items"
            body = collection_json(
                crs.reproject_features(page.features, out_crs), page.returned,
                number_matched=page.number_matched,
                links=page_links(base, collection_id, list(params.items()), q,
                                 page.number_matched, media_type),
                extra=page.extra)
        else:
            endpoint = "ogc.item"
            self_href = f"{base}/collections/{collection_id}/items/{feature_id}"
            body = with_links(crs.reproject_features(text, out_crs),
                              item_links(self_href, base, collection_id, media_type))
        environ[VERSION_KEY] = seq  # lets the response cache keep this response
        data = body.encode()
        headers = [("Content-Type", media_type), ("Content-Length", str(len(data))),
                   ("ETag", f'"{etag}"'), ("Content-Language", lang),
                   ("Cache-Control", cache_control(path, config["CACHE_MAX_AGE"]))]
        if at:
            headers.append(("Last-Modified", http_date(at)))
        headers += [("Vary", "Accept-Language, Accept, Origin, Accept-Encoding"),
                    ("Content-Crs", f"<{out_crs.uri}>"),
                    ("X-Content-Type-Options", "nosniff"),
                    ("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"),
                    ("Referrer-Policy", "no-referrer")]
        if scheme == "https":
            headers.append(("Strict-Transport-Security", "max-age=31536000"))
        headers += [("Access-Control-Allow-Origin", environ.get("HTTP_ORIGIN") or "*"),
                    ("Access-Control-Expose-Headers", _EXPOSE)]
        return endpoint, headers, data
