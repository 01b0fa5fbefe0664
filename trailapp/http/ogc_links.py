"""The links of an items page and of one feature, from plain values (no request):
the OGC routes (ogc.py) and the fast path (fast.py) make them the same way."""

from __future__ import annotations

from urllib.parse import urlencode

from ..catalog import ItemsQuery
from ..features import GEOJSON, GPX, JSON, link
from .responses import HTML


def page_links(base: str, collection_id: str, args: list[tuple[str, str]], q: ItemsQuery,
               matched: int, media_type: str) -> list:
    """A page's links (self, alternates, collection, next/prev); args are the request's
    query parameters in order (offset and f are left out here). Plain values: the fast
    path (http/fast.py) calls it too."""
    items_url = f"{base}/collections/{collection_id}/items"
    # The request's own parameters are encoded once; offset (a number) and f (one of
    # our format names) need no quoting.
    kept = urlencode([(k, v) for k, v in args if k not in ("offset", "f")])

    def href(offset: int | None = None, f: str | None = None) -> str:
        query = "&".join(part for part in (kept, f"offset={offset}" if offset else "",
                                           f"f={f}" if f else "") if part)
        return f"{items_url}?{query}" if query else items_url

    current = q.offset if q.offset else None
    links = [
        link(href(current, None if media_type == GEOJSON else "json"), "self", media_type),
        link(href(current, "json" if media_type == GEOJSON else None), "alternate",
             JSON if media_type == GEOJSON else GEOJSON),
        link(href(current, "html"), "alternate", HTML, "This page as HTML"),
        link(f"{base}/collections/{collection_id}", "collection", JSON),
    ]
    if q.offset + q.limit < matched:
        links.append(link(href(q.offset + q.limit), "next", GEOJSON, "Next page"))
    if q.offset > 0:
        links.append(link(href(max(0, q.offset - q.limit)), "prev", GEOJSON, "Previous page"))
    return links


def item_links(self_href: str, base: str, collection_id: str, media_type: str) -> list:
    """One feature's links (self, alternates, collection); the fast path calls it too."""
    links = [
        link(self_href, "self", media_type),
        link(f"{self_href}?f={'json' if media_type == GEOJSON else 'geojson'}", "alternate",
             JSON if media_type == GEOJSON else GEOJSON),
        link(f"{base}/collections/{collection_id}", "collection", JSON),
    ]
    if collection_id == "trails":
        links.append(link(f"{self_href}?f=gpx", "alternate", GPX, "GPX 1.1 track"))
    links.append(link(f"{self_href}?f=html", "alternate", HTML, "This feature as HTML"))
    return links
