"""The store: migrations, connection settings, indexes kept in step with features,
the change log, rollback, snapshots, and writes from many processes and threads."""

from __future__ import annotations

import multiprocessing
import sqlite3
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
from helpers.app import ON_POSTGRES

from trailapp.publishing import publish
from trailapp.store import Store, StoreBusy
from trailapp.store.features import FeatureFilter
from trailapp.store.schema import migrations

# Holds the write lock file until told to stop (a line on stdin), like another worker.
HOLD_LOCK = """
import fcntl, sys
with open(sys.argv[1], "a+") as f:
    fcntl.flock(f, fcntl.LOCK_EX)
    print("locked", flush=True)
    sys.stdin.readline()
"""


def record(fid: str, coords: tuple[float, float] | None = (16.40, 61.35),
           name: str = "Testplats") -> dict:
    """A place record as the loader hands it to publish (synthetic: ids start test-)."""
    return {"collection": "places", "id": fid, "municipality": "bollnas", "kind": "test-site",
            "accuracy": "unknown" if coords is None else "exact",
            "geometry": None if coords is None else {"type": "Point", "coordinates": list(coords)},
            "texts": {"name": {"sv": name, "en": None, "tn": None}}, "attrs": {}}


def write(store: Store, rec: dict) -> bool:
    """Publish one record in its own transaction; True when it changed anything."""
    with store.writer() as w:
        return publish(w, rec)


def rtree_box(store: Store, fid: str) -> tuple[float, float, float, float] | None:
    """The R*Tree entry of one feature, read straight from features_rtree."""
    with store.reader() as r:
        row = r.conn.execute(
            "SELECT t.minx, t.miny, t.maxx, t.maxy FROM features_rtree t "
            "JOIN features f ON f.rowid = t.id WHERE f.id = ?", [fid]).fetchone()
    return None if row is None else tuple(row)


def one(store: Store, sql: str, params: list | tuple = ()):
    """The single value a query answers."""
    with store.reader() as r:
        return r.conn.execute(sql, params).fetchone()[0]


def ops(store: Store) -> list[tuple[str, str]]:
    """The change log as (feature id, op), oldest first."""
    with store.reader() as r:
        return [tuple(row) for row in
                r.conn.execute("SELECT feature_id, op FROM changes ORDER BY seq")]


def found_by_text(store: Store, text: str) -> list[str]:
    with store.reader() as r:
        return [row["id"] for row in r.conn.execute(
            "SELECT id FROM features WHERE search @@ to_tsquery('simple', ?)" if ON_POSTGRES
            else "SELECT id FROM features WHERE rowid IN "
            "(SELECT rowid FROM features_fts WHERE features_fts MATCH ?)", [text])]


def write_each(store: Store, prefix: str, n: int) -> list[str]:
    """Write n features one transaction each; return the ids whose commit returned.

    A StoreBusy is retried, as a client does after Retry-After.
    """
    acknowledged = []
    for i in range(n):
        fid = f"{prefix}-{i}"
        while True:
            try:
                write(store, record(fid, (16.0 + i / 100, 61.0 + i / 100)))
                break
            except StoreBusy:
                continue
        acknowledged.append(fid)
    return acknowledged


def write_each_in_own_store(path: str, prefix: str, n: int) -> list[str]:
    """write_each on a Store of this process's own (module level: spawn imports it)."""
    store = Store(path)
    try:
        return write_each(store, prefix, n)
    finally:
        store.close()


# -- migrations and settings ------------------------------------------------------


def test_migrations_apply_once_and_are_safe_to_rerun(tmp_path):
    store = Store(tmp_path / "fresh.sqlite3")
    try:
        assert store.initialise() == [m.name for m in migrations._migrations]
        assert store.initialise() == []
        assert one(store, "SELECT count(*) FROM features") == 0
        assert one(store, "SELECT count(*) FROM _sqlite_migrations") == len(
            migrations._migrations)
    finally:
        store.close()


@pytest.mark.sqlite_only  # SQLite's pragmas
def test_writer_connection_is_wal_durable_with_foreign_keys(store):
    with store.writer() as w:
        pragmas = [w.conn.execute(f"PRAGMA {p}").fetchone()[0]
                   for p in ("journal_mode", "synchronous", "foreign_keys")]
    assert pragmas == ["wal", 2, 1]  # synchronous 2 is FULL


@pytest.mark.sqlite_only  # SQLite's pragmas
def test_read_connection_is_query_only(store):
    with store.reader() as r:
        assert r.conn.execute("PRAGMA query_only").fetchone()[0] == 1
        assert r.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            r.conn.execute("DELETE FROM changes")


# -- the spatial index ----------------------------------------------------------------


@pytest.mark.sqlite_only  # SQLite's R*Tree table (PostGIS: test_postgres.py)
def test_rtree_gets_the_bounds_of_an_inserted_feature(store):
    write(store, record("test-a", (16.40, 61.35)))
    minx, miny, maxx, maxy = rtree_box(store, "test-a")
    # R*Tree keeps float32, rounded outwards: never inside the true bounds, and close.
    assert minx <= 16.40 <= maxx and miny <= 61.35 <= maxy
    assert [minx, miny, maxx, maxy] == pytest.approx([16.40, 61.35, 16.40, 61.35], abs=1e-5)


@pytest.mark.sqlite_only  # SQLite's R*Tree table (PostGIS: test_postgres.py)
def test_rtree_follows_a_geometry_update(store):
    write(store, record("test-a", (16.40, 61.35)))
    write(store, record("test-a", (16.90, 61.80)))
    assert rtree_box(store, "test-a") == pytest.approx((16.90, 61.80, 16.90, 61.80), abs=1e-5)
    assert one(store, "SELECT count(*) FROM features_rtree") == 1


@pytest.mark.sqlite_only  # SQLite's R*Tree table (PostGIS: test_postgres.py)
def test_rtree_entry_goes_with_a_deleted_feature(store):
    write(store, record("test-a"))
    write(store, record("test-b", (16.5, 61.4)))
    with store.writer() as w:
        assert w.delete_feature("places", "test-a")
    assert one(store, "SELECT count(*) FROM features_rtree") == 1
    assert rtree_box(store, "test-b") is not None


@pytest.mark.sqlite_only  # SQLite's R*Tree table (PostGIS: test_postgres.py)
def test_null_geometry_has_no_rtree_entry_and_clears_an_old_one(store):
    write(store, record("test-unknown", None))
    write(store, record("test-a", (16.40, 61.35)))
    write(store, record("test-a", None))
    assert one(store, "SELECT count(*) FROM features_rtree") == 0
    write(store, record("test-a", (16.40, 61.35)))
    assert rtree_box(store, "test-a") is not None


# -- the text index --------------------------------------------------------------------


@pytest.mark.sqlite_only  # SQLite's FTS5 table
def test_renamed_feature_is_found_by_its_new_name_only(store):
    write(store, record("test-a", name="Gamla kvarnen"))
    write(store, record("test-a", name="Vallsta såg"))
    assert found_by_text(store, "vallsta") == ["test-a"]
    assert found_by_text(store, "kvarnen") == []
    with store.reader() as r:  # and through the query the API uses
        assert r.count(FeatureFilter("places", text="sag")) == 1  # diacritics folded


# -- the change log and transactions ---------------------------------------------------


def test_each_write_adds_exactly_one_change(store):
    write(store, record("test-a"))
    write(store, record("test-a", (16.5, 61.4)))
    with store.writer() as w:
        w.delete_feature("places", "test-a")
    assert ops(store) == [("test-a", "upsert"), ("test-a", "upsert"), ("test-a", "delete")]


def test_unchanged_upsert_adds_no_change(store):
    assert write(store, record("test-a")) is True
    assert write(store, record("test-a")) is False
    assert ops(store) == [("test-a", "upsert")]


def test_write_that_raises_leaves_no_trace(store):
    with pytest.raises(RuntimeError, match="test failure"):
        with store.writer() as w:
            publish(w, record("test-a", name="Kvarnen"))
            raise RuntimeError("test failure")
    tables = ("features", "changes") + (() if ON_POSTGRES else ("features_rtree",))
    assert [one(store, f"SELECT count(*) FROM {t}") for t in tables] == [0] * len(tables)
    assert found_by_text(store, "kvarnen") == []
    assert write(store, record("test-b"))  # and the writer is usable again


def test_reader_snapshot_does_not_see_a_later_commit(store):
    write(store, record("test-a"))
    with store.reader() as r:
        assert r.count(FeatureFilter("places")) == 1  # the snapshot starts here
        write(store, record("test-b"))
        assert r.count(FeatureFilter("places")) == 1
        assert r.version()[0] == 1
    with store.reader() as r:
        assert r.count(FeatureFilter("places")) == 2


# -- many writers ------------------------------------------------------------------------


@pytest.mark.sqlite_only  # the SQLite file's write lock (PostgreSQL: test_postgres.py)
def test_concurrent_writes_from_processes_and_threads_all_survive(store):
    per_worker, spawn = 20, multiprocessing.get_context("spawn")
    # Three processes with a Store each, and three threads sharing this one.
    with spawn.Pool(3) as processes, ThreadPoolExecutor(3) as threads:
        in_processes = processes.starmap_async(
            write_each_in_own_store,
            [(store.path, f"test-process{i}", per_worker) for i in range(3)])
        in_threads = [threads.submit(write_each, store, f"test-thread{i}", per_worker)
                      for i in range(3)]
        results = in_processes.get() + [f.result() for f in in_threads]
    acknowledged = {fid for ids in results for fid in ids}
    assert len(acknowledged) == 6 * per_worker
    with store.reader() as r:
        ids = {row["id"] for row in r.conn.execute("SELECT id FROM features")}
        assert r.integrity_check() == "ok"
    assert ids == acknowledged
    assert one(store, "SELECT count(*) FROM changes") == 6 * per_worker


@pytest.mark.sqlite_only  # the SQLite file's write lock (PostgreSQL: test_postgres.py)
def test_writer_gives_up_with_store_busy_while_another_process_holds_the_lock(store):
    impatient = Store(store.path, busy_timeout_ms=100)
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, store.path + ".write-lock"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "locked\n"
        with pytest.raises(StoreBusy) as info:
            with impatient.writer() as w:
                publish(w, record("test-a"))
    finally:
        holder.communicate("\n", timeout=30)
        impatient.close()
    assert (info.value.status, info.value.headers) == (503, {"Retry-After": "1"})
    assert info.value.to_dict()["code"] == "ServiceUnavailable"
    assert one(store, "SELECT count(*) FROM features") == 0
