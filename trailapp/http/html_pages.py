"""The OGC resources as pages for people (f=html, or a browser's Accept header): the
landing page, conformance, the collections, one collection, its queryables, items and
one item, in Swedish or English, with a Leaflet map.

Each page is made from the very body its JSON answer has (so the two cannot drift
apart) and carries the same ETag rules. Jinja escapes every text; the map's data
travels in a <script type="application/json"> block and is drawn by a static file,
so the CSP allows no inline script. The map has no background unless
TRAILAPP_TILE_URL names a tile server: the CSP then allows images from that one origin.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import Flask, render_template, request

from ..domain import MUNICIPALITIES
from ..features import GEOJSON, JSON
from .context import base_url, settings
from .dashboard import asset
from .dashboard_session import translations
from .responses import HTML, cached_response

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:{tiles}; "
       "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


def N_(message: str) -> str:  # noqa: N802 - the usual name for "translate later"
    """Mark a message for translation where it is shown."""
    return message


#: What the properties are called on a page (the JSON name is shown beside it).
LABELS = {
    "name": N_("Name"), "description": N_("Description"),
    "location_note": N_("About the location"), "heritage_status": N_("Heritage status"),
    "condition_note": N_("Condition"), "municipality": N_("Municipality"),
    "kind": N_("Kind"), "accuracy": N_("Accuracy"), "location_status": N_("Location status"),
    "location_label": N_("Location"), "source": N_("Source"),
    "additional_sources": N_("More sources"), "uncertainty_m": N_("Uncertainty (metres)"),
    "stories": N_("Stories"), "activities": N_("Activities"),
    "latest_story_at": N_("Latest story"), "images": N_("Photos"),
    "text_language": N_("Language of each text"), "updated": N_("Updated"),
    "title": N_("Title"), "body": N_("Text"), "place": N_("Place"),
    "stages": N_("Stages"), "length_m": N_("Length (metres)"),
    "distance_m": N_("Distance (metres)"),
}
FORMAT_NAMES = {GEOJSON: N_("GeoJSON"), JSON: N_("JSON"),
                "application/gpx+xml": N_("GPX track"),
                "application/schema+json": N_("JSON Schema"),
                "application/vnd.oai.openapi+json;version=3.0": N_("OpenAPI 3.0")}


def tile_origin(url: str | None) -> str | None:
    """The origin a tile URL template loads from, as a CSP source ({s} becomes *)."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"TRAILAPP_TILE_URL must be an http(s) URL template, got {url!r}")
    return f"{parts.scheme}://{parts.netloc.replace('{s}', '*')}"


def check_settings(app: Flask) -> None:
    """Refuse a malformed TRAILAPP_TILE_URL when the app starts, not on a request."""
    tile_origin(app.config["TILE_URL"])


def page_url(path: str, **args: Any) -> str:
    """An absolute link to another page: f=html, and lang= when this page was asked
    with it (so a chosen language stays across pages)."""
    args = {k: v for k, v in args.items() if v is not None}
    if request.args.get("lang"):
        args.setdefault("lang", request.args["lang"])
    args["f"] = "html"
    return f"{base_url()}{path}?{urlencode(args)}"


def here(**changes: Any) -> str:
    """This page's URL with some query parameters changed (None removes one)."""
    args = dict(request.args.items())
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = str(value)
    query = urlencode(args)
    return f"{base_url()}{request.path}" + (f"?{query}" if query else "")


def alternates(*types: str) -> list[dict[str, str]]:
    """Links to this resource in the other formats (f= set to each)."""
    formats = {GEOJSON: "geojson", JSON: "json", "application/gpx+xml": "gpx"}
    return [{"href": here(f=formats.get(t, "json")), "type": t, "label": FORMAT_NAMES[t]}
            for t in types]


def render(template: str, lang: str, etag: str, *, title: str,
           crumbs: list[tuple[str, str | None]], formats: list[dict[str, str]],
           map_features: list[dict[str, Any]] | None = None, **context: Any) -> Any:
    """A page: the template with the shared parts, its ETag, caching and CSP."""
    t = translations(lang)
    config = settings()
    tiles = None
    if config["TILE_URL"]:
        tiles = {"url": config["TILE_URL"], "attribution": config["TILE_ATTRIBUTION"] or ""}
    map_data = None if not map_features else {
        "features": {"type": "FeatureCollection", "features": map_features},
        "tiles": tiles,
    }
    body = render_template(
        f"ogc/{template}", _=t.gettext, ngettext=t.ngettext, lang=lang,
        ui_lang="sv" if lang == "sv" else "en", title=title, crumbs=crumbs,
        formats=formats, map_data=map_data, asset=asset, page_url=page_url,
        lang_url=lambda code: here(lang=code), labels=LABELS, format_names=FORMAT_NAMES,
        tiles=tiles, municipalities=MUNICIPALITIES, **context)
    response = cached_response(body, HTML, etag, lang)
    origin = tile_origin(config["TILE_URL"])
    response.headers["Content-Security-Policy"] = CSP.format(
        tiles=f" {origin}" if origin else "")
    return response


def map_feature(feature: dict[str, Any], href: str | None) -> dict[str, Any]:
    """What the map needs of a feature: its geometry, name and page."""
    name = feature["properties"].get("name") or feature["properties"].get("title") \
        or str(feature["id"])
    return {"type": "Feature", "id": feature["id"], "geometry": feature["geometry"],
            "properties": {"name": name, "href": href}}


def features_of(text: str) -> list[dict[str, Any]]:
    """Rendered features (joined by commas, as the catalogue gives them, their links
    already absolute) as dicts."""
    return json.loads(f"[{text}]")


def feature_of(text: str) -> dict[str, Any]:
    """One rendered feature (its links already absolute) as a dict."""
    return json.loads(text)


def bbox_feature(bbox: list[float]) -> dict[str, Any]:
    """A collection's extent as a rectangle on the map."""
    w, s, e, n = bbox
    ring = [[w, s], [e, s], [e, n], [w, n], [w, s]]
    return {"type": "Feature", "id": "extent", "geometry": {"type": "Polygon",
            "coordinates": [ring]}, "properties": {"name": "", "href": None}}
