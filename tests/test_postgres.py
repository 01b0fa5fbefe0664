"""The PostgreSQL + PostGIS store (issue 16), on a throwaway cluster made by the test
(helpers/pg.py): the same migrations as SQLite, a change committed late still reaches
a client that synced in between, and what a second server must see (rate limits,
login throttling, idempotency keys, sessions, the response cache's version) lives in
the database. The whole suite also runs on this store: TRAILAPP_TEST_STORE=postgresql.
"""

from __future__ import annotations

import random
import uuid

import psycopg
import pytest
from helpers.app import DATABASES, GEODATA, place, settings_in
from helpers.contributions import post_json, story
from helpers.dashboard import PASSWORD, csrf_token, login
from helpers.organisers import add_organiser, token_headers

from trailapp import auth, create_app, loader
from trailapp.errors import StoreBusy, TooManyRequests
from trailapp.publishing import to_row
from trailapp.store import schema as sqlite_schema
from trailapp.store.postgres import WRITE_LOCK, PgStore
from trailapp.store.postgres import schema as pg_schema

pytestmark = pytest.mark.own_postgres


def _pg_settings(folder, **extra) -> dict:
    return {**settings_in(folder, **extra), "DATABASE": DATABASES.url_for(folder)}


@pytest.fixture
def pg_app(tmp_path):
    app = create_app(_pg_settings(tmp_path))
    loader.load(app.extensions["trailapp"].store, [GEODATA])
    yield app
    app.extensions["trailapp"].store.close()


@pytest.fixture
def second_server(pg_app, tmp_path):
    """Another app on the same database: a second server behind the proxy."""
    app = create_app(_pg_settings(tmp_path))
    yield app
    app.extensions["trailapp"].store.close()


def _cursor(client, since: str) -> tuple[list[tuple[str, str, str]], str]:
    body = client.get(f"/sync?since={since}&limit=1000").get_json()
    assert body["more"] is False
    return [(c["collection"], c["id"], c["op"]) for c in body["changes"]], body["next"]


def test_both_stores_have_the_same_numbered_migrations():
    sqlite_names = [m.name for m in sqlite_schema.migrations._migrations]
    assert [name for name, _ in pg_schema.MIGRATIONS] == sqlite_names
    assert sqlite_names[0] == "m001_features" and len(sqlite_names) >= 12


def test_a_change_committed_late_still_reaches_a_client_that_synced_in_between(pg_app):
    store = pg_app.extensions["trailapp"].store
    client = pg_app.test_client()
    _, start = _cursor(client, "s0")
    late = psycopg.connect(store.url)  # another writer's transaction, left open
    try:
        late.execute("UPDATE features SET json_en = json_en WHERE collection = 'places' "
                     "AND id = 'bol-bollnas-kyrka'")
        # Its change row exists inside that transaction, without a number yet.
        assert late.execute("SELECT seq FROM changes WHERE feature_id = 'bol-bollnas-kyrka' "
                            "ORDER BY id DESC LIMIT 1").fetchone() == (None,)
        with store.reader() as r:
            row = r.feature_row("places", "lob-high-court")
        with store.writer() as w:  # a later change, committed first
            w.rerender("places", "lob-high-court", {
                lang: row_json for lang, row_json in
                zip(("sv", "en", "tn"), _rendered(store, "lob-high-court"), strict=True)})
        seen, middle = _cursor(client, start)
        assert seen == [("places", "lob-high-court", "upsert")]
        late.commit()
    finally:
        late.close()
    seen, end = _cursor(client, middle)
    assert seen == [("places", "bol-bollnas-kyrka", "upsert")]
    assert int(end[1:]) > int(middle[1:]) > int(start[1:])
    assert row["id"] == "lob-high-court"


def _rendered(store, feature_id: str) -> tuple[str, str, str]:
    with store.reader() as r:
        return tuple(r.feature_json("places", feature_id, lang) for lang in ("sv", "en", "tn"))


def test_change_numbers_follow_commit_order_under_concurrent_writers(pg_app):
    """Eight raw transactions each change a feature and commit in an order unlike their
    start order: the numbers come out in commit order, with no gap a reader could skip."""
    store = pg_app.extensions["trailapp"].store
    with store.reader() as r:
        before = r.version()[0]
        ids = [rec["id"] for rec in r.records("places")][:8]
    conns = [psycopg.connect(store.url) for _ in ids]
    try:
        for conn, fid in zip(conns, ids, strict=True):
            conn.execute("UPDATE features SET json_en = json_en WHERE collection = 'places' "
                         "AND id = %s", [fid])
        order = [5, 2, 7, 0, 3, 6, 1, 4]
        for i in order:
            conns[i].commit()
    finally:
        for conn in conns:
            conn.close()
    with store.reader() as r:
        rows = r.changes_after(before, 10**12, ["places"], None, 100)
    assert [row["feature_id"] for row in rows] == [ids[i] for i in order]
    assert [row["seq"] for row in rows] == list(range(before + 1, before + 9))


def test_a_second_server_sees_the_same_idempotency_keys(pg_app, second_server):
    key = str(uuid.uuid4())
    first = post_json(pg_app.test_client(), story(), key=key)
    again = post_json(second_server.test_client(), story(), key=key)
    assert first.status_code == 201 and again.status_code == 200
    assert again.get_json()["id"] == first.get_json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"


def test_login_throttling_counts_failures_on_every_server(pg_app, second_server):
    stores = [app.extensions["trailapp"].store for app in (pg_app, second_server)]
    add_organiser(stores[0], "anna")
    for i in range(10):  # alternating servers, each attempt from its own client
        with pytest.raises(auth.Unauthorized):
            auth.authenticate(stores[i % 2], "anna", "a wrong guess", f"client-{i}",
                              secret="test-only")
    with pytest.raises(TooManyRequests):
        auth.authenticate(stores[1], "anna", "correct horse battery staple", "client-new",
                          secret="test-only")


def test_a_dashboard_session_opened_on_one_server_works_on_the_other(pg_app, second_server):
    auth.create_organiser(pg_app.extensions["trailapp"].store, "anna", PASSWORD,
                          "moderator", ["bollnas"])
    one, other = pg_app.test_client(), second_server.test_client()
    assert login(one).status_code == 302
    name = pg_app.config["SESSION_COOKIE_NAME"]
    other.set_cookie(name, one.get_cookie(name).value)
    page = other.get("/dashboard")
    assert page.status_code == 200
    assert "anna" in page.get_data(as_text=True)
    assert csrf_token(other, "/dashboard")


def test_the_response_cache_sees_a_write_made_on_the_other_server(pg_app, second_server):
    reader = pg_app.test_client()
    url = "/collections/places/items?bbox=16.30,61.30,16.31,61.31&lang=en"
    first = reader.get(url)
    assert first.get_json()["features"] == []
    assert reader.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    store = second_server.extensions["trailapp"].store
    headers = token_headers(store, add_organiser(store, "anna"))
    r = second_server.test_client().post(
        "/manage/places", json=place("test-new-site", 16.305, 61.305), headers=headers)
    assert r.status_code == 201, r.get_json()
    after = reader.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert after.status_code == 200
    assert [f["id"] for f in after.get_json()["features"]] == ["test-new-site"]


def test_a_writer_waits_for_the_lock_and_then_gets_store_busy(pg_app):
    store = pg_app.extensions["trailapp"].store
    short = PgStore(store.url, busy_timeout_ms=200)
    holder = psycopg.connect(store.url)
    try:
        holder.execute("SELECT pg_advisory_xact_lock(%s)", [WRITE_LOCK])
        with pytest.raises(StoreBusy), short.writer():
            pass
        r = pg_app.test_client()
        holder.rollback()
        assert r.get("/collections/places/items?limit=1").status_code == 200
        with short.writer() as w:  # free again
            assert w.version()[0] > 0
    finally:
        holder.close()
        short.close()


def test_a_database_that_cannot_be_opened_stops_the_start_naming_why(tmp_path):
    url = DATABASES.url_for(tmp_path).replace("/t", "/no_such_database_", 1)
    with pytest.raises(RuntimeError, match='database "no_such_database_'):
        create_app({**settings_in(tmp_path), "DATABASE": url})


def test_spatial_and_text_queries_use_postgis_and_the_text_index(pg_app):
    client = pg_app.test_client()
    near = client.get("/collections/places/items?near=25.6775,-25.1927&radius=50").get_json()
    assert [f["id"] for f in near["features"]] == ["lob-high-court"]
    boxed = client.get("/collections/places/items?bbox=16.39,61.34,16.41,61.36").get_json()
    assert "bol-bollnas-kyrka" in {f["id"] for f in boxed["features"]}
    words = client.get("/collections/places/items?q=Bollnas%20kyrk").get_json()
    assert "bol-bollnas-kyrka" in {f["id"] for f in words["features"]}
    store = pg_app.extensions["trailapp"].store
    with store.reader() as r:  # the plan a large table gets (a tiny one may be scanned)
        r.conn.execute("SET LOCAL enable_seqscan = off")
        plans = ["\n".join(row[0] for row in r.conn.execute(f"EXPLAIN {sql}").fetchall())
                 for sql in (
                     "SELECT rowid FROM features f WHERE f.geom && "
                     "ST_MakeEnvelope(16.39, 61.34, 16.41, 61.36, 4326)",
                     "SELECT rowid FROM features f WHERE "
                     "f.search @@ to_tsquery('simple', 'kyrk:*')")]
    assert "features_geom" in plans[0]
    assert "features_search" in plans[1]


def test_near_and_trail_search_the_geography_index_and_agree_with_sqlite(pg_app, tmp_path):
    """near= and trail= find their candidates with ST_DWithin on the geography index
    (m015); the answers are the SQLite store's, to the metre."""
    from shapely.geometry import LineString

    from trailapp.store.features import FeatureFilter

    line = LineString([(16.30, 61.33), (16.40, 61.35), (16.45, 61.37)])
    store = pg_app.extensions["trailapp"].store
    rng = random.Random(16)
    # Enough places that the planner's choice is a real one, all north of 61.5° N: away
    # from the points compared with SQLite below.
    with store.writer() as w:
        for i in range(3000):
            w.upsert_feature(to_row({
                "collection": "places", "id": f"test-far-{i}", "municipality": "bollnas",
                "kind": "test-site", "accuracy": "exact", "attrs": {"source": "synthetic"},
                "texts": {"name": {"sv": f"Plats {i}", "en": f"Place {i}", "tn": None}},
                "geometry": {"type": "Point", "coordinates": [rng.uniform(15.0, 17.0),
                                                              rng.uniform(61.5, 62.5)]}},
                "2026-01-01T00:00:00Z"))
        w.conn.execute("ANALYZE features")
    plans: list[str] = []
    with store.reader() as r:
        real = r.conn.execute

        def explained(sql, params=None):
            if sql.lstrip().startswith("SELECT f.rowid"):
                plans.append("\n".join(row[0] for row in real(f"EXPLAIN {sql}", params)))
            return real(sql, params)

        r.conn.execute = explained
        near = r.near_candidates(FeatureFilter("places"), 16.3947, 61.3486, 2000)
        along = r.corridor_candidates(FeatureFilter("places"), line, 1500)
    assert len(plans) == 2
    assert all("features_geography" in plan for plan in plans), plans
    assert near and along  # the real data has places near Bollnäs church and the line

    sqlite_app = create_app(settings_in(tmp_path / "sqlite"))
    loader.load(sqlite_app.extensions["trailapp"].store, [GEODATA])
    for query in ("near=16.3947,61.3486&radius=2000", "near=25.6775,-25.1927&radius=1500",
                  "near=25.67,-25.19&radius=5000&limit=3&offset=1"):
        url = f"/collections/places/items?{query}"
        on_pg = pg_app.test_client().get(url).get_json()
        on_sqlite = sqlite_app.test_client().get(url).get_json()
        assert on_pg["numberMatched"] > 0
        assert [(f["id"], f["properties"]["distance_m"]) for f in on_pg["features"]] == \
            [(f["id"], f["properties"]["distance_m"]) for f in on_sqlite["features"]]
        assert on_pg["numberMatched"] == on_sqlite["numberMatched"]
    sqlite_app.extensions["trailapp"].store.close()


def test_copy_db_moves_a_sqlite_deployment_and_every_cursor_stays_valid(tmp_path):
    folder = tmp_path / "sqlite"
    sqlite_settings = {**settings_in(folder), "DATABASE": str(folder / "test.sqlite3")}
    old = create_app(sqlite_settings)
    old_store = old.extensions["trailapp"].store
    loader.load(old_store, [GEODATA])
    add_organiser(old_store, "anna")
    receipt = post_json(old.test_client(), story()).get_json()
    runner = old.test_cli_runner()
    assert runner.invoke(args=["contributions", "approve", receipt["id"]]).exit_code == 0
    client = old.test_client()
    cursor = client.get("/sync?since=s0&limit=1000").get_json()["next"]
    pages = {path: client.get(path).get_data() for path in (
        "/collections/places/items?limit=1000", "/collections/stories/items",
        "/collections/trails/items?lang=sv")}

    url = DATABASES.url_for(tmp_path / "pg")
    moved = runner.invoke(args=["copy-db", "--to", url])
    assert moved.exit_code == 0, moved.output
    assert "Copied" in moved.output and "changes" in moved.output
    again = runner.invoke(args=["copy-db", "--to", url])
    assert again.exit_code != 0 and "already holds data" in again.output
    old_store.close()

    new = create_app({**sqlite_settings, "DATABASE": url})
    try:
        client = new.test_client()
        for path, body in pages.items():
            assert client.get(path).get_data() == body, path
        caught_up = client.get(f"/sync?since={cursor}").get_json()
        assert caught_up["count"] == 0 and caught_up["next"] == cursor
        mine = client.get(f"/contributions/{receipt['id']}",
                          headers={"Authorization": f"Bearer {receipt['token']}"})
        assert mine.status_code == 200 and mine.get_json()["status"] == "approved"
        store = new.extensions["trailapp"].store
        headers = token_headers(store, 1)  # anna kept her id
        r = client.post("/manage/places", json=place("test-after-move", 16.3, 61.3),
                        headers=headers)
        assert r.status_code == 201, r.get_json()
        after = client.get(f"/sync?since={cursor}").get_json()
        assert [(c["id"], c["seq"]) for c in after["changes"]] == [
            ("test-after-move", int(cursor[1:]) + 1)]
    finally:
        new.extensions["trailapp"].store.close()


def test_copy_db_knows_every_table_of_the_sqlite_schema(tmp_path):
    from trailapp.store import Store
    from trailapp.store.copy import TABLES, sqlite_tables

    store = Store(tmp_path / "schema.sqlite3")
    store.initialise()
    try:
        with store.reader() as r:
            assert sqlite_tables(r) == set(TABLES)
    finally:
        store.close()


def test_init_db_never_prints_the_databases_password(tmp_path):
    url = DATABASES.url_for(tmp_path).replace("postgresql://", "postgresql://trailapp:s3cret@", 1)
    app = create_app({**settings_in(tmp_path), "DATABASE": url})
    try:
        out = app.test_cli_runner().invoke(args=["init-db"]).output
    finally:
        app.extensions["trailapp"].store.close()
    assert "Database ready at postgresql://trailapp:***@" in out and "s3cret" not in out
