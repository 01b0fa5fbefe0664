"""Each worker's in-memory bounds (trailapp/store/bounds.py, issue 15): a bbox page
found there is exactly what SQL finds in the same snapshot, after every kind of write
(patched from the change log), after many writes (read again), after a restore, for a
reader whose snapshot is older than the index, and while the index is first read in a
thread of its own (SQL answers those)."""

from __future__ import annotations

import random
import threading

import pytest
from helpers.app import place, trail, write_geojson
from helpers.mixed import AREA, mixed_features

from trailapp import geo, loader
from trailapp.publishing import to_row
from trailapp.store import bounds
from trailapp.store.features import FeatureFilter

PLACES = FeatureFilter("places")


def _boxes(rng: random.Random, n: int) -> list[list[tuple[float, float, float, float]]]:
    out = []
    for _ in range(n):
        x = sorted(rng.uniform(AREA[0] - 0.005, AREA[2] + 0.005) for _ in range(2))
        y = sorted(rng.uniform(AREA[1] - 0.005, AREA[3] + 0.005) for _ in range(2))
        out.append(geo.split_box(x[0], y[0], x[1], y[1]))
    out.append(geo.split_box(179.0, -1.0, -179.0, 1.0))  # across the antimeridian
    out.append(geo.split_box(-180.0, -90.0, 180.0, 90.0))  # the whole world
    return out


def _settle(store) -> None:
    """Bring the index up to the latest version (a whole read runs in a thread)."""
    with store.reader() as reader:
        reader.bbox_matches(PLACES, [(0.0, 0.0, 1.0, 1.0)])
    store.bounds.wait()


def _both(store, boxes) -> tuple[tuple, tuple]:
    """(the index's answer, SQL's answer) in one snapshot."""
    with store.reader() as reader:
        assert reader.bounds.matches(reader, "places", boxes) is not None  # it answers
        indexed = reader.bbox_matches(PLACES, boxes)
        reader.bounds = None
        by_sql = reader.bbox_matches(PLACES, boxes)
    return indexed, by_sql


def _agree(store, rng: random.Random, n: int = 40) -> None:
    _settle(store)
    for boxes in _boxes(rng, n):
        indexed, by_sql = _both(store, boxes)
        assert indexed == by_sql, boxes


def _record(fid: str, lon: float, lat: float) -> dict:
    """A point outside both municipalities (the loader refuses those): straight in."""
    return {"collection": "places", "id": fid, "municipality": "bollnas", "kind": "test-site",
            "accuracy": "exact", "attrs": {"source": "synthetic"},
            "texts": {"name": {"sv": fid, "en": fid, "tn": None}},
            "geometry": {"type": "Point", "coordinates": [lon, lat]}}


@pytest.fixture
def loaded(app, tmp_path):
    store = app.extensions["trailapp"].store
    loader.load(store, [write_geojson(tmp_path / "mixed.geojson",
                                      [*mixed_features(), place("test-unlocated", None, None)])])
    with store.writer() as w:  # on both sides of the antimeridian, and on it
        for fid, lon, lat in (("test-east-edge", 179.9995, 0.5),
                              ("test-west-edge", -179.9995, -0.5), ("test-on-180", 180.0, 0.0)):
            w.upsert_feature(to_row(_record(fid, lon, lat), "2026-01-01T00:00:00Z"))
    return store


@pytest.fixture
def builds(monkeypatch) -> list[int]:
    """How many times a collection was read whole (rather than patched)."""
    for thread in threading.enumerate():  # an earlier test's read, still running, would
        if thread.name.startswith("bounds-"):  # count here
            thread.join()
    made: list[int] = []
    real = bounds.build

    def counted(version, rows):
        made.append(len(rows))
        return real(version, rows)

    monkeypatch.setattr(bounds, "build", counted)
    return made


def test_the_index_answers_what_sql_answers(loaded, builds):
    _agree(loaded, random.Random(1))
    assert builds == [143]  # read once; every later box from memory
    with loaded.reader() as reader:
        found = reader.bbox_matches(PLACES, geo.split_box(179.0, -1.0, -179.0, 1.0))[0]
        ids = {r[0]: r[1] for r in reader.conn.execute(
            "SELECT rowid, id FROM features WHERE collection = 'places'")}
    assert [ids[r] for r in found] == ["test-east-edge", "test-on-180", "test-west-edge"]


def test_every_kind_of_write_is_patched_in_from_the_change_log(loaded, builds, tmp_path):
    rng = random.Random(2)
    _agree(loaded, rng, 5)
    features = {f["id"]: f for f in mixed_features()}
    moved_point = next(f for f in features.values() if f["id"].startswith("test-p"))
    moved_point["geometry"]["coordinates"] = [16.05, 61.025]
    moved_line = features["test-l03"]
    moved_line["geometry"]["coordinates"] = [[x + 0.01, y] for x, y in
                                             moved_line["geometry"]["coordinates"]]
    point_to_area = features["test-a02"]
    point_to_area["id"] = "test-east-edge"  # was a point: now a triangle near 16° E
    unlocated = place(features["test-a05"]["id"], None, None)
    new = place("test-p-new-000", 16.0501, 61.0251)
    loader.load(loaded, [write_geojson(tmp_path / "more.geojson",
                                       [moved_point, moved_line, point_to_area, unlocated,
                                        new])])
    with loaded.writer() as w:
        w.delete_feature("places", "test-west-edge")
    _agree(loaded, rng)
    assert builds == [143]  # patched, never read again
    with loaded.reader() as reader:
        near_move = reader.bbox_matches(PLACES, [(16.0499, 61.0249, 16.0502, 61.0252)])[0]
        names = {r[0]: r[1] for r in reader.conn.execute("SELECT rowid, id FROM features")}
    # (a line whose bounds meet the box may come too: the caller tests lines exactly)
    assert {moved_point["id"], "test-p-new-000"} <= {names[r] for r in near_move}


def test_many_writes_read_the_collection_again(loaded, builds, tmp_path):
    rng = random.Random(3)
    _agree(loaded, rng, 3)
    many = [place(f"test-q{i:04d}", 16.0 + rng.random() * 0.1, 61.0 + rng.random() * 0.05)
            for i in range(bounds.PATCH_LIMIT + 1)]
    loader.load(loaded, [write_geojson(tmp_path / "many.geojson", many)])
    _agree(loaded, rng)
    assert builds == [143, 143 + bounds.PATCH_LIMIT + 1]


def test_a_restore_reads_the_collection_again(loaded, builds):
    rng = random.Random(4)
    _agree(loaded, rng, 3)
    with loaded.writer() as w:  # what flask restore does after putting the file back
        w.conn.execute("DELETE FROM features WHERE id = 'test-on-180'")
        w.jump_change_sequence(1000)
    _agree(loaded, rng)
    assert builds == [143, 142]


def test_a_snapshot_older_than_the_index_is_answered_by_sql(loaded, tmp_path):
    boxes = [(16.0, 61.0, 16.1, 61.05)]
    _settle(loaded)
    with loaded.reader() as old:
        before = old.bbox_matches(PLACES, boxes)  # the snapshot starts here
        loader.load(loaded, [write_geojson(tmp_path / "new.geojson",
                                           [place("test-p-late", 16.07, 61.02)])])
        _settle(loaded)  # another request brings the index on (a patch)
        newer, by_sql = _both(loaded, boxes)
        assert newer == by_sql and len(newer[0]) == len(before[0]) + 1
        assert old.bounds.matches(old, "places", boxes) is None
        assert old.bbox_matches(PLACES, boxes) == before


def test_a_first_read_is_answered_by_sql_while_the_index_is_read_aside(loaded, builds):
    boxes = [(16.0, 61.0, 16.1, 61.05)]
    with loaded.reader() as reader:
        assert reader.bounds.matches(reader, "places", boxes) is None
        first = reader.bbox_matches(PLACES, boxes)
    loaded.bounds.wait()
    assert builds == [143]
    indexed, by_sql = _both(loaded, boxes)
    assert indexed == by_sql == first


def test_a_failed_read_leaves_sql_answering_and_is_not_retried_at_once(loaded, monkeypatch):
    def broken(version, rows):
        raise MemoryError("no room for the bounds")

    monkeypatch.setattr(bounds, "build", broken)
    boxes = [(16.0, 61.0, 16.1, 61.05)]
    with loaded.reader() as reader:
        first = reader.bbox_matches(PLACES, boxes)
    loaded.bounds.wait()
    with loaded.reader() as reader:
        assert reader.bounds.matches(reader, "places", boxes) is None
        assert not loaded.bounds._building  # no new read started within RETRY_S
        reader.bounds = None
        assert reader.bbox_matches(PLACES, boxes) == first


def test_a_write_to_another_collection_moves_the_version_and_changes_nothing(loaded, builds,
                                                                             tmp_path):
    rng = random.Random(5)
    _agree(loaded, rng, 3)
    loader.load(loaded, [write_geojson(tmp_path / "trail.geojson", [
        trail("test-walk", [[16.01, 61.01], [16.02, 61.02]])])])
    _agree(loaded, rng)
    assert builds == [143]
