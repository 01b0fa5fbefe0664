"""The store's queries that SQLite and PostgreSQL cannot share, written for PostgreSQL:
aggregating a page into one row (string_agg/json_agg for SQLite's group_concat and
json_group_array), the spatial index (PostGIS GiST for the R*Tree), the change log's
commit-time numbers, and SQLite's own pragmas. Each method keeps the contract of the
SQLite method it replaces (same arguments, same answer); tests/test_postgres.py and
the whole suite run on both stores.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ..features import JSON_COLUMN, Candidate, FeatureFilter, _where

_BOX = "f.geom && ST_MakeEnvelope(?, ?, ?, ?, 4326)"
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

    def _where(self, f: FeatureFilter) -> tuple[str, list[Any]]:
        return _where(f, "postgresql")

    def version(self) -> tuple[int, str | None]:
        row = self.conn.execute(
            "SELECT seq, at FROM changes WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        return (row["seq"], row["at"]) if row else (0, None)

    def page(self, f: FeatureFilter, lang: str, limit: int, offset: int) -> tuple[str, int]:
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
            "SELECT f.rowid, f.id, f.geom_type, f.minx, f.miny, f.maxx, f.maxy, "  # noqa: S608
            "CASE WHEN f.geom_type = 'Point' THEN NULL ELSE f.geometry END, f.municipality "
            f"FROM features f WHERE {where} AND {box_sql} ORDER BY f.id",
            [*params, *box_params]).fetchall()
        return [Candidate(*r) for r in rows]

    def bbox_matches(self, f: FeatureFilter,
                     boxes: Sequence[tuple[float, float, float, float]]
                     ) -> tuple[list[int], dict[int, str]]:
        if not boxes:
            return [], {}
        where, params = self._where(f)
        box_sql, box_params = _boxes_sql(boxes)
        rows = self.conn.execute(
            "SELECT f.rowid, CASE WHEN f.geom_type = 'Point' THEN NULL ELSE f.geometry END "  # noqa: S608
            f"FROM features f WHERE {where} AND {box_sql} ORDER BY f.id",
            [*params, *box_params]).fetchall()
        return [r[0] for r in rows], {r[0]: r[1] for r in rows if r[1] is not None}

    def json_by_rowid(self, rowids: Iterable[int], lang: str) -> dict[int, str]:
        col = JSON_COLUMN[lang]
        rows = self.conn.execute(
            f"SELECT rowid, {col} FROM features WHERE rowid = ANY(?)",  # noqa: S608
            [list(rowids)]).fetchall()
        return {r[0]: r[1] for r in rows}

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
