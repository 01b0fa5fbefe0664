"""SQL for delta sync: the change log read by cursor, and its compaction."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any

from ..domain import SHARED_COLLECTIONS
from .features import JSON_COLUMN
from .where import Where

#: A municipality's changes: its own, those of the collections both towns share, and
#: those of a joint activity (issue 13), whose change rows say '*' (SHARED_CHANGE).
SHARED_CHANGE = "*"
_OF_MUNICIPALITY = ("(municipality = ? OR municipality = '*' "
                    "OR collection IN (SELECT value FROM json_each(?)))")


class SyncReads:
    """Read queries on the change log (mixed into the store's Reader)."""

    conn: sqlite3.Connection

    def sync_floor(self) -> int:
        """The oldest cursor still answerable (changes before it were compacted away)."""
        row = self.conn.execute("SELECT value FROM sync_state WHERE key = 'floor'").fetchone()
        return row[0] if row else 0

    def changes_after(self, since: int, until: int, collections: Sequence[str],
                      municipality: str | None, limit: int) -> list[dict[str, Any]]:
        """Change-log rows with since < seq <= until, oldest first, at most limit."""
        w = (Where().add("seq > ?", since).add("seq <= ?", until)
             .when_in(collections, "collection IN (SELECT value FROM json_each(?))"))
        if municipality is not None:
            w.add(_OF_MUNICIPALITY, municipality, json.dumps(SHARED_COLLECTIONS))
        rows = self.conn.execute(
            f"SELECT seq, collection, feature_id, op FROM changes "  # noqa: S608
            f"WHERE {w.sql} ORDER BY seq LIMIT ?", [*w.params, limit])
        return [dict(r) for r in rows]

    def features_json(self, keys: Sequence[tuple[str, str]], lang: str
                      ) -> dict[tuple[str, str], str]:
        """Rendered features that still exist, by (collection, id), in one step."""
        if not keys:
            return {}
        col = JSON_COLUMN[lang]
        row = self.conn.execute(
            f"SELECT json_group_array(json_array(f.collection, f.id, f.{col})) "  # noqa: S608
            "FROM json_each(?) AS k JOIN features f "
            "ON f.collection = json_extract(k.value, '$[0]') "
            "AND f.id = json_extract(k.value, '$[1]')",
            [json.dumps([list(k) for k in keys])]).fetchone()
        return {(c, i): text for c, i, text in json.loads(row[0])}

    def municipality_version(self, municipality: str) -> int:
        """The last change that touched a municipality's content (the shared
        collections' changes touch every municipality's)."""
        row = self.conn.execute(
            f"SELECT max(seq) FROM changes WHERE {_OF_MUNICIPALITY}",  # noqa: S608
            [municipality, json.dumps(SHARED_COLLECTIONS)]).fetchone()
        return row[0] or 0


class SyncWrites:
    """Compaction of the change log (mixed into the store's Writer)."""

    conn: sqlite3.Connection

    def share_changes(self, collection: str, feature_id: str) -> None:
        """Mark a feature's changes (tombstone included) as every town's: a joint
        activity is carried by both towns' syncs and packs."""
        self.conn.execute("UPDATE changes SET municipality = ? WHERE collection = ? "
                          "AND feature_id = ?", [SHARED_CHANGE, collection, feature_id])

    def jump_change_sequence(self, by: int) -> int:
        """Move the change sequence on by `by` and make the jump the new floor: a
        marker row (in no public collection) takes the first new number."""
        row = self.conn.execute("SELECT max(seq) FROM changes").fetchone()
        start = (row[0] or 0) + by
        self.conn.execute(
            "INSERT INTO changes (seq, collection, feature_id, op, at) VALUES "
            "(?, '_restore', '', 'upsert', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))", [start])
        self.conn.execute("UPDATE sync_state SET value = ? WHERE key = 'floor'", [start])
        return start

    def drop_superseded_changes(self) -> int:
        """Forget changes that a later change of the same feature makes redundant.

        Always safe: a client behind either change still receives the later one.
        """
        return self.conn.execute(
            "DELETE FROM changes WHERE seq NOT IN (SELECT max(seq) FROM changes "
            "GROUP BY collection, feature_id)").rowcount

    def drop_tombstones_before(self, at: str) -> int:
        """Forget delete markers older than a time; raise the floor past them."""
        row = self.conn.execute(
            "SELECT max(seq) FROM changes WHERE op = 'delete' AND at < ?", [at]).fetchone()
        if row[0] is None:
            return 0
        dropped = self.conn.execute(
            "DELETE FROM changes WHERE op = 'delete' AND seq <= ?", [row[0]]).rowcount
        self.conn.execute("UPDATE sync_state SET value = max(value, ?) WHERE key = 'floor'",
                          [row[0]])
        return dropped
