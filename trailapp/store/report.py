"""The steering group's report: every figure aggregated in SQL over one period.

Each query takes the municipalities in scope (bound as one JSON array) and a half-open
period [start, end) of UTC times; only counts and durations leave the database, never
a contribution's text or a contributor's details (the example stories excepted, which
are approved and public already)."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from .where import Where

#: The breakdowns per month the report draws: name -> the column counted by.
MONTHLY_COLUMNS = {"kind": "kind", "age_band": "age_band", "lang": "lang"}
HOURS_TO_DECISION = "(julianday(decided_at) - julianday(created)) * 24.0"


def _period(municipalities: list[str], start: str, end: str) -> Where:
    # Answers to challenges are counted in their own section (report._challenges): here
    # they would count twice and make the tables disagree on their totals.
    return (Where().when_in(municipalities, "municipality IN (SELECT value FROM json_each(?))")
            .add("created >= ?", start).add("created < ?", end).add("kind != 'answer'"))


class ReportReads:
    """Aggregates for the report (mixed into the store's Reader)."""

    conn: sqlite3.Connection

    def monthly_counts(self, municipalities: list[str], start: str, end: str,
                       by: str) -> list[tuple[str, str, int]]:
        """(month, value, count) of contributions received, by a column of
        MONTHLY_COLUMNS (a KeyError for any other name)."""
        column = MONTHLY_COLUMNS[by]
        w = _period(municipalities, start, end)
        rows = self.conn.execute(
            f"SELECT substr(created, 1, 7) AS month, {column} AS value, count(*) "  # noqa: S608
            f"FROM contributions WHERE {w.sql} GROUP BY month, value ORDER BY month, value",
            w.params)
        return [(r[0], r[1], r[2]) for r in rows]

    def place_counts(self, municipalities: list[str], start: str, end: str
                     ) -> list[dict[str, Any]]:
        """Contributions received at each place, with the place's names and a point."""
        w = _period(municipalities, start, end)
        rows = self.conn.execute(
            "SELECT c.place_id, c.municipality, c.n, json_extract(f.record, '$.texts.name') "  # noqa: S608
            "AS names, (f.minx + f.maxx) / 2 AS lon, (f.miny + f.maxy) / 2 AS lat FROM ("
            "SELECT place_id, municipality, count(*) AS n FROM contributions "
            f"WHERE {w.sql} GROUP BY place_id, municipality) c "
            "LEFT JOIN features f ON f.collection = 'places' AND f.id = c.place_id "
            "ORDER BY c.n DESC, c.place_id", w.params)
        return [{"place_id": r[0], "municipality": r[1], "count": r[2],
                 "names": json.loads(r[3]) if r[3] else {}, "lon": r[4], "lat": r[5]}
                for r in rows]

    def decision_hours(self, municipalities: list[str], start: str, end: str
                       ) -> dict[str, Any]:
        """How many contributions received in the period were decided, and the median and
        90th percentile of hours to the decision (median of an even count: the mean of
        the two middle ones; p90: the value at rank floor(0.9 * (n - 1)))."""
        w = _period(municipalities, start, end).add("decided_at IS NOT NULL")
        n = self.conn.execute(f"SELECT count(*) FROM contributions WHERE {w.sql}",  # noqa: S608
                              w.params).fetchone()[0]
        if not n:
            return {"decided": 0, "median": None, "p90": None}
        ranks = sorted({(n - 1) // 2, n // 2, int(0.9 * (n - 1))})
        at = {}
        for rank in ranks:
            at[rank] = self.conn.execute(
                f"SELECT {HOURS_TO_DECISION} AS h FROM contributions "  # noqa: S608
                f"WHERE {w.sql} ORDER BY h LIMIT 1 OFFSET ?", [*w.params, rank]).fetchone()[0]
        return {"decided": n, "median": (at[(n - 1) // 2] + at[n // 2]) / 2,
                "p90": at[int(0.9 * (n - 1))]}

    def sdg_counts(self, municipalities: list[str], start: str, end: str) -> dict[str, int]:
        """Approved contributions received in the period, per Agenda 2030 target."""
        w = _period(municipalities, start, end).add("status = 'approved'")
        rows = self.conn.execute(
            "SELECT t.value, count(*) FROM contributions, json_each(contributions.sdg_targets)"  # noqa: S608
            f" AS t WHERE {w.sql} GROUP BY t.value", w.params)
        return {r[0]: r[1] for r in rows}

    def report_examples(self, municipalities: list[str], ids: list[str]
                        ) -> list[dict[str, Any]]:
        """The approved stories among these ids in these municipalities (public texts)."""
        w = (Where().when_in(municipalities, "municipality IN (SELECT value FROM json_each(?))")
             .when_in(ids, "id IN (SELECT value FROM json_each(?))")
             .add("status = 'approved'").add("kind = 'story'"))
        rows = self.conn.execute(
            "SELECT id, municipality, place_id, lang, title, body, pseudonym, created "  # noqa: S608
            f"FROM contributions WHERE {w.sql}", w.params)
        return [dict(r) for r in rows]

    def survey_progress(self, municipalities: list[str]) -> dict[str, float]:
        """How far the field survey has come now: places located by it and still to
        locate, kilometres of trail line from walked tracks, fixes and tracks waiting."""
        scope = json.dumps(municipalities)
        row = self.conn.execute(
            "SELECT "
            "sum(collection = 'places' AND json_extract(record, '$.accuracy') = 'surveyed'), "
            "sum(collection = 'places' AND json_extract(record, '$.accuracy') "
            "IN ('approximate', 'unknown')), "
            "coalesce(sum(CASE WHEN collection = 'trails' AND "
            "json_extract(record, '$.accuracy') = 'surveyed' THEN "
            "CAST(json_extract(json_sv, '$.properties.length_m') AS DOUBLE PRECISION) "
            "END), 0) "
            "FROM features WHERE collection IN ('places', 'trails') AND municipality IN "
            "(SELECT value FROM json_each(?))", [scope]).fetchone()
        waiting = self.conn.execute(
            "SELECT (SELECT count(*) FROM survey_fixes WHERE status = 'pending' AND "
            "municipality IN (SELECT value FROM json_each(?))) + (SELECT count(*) FROM "
            "survey_tracks WHERE status = 'pending' AND municipality IN "
            "(SELECT value FROM json_each(?)))", [scope, scope]).fetchone()[0]
        return {"located": row[0] or 0, "to_locate": row[1] or 0,
                "trail_km": (row[2] or 0) / 1000, "waiting": waiting}

    def twin_counts(self, municipalities: list[str], start: str, end: str) -> dict[str, int]:
        """Twin pairs of these municipalities: active now, and accepted in the period."""
        scope = json.dumps(municipalities)
        row = self.conn.execute(
            "SELECT sum(status = 'active'), sum(accepted_at >= ? AND accepted_at < ?) "
            "FROM twins WHERE municipality IN (SELECT value FROM json_each(?)) "
            "OR twin_municipality IN (SELECT value FROM json_each(?))",
            [start, end, scope, scope]).fetchone()
        return {"active": row[0] or 0, "accepted": row[1] or 0}

    def question_threads(self, municipalities: list[str], start: str, end: str
                         ) -> list[dict[str, Any]]:
        """Questions published in the period at the places of active twins of these
        municipalities: per question its twin, when it was published, when its first
        reply was (null when none is published), its published replies and the published
        translations of it and of its replies."""
        scope = json.dumps(municipalities)
        rows = self.conn.execute(
            "SELECT t.id AS twin_id, t.place_id, t.twin_place_id, q.id, q.decided_at, "
            "(SELECT min(r.decided_at) FROM contributions r WHERE r.parent_id = q.id "
            " AND r.kind = 'reply' AND r.status = 'approved') AS first_reply, "
            "(SELECT count(*) FROM contributions r WHERE r.parent_id = q.id "
            " AND r.kind = 'reply' AND r.status = 'approved') AS replies, "
            "(SELECT count(*) FROM contributions tr WHERE tr.kind = 'translation' "
            " AND tr.status = 'approved' AND (tr.parent_id = q.id OR tr.parent_id IN "
            " (SELECT r.id FROM contributions r WHERE r.parent_id = q.id "
            "  AND r.kind = 'reply'))) AS translations "
            "FROM twins t JOIN contributions q ON q.kind = 'question' "
            "AND q.status = 'approved' AND q.place_id IN (t.place_id, t.twin_place_id) "
            "WHERE t.status = 'active' AND (t.municipality IN (SELECT value FROM "
            "json_each(?)) OR t.twin_municipality IN (SELECT value FROM json_each(?))) "
            "AND q.decided_at >= ? AND q.decided_at < ? ORDER BY t.accepted_at, t.id",
            [scope, scope, start, end])
        return [dict(r) for r in rows]

