"""SQL for organiser accounts, sessions, API tokens and the audit log."""

from __future__ import annotations

import sqlite3
from typing import Any

from .where import Where

_AUDIT_COLUMNS = ("at", "organiser_id", "organiser", "action", "object_type", "object_id",
                  "municipality", "before", "after")


class OrganiserReads:
    """Read queries on organisers and the audit log (mixed into the Reader)."""

    conn: sqlite3.Connection

    def organiser_by_name(self, username: str) -> dict[str, Any] | None:
        """An organiser by user name, or None."""
        row = self.conn.execute("SELECT * FROM organisers WHERE username = ?",
                                [username]).fetchone()
        return dict(row) if row else None

    def organiser(self, organiser_id: int) -> dict[str, Any] | None:
        """An organiser by id, or None."""
        row = self.conn.execute("SELECT * FROM organisers WHERE id = ?",
                                [organiser_id]).fetchone()
        return dict(row) if row else None

    def session(self, id_hash: str) -> dict[str, Any] | None:
        """A dashboard session by the hash of its id, or None."""
        row = self.conn.execute("SELECT * FROM sessions WHERE id_hash = ?",
                                [id_hash]).fetchone()
        return dict(row) if row else None

    def api_token(self, token_hash: str) -> dict[str, Any] | None:
        """An API token that has not been revoked, by its hash, or None."""
        row = self.conn.execute(
            "SELECT * FROM api_tokens WHERE token_hash = ? AND revoked IS NULL",
            [token_hash]).fetchone()
        return dict(row) if row else None

    def audit_entries(self, municipalities: list[str] | None, object_id: str | None = None,
                      limit: int = 200) -> list[dict[str, Any]]:
        """Audit entries, newest first; only those of the given municipalities (None:
        all, for admins)."""
        w = (Where().when_in(municipalities, "municipality IN (SELECT value FROM json_each(?))")
             .when(object_id, "object_id = ?"))
        rows = self.conn.execute(
            f"SELECT * FROM audit WHERE {w.sql} "  # noqa: S608
            "ORDER BY id DESC LIMIT ?", [*w.params, limit])
        return [dict(r) for r in rows]


class OrganiserWrites:
    """Writes of organisers, sessions, tokens and audit entries (mixed into the Writer)."""

    conn: sqlite3.Connection

    def insert_organiser(self, row: dict[str, Any]) -> int:
        """Create an organiser; return its id."""
        return int(self.conn.execute(
            "INSERT INTO organisers (username, password_hash, role, municipalities, created) "
            "VALUES (:username, :password_hash, :role, :municipalities, :created) "
            "RETURNING id", row).fetchone()[0])

    def set_password_hash(self, organiser_id: int, password_hash: str) -> None:
        """Replace an organiser's password hash (a rehash or a new password)."""
        self.conn.execute("UPDATE organisers SET password_hash = ? WHERE id = ?",
                          [password_hash, organiser_id])

    def insert_session(self, id_hash: str, organiser_id: int, now: float) -> None:
        """Start a dashboard session."""
        self.conn.execute(
            "INSERT INTO sessions (id_hash, organiser_id, created, last_seen) "
            "VALUES (?, ?, ?, ?)", [id_hash, organiser_id, now, now])

    def touch_session(self, id_hash: str, now: float) -> None:
        """Note that a session was used now (for the idle timeout)."""
        self.conn.execute("UPDATE sessions SET last_seen = ? WHERE id_hash = ?",
                          [now, id_hash])

    def delete_session(self, id_hash: str) -> None:
        """End a session (logout, timeout)."""
        self.conn.execute("DELETE FROM sessions WHERE id_hash = ?", [id_hash])

    def delete_sessions_before(self, idle_before: float, created_before: float) -> int:
        """End every session idle or alive too long; return how many."""
        return self.conn.execute(
            "DELETE FROM sessions WHERE last_seen < ? OR created < ?",
            [idle_before, created_before]).rowcount

    def insert_api_token(self, organiser_id: int, name: str, token_hash: str, now: str) -> int:
        """Store a new API token's hash; return its id."""
        return int(self.conn.execute(
            "INSERT INTO api_tokens (organiser_id, name, token_hash, created) "
            "VALUES (?, ?, ?, ?) RETURNING id", [organiser_id, name, token_hash, now]
        ).fetchone()[0])

    def use_api_token(self, token_id: int, now: str) -> None:
        self.conn.execute("UPDATE api_tokens SET last_used = ? WHERE id = ?", [now, token_id])

    def revoke_api_token(self, token_id: int, organiser_id: int, now: str) -> bool:
        """Revoke one of an organiser's tokens; True when it was live."""
        return self.conn.execute(
            "UPDATE api_tokens SET revoked = ? WHERE id = ? AND organiser_id = ? "
            "AND revoked IS NULL", [now, token_id, organiser_id]).rowcount > 0

    def add_audit(self, row: dict[str, Any]) -> None:
        """Append one audit entry."""
        self.conn.execute(
            f"INSERT INTO audit ({', '.join(_AUDIT_COLUMNS)}) "  # noqa: S608 - constant names
            f"VALUES ({', '.join('?' for _ in _AUDIT_COLUMNS)})",
            [row.get(c) for c in _AUDIT_COLUMNS])

    def erase_from_audit(self, object_id: str) -> int:
        """Blank the before/after of a contribution's entries (its author erased it)."""
        return self.conn.execute(
            "UPDATE audit SET before = '\"erased\"', after = '\"erased\"' "
            "WHERE object_type = 'contribution' AND object_id = ?", [object_id]).rowcount
