"""SQL for twin places (issue 13): pairings of a place in one town with one in the other."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from .where import Where

_COLUMNS = ("id", "status", "place_id", "municipality", "twin_place_id",
            "twin_municipality", "theme", "text", "proposed_by", "proposed_at",
            "accepted_by", "accepted_at", "ended_by", "ended_at", "updated")
# Columns a decision may set (constants; never taken from a request).
_DECISION_COLUMNS = ("status", "accepted_by", "accepted_at", "ended_by", "ended_at",
                     "updated")


class TwinReads:
    """Read queries on twins (mixed into the store's Reader)."""

    conn: sqlite3.Connection

    def twin(self, twin_id: str) -> dict[str, Any] | None:
        """One twin row, or None."""
        row = self.conn.execute("SELECT * FROM twins WHERE id = ?", [twin_id]).fetchone()
        return dict(row) if row else None

    def twins(self, municipalities: list[str] | None = None, status: str | None = None
              ) -> list[dict[str, Any]]:
        """Twins that involve any of these municipalities (either side), oldest first."""
        w = Where().when(status, "status = ?")
        if municipalities is not None:
            w.add("(municipality IN (SELECT value FROM json_each(?)) OR twin_municipality "
                  "IN (SELECT value FROM json_each(?)))", json.dumps(municipalities),
                  json.dumps(municipalities))
        rows = self.conn.execute(
            f"SELECT * FROM twins WHERE {w.sql} ORDER BY proposed_at, id",  # noqa: S608
            w.params)
        return [dict(r) for r in rows]

    def twins_of_place(self, place_id: str, status: str = "active") -> list[dict[str, Any]]:
        """The twins a place is part of (either side) in a status, oldest first."""
        rows = self.conn.execute(
            "SELECT * FROM twins WHERE status = ? AND (place_id = ? OR twin_place_id = ?) "
            "ORDER BY accepted_at, id", [status, place_id, place_id])
        return [dict(r) for r in rows]

    def open_twin(self, place_id: str, twin_place_id: str) -> dict[str, Any] | None:
        """A proposed or active twin of these two places (either way round), or None."""
        row = self.conn.execute(
            "SELECT * FROM twins WHERE status IN ('proposed', 'active') AND "
            "((place_id = ? AND twin_place_id = ?) OR (place_id = ? AND twin_place_id = ?))",
            [place_id, twin_place_id, twin_place_id, place_id]).fetchone()
        return dict(row) if row else None


class TwinWrites:
    """Writes of twins (mixed into the store's Writer)."""

    conn: sqlite3.Connection

    def insert_twin(self, row: dict[str, Any]) -> None:
        """Store a new twin (every column named)."""
        self.conn.execute(
            f"INSERT INTO twins ({', '.join(_COLUMNS)}) "  # noqa: S608 - constant names
            f"VALUES ({', '.join('?' for _ in _COLUMNS)})", [row.get(c) for c in _COLUMNS])

    def set_twin(self, twin_id: str, **values: Any) -> None:
        """Change a twin's decision columns (only the known ones)."""
        unknown = set(values) - set(_DECISION_COLUMNS)
        if unknown:
            raise ValueError(f"not twin decision columns: {sorted(unknown)}")
        cols = [c for c in _DECISION_COLUMNS if c in values]
        self.conn.execute(
            f"UPDATE twins SET {', '.join(f'{c} = ?' for c in cols)} "  # noqa: S608
            "WHERE id = ?", [*(values[c] for c in cols), twin_id])

