"""SQL for young surveyors' position fixes and walked tracks (never public)."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

_PERSON = ("pseudonym", "age_band", "consent_by", "consent_notice_version", "credit",
           "token_hash", "install_hash", "idempotency_key_hash", "request_hash",
           "received_on", "decided_on", "rejection_reason")
_FIX = ("id", "place_id", "municipality", "status", "lon", "lat", "accuracy_m", "method",
        "observed_on", "note", "photo_file", "photo_thumb", "people_in_media",
        "people_consented", *_PERSON)
_TRACK = ("id", "trail_id", "municipality", "status", "stages", "geometry", "length_m",
          "coverage", "points_in", "points_out", "observed_on", "note", *_PERSON)
_TABLES = {"fix": ("survey_fixes", _FIX), "track": ("survey_tracks", _TRACK)}


def _table(kind: str) -> tuple[str, tuple[str, ...]]:
    return _TABLES[kind]  # a KeyError for anything but the two constant names


class SurveyReads:
    """Read queries on fixes and tracks (mixed into the Reader)."""

    conn: sqlite3.Connection

    def survey_item(self, kind: str, item_id: str) -> dict[str, Any] | None:
        """A fix or track ('fix' / 'track') by id, or None."""
        table, _ = _table(kind)
        row = self.conn.execute(f"SELECT * FROM {table} WHERE id = ?",  # noqa: S608
                                [item_id]).fetchone()
        return dict(row) if row else None

    def survey_item_by_idempotency(self, kind: str, key_hash: str) -> dict[str, Any] | None:
        table, _ = _table(kind)
        row = self.conn.execute(f"SELECT * FROM {table} WHERE "  # noqa: S608
                                "idempotency_key_hash = ?", [key_hash]).fetchone()
        return dict(row) if row else None

    def survey_token_known(self, token_hash: str) -> bool:
        """Was this token given for any fix or track still stored?"""
        return self.conn.execute(
            "SELECT EXISTS (SELECT 1 FROM survey_fixes WHERE token_hash = ?) "
            "OR EXISTS (SELECT 1 FROM survey_tracks WHERE token_hash = ?)",
            [token_hash, token_hash]).fetchone()[0] == 1

    def fixes_of_place(self, place_id: str, statuses: tuple[str, ...] = ("pending",)
                       ) -> list[dict[str, Any]]:
        """A place's fixes with these statuses, oldest first."""
        rows = self.conn.execute(
            "SELECT * FROM survey_fixes WHERE place_id = ? AND status IN "
            "(SELECT value FROM json_each(?)) ORDER BY seq",
            [place_id, json.dumps(list(statuses))])
        return [dict(r) for r in rows]

    def fix_positions(self, municipalities: list[str]) -> list[dict[str, Any]]:
        """Every pending fix of some municipalities (the consensus input): place, voter
        keys, position and accuracy."""
        rows = self.conn.execute(
            "SELECT id, place_id, municipality, token_hash, install_hash, lon, lat, "
            "accuracy_m FROM survey_fixes WHERE status = 'pending' AND municipality IN "
            "(SELECT value FROM json_each(?)) ORDER BY place_id, seq",
            [json.dumps(municipalities)])
        return [dict(r) for r in rows]

    def tracks_of_trail(self, trail_id: str, statuses: tuple[str, ...] = ("pending",)
                        ) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT * FROM survey_tracks WHERE trail_id = ? AND status IN "
            "(SELECT value FROM json_each(?)) ORDER BY seq",
            [trail_id, json.dumps(list(statuses))])
        return [dict(r) for r in rows]

    def track_counts(self, municipalities: list[str]) -> dict[str, dict[str, int]]:
        """Per trail: how many tracks are pending and published."""
        rows = self.conn.execute(
            "SELECT trail_id, status, count(*) AS n FROM survey_tracks WHERE municipality IN "
            "(SELECT value FROM json_each(?)) GROUP BY trail_id, status",
            [json.dumps(municipalities)])
        out: dict[str, dict[str, int]] = {}
        for r in rows:
            out.setdefault(r["trail_id"], {})[r["status"]] = r["n"]
        return out

    def survey_items_expired(self, kind: str, decided_before: str, received_before: str
                             ) -> list[dict[str, Any]]:
        """Fixes or tracks whose place or trail was decided before a day, or still
        pending since before another (the retention job)."""
        table, _ = _table(kind)
        rows = self.conn.execute(
            f"SELECT * FROM {table} WHERE (decided_on IS NOT NULL AND decided_on < ?) "  # noqa: S608
            "OR (status = 'pending' AND received_on < ?)", [decided_before, received_before])
        return [dict(r) for r in rows]

    def survey_files(self) -> set[str]:
        """Every stored fix photo file name (for the retention job's orphan sweep)."""
        rows = self.conn.execute("SELECT photo_file, photo_thumb FROM survey_fixes")
        return {name for r in rows for name in r if name}

    def credited_pseudonyms(self, kind: str, target_id: str) -> list[str]:
        """Pseudonyms of accepted fixes (or published tracks) that asked for credit."""
        table, _ = _table(kind)
        column = "place_id" if kind == "fix" else "trail_id"
        status = "accepted" if kind == "fix" else "published"
        rows = self.conn.execute(
            f"SELECT DISTINCT pseudonym FROM {table} WHERE {column} = ? "  # noqa: S608
            "AND status = ? AND credit = 1 ORDER BY pseudonym", [target_id, status])
        return [r["pseudonym"] for r in rows]


class SurveyWrites:
    """Writes of fixes and tracks (mixed into the store's Writer)."""

    conn: sqlite3.Connection

    def insert_survey_item(self, kind: str, row: dict[str, Any]) -> None:
        table, columns = _table(kind)
        self.conn.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608 - constant names
            f"VALUES ({', '.join('?' for _ in columns)})", [row.get(c) for c in columns])

    def delete_survey_item(self, kind: str, item_id: str) -> None:
        table, _ = _table(kind)
        self.conn.execute(f"DELETE FROM {table} WHERE id = ?", [item_id])  # noqa: S608

    def decide_fixes(self, place_id: str, accepted: list[str], day: str,
                     reason: str | None) -> None:
        """Close a place's pending fixes: the ones named accepted, the others rejected
        (with the reason), all decided on this day."""
        self.conn.execute(
            "UPDATE survey_fixes SET status = CASE WHEN id IN (SELECT value FROM json_each(?)) "
            "THEN 'accepted' ELSE 'rejected' END, decided_on = ?, "
            "rejection_reason = CASE WHEN id IN (SELECT value FROM json_each(?)) THEN NULL "
            "ELSE ? END WHERE place_id = ? AND status = 'pending'",
            [json.dumps(accepted), day, json.dumps(accepted), reason, place_id])

    def decide_tracks(self, trail_id: str, published: list[str], day: str,
                      reason: str | None) -> None:
        """Close tracks of a trail: the ones named published, the other pending ones
        rejected with the reason; tracks published before stay published."""
        self.conn.execute(
            "UPDATE survey_tracks SET status = CASE WHEN id IN (SELECT value FROM json_each(?)) "
            "THEN 'published' ELSE 'rejected' END, decided_on = ?, rejection_reason = "
            "CASE WHEN id IN (SELECT value FROM json_each(?)) THEN NULL ELSE ? END "
            "WHERE trail_id = ? AND (status = 'pending' OR id IN (SELECT value FROM json_each(?)))",
            [json.dumps(published), day, json.dumps(published), reason, trail_id,
             json.dumps(published)])

    def reject_track(self, track_id: str, day: str, reason: str) -> None:
        self.conn.execute("UPDATE survey_tracks SET status = 'rejected', decided_on = ?, "
                          "rejection_reason = ? WHERE id = ?", [day, reason, track_id])
