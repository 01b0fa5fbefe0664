"""The public catalogue: which collections exist and how their items are queried.

Plain Python: takes a store Reader and plain query values, returns rendered
features and counts. The HTTP layer shapes the response around them.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from shapely.geometry import box, shape

from . import domain, features, geo, trails
from .domain import COLLECTIONS, Collection
from .errors import Conflict, InvalidParameter, NotFound
from .store import Reader, Store
from .store.features import Candidate, FeatureFilter


@dataclass(frozen=True)
class ItemsQuery:
    """What a client asked of /collections/{id}/items, already parsed and typed."""

    collection: Collection
    lang: str
    limit: int
    offset: int = 0
    bbox: tuple[float, float, float, float] | None = None
    time_from: str | None = None
    time_to: str | None = None
    municipality: str | None = None
    kind: str | None = None
    text: str | None = None
    updated_since: str | None = None
    near: tuple[float, float] | None = None
    radius_m: float = 5000
    trail: str | None = None
    within_m: float = 500
    place: str | None = None
    cql: tuple | None = None  # a checked CQL2 filter (trailapp/filters.py)
    bbox_area: str | None = None  # a bbox given in a projected CRS, as a CRS84 polygon
    content_notes_exclude: tuple[str, ...] | None = None

    def feature_filter(self) -> FeatureFilter:
        """The non-spatial part of the query (and filter=), as the store takes it."""
        cql = self.cql
        if self.bbox_area is not None:
            area = ("spatial", "intersects", self.bbox_area)
            cql = area if cql is None else ("and", (area, cql))
        return FeatureFilter(
            collection=self.collection.id, municipality=self.municipality, kind=self.kind,
            text=self.text, updated_after=self.updated_since, time_from=self.time_from,
            time_to=self.time_to, place_id=self.place, cql=cql,
            content_notes_exclude=self.content_notes_exclude,
            # only a filter reads texts of one language (so counts stay shared otherwise)
            cql_lang=self.lang if cql is not None else "en")


@dataclass
class ItemsPage:
    """One page of rendered features and how many matched in all."""

    features: str  # rendered features joined by commas
    returned: int
    number_matched: int
    extra: dict[str, Any] = field(default_factory=dict)


class Catalog:
    """Answers item queries; caches counts and extents per content version."""

    def __init__(self, cache_size: int = 2048):
        self._cache: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def _cached(self, key: tuple[Any, ...], compute: Any) -> Any:
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        value = compute()
        with self._lock:
            self._cache[key] = value
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return value

    # -- the content version ---------------------------------------------------

    @staticmethod
    def version(reader: Reader) -> tuple[int, str | None]:
        """The content version in this snapshot: its change-log sequence and time."""
        return reader.version()

    @staticmethod
    def current_version(store: Store) -> int:
        """The content version now, without a snapshot (health checks, response cache)."""
        return store.version_seq()

    # -- collections ----------------------------------------------------------

    def collection(self, collection_id: str) -> Collection:
        """The collection with this id, or NotFound."""
        found = COLLECTIONS.get(collection_id)
        if found is None:
            raise NotFound(f"There is no collection {collection_id!r}; "
                           f"see /collections for the list.")
        return found

    def extent(self, reader: Reader, collection_id: str, version: int) -> dict[str, Any]:
        """Bounds and time range of a collection (cached per content version)."""
        return self._cached(("extent", version, collection_id),
                            lambda: reader.extent(collection_id))

    # -- items ----------------------------------------------------------------

    def items(self, reader: Reader, q: ItemsQuery, version: int, base: str | None = None
              ) -> ItemsPage:
        """One page of features matching the query (their links absolute under base when
        it is given: see features.absolute_links)."""
        collection = q.collection
        if q.near is not None and q.trail is not None:
            raise InvalidParameter("near", "use either near or trail, not both")
        f = q.feature_filter()
        if q.place is not None and not collection.has_place:
            raise InvalidParameter("place", f"is not available for {collection.id}; use it "
                                   "on stories or activities")
        if q.trail is not None:
            if not collection.along_trail:
                raise InvalidParameter("trail", f"is not available for {collection.id}")
            return self._along_trail(reader, q, f, q.trail, base)
        if q.near is not None:
            return self._near(reader, q, f, q.near, base)
        if q.bbox is not None:
            return self._in_bbox(reader, q, f, q.bbox, base)
        matched = self._cached(("count", version, f), lambda: reader.count(f))
        joined, returned = reader.page(f, q.lang, q.limit, q.offset, base)
        return ItemsPage(joined, returned, matched)

    def _page_of(self, reader: Reader, q: ItemsQuery, chosen: list[Candidate],
                 extra: list[dict[str, Any]] | None, base: str | None) -> ItemsPage:
        window = slice(q.offset, q.offset + q.limit)
        picked = chosen[window]
        by_rowid = reader.json_by_rowid([c.rowid for c in picked], q.lang, base)
        out = []
        for i, c in enumerate(picked):
            text = by_rowid[c.rowid]
            if extra is not None:
                text = features.with_properties(text, extra[window][i])
            out.append(text)
        return ItemsPage(",".join(out), len(out), len(chosen))

    def _in_bbox(self, reader: Reader, q: ItemsQuery, f: FeatureFilter,
                 bbox: tuple[float, float, float, float], base: str | None) -> ItemsPage:
        boxes = geo.split_box(*bbox)
        rowids, shapes = reader.bbox_matches(f, boxes)
        if shapes:  # lines and areas whose bounds meet a box: the exact test in shapely
            rowids = [r for r in rowids if r not in shapes or _shape_meets(shapes[r], boxes)]
        picked = rowids[q.offset:q.offset + q.limit]
        by_rowid = reader.json_by_rowid(picked, q.lang, base)
        return ItemsPage(",".join(by_rowid[r] for r in picked), len(picked), len(rowids))

    def _near(self, reader: Reader, q: ItemsQuery, f: FeatureFilter,
              near: tuple[float, float], base: str | None) -> ItemsPage:
        lon, lat = near
        found = self._filter_bbox(q, reader.near_candidates(f, lon, lat, q.radius_m))
        points = [c for c in found if c.geom_type == "Point"]
        dist = dict(zip((c.rowid for c in points), geo.geodesic_distances_m(
            lon, lat, np.array([c.minx for c in points]), np.array([c.miny for c in points])),
            strict=True))
        for c in found:
            if c.geom_type != "Point":
                crs = domain.MUNICIPALITIES[c.municipality].metric_crs
                dist[c.rowid] = geo.distance_to_geometry_m(
                    lon, lat, shape(json.loads(c.geometry or "null")), crs)
        chosen = sorted((c for c in found if dist[c.rowid] <= q.radius_m),
                        key=lambda c: (dist[c.rowid], c.id))
        extra = [{"distance_m": round(float(dist[c.rowid]), 1)} for c in chosen]
        return self._page_of(reader, q, chosen, extra, base)

    def _along_trail(self, reader: Reader, q: ItemsQuery, f: FeatureFilter,
                     trail_id: str, base: str | None) -> ItemsPage:
        row = reader.feature_row("trails", trail_id)
        if row is None:
            raise NotFound(f"There is no trail {trail_id!r}.")
        if row["geometry"] is None:
            raise Conflict(f"Trail {trail_id!r} has no surveyed line yet, so places along it "
                           "cannot be found; its location is to be surveyed.")
        line = shape(json.loads(row["geometry"]))
        crs = domain.MUNICIPALITIES[row["municipality"]].metric_crs
        length_m = json.loads(row["record"])["attrs"].get("length_m") or \
            geo.geodesic_length_m(line)
        found = self._filter_bbox(q, reader.corridor_candidates(f, line, q.within_m))
        points = [_representative(c) for c in found]
        lons = np.array([p[0] for p in points])
        lats = np.array([p[1] for p in points])
        dist, pos = geo.along_line(line, crs, lons, lats)
        order = sorted((i for i in range(len(found)) if dist[i] <= q.within_m),
                       key=lambda i: (pos[i], found[i].id))
        chosen = [found[i] for i in order]
        extra = [{"distance_to_trail_m": round(float(dist[i]), 1),
                  "distance_along_trail_m": round(float(pos[i] * length_m), 1)} for i in order]
        page = self._page_of(reader, q, chosen, extra, base)
        page.extra = {"trail": {"id": trail_id, "length_m": round(length_m, 1),
                                "within_m": q.within_m}}
        return page

    def _filter_bbox(self, q: ItemsQuery, found: list[Candidate]) -> list[Candidate]:
        if q.bbox is None:
            return found
        boxes = geo.split_box(*q.bbox)
        return [c for c in found if _meets(c, boxes)]

    # -- single items -----------------------------------------------------------

    def item(self, reader: Reader, collection: Collection, feature_id: str, lang: str,
             base: str | None = None) -> str:
        """One rendered feature (links absolute under base when given), or NotFound."""
        text = reader.feature_json(collection.id, feature_id, lang, base)
        if text is None:
            raise NotFound(f"There is no feature {feature_id!r} in {collection.id}.")
        return text

    def trail_gpx(self, reader: Reader, trail_id: str, lang: str, self_url: str) -> str:
        """A trail as GPX 1.1; Conflict while its line is not surveyed."""
        row = reader.feature_row("trails", trail_id)
        if row is None:
            raise NotFound(f"There is no feature {trail_id!r} in trails.")
        if row["geometry"] is None:
            raise Conflict(f"Trail {trail_id!r} has no surveyed line yet, so there is no GPX "
                           "track to download; its location is to be surveyed.")
        record = json.loads(row["record"])
        return trails.to_gpx(record, lang, self_url)


def _meets(c: Candidate, boxes: list[tuple[float, float, float, float]]) -> bool:
    """The exact test: does the feature meet any of the boxes?"""
    if c.geom_type == "Point":
        return any(b[0] <= c.minx <= b[2] and b[1] <= c.miny <= b[3] for b in boxes)
    return _shape_meets(c.geometry, boxes)


def _shape_meets(geometry: str | None, boxes: list[tuple[float, float, float, float]]
                 ) -> bool:
    geom = shape(json.loads(geometry or "null"))
    return any(geom.intersects(box(*b)) for b in boxes)


def _representative(c: Candidate) -> tuple[float, float]:
    if c.geom_type == "Point":
        return c.minx, c.miny
    point = shape(json.loads(c.geometry or "null")).representative_point()
    return point.x, point.y
