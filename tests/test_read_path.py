"""The uncached read path (issue 15): a bbox page is the same answer, byte for byte, as
the straightforward one (every feature of the collection tested in shapely, id order,
the stored rendering), over points, lines and areas; and read connections map the file."""

from __future__ import annotations

import json

import pytest
from helpers.app import place, write_geojson
from helpers.mixed import AREA, GRID, mixed_features
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import box, shape

from trailapp import loader
from trailapp.features import absolute_links
from trailapp.store import READ_MMAP_BYTES


@pytest.fixture
def mixed(app, tmp_path):
    loader.load(app.extensions["trailapp"].store,
                [write_geojson(tmp_path / "mixed.geojson", mixed_features())])
    return app


def straightforward(store, bbox: tuple[float, float, float, float]) -> list[tuple[str, str]]:
    """(id, rendered English JSON) of every place meeting bbox, tested one by one."""
    with store.reader() as reader:
        rows = reader.conn.execute(
            "SELECT id, geometry, json_en FROM features WHERE collection = 'places' "
            "AND geometry IS NOT NULL ORDER BY id").fetchall()

    return [(r["id"], r["json_en"]) for r in rows
            if shape(json.loads(r["geometry"])).intersects(box(*bbox))]


coordinate_x = st.integers(-5, 105).map(lambda k: round(AREA[0] + k * GRID, 3))
coordinate_y = st.integers(-5, 55).map(lambda k: round(AREA[1] + k * GRID, 3))


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(x=st.tuples(coordinate_x, coordinate_x), y=st.tuples(coordinate_y, coordinate_y),
       limit=st.integers(1, 60), offset=st.integers(0, 80))
def test_bbox_page_equals_the_straightforward_answer(mixed, x, y, limit, offset):
    store = mixed.extensions["trailapp"].store
    bbox = (min(x), min(y), max(x), max(y))
    expected = straightforward(store, bbox)
    response = mixed.test_client().get(
        "/collections/places/items?lang=en&bbox=" + ",".join(map(str, bbox))
        + f"&limit={limit}&offset={offset}")
    assert response.status_code == 200
    body = response.get_json()
    window = expected[offset:offset + limit]
    assert [f["id"] for f in body["features"]] == [fid for fid, _ in window]
    assert body["numberMatched"] == len(expected)
    assert body["numberReturned"] == len(window)
    # the stored renderings stitched unchanged into the page
    stitched = absolute_links(",".join(text for _, text in window), "http://localhost")
    assert response.get_data(as_text=True).startswith(
        '{"type":"FeatureCollection","features":[' + stitched + "]")


def test_a_triangle_whose_bounds_meet_the_box_is_left_out(mixed):
    # The precondition that gives the comparison above its edge: some box meets an
    # area's bounds but not the area, so the exact test matters.
    store = mixed.extensions["trailapp"].store
    with store.reader() as reader:
        row = reader.conn.execute("SELECT minx, miny, maxx, maxy FROM features "
                                  "WHERE id = 'test-a00'").fetchone()
    corner = (row["maxx"] - 0.002, row["maxy"] - 0.002, row["maxx"], row["maxy"])
    body = mixed.test_client().get(
        "/collections/places/items?limit=1000&bbox=" + ",".join(map(str, corner))).get_json()
    assert "test-a00" not in [f["id"] for f in body["features"]]
    assert body["numberMatched"] == len(straightforward(store, corner))


@pytest.mark.sqlite_only  # SQLite's mmap and its narrow bounds table
def test_read_connections_map_the_database_file(store):
    # A bbox touches a page per match: at 100k places the default page cache held
    # almost none of them and every page was a read() call.
    with store.reader() as reader:
        assert reader.conn.execute("PRAGMA mmap_size").fetchone()[0] == READ_MMAP_BYTES


def _bounds_both_ways(store) -> tuple[list[tuple], list[tuple]]:
    with store.reader() as reader:
        from_features = [tuple(r) for r in reader.conn.execute(
            "SELECT rowid, collection, id, geom_type, minx, miny, maxx, maxy FROM features "
            "WHERE minx IS NOT NULL ORDER BY rowid")]
        narrow = [tuple(r) for r in reader.conn.execute(
            "SELECT rowid, collection, id, geom_type, minx, miny, maxx, maxy "
            "FROM feature_bounds ORDER BY rowid")]
    return from_features, narrow


@pytest.mark.sqlite_only  # SQLite's mmap and its narrow bounds table
def test_the_narrow_bounds_follow_every_insert_move_and_delete(mixed, tmp_path):
    # A bbox page reads feature_bounds (a page of rows per page, not a page per match):
    # it must say what features says after every kind of write.
    store = mixed.extensions["trailapp"].store
    from_features, narrow = _bounds_both_ways(store)
    assert len(from_features) == 140 and narrow == from_features
    moved = [f for f in mixed_features() if f["id"] == "test-l00"][0]
    moved["geometry"]["coordinates"] = [[x + 0.0005, y] for x, y in
                                        moved["geometry"]["coordinates"]]
    unlocated = place("test-p-unlocated", None, None)
    loader.load(store, [write_geojson(tmp_path / "more.geojson", [moved, unlocated])])
    with store.writer() as writer:
        writer.delete_feature("places", "test-a00")
    from_features, narrow = _bounds_both_ways(store)
    assert narrow == from_features and len(narrow) == 139
    assert "test-a00" not in [r[2] for r in narrow]
    new_minx = min(c[0] for c in moved["geometry"]["coordinates"])
    assert [r[4] for r in narrow if r[2] == "test-l00"] == pytest.approx([new_minx], abs=1e-9)
