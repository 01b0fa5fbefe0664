"""OGC API – Features – Part 1: Core, over the public collections.

Thin: parse the request (the models validate), ask the catalogue, shape the
response. Every GET carries a strong ETag and answers 304 to If-None-Match.
"""

from __future__ import annotations

from flask import Response, request
from flask_openapi3 import APIBlueprint, Tag

from .. import crs, filters, i18n
from ..catalog import Catalog, ItemsQuery
from ..domain import COLLECTION_IDS, CRS84, CRS_URIS, Collection, Crs
from ..errors import InvalidParameter
from ..features import (
    GEOJSON,
    GPX,
    JSON,
    OPENAPI,
    collection_json,
    dumps,
    link,
    with_links,
)
from . import models, ogc_pages
from .context import base_url, language, settings, state
from .ogc_links import item_links, page_links
from .openapi import json_response, ogc_responses
from .responses import HTML, cached_response, content_version, negotiate, not_modified

bp = APIBlueprint("ogc", __name__, abp_tags=[Tag(name="OGC API - Features")])

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
]
QUERYABLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
SCHEMA_JSON = "application/schema+json"


def catalog() -> Catalog:
    """The app's catalogue service."""
    return state().catalog


def _json(body: dict, lang: str | None, media_type: str = JSON, *, query: models.PageQuery,
          page=None) -> Response:
    """The body as JSON, or as the HTML page page(body, lang, etag) makes."""
    html = negotiate(query.f, [media_type, JSON, HTML]) == HTML
    lang = language(query.lang) if html else lang
    with state().store.reader() as reader:
        version = content_version(reader, lang or "", HTML if html else media_type)
    if (hit := not_modified(version.etag)) is not None:
        return hit
    if html:
        return page(body, lang, version.etag)
    return cached_response(dumps(body), media_type, version.etag, lang)


@bp.get("/", summary="Landing page", responses=json_response(models.LandingPage, html=True))
def landing(query: models.PageQuery) -> Response:
    """Links to the API definition, conformance and the collections."""
    lang = language(query.lang)
    base = base_url()
    body = {
        "title": "trailapp: Bollnäs and Lobatse heritage trails",
        "description": "Trails and cultural-history places of Bollnäs (Hälsingland, Sweden) "
                       "and Lobatse (Botswana), as GeoJSON.",
        "attribution": i18n.label("attribution", lang),
        "links": [
            link(f"{base}/", "self", JSON, "This document"),
            link(f"{base}/?f=html", "alternate", HTML, "This document as HTML"),
            link(f"{base}/api", "service-desc", OPENAPI, "The API definition (OpenAPI 3.0)"),
            link(f"{base}/conformance", "conformance", JSON, "Conformance classes"),
            link(f"{base}/collections", "data", JSON, "The collections"),
        ],
    }
    return _json(body, lang, query=query, page=ogc_pages.landing)


@bp.get("/conformance", summary="Conformance classes",
        responses=json_response(models.Conformance, html=True))
def conformance(query: models.PageQuery) -> Response:
    """The OGC conformance classes this service implements."""
    return _json({"conformsTo": CONFORMANCE}, None, query=query, page=ogc_pages.conformance)


def _collection_info(collection_id: str, lang: str, reader, version: int) -> dict:
    base = base_url()
    extent = catalog().extent(reader, collection_id, version)
    bbox = extent["bbox"] or [-180.0, -90.0, 180.0, 90.0]
    return {
        "id": collection_id,
        "title": i18n.label(f"{collection_id}.title", lang),
        "description": i18n.label(f"{collection_id}.description", lang),
        "attribution": i18n.label("attribution", lang),
        "links": [
            link(f"{base}/collections/{collection_id}", "self", JSON),
            link(f"{base}/collections/{collection_id}?f=html", "alternate", HTML),
            link(f"{base}/collections/{collection_id}/items", "items", GEOJSON, "Items"),
            link(f"{base}/collections/{collection_id}/queryables", QUERYABLES_REL,
                 SCHEMA_JSON, "The properties filter= may name"),
        ],
        "extent": {
            "spatial": {"bbox": [bbox], "crs": CRS84},
            "temporal": {"interval": [extent["interval"]],
                         "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"},
        },
        "itemType": "feature",
        "crs": list(CRS_URIS),
        "storageCrs": CRS84,
        "numberOfFeatures": extent["count"],
    }


@bp.get("/collections", summary="The collections",
        responses=json_response(models.Collections, html=True))
def collections(query: models.PageQuery) -> Response:
    """Every public collection with its extent and links."""
    lang = language(query.lang)
    media_type = negotiate(query.f, [JSON, HTML])
    with state().store.reader() as reader:
        version = content_version(reader, lang, media_type)
        if (hit := not_modified(version.etag)) is not None:
            return hit
        body = {
            "links": [link(f"{base_url()}/collections", "self", JSON),
                      link(f"{base_url()}/collections?f=html", "alternate", HTML)],
            "collections": [_collection_info(c, lang, reader, version.seq)
                            for c in COLLECTION_IDS],
        }
    if media_type == HTML:
        return ogc_pages.collections(body, lang, version.etag)
    return cached_response(dumps(body), JSON, version.etag, lang)


@bp.get("/collections/<collectionId>", summary="One collection",
        responses=json_response(models.CollectionInfo, 404, html=True))
def collection(path: models.CollectionPath, query: models.PageQuery) -> Response:
    """One collection's metadata."""
    lang = language(query.lang)
    catalog().collection(path.collectionId)
    media_type = negotiate(query.f, [JSON, HTML])
    with state().store.reader() as reader:
        version = content_version(reader, lang, media_type)
        if (hit := not_modified(version.etag)) is not None:
            return hit
        body = _collection_info(path.collectionId, lang, reader, version.seq)
    if media_type == HTML:
        return ogc_pages.collection(body, lang, version.etag)
    return cached_response(dumps(body), JSON, version.etag, lang)


@bp.get("/collections/<collectionId>/queryables", summary="What a filter may name",
        responses=json_response(models.Queryables, 404, media_type=SCHEMA_JSON, html=True))
def queryables(path: models.CollectionPath, query: models.PageQuery) -> Response:
    """The properties of a collection that filter= may name, as a JSON Schema
    (OGC API - Features Part 3)."""
    lang = language(query.lang)
    catalog().collection(path.collectionId)
    title = i18n.label(f"{path.collectionId}.title", lang)
    body = filters.queryables_schema(
        path.collectionId, f"{base_url()}/collections/{path.collectionId}/queryables", title)
    return _json(body, lang, SCHEMA_JSON, query=query, page=lambda body, lang, etag:
                 ogc_pages.queryables(body, path.collectionId, title, lang, etag))


def items_query(collection: Collection, q: models.ItemsParams, lang: str) -> ItemsQuery:
    """The catalogue's query from the parameters (already parsed and typed)."""
    config = settings()
    time_from, time_to = q.datetime or (None, None)
    bbox, bbox_area = (None, None) if q.bbox is None else crs.bbox_in_crs84(
        q.bbox, crs.resolve(q.bbox_crs, "bbox-crs"))
    cql = None if q.filter is None else filters.parse(
        q.filter, q.filter_lang or "cql2-text", collection.id,
        crs.resolve(q.filter_crs, "filter-crs"))
    return ItemsQuery(
        collection=collection, lang=lang,
        limit=min(q.limit, config["ITEMS_MAX_LIMIT"]), offset=q.offset, bbox=bbox,
        time_from=time_from, time_to=time_to, municipality=q.municipality, kind=q.kind,
        text=q.q if q.q and q.q.strip() else None, updated_since=q.updated_since,
        near=q.near, radius_m=q.radius or config["NEAR_DEFAULT_RADIUS_M"],
        trail=q.trail, within_m=q.within or config["TRAIL_DEFAULT_WITHIN_M"], place=q.place,
        cql=cql, bbox_area=bbox_area,
        content_notes_exclude=tuple(q.content_notes_exclude.split(","))
        if q.content_notes_exclude else None)


@bp.get("/collections/<collectionId>/items", summary="Features of a collection",
        responses=ogc_responses(models.FeatureCollection, 404, 409))
def items(path: models.CollectionPath, query: models.ItemsParams) -> Response:
    """Features, filtered and paged; GeoJSON FeatureCollection."""
    lang = language(query.lang)
    media_type = negotiate(query.f, [GEOJSON, JSON, HTML])
    service = catalog()
    q = items_query(service.collection(path.collectionId), query, lang)
    with state().store.reader() as reader:
        version = content_version(reader, lang, media_type)
        if (hit := not_modified(version.etag)) is not None:
            return hit
        page = service.items(reader, q, version.seq, base_url())  # links made absolute
    out_crs = crs.resolve(query.crs, "crs")
    if media_type == HTML:  # drawn on a map in CRS84; crs= applies to GeoJSON and JSON
        return ogc_pages.items(path.collectionId, i18n.label(f"{path.collectionId}.title",
                               lang), page.features, offset=q.offset, limit=q.limit,
                               matched=page.number_matched, lang=lang, etag=version.etag)
    # No timeStamp: it would have to be the time the response was made, which a cached
    # response (and its strong ETag) cannot keep; Last-Modified tells the content version.
    body = collection_json(
        crs.reproject_features(page.features, out_crs), page.returned,
        number_matched=page.number_matched,
        links=page_links(base_url(), path.collectionId, list(request.args.items(multi=True)),
                         q, page.number_matched, media_type),
        extra=page.extra)
    return _with_crs(cached_response(body, media_type, version.etag, lang), out_crs)


@bp.get("/collections/<collectionId>/items/<featureId>", summary="One feature",
        responses=ogc_responses(models.Feature, 404, 409, gpx=True))
def item(path: models.ItemPath, query: models.ItemQuery) -> Response:
    """One feature as GeoJSON, or a trail as GPX 1.1 with f=gpx."""
    lang = language(query.lang)
    service = catalog()
    collection = service.collection(path.collectionId)
    if query.f == "gpx" and path.collectionId != "trails":
        raise InvalidParameter("f", "gpx is only available for trails")
    out_crs = crs.resolve(query.crs, "crs")
    if query.f == "gpx" and out_crs.uri != CRS84:
        raise InvalidParameter("crs", "GPX is always in WGS 84 (CRS84); leave crs out")
    offered = [GEOJSON, JSON] + ([GPX] if path.collectionId == "trails" else []) + [HTML]
    media_type = negotiate(query.f, offered)
    base = base_url()
    self_href = f"{base}/collections/{path.collectionId}/items/{path.featureId}"
    with state().store.reader() as reader:
        version = content_version(reader, lang, media_type)
        if (hit := not_modified(version.etag)) is not None:
            return hit
        if media_type == GPX:
            body = service.trail_gpx(reader, path.featureId, lang, self_href)
            return cached_response(body, GPX, version.etag, lang)
        text = service.item(reader, collection, path.featureId, lang, base)
    if media_type == HTML:  # drawn on a map in CRS84; crs= applies to GeoJSON and JSON
        return ogc_pages.item(path.collectionId, i18n.label(f"{path.collectionId}.title",
                              lang), text, lang, version.etag)
    text = crs.reproject_features(text, out_crs)
    links = item_links(self_href, base, path.collectionId, media_type)
    return _with_crs(cached_response(with_links(text, links),
                                     media_type, version.etag, lang), out_crs)


def _with_crs(response: Response, out_crs: Crs) -> Response:
    """Content-Crs names the CRS of the geometries (OGC API - Features Part 2)."""
    response.headers["Content-Crs"] = f"<{out_crs.uri}>"
    return response

