"""SQL for contributions, their media, reports and rate-limit events.

Longer than 300 lines because every kind of contribution (stories, activities, the
exchange's questions, replies and translations, challenge answers) shares the one
table: its queries stay together rather than spread by kind.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from .where import Where

_COLUMNS = (
    "id", "kind", "place_id", "municipality", "status", "hidden_reason", "lang", "title",
    "body", "pseudonym", "age_band", "consent_by", "consent_notice_version", "consent_at",
    "people_in_media", "people_consented", "starts_at", "ends_at", "time_zone",
    "meeting_point", "capacity", "flags", "rejection_reason", "token_hash",
    "idempotency_key_hash", "request_hash", "text_hash", "created", "updated", "decided_at",
    "decided_by", "sdg_targets", "unpublished_at", "workshop_id", "parent_id", "joint",
    "content_notes_suggested",
)
_MEDIA_COLUMNS = ("id", "contribution_id", "position", "kind", "media_type", "file",
                  "thumb_file", "bytes", "width", "height", "duration_s")
# Columns a status change may set (constants; never taken from a request).
_STATUS_COLUMNS = ("status", "hidden_reason", "rejection_reason", "decided_at", "updated",
                   "decided_by", "sdg_targets", "unpublished_at", "content_notes")


class ContributionReads:
    """Read queries on contributions (mixed into the store's Reader)."""

    conn: sqlite3.Connection

    def contribution(self, contribution_id: str) -> dict[str, Any] | None:
        """One contribution row, or None."""
        row = self.conn.execute(
            "SELECT * FROM contributions WHERE id = ?", [contribution_id]).fetchone()
        return dict(row) if row else None

    def contribution_by_idempotency(self, key_hash: str) -> dict[str, Any] | None:
        """The contribution a client's idempotency key created, or None."""
        row = self.conn.execute("SELECT * FROM contributions WHERE idempotency_key_hash = ?",
                                [key_hash]).fetchone()
        return dict(row) if row else None

    def media_of(self, contribution_id: str) -> list[dict[str, Any]]:
        """A contribution's media in upload order."""
        rows = self.conn.execute(
            "SELECT * FROM media WHERE contribution_id = ? ORDER BY position",
            [contribution_id])
        return [dict(r) for r in rows]

    def media_by_file(self, file: str) -> dict[str, Any] | None:
        """The media row (and its contribution's status) for a stored file name."""
        row = self.conn.execute(
            "SELECT m.*, c.status AS contribution_status, c.token_hash AS token_hash, "
            "c.municipality AS municipality, "
            "m.thumb_file = ? AS is_thumb FROM media m JOIN contributions c "
            "ON c.id = m.contribution_id WHERE m.file = ? OR m.thumb_file = ?",
            [file, file, file]).fetchone()
        return dict(row) if row else None

    def contributions(self, status: str | None = None, municipality: str | None = None,
                      limit: int = 100) -> list[dict[str, Any]]:
        """Contributions, oldest first, optionally by status and municipality."""
        w = Where().when(status, "status = ?").when(municipality, "municipality = ?")
        rows = self.conn.execute(
            f"SELECT * FROM contributions WHERE {w.sql} "  # noqa: S608
            "ORDER BY created, id LIMIT ?", [*w.params, limit])
        return [dict(r) for r in rows]

    def recent_same_text(self, text_hash: str, since: str) -> int:
        """How many contributions with this normalised text arrived since a time."""
        return self.conn.execute(
            "SELECT count(*) FROM contributions WHERE text_hash = ? AND created >= ?",
            [text_hash, since]).fetchone()[0]

    def expired_contributions(self, before: str) -> list[dict[str, Any]]:
        """Unpublished contributions (pending, rejected, hidden) that arrived, and were
        last taken down if ever published, before a time."""
        rows = self.conn.execute(
            "SELECT * FROM contributions WHERE status IN ('pending', 'rejected', 'hidden') "
            "AND max(created, coalesce(unpublished_at, created)) < ? ORDER BY created",
            [before])
        return [dict(r) for r in rows]

    def sounds_not_reencoded(self, media_type: str) -> list[dict[str, Any]]:
        """Sound files stored in another type than the one every sound is stored in now
        (uploads from before sounds were re-encoded), with their contribution's place."""
        rows = self.conn.execute(
            "SELECT m.*, c.place_id AS place_id, c.status AS contribution_status "
            "FROM media m JOIN contributions c ON c.id = m.contribution_id "
            "WHERE m.kind = 'audio' AND m.media_type != ? ORDER BY m.id", [media_type])
        return [dict(r) for r in rows]

    def media_files(self) -> set[str]:
        """Every stored media file name (full size and thumbnails)."""
        rows = self.conn.execute("SELECT file, thumb_file FROM media")
        return {name for r in rows for name in r if name}

    def approved_of_place(self, place_id: str) -> list[dict[str, Any]]:
        """A place's approved contributions (published at the place's location)."""
        rows = self.conn.execute(
            "SELECT * FROM contributions WHERE place_id = ? AND status = 'approved' "
            "ORDER BY created, id", [place_id])
        return [dict(r) for r in rows]

    def translations_of(self, parent_id: str, status: str | None = None,
                        lang: str | None = None) -> list[dict[str, Any]]:
        """The translations of a text or a place (optionally in one state and language),
        oldest decision first."""
        w = (Where().add("kind = 'translation'").when(parent_id, "parent_id = ?")
             .when(status, "status = ?").when(lang, "lang = ?"))
        rows = self.conn.execute(
            f"SELECT * FROM contributions WHERE {w.sql} "  # noqa: S608
            "ORDER BY coalesce(decided_at, created), id", w.params)
        return [dict(r) for r in rows]

    def first_translations(self, parent_ids: list[str], lang: str
                           ) -> dict[str, dict[str, Any]]:
        """parent id -> its first approved translation into lang (oldest decision
        first, as translations_of orders them), for many texts in one query."""
        w = (Where().add("kind = 'translation'").add("status = 'approved'")
             .add("lang = ?", lang)
             .when_in(parent_ids, "parent_id IN (SELECT value FROM json_each(?))"))
        rows = self.conn.execute(
            f"SELECT * FROM contributions WHERE {w.sql} "  # noqa: S608
            "ORDER BY coalesce(decided_at, created), id", w.params)
        out: dict[str, dict[str, Any]] = {}
        for r in rows:
            out.setdefault(r["parent_id"], dict(r))
        return out

    def untranslated(self, kinds: tuple[str, ...], lang: str, municipality: str | None,
                     limit: int) -> list[dict[str, Any]]:
        """Published texts of these kinds written in another language than lang and
        without an approved translation into it, oldest first."""
        w = (Where().when_in(list(kinds), "c.kind IN (SELECT value FROM json_each(?))")
             .add("c.status = 'approved'").when(lang, "c.lang != ?")
             .when(lang, "NOT EXISTS (SELECT 1 FROM contributions t WHERE "
                         "t.kind = 'translation' AND t.parent_id = c.id AND "
                         "t.status = 'approved' AND t.lang = ?)")
             .when(municipality, "c.municipality = ?"))
        rows = self.conn.execute(
            f"SELECT c.* FROM contributions c WHERE {w.sql} "  # noqa: S608
            "ORDER BY c.decided_at, c.id LIMIT ?", [*w.params, limit])
        return [dict(r) for r in rows]

    def replies_of(self, question_id: str, status: str | None = "approved",
                   limit: int | None = None, offset: int = 0) -> list[dict[str, Any]]:
        """The replies to a question in a status (None: any), in the order they were
        published (then sent)."""
        w = Where().add("parent_id = ?", question_id).add("kind = 'reply'")
        w.when(status, "status = ?")
        rows = self.conn.execute(
            f"SELECT * FROM contributions WHERE {w.sql} "  # noqa: S608 - constant fragments
            "ORDER BY coalesce(decided_at, created), created, id LIMIT ? OFFSET ?",
            # No limit: a count no thread reaches (SQLite's -1 is refused by PostgreSQL).
            [*w.params, 2**62 if limit is None else limit, offset])
        return [dict(r) for r in rows]

    def reply_count(self, question_id: str, status: str = "approved") -> int:
        """How many replies to a question are in a status."""
        return self.conn.execute(
            "SELECT count(*) FROM contributions WHERE parent_id = ? AND kind = 'reply' "
            "AND status = ?", [question_id, status]).fetchone()[0]

    def contribution_count_for_place(self, place_id: str) -> int:
        """How many contributions (any status) belong to a place."""
        return self.conn.execute("SELECT count(*) FROM contributions WHERE place_id = ?",
                                 [place_id]).fetchone()[0]

    def queue(self, municipalities: list[str], status: str | None, kind: str | None,
              flagged: bool | None, reported: bool | None, limit: int, offset: int,
              workshop: str | None = None) -> tuple[list[dict[str, Any]], int]:
        """Contributions for moderation, oldest first, with their report counts."""
        w = (Where().when_in(municipalities, "c.municipality IN (SELECT value FROM json_each(?))")
             .when(status, "c.status = ?").when(kind, "c.kind = ?")
             .when(workshop, "c.workshop_id = ?"))
        if flagged is not None:
            w.add("c.flags != '[]'" if flagged else "c.flags = '[]'")
        if reported is not None:
            w.add("EXISTS (SELECT 1 FROM reports r WHERE r.contribution_id = c.id)" if reported
                  else "NOT EXISTS (SELECT 1 FROM reports r WHERE r.contribution_id = c.id)")
        total = self.conn.execute(
            f"SELECT count(*) FROM contributions c WHERE {w.sql}",  # noqa: S608
            w.params).fetchone()[0]
        rows = self.conn.execute(
            "SELECT c.*, (SELECT count(*) FROM reports r WHERE r.contribution_id = c.id) "  # noqa: S608
            f"AS report_count FROM contributions c WHERE {w.sql} "
            "ORDER BY c.created, c.id LIMIT ? OFFSET ?", [*w.params, limit, offset])
        return [dict(r) for r in rows], total

    def reports_of(self, contribution_id: str) -> list[dict[str, Any]]:
        """A contribution's reports (reasons and notes; reporters stay anonymous)."""
        rows = self.conn.execute(
            "SELECT reason, note, created FROM reports WHERE contribution_id = ? "
            "ORDER BY created", [contribution_id])
        return [dict(r) for r in rows]

    def contribution_stats(self, municipalities: list[str]) -> dict[str, list[dict[str, Any]]]:
        """Counts for the steering group, each grouped one way (no personal data)."""
        scope = "municipality IN (SELECT value FROM json_each(?))"
        param = [json.dumps(municipalities)]
        # Column tuples, not one string: an expression such as substr(created, 1, 7)
        # holds commas of its own.
        groups = {
            "by_municipality": ("municipality", "status"),
            "by_place": ("municipality", "place_id", "status"),
            "by_kind": ("municipality", "kind", "status"),
            "by_language": ("municipality", "lang", "status"),
            "by_age_band": ("municipality", "age_band", "status"),
            "by_month": ("municipality", "substr(created, 1, 7) AS month", "status"),
        }
        out: dict[str, list[dict[str, Any]]] = {}
        for name, columns in groups.items():
            group_by = ", ".join(c.split(" AS ")[-1] for c in columns)
            rows = self.conn.execute(
                f"SELECT {', '.join(columns)}, count(*) AS count FROM contributions "  # noqa: S608
                f"WHERE {scope} GROUP BY {group_by} ORDER BY {group_by}", param)
            out[name] = [dict(r) for r in rows]
        rows = self.conn.execute(
            "SELECT municipality, kind, created, decided_at, status, sdg_targets "  # noqa: S608
            f"FROM contributions WHERE {scope}", param)
        out["decisions"] = [dict(r) for r in rows]
        return out

    def report_count(self, contribution_id: str) -> int:
        """How many distinct clients reported a contribution."""
        return self.conn.execute("SELECT count(*) FROM reports WHERE contribution_id = ?",
                                 [contribution_id]).fetchone()[0]

    def rate_events(self, bucket: str, client: str, since: float) -> list[float]:
        """Times of a client's events in a bucket since a moment, oldest first."""
        rows = self.conn.execute(
            "SELECT at FROM rate_events WHERE bucket = ? AND client = ? AND at >= ? "
            "ORDER BY at", [bucket, client, since])
        return [r[0] for r in rows]


class ContributionWrites:
    """Writes of contributions (mixed into the store's Writer)."""

    conn: sqlite3.Connection

    def insert_contribution(self, row: dict[str, Any]) -> None:
        """Store a new contribution (every column named; unknown keys are refused)."""
        unknown = set(row) - set(_COLUMNS)
        if unknown:
            raise ValueError(f"not contribution columns: {sorted(unknown)}")
        cols = [c for c in _COLUMNS if c in row]
        self.conn.execute(
            f"INSERT INTO contributions ({', '.join(cols)}) "  # noqa: S608 - constant names
            f"VALUES ({', '.join('?' for _ in cols)})", [row[c] for c in cols])

    def insert_media(self, row: dict[str, Any]) -> None:
        """Store one media file's row."""
        self.conn.execute(
            f"INSERT INTO media ({', '.join(_MEDIA_COLUMNS)}) "  # noqa: S608 - constant names
            f"VALUES ({', '.join('?' for _ in _MEDIA_COLUMNS)})",
            [row.get(c) for c in _MEDIA_COLUMNS])

    def replace_media_file(self, media_id: str, file: str, media_type: str, size: int,
                           duration_s: float | None) -> None:
        """Point a media row at a new stored file (a sound encoded anew)."""
        self.conn.execute(
            "UPDATE media SET file = ?, media_type = ?, bytes = ?, duration_s = ? "
            "WHERE id = ?", [file, media_type, size, duration_s, media_id])

    def set_status(self, contribution_id: str, **values: Any) -> None:
        """Change a contribution's status columns (only the known ones)."""
        unknown = set(values) - set(_STATUS_COLUMNS)
        if unknown:
            raise ValueError(f"not status columns: {sorted(unknown)}")
        cols = [c for c in _STATUS_COLUMNS if c in values]
        self.conn.execute(
            f"UPDATE contributions SET {', '.join(f'{c} = ?' for c in cols)} "  # noqa: S608
            "WHERE id = ?", [*(values[c] for c in cols), contribution_id])

    def redact_contribution(self, contribution_id: str, updated: str, title: str | None = None,
                            body: str | None = None, flags: str | None = None) -> None:
        """Replace a contribution's title and/or body (an organiser's redaction), and its
        flags recomputed for the new text."""
        if flags is not None:
            self.conn.execute("UPDATE contributions SET flags = ? WHERE id = ?",
                              [flags, contribution_id])
        if title is not None:
            self.conn.execute("UPDATE contributions SET title = ?, updated = ? WHERE id = ?",
                              [title, updated, contribution_id])
        if body is not None:
            self.conn.execute("UPDATE contributions SET body = ?, updated = ? WHERE id = ?",
                              [body, updated, contribution_id])

    def set_joint(self, contribution_id: str, joint: int, updated: str) -> None:
        """Mark an activity as joint (1) or not (0)."""
        self.conn.execute("UPDATE contributions SET joint = ?, updated = ? WHERE id = ?",
                          [joint, updated, contribution_id])

    def delete_contribution(self, contribution_id: str) -> bool:
        """Delete a contribution; its media rows and reports go with it."""
        cur = self.conn.execute("DELETE FROM contributions WHERE id = ?", [contribution_id])
        return cur.rowcount > 0

    def add_report(self, row: dict[str, Any]) -> bool:
        """Record a report; False when this client had already reported it."""
        cur = self.conn.execute(
            "INSERT INTO reports (contribution_id, reporter, reason, note, created) "
            "VALUES (:contribution_id, :reporter, :reason, :note, :created) "
            "ON CONFLICT DO NOTHING", row)
        return cur.rowcount > 0

    def clear_reports(self, contribution_id: str) -> int:
        """Forget the reports of a contribution (an organiser has looked at it)."""
        return self.conn.execute("DELETE FROM reports WHERE contribution_id = ?",
                                 [contribution_id]).rowcount

    def add_rate_event(self, bucket: str, client: str, at: float) -> int:
        """Count one event for a client in a bucket; return its row id."""
        return int(self.conn.execute(
            "INSERT INTO rate_events (bucket, client, at) VALUES (?, ?, ?) RETURNING rowid",
            [bucket, client, at]).fetchone()[0])

    def remove_rate_events(self, rowids: list[int]) -> None:
        """Give back reserved events (a login that succeeded)."""
        self.conn.execute("DELETE FROM rate_events WHERE rowid IN "
                          "(SELECT CAST(value AS INTEGER) FROM json_each(?))", [json.dumps(rowids)])

    def prune_rate_events(self, before: float) -> int:
        """Forget rate-limit events older than a moment; return how many."""
        return self.conn.execute("DELETE FROM rate_events WHERE at < ?", [before]).rowcount
