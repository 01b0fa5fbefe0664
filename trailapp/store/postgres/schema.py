"""The PostgreSQL + PostGIS schema: the same numbered migrations as the SQLite store
(trailapp/store/schema.py), one function each, applied in order and only once, under
an advisory lock so that several servers starting at once migrate once.

No PostgreSQL deployment predates m012, so the tables take their m012 shape where
SQLite's later migrations only rebuilt a table to widen a CHECK (m011, m012); each such
migration is still listed here, by the same name, so that both stores say the same
schema version. tests/test_postgres.py checks that the two lists of names match: a
new SQLite migration needs its PostgreSQL twin here.

What SQLite does with virtual tables PostgreSQL does with columns and indexes of the
features table: `geom` (PostGIS geometry, SRID 4326, GiST index: bbox, and the boxes
that near= and trail= corridors are first narrowed to, as SQLite's R*Tree does; the
exact distance is then measured in Python on both stores, so both answer alike) and
`search` (a tsvector, GIN index) are kept
by a trigger from the GeoJSON text and search_text that both stores write. The change
log is numbered at commit, see m003_sync.

Longer than 300 lines because a released migration is never edited or moved.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Migration = Callable[[Any], None]
MIGRATIONS: list[tuple[str, Migration]] = []

#: The advisory lock keys of this schema (pg_advisory_xact_lock's bigint space).
MIGRATION_LOCK = 7_461_001
CHANGE_LOCK = 7_461_002


def migration(fn: Migration) -> Migration:
    MIGRATIONS.append((fn.__name__, fn))
    return fn


_TEXT_COLUMN = re.compile(r"^(\s+\w+ text)\b", re.MULTILINE)


def _run(conn: Any, *statements: str) -> None:
    for statement in statements:
        if statement.lstrip().startswith("CREATE TABLE"):
            # Text compares and sorts by code point, as in SQLite, whatever the
            # database's own collation: pages ordered by id are the same on both.
            statement = _TEXT_COLUMN.sub(r'\1 COLLATE "C"', statement)
        conn.execute(statement)


@migration
def m001_features(conn: Any) -> None:
    """Published features, their spatial and text indexes, the change log, and the
    few SQLite functions the store's common SQL uses."""
    _run(
        conn,
        "CREATE EXTENSION IF NOT EXISTS postgis",
        "CREATE EXTENSION IF NOT EXISTS unaccent",
        # json_each(text) / json_each(text, path): the values of a JSON array as text,
        # as SQLite's json_each gives them for scalars (objects and arrays as JSON).
        """CREATE FUNCTION json_each(doc text) RETURNS TABLE (value text)
           LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
           SELECT CASE WHEN jsonb_typeof(e) = 'string' THEN e #>> '{}' ELSE e::text END
           FROM jsonb_array_elements(doc::jsonb) AS e $$""",
        """CREATE FUNCTION json_path(path text) RETURNS text[]
           LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
           SELECT coalesce(array_agg(coalesce(m[1], m[2]) ORDER BY n), '{}')
           FROM regexp_matches(path, '\\.([A-Za-z_][A-Za-z0-9_]*)|\\[([0-9]+)\\]', 'g')
               WITH ORDINALITY AS r(m, n) $$""",
        """CREATE FUNCTION json_each(doc text, path text) RETURNS TABLE (value text)
           LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
           SELECT CASE WHEN jsonb_typeof(e) = 'string' THEN e #>> '{}' ELSE e::text END
           FROM jsonb_array_elements(
               CASE WHEN jsonb_typeof(doc::jsonb #> json_path(path)) = 'array'
                    THEN doc::jsonb #> json_path(path) ELSE '[]'::jsonb END) AS e $$""",
        # json_extract(text, '$.a.b'): a string as text, a number or true/false as its
        # JSON text, null as NULL (SQLite gives 1/0 for true/false: see json_flag).
        """CREATE FUNCTION json_extract(doc text, path text) RETURNS text
           LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
           SELECT CASE jsonb_typeof(doc::jsonb #> json_path(path))
               WHEN 'string' THEN doc::jsonb #>> json_path(path)
               WHEN 'null' THEN NULL
               WHEN 'boolean' THEN CASE WHEN (doc::jsonb #> json_path(path))::boolean
                                        THEN '1' ELSE '0' END
               ELSE (doc::jsonb #> json_path(path))::text END $$""",
        """CREATE FUNCTION strftime(format text, at text) RETURNS text
           LANGUAGE sql VOLATILE AS $$
           SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC',
                          'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') $$""",
        # Sessions run in UTC (see PgStore), so a time without an offset is UTC.
        """CREATE FUNCTION julianday(at text) RETURNS double precision
           LANGUAGE sql STABLE PARALLEL SAFE AS $$
           SELECT extract(epoch FROM at::timestamptz) / 86400.0 + 2440587.5 $$""",
        """CREATE FUNCTION max(a text, b text) RETURNS text
           LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT greatest(a, b) $$""",
        """CREATE FUNCTION min(a text, b text) RETURNS text
           LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT least(a, b) $$""",
        """CREATE FUNCTION max(a bigint, b bigint) RETURNS bigint
           LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT greatest(a, b) $$""",
        """CREATE FUNCTION trailapp_words(t text) RETURNS tsvector
           LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
           SELECT to_tsvector('simple', lower(public.unaccent(t)))
               || to_tsvector('swedish', t) || to_tsvector('english', t) $$""",
        """
        CREATE TABLE features (
            rowid bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            collection text NOT NULL,
            id text NOT NULL,
            municipality text NOT NULL,
            kind text NOT NULL,
            accuracy text NOT NULL CHECK (accuracy IN ('exact', 'approximate', 'unknown')),
            geometry text,
            geom_type text,
            minx double precision, miny double precision,
            maxx double precision, maxy double precision,
            time_start text,
            time_end text,
            created text NOT NULL,
            updated text NOT NULL,
            content_hash text NOT NULL,
            record text NOT NULL,
            search_text text NOT NULL DEFAULT '',
            json_sv text NOT NULL,
            json_en text NOT NULL,
            json_tn text NOT NULL,
            place_id text,
            geom geometry(Geometry, 4326),
            search tsvector,
            UNIQUE (collection, id),
            CHECK ((geometry IS NULL) = (minx IS NULL))
        )""",
        "CREATE INDEX features_by_municipality ON features (collection, municipality, id)",
        "CREATE INDEX features_by_kind ON features (collection, kind, id)",
        "CREATE INDEX features_by_updated ON features (collection, updated)",
        "CREATE INDEX features_by_time ON features (collection, time_start, time_end)",
        "CREATE INDEX features_by_place ON features (collection, place_id, id)",
        "CREATE INDEX features_geom ON features USING gist (geom)",
        "CREATE INDEX features_search ON features USING gin (search)",
        """CREATE FUNCTION features_derive() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN
               NEW.geom := CASE WHEN NEW.geometry IS NULL THEN NULL
                           ELSE ST_Force2D(ST_SetSRID(ST_GeomFromGeoJSON(NEW.geometry), 4326)) END;
               NEW.search := trailapp_words(NEW.search_text);
               RETURN NEW;
           END $$""",
        """CREATE TRIGGER features_derive BEFORE INSERT OR UPDATE OF geometry, search_text
           ON features FOR EACH ROW EXECUTE FUNCTION features_derive()""",
        """
        CREATE TABLE changes (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            seq bigint UNIQUE,
            collection text NOT NULL,
            feature_id text NOT NULL,
            op text NOT NULL CHECK (op IN ('upsert', 'delete')),
            at text NOT NULL,
            municipality text
        )""",
    )


@migration
def m002_contributions(conn: Any) -> None:
    """Contributions (in their m012 shape), their media, reports, rate events."""
    _run(
        conn,
        """
        CREATE TABLE contributions (
            id text PRIMARY KEY,
            kind text NOT NULL CHECK (kind IN ('story', 'activity', 'question', 'reply',
                                               'translation', 'answer')),
            place_id text NOT NULL,
            municipality text NOT NULL,
            status text NOT NULL
                CHECK (status IN ('pending', 'approved', 'rejected', 'hidden')),
            hidden_reason text,
            lang text NOT NULL CHECK (lang IN ('sv', 'en', 'tn')),
            title text NOT NULL,
            body text NOT NULL,
            pseudonym text NOT NULL,
            age_band text NOT NULL CHECK (age_band IN ('under-13', '13-15', '16-17', '18+')),
            consent_by text NOT NULL CHECK (consent_by IN ('self', 'guardian')),
            consent_notice_version text NOT NULL,
            consent_at text NOT NULL,
            people_in_media bigint CHECK (people_in_media IN (0, 1)),
            people_consented bigint CHECK (people_consented IN (0, 1)),
            starts_at text,
            ends_at text,
            time_zone text,
            meeting_point text,
            capacity bigint CHECK (capacity IS NULL OR capacity > 0),
            flags text NOT NULL DEFAULT '[]',
            rejection_reason text,
            token_hash text NOT NULL,
            idempotency_key_hash text UNIQUE,
            request_hash text NOT NULL,
            text_hash text NOT NULL,
            created text NOT NULL,
            updated text NOT NULL,
            decided_at text,
            decided_by text,
            sdg_targets text NOT NULL DEFAULT '[]',
            unpublished_at text,
            workshop_id text,
            parent_id text,
            joint bigint NOT NULL DEFAULT 0 CHECK (joint IN (0, 1)),
            content_notes text NOT NULL DEFAULT '[]',
            content_notes_suggested text NOT NULL DEFAULT '[]',
            CHECK ((kind = 'activity') = (starts_at IS NOT NULL)),
            CHECK ((kind IN ('reply', 'translation')) = (parent_id IS NOT NULL)),
            CHECK (joint = 0 OR kind = 'activity')
        )""",
        "CREATE INDEX contributions_queue ON contributions (status, municipality, created)",
        "CREATE INDEX contributions_by_text ON contributions (text_hash, created)",
        "CREATE INDEX contributions_by_place ON contributions (place_id, status)",
        "CREATE INDEX contributions_by_workshop ON contributions (workshop_id, created)",
        "CREATE INDEX contributions_by_parent ON contributions (parent_id, status, created)",
        """
        CREATE TABLE media (
            id text PRIMARY KEY,
            contribution_id text NOT NULL REFERENCES contributions (id) ON DELETE CASCADE,
            position bigint NOT NULL,
            kind text NOT NULL CHECK (kind IN ('image', 'audio')),
            media_type text NOT NULL,
            file text NOT NULL UNIQUE,
            thumb_file text UNIQUE,
            bytes bigint NOT NULL,
            width bigint,
            height bigint,
            duration_s double precision
        )""",
        "CREATE INDEX media_by_contribution ON media (contribution_id, position)",
        """
        CREATE TABLE reports (
            contribution_id text NOT NULL REFERENCES contributions (id) ON DELETE CASCADE,
            reporter text NOT NULL,
            reason text NOT NULL,
            note text,
            created text NOT NULL,
            PRIMARY KEY (contribution_id, reporter)
        )""",
        """CREATE TABLE rate_events (
            rowid bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            bucket text NOT NULL, client text NOT NULL, at double precision NOT NULL)""",
        "CREATE INDEX rate_events_by_client ON rate_events (bucket, client, at)",
        "CREATE INDEX rate_events_by_time ON rate_events (at)",
    )


@migration
def m003_sync(conn: Any) -> None:
    """The change log, written by triggers and numbered at commit.

    A sequence number taken while a transaction runs is not commit order: a change
    numbered 41 may commit after 42, and a client that synced up to 42 would never see
    41. So a change row is written without a number, and a deferred trigger numbers the
    transaction's changes as it commits, holding an advisory lock that the next
    committing writer waits for: numbers are given in commit order, and a reader that
    sees number n sees every number below it. Only the commit is serialised, not the
    transactions. The lock is released after the commit is visible (PostgreSQL ends a
    transaction's visibility before releasing its locks)."""
    _run(
        conn,
        "CREATE INDEX changes_by_municipality ON changes (municipality, seq)",
        "CREATE INDEX changes_by_feature ON changes (collection, feature_id)",
        "CREATE SEQUENCE changes_seq",
        f"""CREATE FUNCTION changes_number() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN
               PERFORM pg_advisory_xact_lock({CHANGE_LOCK});
               UPDATE changes SET seq = nextval('changes_seq')
                   WHERE id = NEW.id AND seq IS NULL;
               RETURN NULL;
           END $$""",  # noqa: S608 - a constant of this module
        """CREATE CONSTRAINT TRIGGER changes_number AFTER INSERT ON changes
           DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION changes_number()""",
        """CREATE FUNCTION features_change() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN
               IF TG_OP = 'DELETE' THEN
                   INSERT INTO changes (collection, feature_id, op, at, municipality)
                   VALUES (OLD.collection, OLD.id, 'delete', strftime('', 'now'),
                           OLD.municipality);
                   RETURN OLD;
               END IF;
               INSERT INTO changes (collection, feature_id, op, at, municipality)
               VALUES (NEW.collection, NEW.id, 'upsert', strftime('', 'now'),
                       NEW.municipality);
               RETURN NEW;
           END $$""",
        """CREATE TRIGGER features_change AFTER INSERT OR UPDATE OR DELETE ON features
           FOR EACH ROW EXECUTE FUNCTION features_change()""",
        "CREATE TABLE sync_state (key text PRIMARY KEY, value bigint NOT NULL)",
        "INSERT INTO sync_state (key, value) VALUES ('floor', 0)",
        # sum() over a comparison, as SQLite's common SQL writes it (NULL over no rows).
        """CREATE FUNCTION sum_flag(total bigint, flag boolean) RETURNS bigint
           LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
           SELECT coalesce(total, 0) + CASE WHEN flag THEN 1 ELSE 0 END $$""",
        "CREATE AGGREGATE sum(boolean) (SFUNC = sum_flag, STYPE = bigint)",
    )


@migration
def m004_organisers(conn: Any) -> None:
    """Organisers, their sessions and API tokens, and the append-only audit log."""
    _run(
        conn,
        """
        CREATE TABLE organisers (
            id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            username text NOT NULL UNIQUE,
            password_hash text NOT NULL,
            role text NOT NULL CHECK (role IN ('moderator', 'admin')),
            municipalities text NOT NULL DEFAULT '[]',
            created text NOT NULL,
            disabled bigint NOT NULL DEFAULT 0
        )""",
        """
        CREATE TABLE sessions (
            id_hash text PRIMARY KEY,
            organiser_id bigint NOT NULL REFERENCES organisers (id) ON DELETE CASCADE,
            created double precision NOT NULL,
            last_seen double precision NOT NULL
        )""",
        """
        CREATE TABLE api_tokens (
            id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            organiser_id bigint NOT NULL REFERENCES organisers (id) ON DELETE CASCADE,
            name text NOT NULL,
            token_hash text NOT NULL UNIQUE,
            created text NOT NULL,
            last_used text,
            revoked text
        )""",
        """
        CREATE TABLE audit (
            id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            at text NOT NULL,
            organiser_id bigint,
            organiser text NOT NULL,
            action text NOT NULL,
            object_type text NOT NULL,
            object_id text NOT NULL,
            municipality text,
            before text,
            after text
        )""",
        "CREATE INDEX audit_by_object ON audit (object_type, object_id, id)",
        "CREATE INDEX audit_by_municipality ON audit (municipality, id)",
    )


@migration
def m005_audit_strict(conn: Any) -> None:
    """The audit log is append-only: no delete, and no update but erasing an entry's
    before/after texts (an erasure request)."""
    _run(
        conn,
        """CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN
               IF TG_OP = 'DELETE' OR NOT (
                   NEW.id IS NOT DISTINCT FROM OLD.id AND NEW.at IS NOT DISTINCT FROM OLD.at
                   AND NEW.action IS NOT DISTINCT FROM OLD.action
                   AND NEW.object_type IS NOT DISTINCT FROM OLD.object_type
                   AND NEW.object_id IS NOT DISTINCT FROM OLD.object_id
                   AND NEW.organiser IS NOT DISTINCT FROM OLD.organiser
                   AND NEW.organiser_id IS NOT DISTINCT FROM OLD.organiser_id
                   AND NEW.municipality IS NOT DISTINCT FROM OLD.municipality
                   AND NEW.before IS NOT DISTINCT FROM '"erased"'
                   AND NEW.after IS NOT DISTINCT FROM '"erased"') THEN
                   RAISE EXCEPTION 'the audit log is append-only';
               END IF;
               RETURN NEW;
           END $$""",
        """CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit
           FOR EACH ROW EXECUTE FUNCTION audit_append_only()""",
    )


@migration
def m006_keyed_hashes_and_take_down_time(conn: Any) -> None:
    """In SQLite this forgot unkeyed hashes and added unpublished_at; the PostgreSQL
    tables are made with keyed hashes and the column already (m002)."""


@migration
def m007_workshops(conn: Any) -> None:
    """Workshops: a class or group contributing with a shared code."""
    _run(
        conn,
        """
        CREATE TABLE workshops (
            id text PRIMARY KEY,
            municipality text NOT NULL,
            name text NOT NULL,
            code_hash text NOT NULL,
            expected_participants bigint,
            created text NOT NULL,
            created_by text NOT NULL,
            ends_at text NOT NULL,
            closed_at text
        )""",
        "CREATE INDEX workshops_by_code ON workshops (code_hash, ends_at)",
        "CREATE INDEX workshops_by_municipality ON workshops (municipality, ends_at)",
    )


@migration
def m008_place_images(conn: Any) -> None:
    """Organisers' photos of a place."""
    _run(
        conn,
        """
        CREATE TABLE place_images (
            id text PRIMARY KEY,
            place_id text NOT NULL,
            municipality text NOT NULL,
            position bigint NOT NULL,
            file text NOT NULL UNIQUE,
            thumb_file text NOT NULL UNIQUE,
            bytes bigint NOT NULL,
            width bigint NOT NULL,
            height bigint NOT NULL,
            credit text NOT NULL,
            licence text NOT NULL,
            caption text NOT NULL,
            created text NOT NULL,
            created_by text NOT NULL
        )""",
        "CREATE INDEX place_images_by_place ON place_images (place_id, position)",
    )


_SUBMITTER = """
            pseudonym text NOT NULL,
            age_band text NOT NULL CHECK (age_band IN ('under-13', '13-15', '16-17', '18+')),
            consent_by text NOT NULL CHECK (consent_by IN ('self', 'guardian')),
            consent_notice_version text NOT NULL,
            credit bigint NOT NULL DEFAULT 0 CHECK (credit IN (0, 1)),
            token_hash text NOT NULL,
            install_hash text,
            idempotency_key_hash text UNIQUE,
            request_hash text NOT NULL,
            received_on text NOT NULL,
            decided_on text,
            rejection_reason text"""


@migration
def m009_survey(conn: Any) -> None:
    """Young people's survey fixes of places and GPS tracks of trails."""
    _run(
        conn,
        f"""
        CREATE TABLE survey_fixes (
            seq bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            id text NOT NULL UNIQUE,
            place_id text NOT NULL,
            municipality text NOT NULL,
            status text NOT NULL CHECK (status IN ('pending', 'accepted', 'rejected')),
            lon double precision NOT NULL CHECK (lon BETWEEN -180 AND 180),
            lat double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
            accuracy_m double precision NOT NULL CHECK (accuracy_m > 0),
            method text NOT NULL CHECK (method IN ('gps', 'map')),
            observed_on text NOT NULL,
            note text,
            photo_file text UNIQUE,
            photo_thumb text UNIQUE,
            people_in_media bigint CHECK (people_in_media IN (0, 1)),
            people_consented bigint CHECK (people_consented IN (0, 1)),
            {_SUBMITTER}
        )""",
        "CREATE INDEX survey_fixes_by_place ON survey_fixes (place_id, status)",
        "CREATE INDEX survey_fixes_by_token ON survey_fixes (token_hash)",
        "CREATE INDEX survey_fixes_by_decision ON survey_fixes (decided_on)",
        f"""
        CREATE TABLE survey_tracks (
            seq bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            id text NOT NULL UNIQUE,
            trail_id text NOT NULL,
            municipality text NOT NULL,
            status text NOT NULL CHECK (status IN ('pending', 'published', 'rejected')),
            stages text NOT NULL DEFAULT '[]',
            geometry text NOT NULL,
            length_m double precision NOT NULL,
            coverage double precision,
            points_in bigint NOT NULL,
            points_out bigint NOT NULL,
            observed_on text,
            note text,
            {_SUBMITTER}
        )""",
        "CREATE INDEX survey_tracks_by_trail ON survey_tracks (trail_id, status)",
        "CREATE INDEX survey_tracks_by_token ON survey_tracks (token_hash)",
        "CREATE INDEX survey_tracks_by_decision ON survey_tracks (decided_on)",
    )


@migration
def m010_protected_places(conn: Any) -> None:
    """The true position of places whose public position is protected."""
    _run(
        conn,
        """
        CREATE TABLE protected_places (
            id text PRIMARY KEY,
            municipality text NOT NULL,
            protection text NOT NULL CHECK (protection IN ('area', 'hidden', 'organisers')),
            record text NOT NULL,
            created text NOT NULL,
            updated text NOT NULL
        )""",
        "CREATE INDEX protected_places_by_municipality ON protected_places (municipality)",
    )


@migration
def m011_exchange(conn: Any) -> None:
    """Twin places of the two towns (contributions' new kinds are in m002)."""
    _run(
        conn,
        """
        CREATE TABLE twins (
            id text PRIMARY KEY,
            status text NOT NULL CHECK (status IN ('proposed', 'active', 'ended')),
            place_id text NOT NULL,
            municipality text NOT NULL,
            twin_place_id text NOT NULL,
            twin_municipality text NOT NULL,
            theme text NOT NULL,
            text text NOT NULL DEFAULT '{}',
            proposed_by text NOT NULL,
            proposed_at text NOT NULL,
            accepted_by text,
            accepted_at text,
            ended_by text,
            ended_at text,
            updated text NOT NULL,
            CHECK (municipality != twin_municipality)
        )""",
        "CREATE INDEX twins_by_place ON twins (place_id, status)",
        "CREATE INDEX twins_by_twin_place ON twins (twin_place_id, status)",
    )


@migration
def m012_challenges(conn: Any) -> None:
    """Challenges, their answers, and the heritage passport's links."""
    _run(
        conn,
        """
        CREATE TABLE challenges (
            id text PRIMARY KEY,
            municipality text NOT NULL,
            place_id text,
            trail_id text,
            kind text NOT NULL CHECK (kind IN ('free-answer', 'photo',
                'audio-interview', 'find-the-detail', 'multiple-choice')),
            status text NOT NULL CHECK (status IN ('active', 'withdrawn')),
            texts text NOT NULL,
            options text NOT NULL DEFAULT '[]',
            correct_option bigint,
            created_by text NOT NULL,
            created text NOT NULL,
            updated text NOT NULL,
            CHECK ((place_id IS NULL) != (trail_id IS NULL)),
            CHECK ((kind = 'multiple-choice') = (correct_option IS NOT NULL))
        )""",
        "CREATE INDEX challenges_by_place ON challenges (place_id, status)",
        "CREATE INDEX challenges_by_trail ON challenges (trail_id, status)",
        """
        CREATE TABLE challenge_answers (
            contribution_id text PRIMARY KEY REFERENCES contributions (id) ON DELETE CASCADE,
            challenge_id text NOT NULL,
            chosen bigint,
            correct bigint CHECK (correct IN (0, 1))
        )""",
        "CREATE INDEX challenge_answers_by_challenge ON challenge_answers (challenge_id)",
        """
        CREATE TABLE passport_links (
            passport_hash text NOT NULL,
            item_kind text NOT NULL CHECK (item_kind IN ('answer', 'fix', 'reply')),
            item_id text NOT NULL,
            PRIMARY KEY (item_kind, item_id)
        )""",
        "CREATE INDEX passport_links_by_hash ON passport_links (passport_hash)",
        """CREATE FUNCTION passport_item_gone() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN
               IF TG_TABLE_NAME = 'contributions' THEN
                   DELETE FROM passport_links WHERE item_kind IN ('answer', 'reply')
                       AND item_id = OLD.id;
               ELSE
                   DELETE FROM passport_links WHERE item_kind = 'fix' AND item_id = OLD.id;
               END IF;
               RETURN OLD;
           END $$""",
        """CREATE TRIGGER passport_answer_gone AFTER DELETE ON contributions
           FOR EACH ROW EXECUTE FUNCTION passport_item_gone()""",
        """CREATE TRIGGER passport_fix_gone AFTER DELETE ON survey_fixes
           FOR EACH ROW EXECUTE FUNCTION passport_item_gone()""",
    )


@migration
def m013_contributions_created(conn: Any) -> None:
    """The report's period queries filter contributions by municipality and time."""
    _run(conn, "CREATE INDEX contributions_by_created ON contributions "
               "(municipality, created)")


@migration
def m014_feature_bounds(conn: Any) -> None:
    """In SQLite a narrow copy of each feature's bounds, so that a bbox page reads
    small rows. PostgreSQL's GiST index on features.geom (m001) already answers a bbox
    from the index; nothing to add."""


@migration
def m015_geography_index(conn: Any) -> None:
    """near= and trail= measure on the ellipsoid: a GiST index on the geography of
    each feature lets ST_DWithin find the features within so many metres of a point or
    of a run of a trail straight from the index (features.geom's geometry index keeps
    serving bbox=)."""
    _run(conn, "CREATE INDEX features_geography ON features USING gist (geography(geom))")

def pending(conn: Any) -> list[str]:
    """Names of the migrations not yet applied."""
    conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations "
                 "(name text PRIMARY KEY, applied_at text NOT NULL)")
    done = {r[0] for r in conn.execute("SELECT name FROM schema_migrations").fetchall()}
    return [name for name, _ in MIGRATIONS if name not in done]


def apply(conn: Any) -> list[str]:
    """Apply the pending migrations in one transaction (the caller's), under the
    migration lock; return their names."""
    conn.execute(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
    names = pending(conn)
    for name, fn in MIGRATIONS:
        if name in names:
            fn(conn)
            conn.execute("INSERT INTO schema_migrations (name, applied_at) "
                         "VALUES (?, strftime('', 'now'))", [name])
    return names
