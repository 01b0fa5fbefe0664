"""Moving a SQLite deployment into PostgreSQL (`flask copy-db --to postgresql://…`).

Every table is copied row for row (in pipelined batches), the change log with its
own sequence numbers, so that every sync cursor, ETag and pack version the apps hold
stays valid on the new store: an app syncing from s1234 carries on from there.
Identity counters (and the change sequence) are moved past the copied rows. The
target must be migrated and empty; the copy is one transaction, so it is all there or
not at all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: Every table of the SQLite schema holding data, parents before children (foreign
#: keys). tests/test_postgres.py checks that no table of the schema is missing here.
TABLES = ("organisers", "sessions", "api_tokens", "audit", "features", "changes",
          "sync_state", "contributions", "media", "reports", "rate_events", "workshops",
          "place_images", "survey_fixes", "survey_tracks", "protected_places", "twins",
          "challenges", "challenge_answers", "passport_links")

#: Columns filled by PostgreSQL itself, never copied (SQLite has none of them).
_GENERATED = {"changes": {"id"}, "rate_events": {"rowid"}}

#: (table, identity column) whose counter must move past the copied rows.
_IDENTITIES = (("features", "rowid"), ("organisers", "id"), ("api_tokens", "id"),
               ("audit", "id"), ("survey_fixes", "seq"), ("survey_tracks", "seq"))

#: Rows read from SQLite and sent to PostgreSQL at a time.
BATCH = 2000

Progress = Callable[[str, int, int], None]


def sqlite_tables(reader: Any) -> set[str]:
    """The data tables of a SQLite database (not its indexes' shadow tables)."""
    rows = reader.conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND name NOT LIKE 'features_rtree%' AND name NOT LIKE 'features_fts%' "
        # feature_bounds is derived from features by triggers (m014), as the indexes are
        "AND name NOT IN ('_sqlite_migrations', 'feature_bounds')").fetchall()
    return {r[0] for r in rows}


def copy(source: Any, target: Any, progress: Progress | None = None) -> dict[str, int]:
    """Copy every row of the SQLite store `source` into the empty PostgreSQL store
    `target`; return the rows copied per table."""
    target.initialise()
    copied: dict[str, int] = {}
    with source.reader() as r, target.writer() as w:
        missing = sqlite_tables(r) - set(TABLES)
        if missing:
            raise RuntimeError(f"copy-db does not know the tables {sorted(missing)}")
        for table in ("features", "contributions", "organisers", "audit"):
            if w.conn.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone():  # noqa: S608
                raise RuntimeError(f"the target database already holds data ({table}); "
                                   "copy-db fills an empty one only")
        totals = {t: r.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # noqa: S608
                  for t in TABLES}
        total, done = sum(totals.values()), 0
        # The copied change log is the history: no new change rows for copied features.
        w.conn.execute("ALTER TABLE features DISABLE TRIGGER features_change")
        w.conn.execute("DELETE FROM sync_state")
        for table in TABLES:
            cursor = r.conn.execute(f"SELECT * FROM {table}")  # noqa: S608
            columns = [c[0] for c in cursor.description
                       if c[0] not in _GENERATED.get(table, set())]
            insert = (f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608
                      f"VALUES ({', '.join('?' for _ in columns)})")
            names = [c[0] for c in cursor.description]
            keep = [names.index(c) for c in columns]
            n = 0
            while batch := cursor.fetchmany(BATCH):
                # One pipelined statement per batch: no round trip per row.
                w.conn.executemany(insert, [[row[i] for i in keep] for row in batch])
                n += len(batch)
                done += len(batch)
                if progress:
                    progress("copy", done, total)
            copied[table] = n
        w.conn.execute("ALTER TABLE features ENABLE TRIGGER features_change")
        for table, column in _IDENTITIES:
            w.conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "  # noqa: S608
                f"coalesce((SELECT max({column}) FROM {table}), 0) + 1, false)")
        w.conn.execute("SELECT setval('changes_seq', coalesce((SELECT max(seq) FROM "
                       "changes), 0) + 1, false)")
        if progress:
            progress("copy", total, total)
    return copied
