"""SQL for published features: the read queries and the writes.

Only constant SQL fragments are joined here; every value is a bound parameter.
Longer than 300 lines because the reads and writes of one table belong together: the
bbox, page and candidate queries share the WHERE builder and the box SQL.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .. import geo
from . import cql
from .texts import finish
from .where import Where

JSON_COLUMN = {"sv": "json_sv", "en": "json_en", "tn": "json_tn"}
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class FeatureFilter:
    """Which features of one collection a query asks for (all optional but collection)."""

    collection: str
    municipality: str | None = None
    kind: str | None = None
    text: str | None = None
    updated_after: str | None = None
    time_from: str | None = None
    time_to: str | None = None
    ids: tuple[str, ...] | None = None
    place_id: str | None = None
    place_ids: tuple[str, ...] | None = None
    #: A checked CQL2 filter (trailapp/filters.py) and the language whose rendered
    #: texts it reads.
    cql: tuple | None = None
    cql_lang: str = "en"
    #: Leave out features whose properties.content_notes name any of these.
    content_notes_exclude: tuple[str, ...] | None = None

    def text_tokens(self) -> list[str]:
        """The words of the text search, lower-cased; punctuation dropped."""
        return [w.lower() for w in _WORD.findall(self.text or "")][:10]


#: The full-text condition and its query, per database: SQLite's FTS5 table, and
#: PostgreSQL's tsvector column (store/postgres/schema.py) — each word a prefix term,
#: so that no search syntax from the client survives.
TEXT_MATCH = {
    "sqlite": ("f.rowid IN (SELECT rowid FROM features_fts WHERE features_fts MATCH ?)",
               lambda tokens: " ".join(f'"{t}"*' for t in tokens)),
    "postgresql": ("f.search @@ to_tsquery('simple', lower(unaccent(?)))",
                   lambda tokens: " & ".join(f"'{t}':*" for t in tokens)),
}


def _where(f: FeatureFilter, dialect: str = "sqlite") -> tuple[str, list[Any]]:
    w = (Where().add("f.collection = ?", f.collection)
         # A joint activity (issue 13) is listed in both towns.
         .when(f.municipality, "(f.municipality = ? OR (f.collection = 'activities' AND "
                               "CAST(json_extract(f.record, '$.attrs.joint') AS INTEGER) = 1))")
         .when(f.kind, "f.kind = ?")
         .when(f.updated_after, "f.updated > ?")
         .when(f.time_from, "f.time_end >= ?")
         .when(f.time_to, "f.time_start <= ?")
         .when(f.place_id, "f.place_id = ?")
         .when_in(f.place_ids, "f.place_id IN (SELECT value FROM json_each(?))")
         .when_in(f.ids, "f.id IN (SELECT value FROM json_each(?))")
         .when_in(f.content_notes_exclude,
                  "NOT EXISTS (SELECT 1 FROM json_each(f.record, '$.attrs.content_notes') AS n "
                  "WHERE n.value IN (SELECT value FROM json_each(?)))"))
    if f.cql is not None:
        cql_sql, cql_params = cql.condition(f.cql, f.cql_lang, dialect)
        w.add(cql_sql, *cql_params)
    tokens = f.text_tokens()
    if tokens:
        text_sql, text_query = TEXT_MATCH[dialect]
        w.add(text_sql, text_query(tokens))
    elif f.text is not None:
        w.add("1 = 0")  # a search with no words matches nothing
    return w.sql, w.params


@dataclass(frozen=True)
class Candidate:
    """A feature found by the spatial index, with what the exact test needs."""

    rowid: int
    id: str
    geom_type: str
    minx: float
    miny: float
    maxx: float
    maxy: float
    geometry: str | None  # GeoJSON text, only for non-points
    municipality: str


def _box_sql(boxes: Sequence[tuple[float, float, float, float]], table: str = "f"
             ) -> tuple[list[str], list[float], list[str], list[float]]:
    """Per box, an R*Tree query and the exact float64 bounds test (on the bounds of
    table "f", features, or "b", feature_bounds), with their values."""
    index_sql, exact_sql = [], []
    index_params: list[float] = []
    exact_params: list[float] = []
    t = {"f": "f", "b": "b"}[table]  # a constant alias, never a caller's text
    for minx, miny, maxx, maxy in boxes:
        index_sql.append("SELECT id FROM features_rtree "
                         "WHERE minx <= ? AND maxx >= ? AND miny <= ? AND maxy >= ?")
        exact_sql.append(f"({t}.minx <= ? AND {t}.maxx >= ? AND {t}.miny <= ? "
                         f"AND {t}.maxy >= ?)")
        index_params += [maxx, minx, maxy, miny]
        exact_params += [maxx, minx, maxy, miny]
    return index_sql, index_params, exact_sql, exact_params


class FeatureReads:
    """Read queries on published features (mixed into the store's Reader)."""

    conn: sqlite3.Connection
    dialect = "sqlite"
    #: The worker's in-memory bounds (store/bounds.py) and rendered features
    #: (store/texts.py): set on a Store's readers only.
    bounds: Any = None
    texts: Any = None
    #: True on a reader (one snapshot); a writer's version moves as it writes.
    snapshot = False
    _version: tuple[int, str | None] | None = None
    _VERSION_SQL = "SELECT seq, at FROM changes ORDER BY seq DESC LIMIT 1"

    def _where(self, f: FeatureFilter) -> tuple[str, list[Any]]:
        return _where(f, self.dialect)

    def version(self) -> tuple[int, str | None]:
        """The content version: the last change's sequence number and time (read once
        by a reader: its snapshot does not change)."""
        if self._version is None or not self.snapshot:
            self.keep_version(self.conn.execute(self._VERSION_SQL).fetchone())
        return self._version  # type: ignore[return-value]

    def keep_version(self, row: Any) -> None:
        """Take the version from a row of _VERSION_SQL (None: no change yet)."""
        self._version = (row["seq"], row["at"]) if row else (0, None)

    def count(self, f: FeatureFilter) -> int:
        """How many features match the filter."""
        where, params = self._where(f)
        return self.conn.execute(
            f"SELECT count(*) FROM features f WHERE {where}", params).fetchone()[0]  # noqa: S608

    def page(self, f: FeatureFilter, lang: str, limit: int, offset: int,
             base: str | None = None) -> tuple[str, int]:
        """One page of rendered features in id order (links absolute under base when
        given): their JSON joined by commas, and how many there are. On a Store's reader
        the page's rowids come from the index and the texts from the worker's memory
        (store/texts.py), the rest by SQL."""
        if self.texts is None:
            text, n = self._page_sql(f, lang, limit, offset)
            return finish(text, base), n
        rowids = self._page_rowids(f, limit, offset)
        texts = self.json_by_rowid(rowids, lang, base)
        return ",".join(map(texts.__getitem__, rowids)), len(rowids)

    def _page_rowids(self, f: FeatureFilter, limit: int, offset: int) -> list[int]:
        """The rowids of one page in id order (one aggregated row, see _page_sql())."""
        where, params = self._where(f)
        row = self.conn.execute(
            "SELECT json_group_array(rowid) FROM (SELECT f.rowid FROM features f "  # noqa: S608
            f"WHERE {where} ORDER BY f.id LIMIT ? OFFSET ?)", [*params, limit, offset]
        ).fetchone()
        return json.loads(row[0])

    def _page_sql(self, f: FeatureFilter, lang: str, limit: int, offset: int
                  ) -> tuple[str, int]:
        """page() by SQL alone.

        Aggregated inside SQLite so the page comes back in a single step: Python's
        sqlite3 releases the GIL on every row, and with several busy threads each
        release can wait a whole switch interval (a convoy that cut 1000-feature
        pages to a fifth). The ordered subquery fixes group_concat's order.
        """
        where, params = self._where(f)
        col = JSON_COLUMN[lang]
        row = self.conn.execute(
            f"SELECT group_concat(j, ','), count(*) FROM (SELECT f.{col} AS j "  # noqa: S608
            f"FROM features f WHERE {where} ORDER BY f.id LIMIT ? OFFSET ?)",
            [*params, limit, offset]).fetchone()
        return row[0] or "", row[1]

    def candidates(self, f: FeatureFilter, boxes: Sequence[tuple[float, float, float, float]]
                   ) -> list[Candidate]:
        """Features whose float64 bounds meet any of the boxes, in id order."""
        where, params = self._where(f)
        if not boxes:
            return []
        index_sql, index_params, exact_sql, exact_params = _box_sql(boxes)
        # The R*Tree drives the query (CROSS JOIN keeps it the outer loop: otherwise
        # SQLite walks every feature of the collection to keep id order), then the
        # float64 bounds make the test exact. One aggregated row rather than one step
        # per candidate (see page()). Only constant fragments are joined in; every
        # value is a bound parameter.
        row = self.conn.execute(
            "SELECT json_group_array(json_array(rowid, id, geom_type, minx, miny, maxx, maxy, "  # noqa: S608
            "geometry, municipality)) FROM (SELECT f.rowid, f.id, f.geom_type, f.minx, f.miny, "
            "f.maxx, f.maxy, f.municipality, "
            "CASE WHEN f.geom_type = 'Point' THEN NULL ELSE f.geometry END AS geometry "
            f"FROM ({' UNION '.join(index_sql)}) AS r CROSS JOIN features f ON f.rowid = r.id "
            f"WHERE {where} AND ({' OR '.join(exact_sql)}) ORDER BY f.id)",
            [*index_params, *params, *exact_params]).fetchone()
        return [Candidate(*values) for values in json.loads(row[0])]

    def near_candidates(self, f: FeatureFilter, lon: float, lat: float, radius_m: float
                        ) -> list[Candidate]:
        """Features that may lie within radius_m of (lon, lat), in id order: every one
        that does, perhaps a few more (the caller measures each exactly). Here the
        R*Tree is searched with degree boxes that surely hold the circle."""
        return self.candidates(f, geo.degree_box(lon, lat, radius_m))

    def corridor_candidates(self, f: FeatureFilter, line: Any, within_m: float
                            ) -> list[Candidate]:
        """Features that may lie within within_m of a line (shapely), in id order:
        every one that does, perhaps a few more (the caller measures each exactly).
        Here the R*Tree is searched with one widened box per run of the line."""
        return self.candidates(f, geo.corridor_boxes(line, within_m))

    def bbox_matches(self, f: FeatureFilter,
                     boxes: Sequence[tuple[float, float, float, float]]
                     ) -> tuple[list[int], dict[int, str]]:
        """Rowids of the features whose float64 bounds meet any of the boxes, in id
        order, and the GeoJSON geometry of those among them that are not points.

        For a point the bounds test is already exact, so a page of a bbox query needs
        nothing more of a point than its rowid: one light aggregated row, whatever the
        number of matches (see candidates(), which carries every bound for near= and
        trail=).
        """
        if not boxes:
            return [], {}
        if f == FeatureFilter(collection=f.collection):
            found = self.bounds.matches(self, f.collection, boxes) if self.bounds else None
            if found is not None:  # from the worker's in-memory bounds (store/bounds.py)
                rowids, lines = found
                return rowids, self.geometries_by_rowid(lines)
        return self._bbox_sql(f, boxes)

    def _bbox_sql(self, f: FeatureFilter, boxes: Sequence[tuple[float, float, float, float]]
                  ) -> tuple[list[int], dict[int, str]]:
        """bbox_matches() by SQL: the R*Tree, then the exact float64 bounds."""
        if f == FeatureFilter(collection=f.collection):
            return self._bbox_bounds_only(f.collection, boxes)
        where, params = self._where(f)
        index_sql, index_params, exact_sql, exact_params = _box_sql(boxes)
        row = self.conn.execute(
            "SELECT group_concat(rowid), json_group_object(rowid, geometry) "  # noqa: S608
            "FILTER (WHERE geom_type != 'Point') FROM (SELECT f.rowid, f.geom_type, "
            "CASE WHEN f.geom_type = 'Point' THEN NULL ELSE f.geometry END AS geometry "
            f"FROM ({' UNION '.join(index_sql)}) AS r CROSS JOIN features f ON f.rowid = r.id "
            f"WHERE {where} AND ({' OR '.join(exact_sql)}) ORDER BY f.id)",
            [*index_params, *params, *exact_params]).fetchone()
        rowids = [int(r) for r in row[0].split(",")] if row[0] else []
        shapes = {int(k): v for k, v in json.loads(row[1]).items()} if row[1] else {}
        return rowids, shapes

    def geometries_by_rowid(self, rowids: Sequence[int]) -> dict[int, str]:
        """The GeoJSON geometry of each given feature."""
        out: dict[int, str] = {}
        for start in range(0, len(rowids), 500):
            chunk = list(rowids[start:start + 500])
            marks = ", ".join("?" for _ in chunk)
            out.update((r[0], r[1]) for r in self.conn.execute(
                f"SELECT rowid, geometry FROM features WHERE rowid IN ({marks})", chunk))  # noqa: S608
        return out

    def located_bounds(self, collection: str) -> list[Any]:
        """(rowid, id, is_point, minx, miny, maxx, maxy) of every located feature of a
        collection (for store/bounds.py), from the narrow feature_bounds."""
        return self.conn.execute(
            "SELECT rowid, id, geom_type = 'Point', minx, miny, maxx, maxy FROM "
            "feature_bounds WHERE collection = ?", [collection]).fetchall()

    def located_bounds_of(self, collection: str, ids: Sequence[str]
                          ) -> dict[str, Any | None]:
        """As located_bounds(), for the given ids: None for one that is gone or has
        no location."""
        out: dict[str, Any | None] = dict.fromkeys(ids)
        if not ids:  # (PostgreSQL refuses an empty IN list)
            return out
        marks = ", ".join("?" for _ in ids)
        for row in self.conn.execute(
                "SELECT rowid, id, geom_type = 'Point', minx, miny, maxx, maxy "  # noqa: S608
                f"FROM features WHERE collection = ? AND id IN ({marks}) AND minx IS NOT NULL",
                [collection, *ids]):
            out[row[1]] = tuple(row)
        return out

    def _bbox_bounds_only(self, collection: str,
                          boxes: Sequence[tuple[float, float, float, float]]
                          ) -> tuple[list[int], dict[int, str]]:
        """bbox_matches() of a whole collection, read from the narrow feature_bounds
        (some sixty rows a page) rather than features (a row of a few KB, a page per
        match); only a line's or area's geometry is read from features."""
        index_sql, index_params, exact_sql, exact_params = _box_sql(boxes, "b")
        row = self.conn.execute(
            "SELECT group_concat(rowid), json_group_object(rowid, geometry) "  # noqa: S608
            "FILTER (WHERE geom_type != 'Point') FROM (SELECT b.rowid, b.geom_type, "
            "CASE WHEN b.geom_type = 'Point' THEN NULL ELSE "
            "(SELECT geometry FROM features WHERE rowid = b.rowid) END AS geometry "
            f"FROM ({' UNION '.join(index_sql)}) AS r CROSS JOIN feature_bounds b "
            f"ON b.rowid = r.id WHERE b.collection = ? AND ({' OR '.join(exact_sql)}) "
            "ORDER BY b.id)",
            [*index_params, collection, *exact_params]).fetchone()
        rowids = [int(r) for r in row[0].split(",")] if row[0] else []
        shapes = {int(k): v for k, v in json.loads(row[1]).items()} if row[1] else {}
        return rowids, shapes

    def json_by_rowid(self, rowids: Sequence[int], lang: str, base: str | None = None
                      ) -> dict[int, str]:
        """Rendered features for the given rowids, their links made absolute under base
        when it is given: from the worker's memory of them (store/texts.py) on a Store's
        reader, the rest in one step by SQL."""
        if self.texts is not None:
            return self.texts.by_rowid(self, rowids, (lang, base),
                                       lambda missing: self._texts_sql(missing, lang))
        return {r: finish(t, base) for r, (_c, _i, t) in self._texts_sql(rowids, lang).items()}

    def _texts_sql(self, rowids: Sequence[int], lang: str
                   ) -> dict[int, tuple[str, str, str]]:
        """rowid → (collection, id, rendered JSON), fetched in one step (see page())."""
        col = JSON_COLUMN[lang]
        row = self.conn.execute(
            "SELECT group_concat(rowid || char(31) || collection || char(31) || id "  # noqa: S608
            f"|| char(31) || {col}, char(30)) FROM features "
            "WHERE rowid IN (SELECT value FROM json_each(?))", [json.dumps(list(rowids))]
        ).fetchone()
        # Rendered JSON escapes control characters, and collections and ids are plain
        # (records.ID_PATTERN), so U+001E and U+001F occur only as separators.
        out = {}
        for part in row[0].split("\x1e") if row[0] else []:
            rowid, collection, fid, text = part.split("\x1f", 3)
            out[int(rowid)] = (collection, fid, text)
        return out

    def feature_json(self, collection: str, feature_id: str, lang: str,
                     base: str | None = None) -> str | None:
        """One rendered feature (links absolute under base when given), or None; from
        the worker's memory when it has it."""
        if self.texts is not None:
            return self.texts.by_id(self, collection, feature_id, (lang, base),
                                    lambda: self._text_sql(collection, feature_id, lang))
        found = self._text_sql(collection, feature_id, lang)
        return finish(found[1], base) if found is not None else None

    def _text_sql(self, collection: str, feature_id: str, lang: str
                  ) -> tuple[int, str] | None:
        """(rowid, rendered JSON) of one feature, or None."""
        col = JSON_COLUMN[lang]
        row = self.conn.execute(
            f"SELECT rowid, {col} FROM features WHERE collection = ? AND id = ?",  # noqa: S608
            [collection, feature_id]).fetchone()
        return (row[0], row[1]) if row else None

    def feature_row(self, collection: str, feature_id: str) -> dict[str, Any] | None:
        """The stored row of one feature (record, geometry, times), or None."""
        row = self.conn.execute(
            "SELECT id, collection, municipality, kind, accuracy, geometry, geom_type, "
            "created, updated, record, content_hash FROM features "
            "WHERE collection = ? AND id = ?", [collection, feature_id]).fetchone()
        return dict(row) if row else None

    def records(self, collection: str | None = None) -> list[dict[str, Any]]:
        """Every stored row's record and times (for re-rendering and exports)."""
        sql = "SELECT collection, id, created, updated, record, content_hash FROM features"
        params: list[Any] = []
        if collection is not None:
            sql += " WHERE collection = ?"
            params.append(collection)
        return [dict(r) for r in self.conn.execute(sql + " ORDER BY collection, id", params)]

    def extent(self, collection: str) -> dict[str, Any]:
        """Spatial bounds and update-time range of a collection."""
        row = self.conn.execute(
            "SELECT min(minx), min(miny), max(maxx), max(maxy), min(time_start), max(time_end), "
            "count(*) FROM features WHERE collection = ?", [collection]).fetchone()
        return {"bbox": None if row[0] is None else [row[0], row[1], row[2], row[3]],
                "interval": [row[4], row[5]], "count": row[6]}

    def related_counts(self, place_id: str) -> dict[str, int]:
        """How many published stories and activities hang off a place."""
        rows = self.conn.execute(
            "SELECT collection, count(*) FROM features WHERE place_id = ? "
            "AND collection IN ('stories', 'activities') GROUP BY collection", [place_id])
        counts = {"stories": 0, "activities": 0}
        counts.update({r[0]: r[1] for r in rows})
        return counts

    def latest_published(self, place_id: str) -> str | None:
        """When the newest published story or activity of a place was published."""
        row = self.conn.execute(
            "SELECT max(json_extract(record, '$.attrs.published')) FROM features "
            "WHERE place_id = ? AND collection IN ('stories', 'activities')",
            [place_id]).fetchone()
        return row[0] if row else None

    def integrity_check(self) -> str:
        """PRAGMA integrity_check's answer."""
        return self.conn.execute("PRAGMA integrity_check").fetchone()[0]


class FeatureWrites:
    """Writes of published features (mixed into the store's Writer)."""

    conn: sqlite3.Connection

    def upsert_feature(self, row: dict[str, Any]) -> bool:
        """Insert or update one feature; True when something changed.

        An unchanged feature (same content_hash) is left alone, so re-loading the
        same data writes nothing and adds nothing to the change log.
        """
        cur = self.conn.execute(
            """
            INSERT INTO features (collection, id, municipality, kind, accuracy, geometry,
                geom_type, minx, miny, maxx, maxy, time_start, time_end, created, updated,
                content_hash, record, search_text, json_sv, json_en, json_tn, place_id)
            VALUES (:collection, :id, :municipality, :kind, :accuracy, :geometry,
                :geom_type, :minx, :miny, :maxx, :maxy, :time_start, :time_end, :created,
                :updated, :content_hash, :record, :search_text, :json_sv, :json_en, :json_tn,
                :place_id)
            ON CONFLICT (collection, id) DO UPDATE SET
                municipality = excluded.municipality, kind = excluded.kind,
                accuracy = excluded.accuracy, geometry = excluded.geometry,
                geom_type = excluded.geom_type, minx = excluded.minx, miny = excluded.miny,
                maxx = excluded.maxx, maxy = excluded.maxy, time_start = excluded.time_start,
                time_end = excluded.time_end, updated = excluded.updated,
                content_hash = excluded.content_hash, record = excluded.record,
                search_text = excluded.search_text, json_sv = excluded.json_sv,
                json_en = excluded.json_en, json_tn = excluded.json_tn,
                place_id = excluded.place_id
            WHERE features.content_hash != excluded.content_hash
            """, row)
        return cur.rowcount > 0

    def rerender(self, collection: str, feature_id: str, rendered: dict[str, str]) -> None:
        """Replace the rendered JSON of one feature.

        This is logged as a change like any other: the representation changed, so
        ETags and sync cursors must move on.
        """
        self.conn.execute(
            "UPDATE features SET json_sv = ?, json_en = ?, json_tn = ? "
            "WHERE collection = ? AND id = ?",
            [rendered["sv"], rendered["en"], rendered["tn"], collection, feature_id])

    def optimize_text_index(self) -> None:
        """Rewrite the full-text index without its delete markers, so that words of a
        deleted or edited feature do not stay in the index's old segments."""
        self.conn.execute("INSERT INTO features_fts (features_fts) VALUES ('optimize')")

    def delete_feature(self, collection: str, feature_id: str) -> bool:
        """Delete one feature; True when it existed."""
        cur = self.conn.execute(
            "DELETE FROM features WHERE collection = ? AND id = ?", [collection, feature_id])
        return cur.rowcount > 0
