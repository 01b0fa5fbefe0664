"""Schema migrations, one function per change; applied in order, each only once.

The public read side sees only the `features` table: a contribution (later) reaches
it only when an organiser publishes it, so nothing pending can leak by a query bug.
The R*Tree, the full-text index and the change log are kept in step by triggers,
in the same transaction as the change itself.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

migrations = Migrations("trailapp")


def _run(db: Database, *statements: str) -> None:
    # Not executescript(): that would COMMIT the migration's transaction midway.
    for statement in statements:
        db.execute(statement)


@migrations()
def m001_features(db: Database) -> None:
    """Published features of every collection, their spatial and text indexes."""
    _run(
        db,
        """
        CREATE TABLE features (
            rowid INTEGER PRIMARY KEY,
            collection TEXT NOT NULL,
            id TEXT NOT NULL,
            municipality TEXT NOT NULL,
            kind TEXT NOT NULL,
            accuracy TEXT NOT NULL CHECK (accuracy IN ('exact', 'approximate', 'unknown')),
            geometry TEXT,
            geom_type TEXT,
            minx REAL, miny REAL, maxx REAL, maxy REAL,
            time_start TEXT,
            time_end TEXT,
            created TEXT NOT NULL,
            updated TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            record TEXT NOT NULL,
            search_text TEXT NOT NULL DEFAULT '',
            json_sv TEXT NOT NULL,
            json_en TEXT NOT NULL,
            json_tn TEXT NOT NULL,
            UNIQUE (collection, id),
            CHECK ((geometry IS NULL) = (minx IS NULL))
        )
        """,
        "CREATE INDEX features_by_municipality ON features (collection, municipality, id)",
        "CREATE INDEX features_by_kind ON features (collection, kind, id)",
        "CREATE INDEX features_by_updated ON features (collection, updated)",
        "CREATE INDEX features_by_time ON features (collection, time_start, time_end)",
        # Spatial index. R*Tree keeps float32 bounds, rounded outwards: a candidate
        # filter only; the exact test runs on the float64 columns and in shapely.
        "CREATE VIRTUAL TABLE features_rtree USING rtree(id, minx, maxx, miny, maxy)",
        """
        CREATE TRIGGER features_rtree_insert AFTER INSERT ON features
        WHEN new.minx IS NOT NULL BEGIN
            INSERT INTO features_rtree VALUES (new.rowid, new.minx, new.maxx, new.miny, new.maxy);
        END
        """,
        """
        CREATE TRIGGER features_rtree_update AFTER UPDATE OF minx, miny, maxx, maxy ON features
        BEGIN
            DELETE FROM features_rtree WHERE id = old.rowid;
            INSERT INTO features_rtree
                SELECT new.rowid, new.minx, new.maxx, new.miny, new.maxy
                WHERE new.minx IS NOT NULL;
        END
        """,
        """
        CREATE TRIGGER features_rtree_delete AFTER DELETE ON features BEGIN
            DELETE FROM features_rtree WHERE id = old.rowid;
        END
        """,
        # Full-text search over names and texts in every language.
        """
        CREATE VIRTUAL TABLE features_fts USING fts5(
            search_text, content='features', content_rowid='rowid',
            tokenize='unicode61 remove_diacritics 2'
        )
        """,
        """
        CREATE TRIGGER features_fts_insert AFTER INSERT ON features BEGIN
            INSERT INTO features_fts (rowid, search_text) VALUES (new.rowid, new.search_text);
        END
        """,
        """
        CREATE TRIGGER features_fts_update AFTER UPDATE OF search_text ON features BEGIN
            INSERT INTO features_fts (features_fts, rowid, search_text)
                VALUES ('delete', old.rowid, old.search_text);
            INSERT INTO features_fts (rowid, search_text) VALUES (new.rowid, new.search_text);
        END
        """,
        """
        CREATE TRIGGER features_fts_delete AFTER DELETE ON features BEGIN
            INSERT INTO features_fts (features_fts, rowid, search_text)
                VALUES ('delete', old.rowid, old.search_text);
        END
        """,
        # The change log: a sequence written in the same transaction as the change.
        # Its last seq is the content version behind ETags, and the sync cursor.
        """
        CREATE TABLE changes (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            collection TEXT NOT NULL,
            feature_id TEXT NOT NULL,
            op TEXT NOT NULL CHECK (op IN ('upsert', 'delete')),
            at TEXT NOT NULL
        )
        """,
        """
        CREATE TRIGGER features_change_insert AFTER INSERT ON features BEGIN
            INSERT INTO changes (collection, feature_id, op, at)
                VALUES (new.collection, new.id, 'upsert', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
        END
        """,
        """
        CREATE TRIGGER features_change_update AFTER UPDATE ON features BEGIN
            INSERT INTO changes (collection, feature_id, op, at)
                VALUES (new.collection, new.id, 'upsert', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
        END
        """,
        """
        CREATE TRIGGER features_change_delete AFTER DELETE ON features BEGIN
            INSERT INTO changes (collection, feature_id, op, at)
                VALUES (old.collection, old.id, 'delete', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
        END
        """,
    )
