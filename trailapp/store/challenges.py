"""SQL for challenges, the answers to them and the heritage passport's links (issue 14).

An answer's text, media, consent and status are its contribution row (store
contributions); challenge_answers holds only what an answer adds. A passport link holds
a keyed hash of the passport key, never the key.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from .where import Where

_COLUMNS = ("id", "municipality", "place_id", "trail_id", "kind", "status", "texts",
            "options", "correct_option", "created_by", "created", "updated")
# A place's names (JSON, or null), read beside each passport item in the same query.
_NAMES = ("json_extract((SELECT pl.record FROM features pl WHERE pl.collection = 'places' "
          "AND pl.id = {t}.place_id), '$.texts.name') AS names, ")
# Columns an organiser's edit may set (constants; never taken from a request).
_EDIT_COLUMNS = ("status", "texts", "options", "correct_option", "updated")


class ChallengeReads:
    """Read queries on challenges, answers and passports (mixed into the Reader)."""

    conn: sqlite3.Connection

    def challenge(self, challenge_id: str) -> dict[str, Any] | None:
        """One challenge row (the correct option too: never serve it as it is), or None."""
        row = self.conn.execute("SELECT * FROM challenges WHERE id = ?",
                                [challenge_id]).fetchone()
        return dict(row) if row else None

    def challenges(self, municipalities: list[str], status: str | None = None,
                   place_id: str | None = None) -> list[dict[str, Any]]:
        """The challenges of these towns, oldest first."""
        w = Where().when(status, "status = ?").when(place_id, "place_id = ?")
        w.add("municipality IN (SELECT value FROM json_each(?))",
              _json_list(municipalities))
        rows = self.conn.execute(
            f"SELECT * FROM challenges WHERE {w.sql} ORDER BY created, id",  # noqa: S608
            w.params)
        return [dict(r) for r in rows]

    def challenges_at(self, place_id: str) -> list[dict[str, Any]]:
        """The active challenges at a place."""
        rows = self.conn.execute("SELECT * FROM challenges WHERE place_id = ? AND "
                                 "status = 'active' ORDER BY created, id", [place_id])
        return [dict(r) for r in rows]

    def challenge_answer(self, contribution_id: str) -> dict[str, Any] | None:
        """What an answer adds to its contribution, or None."""
        row = self.conn.execute("SELECT * FROM challenge_answers WHERE contribution_id = ?",
                                [contribution_id]).fetchone()
        return dict(row) if row else None

    def passport_answers(self, passport_hash: str) -> list[dict[str, Any]]:
        """The approved answers linked to a passport: place, challenge, its kind and trail."""
        rows = self.conn.execute(
            "SELECT c.id, c.place_id, c.municipality, c.decided_at, ch.id AS challenge_id, "  # noqa: S608 - constants
            f"{_NAMES.format(t='c')}"
            "ch.kind AS challenge_kind, ch.trail_id FROM passport_links p "
            "JOIN contributions c ON c.id = p.item_id "
            "JOIN challenge_answers a ON a.contribution_id = c.id "
            "JOIN challenges ch ON ch.id = a.challenge_id "
            "WHERE p.passport_hash = ? AND p.item_kind = 'answer' "
            "AND c.status = 'approved' ORDER BY c.decided_at, c.id", [passport_hash])
        return [dict(r) for r in rows]

    def passport_fixes(self, passport_hash: str) -> list[dict[str, Any]]:
        """The accepted survey fixes linked to a passport: their place."""
        rows = self.conn.execute(
            f"SELECT f.id, f.place_id, f.municipality, {_NAMES.format(t='f')}"  # noqa: S608
            "1 FROM passport_links p "
            "JOIN survey_fixes f ON f.id = p.item_id "
            "WHERE p.passport_hash = ? AND p.item_kind = 'fix' AND f.status = 'accepted' "
            "ORDER BY f.seq", [passport_hash])
        return [dict(r) for r in rows]

    def passport_replies(self, passport_hash: str) -> list[dict[str, Any]]:
        """The approved replies linked to a passport (the exchange's, once it has them)."""
        rows = self.conn.execute(
            f"SELECT c.id, c.place_id, c.municipality, {_NAMES.format(t='c')}"  # noqa: S608
            "1 FROM passport_links p "
            "JOIN contributions c ON c.id = p.item_id "
            "WHERE p.passport_hash = ? AND p.item_kind = 'reply' AND c.kind = 'reply' "
            "AND c.status = 'approved' ORDER BY c.decided_at, c.id", [passport_hash])
        return [dict(r) for r in rows]

    def trail_challenge_ids(self) -> dict[str, set[str]]:
        """trail id -> the ids of its active challenges."""
        out: dict[str, set[str]] = {}
        for row in self.conn.execute("SELECT id, trail_id FROM challenges WHERE "
                                     "trail_id IS NOT NULL AND status = 'active'"):
            out.setdefault(row["trail_id"], set()).add(row["id"])
        return out

    def passport_count(self, municipalities: list[str]) -> int:
        """How many distinct passports hold a link to an answer or fix of these towns
        (organisers see totals only)."""
        scope = _json_list(municipalities)
        return self.conn.execute(
            "SELECT count(DISTINCT p.passport_hash) FROM passport_links p "
            "LEFT JOIN contributions c ON p.item_kind != 'fix' AND c.id = p.item_id "
            "LEFT JOIN survey_fixes f ON p.item_kind = 'fix' AND f.id = p.item_id "
            "WHERE coalesce(c.municipality, f.municipality) IN "
            "(SELECT value FROM json_each(?))", [scope]).fetchone()[0]

    def challenges_done(self, municipalities: list[str], start: str, end: str
                        ) -> list[dict[str, Any]]:
        """Answers approved in a period, counted per place, challenge kind and age band,
        with the place's names."""
        rows = self.conn.execute(
            "SELECT c.place_id, ch.kind, c.age_band, count(*) AS n, "
            "max(json_extract(f.record, '$.texts.name')) AS names FROM contributions c "
            "JOIN challenge_answers a ON a.contribution_id = c.id "
            "JOIN challenges ch ON ch.id = a.challenge_id "
            "LEFT JOIN features f ON f.collection = 'places' AND f.id = c.place_id "
            "WHERE c.municipality IN (SELECT value FROM json_each(?)) "
            "AND c.status = 'approved' AND c.decided_at >= ? AND c.decided_at < ? "
            "GROUP BY c.place_id, ch.kind, c.age_band ORDER BY c.place_id, ch.kind, "
            "c.age_band", [_json_list(municipalities), start, end])
        return [{**dict(r), "names": json.loads(r["names"]) if r["names"] else {}}
                for r in rows]


class ChallengeWrites:
    """Writes of challenges, answers and passport links (mixed into the Writer)."""

    conn: sqlite3.Connection

    def insert_challenge(self, row: dict[str, Any]) -> None:
        """Store a new challenge (every column named)."""
        self.conn.execute(
            f"INSERT INTO challenges ({', '.join(_COLUMNS)}) "  # noqa: S608 - constants
            f"VALUES ({', '.join('?' for _ in _COLUMNS)})", [row.get(c) for c in _COLUMNS])

    def set_challenge(self, challenge_id: str, **values: Any) -> None:
        """Change a challenge's editable columns (only the known ones)."""
        unknown = set(values) - set(_EDIT_COLUMNS)
        if unknown:
            raise ValueError(f"not challenge columns: {sorted(unknown)}")
        cols = [c for c in _EDIT_COLUMNS if c in values]
        self.conn.execute(
            f"UPDATE challenges SET {', '.join(f'{c} = ?' for c in cols)} "  # noqa: S608
            "WHERE id = ?", [*(values[c] for c in cols), challenge_id])

    def insert_challenge_answer(self, contribution_id: str, challenge_id: str,
                                chosen: int | None, correct: bool | None) -> None:
        """What an answer adds to its (already inserted) contribution."""
        self.conn.execute(
            "INSERT INTO challenge_answers (contribution_id, challenge_id, chosen, correct) "
            "VALUES (?, ?, ?, ?)",
            [contribution_id, challenge_id, chosen, None if correct is None else int(correct)])

    def link_passport(self, passport_hash: str, item_kind: str, item_id: str) -> None:
        """Link an item to a passport (its keyed hash)."""
        self.conn.execute(
            "INSERT INTO passport_links (passport_hash, item_kind, item_id) VALUES (?, ?, ?) "
            "ON CONFLICT (item_kind, item_id) DO UPDATE SET passport_hash = "
            "excluded.passport_hash", [passport_hash, item_kind, item_id])

    def unlink_passport(self, passport_hash: str) -> int:
        """Delete every link of a passport; how many there were."""
        return self.conn.execute("DELETE FROM passport_links WHERE passport_hash = ?",
                                 [passport_hash]).rowcount


def _json_list(values: list[str]) -> str:
    return json.dumps(values)
