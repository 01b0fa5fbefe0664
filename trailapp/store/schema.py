"""Schema migrations, one function per change; applied in order, each only once.

The public read side sees only the `features` table: a contribution (later) reaches
it only when an organiser publishes it, so nothing pending can leak by a query bug.
The R*Tree, the full-text index and the change log are kept in step by triggers,
in the same transaction as the change itself.

Longer than 300 lines because a released migration is never edited or moved: each
change is one more function below the others, and the file is their history.
"""

from __future__ import annotations

import re

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


@migrations()
def m002_contributions(db: Database) -> None:
    """Young people's stories and activities, their media, reports and rate limits.

    A contribution holds only what the feature needs: a pseudonym and an age band,
    never a name, address or position. The secret token is stored only as a hash.
    """
    _run(
        db,
        """
        CREATE TABLE contributions (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('story', 'activity')),
            place_id TEXT NOT NULL,
            municipality TEXT NOT NULL,
            status TEXT NOT NULL
                CHECK (status IN ('pending', 'approved', 'rejected', 'hidden')),
            hidden_reason TEXT,
            lang TEXT NOT NULL CHECK (lang IN ('sv', 'en', 'tn')),
            title TEXT NOT NULL,
            body TEXT NOT NULL,
            pseudonym TEXT NOT NULL,
            age_band TEXT NOT NULL CHECK (age_band IN ('under-13', '13-15', '16-17', '18+')),
            consent_by TEXT NOT NULL CHECK (consent_by IN ('self', 'guardian')),
            consent_notice_version TEXT NOT NULL,
            consent_at TEXT NOT NULL,
            people_in_media INTEGER CHECK (people_in_media IN (0, 1)),
            people_consented INTEGER CHECK (people_consented IN (0, 1)),
            starts_at TEXT,
            ends_at TEXT,
            time_zone TEXT,
            meeting_point TEXT,
            capacity INTEGER CHECK (capacity IS NULL OR capacity > 0),
            flags TEXT NOT NULL DEFAULT '[]',
            rejection_reason TEXT,
            token_hash TEXT NOT NULL,
            idempotency_key_hash TEXT UNIQUE,
            request_hash TEXT NOT NULL,
            text_hash TEXT NOT NULL,
            created TEXT NOT NULL,
            updated TEXT NOT NULL,
            decided_at TEXT,
            CHECK ((kind = 'activity') = (starts_at IS NOT NULL))
        )
        """,
        "CREATE INDEX contributions_queue ON contributions (status, municipality, created)",
        "CREATE INDEX contributions_by_text ON contributions (text_hash, created)",
        "CREATE INDEX contributions_by_place ON contributions (place_id, status)",
        """
        CREATE TABLE media (
            id TEXT PRIMARY KEY,
            contribution_id TEXT NOT NULL REFERENCES contributions (id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('image', 'audio')),
            media_type TEXT NOT NULL,
            file TEXT NOT NULL UNIQUE,
            thumb_file TEXT UNIQUE,
            bytes INTEGER NOT NULL,
            width INTEGER,
            height INTEGER,
            duration_s REAL
        )
        """,
        "CREATE INDEX media_by_contribution ON media (contribution_id, position)",
        """
        CREATE TABLE reports (
            contribution_id TEXT NOT NULL REFERENCES contributions (id) ON DELETE CASCADE,
            reporter TEXT NOT NULL,
            reason TEXT NOT NULL,
            note TEXT,
            created TEXT NOT NULL,
            PRIMARY KEY (contribution_id, reporter)
        )
        """,
        # Rate-limit events: a keyed hash of the client, never its address.
        "CREATE TABLE rate_events (bucket TEXT NOT NULL, client TEXT NOT NULL, at REAL NOT NULL)",
        "CREATE INDEX rate_events_by_client ON rate_events (bucket, client, at)",
        "CREATE INDEX rate_events_by_time ON rate_events (at)",
        # Stories and activities hang off a place: filter and count them by it.
        "ALTER TABLE features ADD COLUMN place_id TEXT",
        "CREATE INDEX features_by_place ON features (collection, place_id, id)",
    )


@migrations()
def m003_sync(db: Database) -> None:
    """The change log learns each change's municipality (so a client can sync one
    municipality, tombstones included), and remembers the oldest cursor it can still
    answer after compaction."""
    _run(
        db,
        "ALTER TABLE changes ADD COLUMN municipality TEXT",
        "UPDATE changes SET municipality = (SELECT f.municipality FROM features f "
        "WHERE f.collection = changes.collection AND f.id = changes.feature_id)",
        "CREATE INDEX changes_by_municipality ON changes (municipality, seq)",
        "DROP TRIGGER features_change_insert",
        "DROP TRIGGER features_change_update",
        "DROP TRIGGER features_change_delete",
        """
        CREATE TRIGGER features_change_insert AFTER INSERT ON features BEGIN
            INSERT INTO changes (collection, feature_id, op, at, municipality)
                VALUES (new.collection, new.id, 'upsert',
                        strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), new.municipality);
        END
        """,
        """
        CREATE TRIGGER features_change_update AFTER UPDATE ON features BEGIN
            INSERT INTO changes (collection, feature_id, op, at, municipality)
                VALUES (new.collection, new.id, 'upsert',
                        strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), new.municipality);
        END
        """,
        """
        CREATE TRIGGER features_change_delete AFTER DELETE ON features BEGIN
            INSERT INTO changes (collection, feature_id, op, at, municipality)
                VALUES (old.collection, old.id, 'delete',
                        strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), old.municipality);
        END
        """,
        "CREATE TABLE sync_state (key TEXT PRIMARY KEY, value INTEGER NOT NULL)",
        "INSERT INTO sync_state (key, value) VALUES ('floor', 0)",
    )


@migrations()
def m004_organisers(db: Database) -> None:
    """Organiser accounts, their sessions and API tokens, and the audit log.

    The audit log is append-only: triggers refuse updates and deletes, except the one
    update erasure needs (a young person's erasure blanks their text in old entries).
    """
    _run(
        db,
        """
        CREATE TABLE organisers (
            id INTEGER PRIMARY KEY,
            username TEXT NOT NULL UNIQUE,
            password_hash TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('moderator', 'admin')),
            municipalities TEXT NOT NULL DEFAULT '[]',
            created TEXT NOT NULL,
            disabled INTEGER NOT NULL DEFAULT 0
        )
        """,
        """
        CREATE TABLE sessions (
            id_hash TEXT PRIMARY KEY,
            organiser_id INTEGER NOT NULL REFERENCES organisers (id) ON DELETE CASCADE,
            created REAL NOT NULL,
            last_seen REAL NOT NULL
        )
        """,
        """
        CREATE TABLE api_tokens (
            id INTEGER PRIMARY KEY,
            organiser_id INTEGER NOT NULL REFERENCES organisers (id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            token_hash TEXT NOT NULL UNIQUE,
            created TEXT NOT NULL,
            last_used TEXT,
            revoked TEXT
        )
        """,
        """
        CREATE TABLE audit (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            organiser_id INTEGER,
            organiser TEXT NOT NULL,
            action TEXT NOT NULL,
            object_type TEXT NOT NULL,
            object_id TEXT NOT NULL,
            municipality TEXT,
            before TEXT,
            after TEXT
        )
        """,
        "CREATE INDEX audit_by_object ON audit (object_type, object_id, id)",
        "CREATE INDEX audit_by_municipality ON audit (municipality, id)",
        """
        CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN
            SELECT RAISE(ABORT, 'the audit log is append-only');
        END
        """,
        """
        CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
        WHEN NOT (new.id = old.id AND new.at = old.at AND new.action = old.action
                  AND new.object_id = old.object_id AND new.before IS '"erased"'
                  AND new.after IS '"erased"')
        BEGIN
            SELECT RAISE(ABORT, 'the audit log is append-only');
        END
        """,
        "ALTER TABLE contributions ADD COLUMN decided_by TEXT",
        "ALTER TABLE contributions ADD COLUMN sdg_targets TEXT NOT NULL DEFAULT '[]'",
    )


@migrations()
def m005_audit_strict(db: Database) -> None:
    """The erasure exception of the audit log may blank before/after and nothing else:
    who did what, to which object and where stays as it was."""
    _run(
        db,
        "DROP TRIGGER audit_no_update",
        """
        CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
        WHEN NOT (new.id IS old.id AND new.at IS old.at AND new.action IS old.action
                  AND new.object_type IS old.object_type AND new.object_id IS old.object_id
                  AND new.organiser IS old.organiser
                  AND new.organiser_id IS old.organiser_id
                  AND new.municipality IS old.municipality
                  AND new.before IS '"erased"' AND new.after IS '"erased"')
        BEGIN
            SELECT RAISE(ABORT, 'the audit log is append-only');
        END
        """,
    )


@migrations()
def m006_keyed_hashes_and_take_down_time(db: Database) -> None:
    """Privacy (issue 10). The retry and repeated-text hashes were unkeyed SHA-256 over
    the fields, the point included: a database copy gave back a contributor's position
    (and confirmed guessed texts) by brute force. New ones are keyed with the server's
    secret and leave the point out; the old ones cannot be re-keyed without the point,
    so they are forgotten (a retry of such an old submission gets 422). Login counts
    kept an unkeyed hash of the typed user name: forgotten too (72 hours' worth).

    A contribution learns when it was last taken down (withdrawn, or hidden by
    reports): retention erases it 30 days after that unless it is published again.
    Older ones take the time from the audit log."""
    _run(
        db,
        "UPDATE contributions SET request_hash = '', text_hash = ''",
        "DELETE FROM rate_events WHERE bucket = 'login-account'",
        "ALTER TABLE contributions ADD COLUMN unpublished_at TEXT",
        """
        UPDATE contributions SET unpublished_at = (
            SELECT max(a.at) FROM audit a WHERE a.object_type = 'contribution'
            AND a.object_id = contributions.id AND a.action IN ('hide', 'withdraw'))
        WHERE status IN ('hidden', 'rejected')
        """,
    )


@migrations()
def m007_workshops(db: Database) -> None:
    """Workshops (issue 11): an organiser's session for a group, with a code kept only
    as a keyed hash; contributions sent with the code point to it until it is deleted
    (some days after it ended)."""
    _run(
        db,
        """
        CREATE TABLE workshops (
            id TEXT PRIMARY KEY,
            municipality TEXT NOT NULL,
            name TEXT NOT NULL,
            code_hash TEXT NOT NULL,
            expected_participants INTEGER,
            created TEXT NOT NULL,
            created_by TEXT NOT NULL,
            ends_at TEXT NOT NULL,
            closed_at TEXT
        )
        """,
        "CREATE INDEX workshops_by_code ON workshops (code_hash, ends_at)",
        "CREATE INDEX workshops_by_municipality ON workshops (municipality, ends_at)",
        "ALTER TABLE contributions ADD COLUMN workshop_id TEXT",
        "CREATE INDEX contributions_by_workshop ON contributions (workshop_id, created)",
    )


@migrations()
def m008_place_images(db: Database) -> None:
    """Organisers' photos of places (issue 11): cleaned like young people's photos,
    published on the place with their credit, licence and caption."""
    _run(
        db,
        """
        CREATE TABLE place_images (
            id TEXT PRIMARY KEY,
            place_id TEXT NOT NULL,
            municipality TEXT NOT NULL,
            position INTEGER NOT NULL,
            file TEXT NOT NULL UNIQUE,
            thumb_file TEXT NOT NULL UNIQUE,
            bytes INTEGER NOT NULL,
            width INTEGER NOT NULL,
            height INTEGER NOT NULL,
            credit TEXT NOT NULL,
            licence TEXT NOT NULL,
            caption TEXT NOT NULL,
            created TEXT NOT NULL,
            created_by TEXT NOT NULL
        )
        """,
        "CREATE INDEX place_images_by_place ON place_images (place_id, position)",
    )


@migrations()
def m009_survey(db: Database) -> None:
    """Young surveyors' position fixes and walked tracks (issue 12).

    Where a young person stood: never public, seen only by organisers of the place's
    municipality, erased by token and a set time after the place's location is decided.
    Dates are days (`observed_on`, `received_on`), never a time of day. A surveyor who
    sends several fixes reuses one token: `token_hash` groups them into one vote, as
    does `install_hash` (a keyed hash of the app install, when it sends one).
    """
    person = """
            pseudonym TEXT NOT NULL,
            age_band TEXT NOT NULL CHECK (age_band IN ('under-13', '13-15', '16-17', '18+')),
            consent_by TEXT NOT NULL CHECK (consent_by IN ('self', 'guardian')),
            consent_notice_version TEXT NOT NULL,
            credit INTEGER NOT NULL DEFAULT 0 CHECK (credit IN (0, 1)),
            token_hash TEXT NOT NULL,
            install_hash TEXT,
            idempotency_key_hash TEXT UNIQUE,
            request_hash TEXT NOT NULL,
            received_on TEXT NOT NULL,
            decided_on TEXT,
            rejection_reason TEXT
    """
    _run(
        db,
        f"""
        CREATE TABLE survey_fixes (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            place_id TEXT NOT NULL,
            municipality TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'rejected')),
            lon REAL NOT NULL CHECK (lon BETWEEN -180 AND 180),
            lat REAL NOT NULL CHECK (lat BETWEEN -90 AND 90),
            accuracy_m REAL NOT NULL CHECK (accuracy_m > 0),
            method TEXT NOT NULL CHECK (method IN ('gps', 'map')),
            observed_on TEXT NOT NULL,
            note TEXT,
            photo_file TEXT UNIQUE,
            photo_thumb TEXT UNIQUE,
            people_in_media INTEGER CHECK (people_in_media IN (0, 1)),
            people_consented INTEGER CHECK (people_consented IN (0, 1)),
            {person}
        )
        """,
        "CREATE INDEX survey_fixes_by_place ON survey_fixes (place_id, status)",
        "CREATE INDEX survey_fixes_by_token ON survey_fixes (token_hash)",
        "CREATE INDEX survey_fixes_by_decision ON survey_fixes (decided_on)",
        f"""
        CREATE TABLE survey_tracks (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            trail_id TEXT NOT NULL,
            municipality TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('pending', 'published', 'rejected')),
            stages TEXT NOT NULL DEFAULT '[]',
            geometry TEXT NOT NULL,
            length_m REAL NOT NULL,
            coverage REAL,
            points_in INTEGER NOT NULL,
            points_out INTEGER NOT NULL,
            observed_on TEXT,
            note TEXT,
            {person}
        )
        """,
        "CREATE INDEX survey_tracks_by_trail ON survey_tracks (trail_id, status)",
        "CREATE INDEX survey_tracks_by_token ON survey_tracks (token_hash)",
        "CREATE INDEX survey_tracks_by_decision ON survey_tracks (decided_on)",
    )


@migrations()
def m010_protected_places(db: Database) -> None:
    """The exact records of protected places (issue 14), read only by organisers.

    The features table holds what is public of a place: for an `area` place the centre
    of its grid cell, for a `hidden` one no position, for an `organisers` one no row at
    all. The exact position stays here, so no public query can reach it.
    """
    _run(
        db,
        """
        CREATE TABLE protected_places (
            id TEXT PRIMARY KEY,
            municipality TEXT NOT NULL,
            protection TEXT NOT NULL CHECK (protection IN ('area', 'hidden', 'organisers')),
            record TEXT NOT NULL,
            created TEXT NOT NULL,
            updated TEXT NOT NULL
        )
        """,
        "CREATE INDEX protected_places_by_municipality ON protected_places (municipality)",
    )


_CONTRIBUTION_KINDS_SQL = "('story', 'activity', 'question', 'reply', 'translation')"


@migrations(transactional=False)
def m011_exchange(db: Database) -> None:
    """The exchange between the towns (issue 13): twin places, and young people's
    questions, replies and translations as contributions.

    Twins get a table of their own: an organisers' pairing, never a young person's.
    Questions, replies and translations are contributions (the same consent, token,
    media, reports, moderation, erasure and retention), so the contributions table is
    rebuilt: its CHECK on kind (m002) cannot be altered in place. It learns `parent_id`
    (the question a reply answers, the text a translation translates) and `joint` (an
    activity held by both towns' young people together).

    SQLite's 12-step rebuild: a DROP TABLE with foreign keys on would cascade into media
    and reports, and `PRAGMA foreign_keys` cannot change inside a transaction, so this
    migration runs outside the migration's transaction, turns the keys off, rebuilds in
    a transaction of its own, checks the keys, and turns them on again. It is safe to
    re-run: an already rebuilt table (it has parent_id) is left as it is.
    """
    conn = db.conn
    columns = {row[1] for row in conn.execute("PRAGMA table_info(contributions)")}
    conn.execute("PRAGMA foreign_keys = OFF")
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            _run(
                db,
                """
                CREATE TABLE IF NOT EXISTS twins (
                    id TEXT PRIMARY KEY,
                    status TEXT NOT NULL CHECK (status IN ('proposed', 'active', 'ended')),
                    place_id TEXT NOT NULL,
                    municipality TEXT NOT NULL,
                    twin_place_id TEXT NOT NULL,
                    twin_municipality TEXT NOT NULL,
                    theme TEXT NOT NULL,
                    text TEXT NOT NULL DEFAULT '{}',
                    proposed_by TEXT NOT NULL,
                    proposed_at TEXT NOT NULL,
                    accepted_by TEXT,
                    accepted_at TEXT,
                    ended_by TEXT,
                    ended_at TEXT,
                    updated TEXT NOT NULL,
                    CHECK (municipality != twin_municipality)
                )
                """,
                "CREATE INDEX IF NOT EXISTS twins_by_place ON twins (place_id, status)",
                "CREATE INDEX IF NOT EXISTS twins_by_twin_place ON twins "
                "(twin_place_id, status)",
            )
            if "parent_id" not in columns:
                _rebuild_contributions(db)
            problems = conn.execute("PRAGMA foreign_key_check").fetchall()
            if problems:
                raise RuntimeError(f"foreign keys broken by the rebuild: {problems[:5]}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    finally:
        conn.execute("PRAGMA foreign_keys = ON")


def _rebuild_contributions(db: Database) -> None:
    """contributions again, with the exchange's kinds and columns (every index too;
    the table has no triggers or views)."""
    _run(
        db,
        f"""
        CREATE TABLE contributions_new (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN {_CONTRIBUTION_KINDS_SQL}),
            place_id TEXT NOT NULL,
            municipality TEXT NOT NULL,
            status TEXT NOT NULL
                CHECK (status IN ('pending', 'approved', 'rejected', 'hidden')),
            hidden_reason TEXT,
            lang TEXT NOT NULL CHECK (lang IN ('sv', 'en', 'tn')),
            title TEXT NOT NULL,
            body TEXT NOT NULL,
            pseudonym TEXT NOT NULL,
            age_band TEXT NOT NULL CHECK (age_band IN ('under-13', '13-15', '16-17', '18+')),
            consent_by TEXT NOT NULL CHECK (consent_by IN ('self', 'guardian')),
            consent_notice_version TEXT NOT NULL,
            consent_at TEXT NOT NULL,
            people_in_media INTEGER CHECK (people_in_media IN (0, 1)),
            people_consented INTEGER CHECK (people_consented IN (0, 1)),
            starts_at TEXT,
            ends_at TEXT,
            time_zone TEXT,
            meeting_point TEXT,
            capacity INTEGER CHECK (capacity IS NULL OR capacity > 0),
            flags TEXT NOT NULL DEFAULT '[]',
            rejection_reason TEXT,
            token_hash TEXT NOT NULL,
            idempotency_key_hash TEXT UNIQUE,
            request_hash TEXT NOT NULL,
            text_hash TEXT NOT NULL,
            created TEXT NOT NULL,
            updated TEXT NOT NULL,
            decided_at TEXT,
            decided_by TEXT,
            sdg_targets TEXT NOT NULL DEFAULT '[]',
            unpublished_at TEXT,
            workshop_id TEXT,
            parent_id TEXT,
            joint INTEGER NOT NULL DEFAULT 0 CHECK (joint IN (0, 1)),
            CHECK ((kind = 'activity') = (starts_at IS NOT NULL)),
            CHECK ((kind IN ('reply', 'translation')) = (parent_id IS NOT NULL)),
            CHECK (joint = 0 OR kind = 'activity')
        )
        """,
        """
        INSERT INTO contributions_new (id, kind, place_id, municipality, status,
            hidden_reason, lang, title, body, pseudonym, age_band, consent_by,
            consent_notice_version, consent_at, people_in_media, people_consented,
            starts_at, ends_at, time_zone, meeting_point, capacity, flags, rejection_reason,
            token_hash, idempotency_key_hash, request_hash, text_hash, created, updated,
            decided_at, decided_by, sdg_targets, unpublished_at, workshop_id)
        SELECT id, kind, place_id, municipality, status, hidden_reason, lang, title, body,
            pseudonym, age_band, consent_by, consent_notice_version, consent_at,
            people_in_media, people_consented, starts_at, ends_at, time_zone, meeting_point,
            capacity, flags, rejection_reason, token_hash, idempotency_key_hash,
            request_hash, text_hash, created, updated, decided_at, decided_by, sdg_targets,
            unpublished_at, workshop_id FROM contributions
        """,
        "DROP TABLE contributions",
        "ALTER TABLE contributions_new RENAME TO contributions",
        "CREATE INDEX contributions_queue ON contributions (status, municipality, created)",
        "CREATE INDEX contributions_by_text ON contributions (text_hash, created)",
        "CREATE INDEX contributions_by_place ON contributions (place_id, status)",
        "CREATE INDEX contributions_by_workshop ON contributions (workshop_id, created)",
        "CREATE INDEX contributions_by_parent ON contributions (parent_id, status, created)",
    )


@migrations(transactional=False)
def m012_challenges(db: Database) -> None:
    """Challenges at a place or along a trail, answers to them, the heritage passport's
    links, and content notes on contributions (issue 14).

    An answer is a contribution of kind 'answer' (the same consent, token, media
    cleaning, moderation, erasure and retention), so the contributions table is rebuilt
    once more for its CHECK on kind: _rebuild_with_kinds copies whatever columns the
    table has (this one or a later one), so it can be reused. What only an answer has
    (its challenge, the option chosen, right or wrong) is in challenge_answers, keyed by
    the contribution and deleted with it. A passport link holds only a keyed hash of the
    passport key; triggers delete it with the answer or survey fix it links, so erasure
    and retention take it too. Runs outside the migration's transaction for the same
    reason as m011, and is safe to re-run.
    """
    conn = db.conn
    kinds = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'contributions'"
                         ).fetchone()[0]
    conn.execute("PRAGMA foreign_keys = OFF")
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            if "'answer'" not in kinds:
                _rebuild_with_kinds(db, ("story", "activity", "question", "reply",
                                         "translation", "answer"))
            columns = {row[1] for row in conn.execute("PRAGMA table_info(contributions)")}
            if "content_notes" not in columns:
                _run(db,
                     # Set by organisers; published on stories and activities.
                     "ALTER TABLE contributions ADD COLUMN content_notes TEXT NOT NULL "
                     "DEFAULT '[]'",
                     # Suggested by the contributor; applied only by an organiser.
                     "ALTER TABLE contributions ADD COLUMN content_notes_suggested TEXT "
                     "NOT NULL DEFAULT '[]'")
            _run(
                db,
                """
                CREATE TABLE IF NOT EXISTS challenges (
                    id TEXT PRIMARY KEY,
                    municipality TEXT NOT NULL,
                    place_id TEXT,
                    trail_id TEXT,
                    kind TEXT NOT NULL CHECK (kind IN ('free-answer', 'photo',
                        'audio-interview', 'find-the-detail', 'multiple-choice')),
                    status TEXT NOT NULL CHECK (status IN ('active', 'withdrawn')),
                    texts TEXT NOT NULL,
                    options TEXT NOT NULL DEFAULT '[]',
                    correct_option INTEGER,
                    created_by TEXT NOT NULL,
                    created TEXT NOT NULL,
                    updated TEXT NOT NULL,
                    CHECK ((place_id IS NULL) != (trail_id IS NULL)),
                    CHECK ((kind = 'multiple-choice') = (correct_option IS NOT NULL))
                )
                """,
                "CREATE INDEX IF NOT EXISTS challenges_by_place ON challenges "
                "(place_id, status)",
                "CREATE INDEX IF NOT EXISTS challenges_by_trail ON challenges "
                "(trail_id, status)",
                """
                CREATE TABLE IF NOT EXISTS challenge_answers (
                    contribution_id TEXT PRIMARY KEY
                        REFERENCES contributions (id) ON DELETE CASCADE,
                    challenge_id TEXT NOT NULL,
                    chosen INTEGER,
                    correct INTEGER CHECK (correct IN (0, 1))
                )
                """,
                "CREATE INDEX IF NOT EXISTS challenge_answers_by_challenge ON "
                "challenge_answers (challenge_id)",
                """
                CREATE TABLE IF NOT EXISTS passport_links (
                    passport_hash TEXT NOT NULL,
                    item_kind TEXT NOT NULL CHECK (item_kind IN ('answer', 'fix', 'reply')),
                    item_id TEXT NOT NULL,
                    PRIMARY KEY (item_kind, item_id)
                )
                """,
                "CREATE INDEX IF NOT EXISTS passport_links_by_hash ON passport_links "
                "(passport_hash)",
                """
                CREATE TRIGGER IF NOT EXISTS passport_answer_gone AFTER DELETE ON
                contributions BEGIN
                    DELETE FROM passport_links WHERE item_kind IN ('answer', 'reply')
                        AND item_id = old.id;
                END
                """,
                """
                CREATE TRIGGER IF NOT EXISTS passport_fix_gone AFTER DELETE ON
                survey_fixes BEGIN
                    DELETE FROM passport_links WHERE item_kind = 'fix'
                        AND item_id = old.id;
                END
                """,
            )
            problems = conn.execute("PRAGMA foreign_key_check").fetchall()
            if problems:
                raise RuntimeError(f"foreign keys broken by the rebuild: {problems[:5]}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    finally:
        conn.execute("PRAGMA foreign_keys = ON")


def _rebuild_with_kinds(db: Database, kinds: tuple[str, ...]) -> None:
    """contributions again with these kinds in its CHECK: the table's own CREATE
    statement with the kind list replaced, every column copied, every index recreated
    (reusable for the next kind; the table has no triggers of its own, only on it)."""
    conn = db.conn
    sql = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND "
                       "name = 'contributions'").fetchone()[0]
    kinds_sql = "(" + ", ".join(f"'{k}'" for k in kinds) + ")"
    new_sql, count = re.subn(r"kind IN \([^)]*\)\)", f"kind IN {kinds_sql})", sql, count=1)
    if count != 1:
        raise RuntimeError("the contributions table's CHECK on kind was not found")
    new_sql = new_sql.replace("CREATE TABLE contributions", "CREATE TABLE contributions_new",
                              1)
    new_sql = new_sql.replace('CREATE TABLE "contributions"',
                              "CREATE TABLE contributions_new", 1)
    indexes = [r[0] for r in conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'contributions' "
        "AND sql IS NOT NULL")]
    triggers = [r[0] for r in conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'contributions'")]
    columns = ", ".join(r[1] for r in conn.execute("PRAGMA table_info(contributions)"))
    _run(db, new_sql,
         f"INSERT INTO contributions_new ({columns}) "  # noqa: S608 - the table's own names
         f"SELECT {columns} FROM contributions",
         "DROP TABLE contributions",
         "ALTER TABLE contributions_new RENAME TO contributions",
         *indexes, *triggers)


@migrations()
def m013_contributions_created(db: Database) -> None:
    """An index for the steering group's report: every figure of a period filters the
    contributions of some municipalities by when they came (`created`), with no status,
    so the queue's index (status first) could not serve it and each query read the whole
    table. (_rebuild_with_kinds recreates it with the table's other indexes.)"""
    _run(db, "CREATE INDEX IF NOT EXISTS contributions_by_created ON contributions "
             "(municipality, created)")


@migrations()
def m014_feature_bounds(db: Database) -> None:
    """A narrow copy of each located feature's collection, id, type and float64 bounds,
    kept in step with features by triggers (issue 15).

    A bbox page tests every match the R*Tree finds against its exact bounds and puts
    them in id order. In features each row is a few KB (three renderings and the
    record), so at 100,000 places every match touched a page of its own and a map-sized
    box cost hundreds of page reads; here a page holds some sixty rows.
    """
    _run(
        db,
        """
        CREATE TABLE IF NOT EXISTS feature_bounds (
            rowid INTEGER PRIMARY KEY,
            collection TEXT NOT NULL,
            id TEXT NOT NULL,
            geom_type TEXT NOT NULL,
            minx REAL NOT NULL, miny REAL NOT NULL, maxx REAL NOT NULL, maxy REAL NOT NULL
        )
        """,
        "DELETE FROM feature_bounds",
        "INSERT INTO feature_bounds SELECT rowid, collection, id, geom_type, minx, miny, "
        "maxx, maxy FROM features WHERE minx IS NOT NULL",
        """
        CREATE TRIGGER IF NOT EXISTS feature_bounds_insert AFTER INSERT ON features
        WHEN new.minx IS NOT NULL BEGIN
            INSERT INTO feature_bounds VALUES (new.rowid, new.collection, new.id,
                new.geom_type, new.minx, new.miny, new.maxx, new.maxy);
        END
        """,
        """
        CREATE TRIGGER IF NOT EXISTS feature_bounds_update
        AFTER UPDATE OF collection, id, geom_type, minx, miny, maxx, maxy ON features
        BEGIN
            DELETE FROM feature_bounds WHERE rowid = old.rowid;
            INSERT INTO feature_bounds
                SELECT new.rowid, new.collection, new.id, new.geom_type, new.minx,
                       new.miny, new.maxx, new.maxy
                WHERE new.minx IS NOT NULL;
        END
        """,
        """
        CREATE TRIGGER IF NOT EXISTS feature_bounds_delete AFTER DELETE ON features BEGIN
            DELETE FROM feature_bounds WHERE rowid = old.rowid;
        END
        """,
    )


@migrations()
def m015_geography_index(db: Database) -> None:
    """On PostgreSQL a geography GiST index for near= and trail= (issue 16). SQLite
    answers both from the R*Tree with degree boxes (features.near_candidates); nothing
    to add here. Kept so that both stores have the same numbered migrations."""
