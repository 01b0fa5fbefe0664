"""An in-process cache of public GET responses, in front of Flask.

Every public response is a pure function of the content version (the change log's
last sequence number) and the request (path, query, host, scheme and the Accept,
Accept-Language, Accept-Encoding and Origin headers). So a response built once can
be served again, or answered with 304, for as long as the version has not moved:
one small read per request checks that. Nothing else is assumed: a write moves the
version and every entry built before it stops matching.

Only 200 responses marked Cache-Control: public, with an ETag, built by a request
that recorded its version are kept; the total size is capped (least recently used
entries go first). TRAILAPP_RESPONSE_CACHE_MB=0 turns it off.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from werkzeug.http import parse_etags, unquote_etag

VERSION_KEY = "trailapp.version"  # set in the WSGI environ by the route that read it
MAX_ENTRY_BYTES = 4 * 1024 * 1024
_HEADER_KEYS = ("HTTP_HOST", "wsgi.url_scheme", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING",
                "HTTP_ACCEPT", "HTTP_ACCEPT_LANGUAGE", "HTTP_ORIGIN")


@dataclass
class Entry:
    version: int
    status: str
    headers: list[tuple[str, str]]
    body: bytes
    etag: str


class ResponseCache:
    """WSGI middleware: serve a cached response or 304 while the version is unchanged."""

    def __init__(self, app: Callable, current_version: Callable[[], int], max_bytes: int):
        self.app = app
        self.current_version = current_version  # the content version now (one small read)
        self.max_bytes = max_bytes
        self.size = 0
        self.entries: OrderedDict[tuple, Entry] = OrderedDict()
        self.lock = threading.Lock()
        self.hits = 0
        self.version_seen = 0

    @staticmethod
    def _key(environ: dict[str, Any]) -> tuple:
        gzip = "gzip" in environ.get("HTTP_ACCEPT_ENCODING", "")
        return (*(environ.get(k, "") for k in _HEADER_KEYS), gzip)

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD")
        if method not in ("GET", "HEAD") or not self.max_bytes:
            return self.app(environ, start_response)
        key = self._key(environ)
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None:
                self.entries.move_to_end(key)
        current = self.current_version()
        if current != self.version_seen:
            self._forget_older_than(current)
        if entry is not None and entry.version == current:
            self.hits += 1
            return self._answer(entry, environ, start_response)
        if method == "HEAD":
            return self.app(environ, start_response)
        plain = {k: v for k, v in environ.items() if k != "HTTP_IF_NONE_MATCH"}
        status, headers, body = self._build(environ)
        if status.startswith("304") and VERSION_KEY in environ:
            # The client holds it, but this worker does not yet: build the full
            # response once (without If-None-Match) so the next one is a hit.
            self._keep(key, plain, *self._build(plain))
        else:
            self._keep(key, environ, status, headers, body)
        start_response(status, headers)
        return [body]

    @staticmethod
    def _answer(entry: Entry, environ: dict[str, Any], start_response: Callable
                ) -> Iterable[bytes]:
        if parse_etags(environ.get("HTTP_IF_NONE_MATCH")).contains_weak(entry.etag):
            start_response("304 NOT MODIFIED", [
                (k, v) for k, v in entry.headers
                if k.lower() not in ("content-length", "content-type", "content-encoding",
                                     "content-language")])
            return []
        start_response(entry.status, entry.headers)
        return [] if environ.get("REQUEST_METHOD") == "HEAD" else [entry.body]

    def _build(self, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None):
            captured["status"], captured["headers"] = status, headers
            return lambda data: None  # the legacy write() callable; Flask never uses it

        chunks = self.app(environ, capture)
        try:
            body = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
        return captured["status"], captured["headers"], body

    def _keep(self, key: tuple, environ: dict[str, Any], status: str,
              headers: list[tuple[str, str]], body: bytes) -> Entry | None:
        version = environ.get(VERSION_KEY)
        lower = {k.lower(): v for k, v in headers}
        if (version is None or not status.startswith("200") or "etag" not in lower
                or "public" not in lower.get("cache-control", "")
                or len(body) > MAX_ENTRY_BYTES):
            return None
        etag, _ = unquote_etag(lower["etag"])
        entry = Entry(version, status, headers, body, etag)
        self._put(key, entry)
        return entry

    def _forget_older_than(self, version: int) -> None:
        """Drop every entry built before the current version: none can be served again,
        and a withdrawn or erased contribution should not even stay in memory."""
        with self.lock:
            self.version_seen = version
            for key in [k for k, e in self.entries.items() if e.version < version]:
                self.size -= len(self.entries.pop(key).body)

    def _put(self, key: tuple, entry: Entry) -> None:
        with self.lock:
            old = self.entries.pop(key, None)
            if old is not None:
                self.size -= len(old.body)
            self.entries[key] = entry
            self.size += len(entry.body)
            while self.size > self.max_bytes and self.entries:
                _, dropped = self.entries.popitem(last=False)
                self.size -= len(dropped.body)
