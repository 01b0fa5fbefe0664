"""SQL for workshops: organisers' sessions for a group, found by their code's hash."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

_COLUMNS = ("id", "municipality", "name", "code_hash", "expected_participants", "created",
            "created_by", "ends_at", "closed_at")


class WorkshopReads:
    """Read queries on workshops (mixed into the Reader)."""

    conn: sqlite3.Connection

    def workshop(self, workshop_id: str) -> dict[str, Any] | None:
        """A workshop by id (live or ended), or None."""
        row = self.conn.execute("SELECT * FROM workshops WHERE id = ?",
                                [workshop_id]).fetchone()
        return dict(row) if row else None

    def live_workshop_by_code(self, code_hash: str, now: str) -> dict[str, Any] | None:
        """The live (not ended, not closed) workshop with this code hash, or None."""
        row = self.conn.execute(
            "SELECT * FROM workshops WHERE code_hash = ? AND ends_at > ? "
            "AND closed_at IS NULL", [code_hash, now]).fetchone()
        return dict(row) if row else None

    def live_workshops(self, municipalities: list[str], now: str) -> list[dict[str, Any]]:
        """Live workshops of some municipalities, soonest ending first, with how many
        contributions each has had."""
        rows = self.conn.execute(
            "SELECT w.*, (SELECT count(*) FROM contributions c WHERE c.workshop_id = w.id) "
            "AS contributions FROM workshops w WHERE w.municipality IN "
            "(SELECT value FROM json_each(?)) AND w.ends_at > ? AND w.closed_at IS NULL "
            "ORDER BY w.ends_at, w.id", [json.dumps(municipalities), now])
        return [dict(r) for r in rows]


class WorkshopWrites:
    """Writes of workshops (mixed into the store's Writer)."""

    conn: sqlite3.Connection

    def insert_workshop(self, row: dict[str, Any]) -> None:
        """Store a new workshop (every column named)."""
        self.conn.execute(
            f"INSERT INTO workshops ({', '.join(_COLUMNS)}) "  # noqa: S608 - constant names
            f"VALUES ({', '.join('?' for _ in _COLUMNS)})", [row.get(c) for c in _COLUMNS])

    def close_workshop(self, workshop_id: str, at: str) -> None:
        """End a workshop now: its code is no longer accepted."""
        self.conn.execute("UPDATE workshops SET closed_at = ? WHERE id = ? "
                          "AND closed_at IS NULL", [at, workshop_id])

    def delete_workshops_ended_before(self, before: str) -> int:
        """Delete workshops that ended (or were closed) before a time, and the link
        from their contributions; return how many workshops went."""
        ended = "coalesce(min(closed_at, ends_at), ends_at) < ?"
        self.conn.execute(
            "UPDATE contributions SET workshop_id = NULL WHERE workshop_id IN "  # noqa: S608
            f"(SELECT id FROM workshops WHERE {ended})", [before])
        return self.conn.execute(f"DELETE FROM workshops WHERE {ended}",  # noqa: S608
                                 [before]).rowcount
