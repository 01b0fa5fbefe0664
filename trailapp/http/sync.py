"""Delta sync and offline packs for the app (see docs/sync.md)."""

from __future__ import annotations

from flask import Response
from flask_openapi3 import APIBlueprint, Tag

from .. import sync
from ..features import JSON, absolute_links, dumps
from ..packs import PackSpec
from . import models
from .context import base_url, language, state
from .files import send_content
from .openapi import REF, _errors
from .responses import cached_response, content_version, etagged_json, not_modified

bp = APIBlueprint("sync", __name__, abp_tags=[Tag(name="Offline")])
ZIP = "application/zip"


def _packs():
    return state().packs


@bp.get("/sync", summary="Changes since a cursor", responses={
    200: {"description": "One page of upserts and tombstones, and the next cursor",
          "content": {JSON: {"schema": {"$ref": REF + "SyncPage"}}}},
    304: {"description": "Not modified"},
    **_errors(410)})
def changes(query: models.SyncQuery) -> Response:
    """Upserts (with the current feature) and tombstones since the cursor, oldest first;
    follow `next` while `more` is true. 410 means: start again from a pack."""
    lang = language(query.lang)
    collections = tuple(query.collections.split(",")) if query.collections else \
        sync.COLLECTIONS
    with state().store.reader() as reader:
        version = content_version(reader, lang, JSON)
        if (hit := not_modified(version.etag)) is not None:
            return hit
        page = sync.changes(reader, query.since, collections=tuple(dict.fromkeys(collections)),
                            municipality=query.municipality, lang=lang, limit=query.limit,
                            current=version.seq)
    return cached_response(absolute_links(sync.body(page), base_url()), JSON, version.etag,
                           lang)


def _spec(pack_id: str, query: models.PackQuery) -> PackSpec:
    return PackSpec.parse(pack_id, query.lang, query.media)


@bp.get("/packs", summary="The offline packs, with their sizes", responses={
    200: {"description": "Every pack with its size, hash, version and cursor",
          "content": {JSON: {"schema": {"$ref": REF + "PackList"}}}},
    **_errors()})
def packs(query: models.PackQuery) -> Response:
    """Every municipality and surveyed trail pack, for the languages and media asked."""
    store = state().store
    first = _spec("bollnas", query).langs[0] if query.lang else language(None)
    with store.reader() as reader:
        available = _packs().available(reader, first)
    out = []
    for item in available:
        built = _packs().get(store, _spec(item["id"], query))
        suffix = "&".join(f"{k}={v}" for k, v in (("lang", query.lang), ("media", query.media))
                          if v)
        out.append({**item, "href": f"/packs/{item['id']}" + (f"?{suffix}" if suffix else ""),
                    "bytes": built.size, "sha256": built.sha256, "version": built.version,
                    "cursor": built.cursor})
    response = etagged_json(absolute_links(dumps({"packs": out}), base_url()), "no-cache")
    response.headers["Vary"] = "Accept-Language"
    return response


@bp.get("/packs/<packId>", summary="One offline pack (a zip archive)", responses={
    200: {"description": "The pack; Range requests resume a broken download",
          "content": {ZIP: {"schema": {"type": "string", "format": "binary"}}}},
    206: {"description": "Part of the pack (Range)",
          "content": {ZIP: {"schema": {"type": "string", "format": "binary"}}}},
    304: {"description": "Not modified"},
    416: {"description": "The Range lies outside the pack"},
    **_errors(404, 409)})
def pack(path: models.PackPath, query: models.PackQuery) -> Response:
    """The archive for the current content: built once per content version, with a
    strong ETag, Content-Length on HEAD, and byte ranges."""
    store = state().store
    built, file = _packs().open(store, _spec(path.packId, query))
    response = send_content(file, built.size, built.sha256, ZIP)
    response.headers.set("Content-Disposition", "attachment", filename=f"{path.packId}.zip")
    response.headers["Cache-Control"] = "public, no-cache"
    response.headers["X-Pack-Cursor"] = built.cursor
    return response
