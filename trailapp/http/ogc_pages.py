"""One HTML page per OGC resource, each made from the body of its JSON answer (the
routes in ogc.py call these when f=html or the Accept header asks for HTML)."""

from __future__ import annotations

from typing import Any

from flask import Response

from ..features import GEOJSON, JSON
from .context import base_url
from .dashboard_session import translations
from .html_pages import (
    alternates,
    bbox_feature,
    feature_of,
    features_of,
    here,
    map_feature,
    page_url,
    render,
)

SCHEMA_JSON = "application/schema+json"
GPX = "application/gpx+xml"


def _home(lang: str) -> tuple[str, str]:
    return translations(lang).gettext("Home"), page_url("/")


def _collections(lang: str) -> tuple[str, str]:
    return translations(lang).gettext("Collections"), page_url("/collections")


def landing(body: dict[str, Any], lang: str, etag: str) -> Response:
    """The landing page: what the service is, and where to go."""
    t = translations(lang)
    return render("landing.html", lang, etag, title=t.gettext(
        "Heritage trails of Bollnäs and Lobatse"), crumbs=[(t.gettext("Home"), None)],
        formats=alternates(JSON), body=body, api_href=f"{base_url()}/api")


def conformance(body: dict[str, Any], lang: str, etag: str) -> Response:
    """The conformance classes, as a list of their URIs."""
    t = translations(lang)
    title = t.gettext("Conformance classes")
    return render("conformance.html", lang, etag, title=title,
                  crumbs=[_home(lang), (title, None)], formats=alternates(JSON), body=body)


def collections(body: dict[str, Any], lang: str, etag: str) -> Response:
    """Every collection with its size and links."""
    title = translations(lang).gettext("Collections")
    return render("collections.html", lang, etag, title=title,
                  crumbs=[_home(lang), (title, None)], formats=alternates(JSON),
                  collections=body["collections"])


def collection(body: dict[str, Any], lang: str, etag: str) -> Response:
    """One collection: its description, extent (on the map), CRSs and links."""
    bbox = body["extent"]["spatial"]["bbox"][0]
    return render("collection.html", lang, etag, title=body["title"],
                  crumbs=[_home(lang), _collections(lang), (body["title"], None)],
                  formats=alternates(JSON), info=body,
                  map_features=[bbox_feature(bbox)] if body["numberOfFeatures"] else [])


def queryables(body: dict[str, Any], collection_id: str, collection_title: str, lang: str,
               etag: str) -> Response:
    """The properties a filter may name, with their types."""
    title = translations(lang).gettext("Queryables")
    return render("queryables.html", lang, etag, title=f"{collection_title}: {title}",
                  crumbs=[_home(lang), _collections(lang),
                          (collection_title, page_url(f"/collections/{collection_id}")),
                          (title, None)],
                  formats=alternates(SCHEMA_JSON), schema=body)


def items(collection_id: str, collection_title: str, features_text: str, *, offset: int,
          limit: int, matched: int, lang: str, etag: str) -> Response:
    """A page of features: the map, a table of them, and the paging links."""
    features = features_of(features_text)
    item_base = f"/collections/{collection_id}/items"
    rows = [{"feature": f, "href": page_url(f"{item_base}/{f['id']}")} for f in features]
    paging = {"first": offset + 1 if features else 0, "last": offset + len(features),
              "matched": matched,
              "next": here(offset=offset + limit) if offset + limit < matched else None,
              "prev": (here(offset=max(0, offset - limit) or None) if offset > 0 else None)}
    t = translations(lang)
    return render("items.html", lang, etag, title=collection_title,
                  crumbs=[_home(lang), _collections(lang),
                          (collection_title, page_url(f"/collections/{collection_id}")),
                          (t.gettext("Items"), None)],
                  formats=alternates(GEOJSON, JSON), rows=rows, paging=paging,
                  collection_id=collection_id,
                  map_features=[map_feature(r["feature"], r["href"]) for r in rows
                                if r["feature"]["geometry"] is not None])


def item(collection_id: str, collection_title: str, feature_text: str, lang: str,
         etag: str) -> Response:
    """One feature: its properties as a definition list, and its place on the map."""
    feature = feature_of(feature_text)
    props = feature["properties"]
    name = props.get("name") or props.get("title") or str(feature["id"])
    t = translations(lang)
    types = [GEOJSON, JSON] + ([GPX] if collection_id == "trails" and feature["geometry"]
                               else [])
    return render("item.html", lang, etag, title=name,
                  crumbs=[_home(lang), _collections(lang),
                          (collection_title, page_url(f"/collections/{collection_id}")),
                          (t.gettext("Items"), page_url(f"/collections/{collection_id}/items")),
                          (name, None)],
                  formats=alternates(*types), feature=feature,
                  text_language=props.get("text_language") or {},
                  map_features=[map_feature(feature, None)] if feature["geometry"] else [])
