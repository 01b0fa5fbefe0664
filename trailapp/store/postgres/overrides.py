"""The store's queries that SQLite and PostgreSQL cannot share, written for PostgreSQL:
aggregating a page into one row (string_agg/json_agg for SQLite's group_concat and
json_group_array), the spatial index (PostGIS GiST for the R*Tree), the change log's
commit-time numbers, and SQLite's own pragmas. Each method keeps the contract of the
SQLite method it replaces (same arguments, same answer); tests/test_postgres.py and
the whole suite run on both stores.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ... import geo
from ..features import JSON_COLUMN, Candidate, FeatureFilter, _where

_BOX = "f.geom && ST_MakeEnvelope(?, ?, ?, ?, 4326)"
#: The candidate columns, as features.candidates() gives them.
_CANDIDATE = ("SELECT f.rowid, f.id, f.geom_type, f.minx, f.miny, f.maxx, f.maxy, "
              "CASE WHEN f.geom_type = 'Point' THEN NULL ELSE f.geometry END, f.municipality "
              "FROM features f")
#: ST_DWithin on geography (the m015 index) measures on the spheroid; the caller then
#: measures each candidate exactly, sometimes in the municipality's metric projection,
#: whose scale differs from the ellipsoid's by well under 1 %: widen the search by that.
_WIDEN = 1.01
_DWITHIN = "ST_DWithin(geography(f.geom), geography(ST_GeomFromGeoJSON(?)), ?)"
_EXACT = "(f.minx <= ? AND f.maxx >= ? AND f.miny <= ? AND f.maxy >= ?)"


def _boxes_sql(boxes: Sequence[tuple[float, float, float, float]]) -> tuple[str, list[float]]:
    """Per box, the GiST test and the exact float64 bounds test (as SQLite's R*Tree
    path does), OR-ed together."""
    parts, params = [], []
    for minx, miny, maxx, maxy in boxes:
        parts.append(f"({_BOX} AND {_EXACT})")
        params += [minx, miny, maxx, maxy, maxx, minx, maxy, miny]
    return "(" + " OR ".join(parts) + ")", params


class PgReads:
    """Read queries written again for PostgreSQL (mixed in before the common ones)."""

    conn: Any
    dialect = "postgresql"
    # A change is numbered as its transaction commits: one still without a number is
    # not part of any version yet.
    _VERSION_SQL = ("SELECT seq, at FROM changes WHERE seq IS NOT NULL "
                    "ORDER BY seq DESC LIMIT 1")

    def _where(self, f: FeatureFilter) -> tuple[str, list[Any]]:
        return _where(f, "postgresql")

    def _page_rowids(self, f: FeatureFilter, limit: int, offset: int) -> list[int]:
        where, params = self._where(f)
        rows = self.conn.execute(
            f"SELECT f.rowid FROM features f WHERE {where} "  # noqa: S608
            "ORDER BY f.id LIMIT ? OFFSET ?", [*params, limit, offset]).fetchall()
        return [r[0] for r in rows]

    def _page_sql(self, f: FeatureFilter, lang: str, limit: int, offset: int
                  ) -> tuple[str, int]:
        where, params = self._where(f)
        col = JSON_COLUMN[lang]
        row = self.conn.execute(
            f"SELECT string_agg(j, ',' ORDER BY id), count(*) FROM (SELECT f.{col} AS j, "  # noqa: S608
            f"f.id FROM features f WHERE {where} ORDER BY f.id LIMIT ? OFFSET ?) AS p",
            [*params, limit, offset]).fetchone()
        return row[0] or "", row[1]

    def candidates(self, f: FeatureFilter, boxes: Sequence[tuple[float, float, float, float]]
                   ) -> list[Candidate]:
        if not boxes:
            return []
        where, params = self._where(f)
        box_sql, box_params = _boxes_sql(boxes)
        rows = self.conn.execute(
            f"{_CANDIDATE} WHERE {where} AND {box_sql} ORDER BY f.id",  # noqa: S608
            [*params, *box_params]).fetchall()
        return [Candidate(*r) for r in rows]

    def near_candidates(self, f: FeatureFilter, lon: float, lat: float, radius_m: float
                        ) -> list[Candidate]:
        where, params = self._where(f)
        point = json.dumps({"type": "Point", "coordinates": [lon, lat]})
        rows = self.conn.execute(
            f"{_CANDIDATE} WHERE {where} AND {_DWITHIN} ORDER BY f.id",  # noqa: S608
            [*params, point, radius_m * _WIDEN + 1]).fetchall()
        return [Candidate(*r) for r in rows]

    def corridor_candidates(self, f: FeatureFilter, line: Any, within_m: float
                            ) -> list[Candidate]:
        """Each run of the line (geo.line_runs) is its own ST_DWithin test, so that the
        index is searched run by run rather than through a long trail's whole box."""
        runs = [json.dumps({"type": "LineString", "coordinates": run})
                for run in geo.line_runs(line)]
        if not runs:
            return []
        where, params = self._where(f)
        reach = within_m * _WIDEN + 1
        tests = " OR ".join([_DWITHIN] * len(runs))
        rows = self.conn.execute(
            f"{_CANDIDATE} WHERE {where} AND ({tests}) ORDER BY f.id",  # noqa: S608
            [*params, *[v for run in runs for v in (run, reach)]]).fetchall()
        return [Candidate(*r) for r in rows]

    def _bbox_sql(self, f: FeatureFilter, boxes: Sequence[tuple[float, float, float, float]]
                  ) -> tuple[list[int], dict[int, str]]:
        where, params = self._where(f)
        box_sql, box_params = _boxes_sql(boxes)
        rows = self.conn.execute(
            "SELECT f.rowid, CASE WHEN f.geom_type = 'Point' THEN NULL ELSE f.geometry END "  # noqa: S608
            f"FROM features f WHERE {where} AND {box_sql} ORDER BY f.id",
            [*params, *box_params]).fetchall()
        return [r[0] for r in rows], {r[0]: r[1] for r in rows if r[1] is not None}

    def located_bounds(self, collection: str) -> list[Any]:
        return self.conn.execute(
            "SELECT rowid, id, geom_type = 'Point', minx, miny, maxx, maxy FROM features "
            "WHERE collection = ? AND minx IS NOT NULL", [collection]).fetchall()

    def _texts_sql(self, rowids: Sequence[int], lang: str
                   ) -> dict[int, tuple[str, str, str]]:
        col = JSON_COLUMN[lang]
        rows = self.conn.execute(
            f"SELECT rowid, collection, id, {col} FROM features "  # noqa: S608
            "WHERE rowid = ANY(?)", [list(rowids)]).fetchall()
        return {r[0]: (r[1], r[2], r[3]) for r in rows}

    def features_json(self, keys: Sequence[tuple[str, str]], lang: str
                      ) -> dict[tuple[str, str], str]:
        if not keys:
            return {}
        col = JSON_COLUMN[lang]
        rows = self.conn.execute(
            f"SELECT f.collection, f.id, f.{col} FROM features f "  # noqa: S608
            "JOIN unnest(?::text[], ?::text[]) AS k(collection, id) "
            "ON f.collection = k.collection AND f.id = k.id",
            [[k[0] for k in keys], [k[1] for k in keys]]).fetchall()
        return {(c, i): text for c, i, text in rows}

    def integrity_check(self) -> str:
        self.conn.execute("SELECT 1")
        return "ok"


class PgWrites:
    """Writes written again for PostgreSQL."""

    conn: Any

    def optimize_text_index(self) -> None:
        """Nothing to do: a GIN index keeps no delete markers of its own."""

    def jump_change_sequence(self, by: int) -> int:
        row = self.conn.execute("SELECT max(seq) FROM changes").fetchone()
        start = (row[0] or 0) + by
        self.conn.execute("SELECT setval('changes_seq', ?)", [start - 1])
        self.conn.execute(
            "INSERT INTO changes (collection, feature_id, op, at) VALUES "
            "('_restore', '', 'upsert', strftime('', 'now'))")
        self.conn.execute("UPDATE sync_state SET value = ? WHERE key = 'floor'", [start])
        return start

    def drop_superseded_changes(self) -> int:
        """As SQLite's, but a change of this transaction (numbered only at commit,
        so still without a number here) supersedes every older one too."""
        return self.conn.execute(
            "DELETE FROM changes c WHERE c.seq IS NOT NULL AND EXISTS (SELECT 1 FROM "
            "changes d WHERE d.collection = c.collection AND d.feature_id = c.feature_id "
            "AND (d.seq > c.seq OR d.seq IS NULL))").rowcount
