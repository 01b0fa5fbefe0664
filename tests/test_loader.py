"""Loading geodata (GeoJSON, GPX, KML/KMZ): all or nothing, idempotent, and every
fault named with its file, feature and cause; through loader.load and the CLI."""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from helpers.app import GEODATA, ON_POSTGRES, place, trail, write_geojson
from helpers.gpx import WALK, walk_length_m, write_gpx
from helpers.store import count

from trailapp import formats, loader, records
from trailapp.errors import InvalidGeodata

# A short walk in Bollnäs, as GPS fixes (lat, lon, elevation): a plain bent line.
KML_DOC = """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>Test</name>
<Placemark><name>Test källan</name><description>En källa</description>
  <Point><coordinates>16.41,61.33</coordinates></Point></Placemark>
<Placemark><name>Test stigen</name>
  <LineString><coordinates>16.40,61.30 16.41,61.31 16.43,61.32</coordinates></LineString>
</Placemark>
</Document></kml>"""
# A small "billion laughs": entities that would expand to 1,000 copies of "lol".
ENTITY_BOMB_GPX = """<?xml version="1.0"?>
<!DOCTYPE gpx [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1">
 <wpt lat="61.33" lon="16.41"><name>&lol3;</name></wpt>
</gpx>"""


def cli(runner, *args: str):
    """Run `flask load-geodata ARGS` through Flask's CLI test runner."""
    return runner.invoke(args=["load-geodata", *args])


def said(result) -> list[str]:
    """What the command said, without its progress bars and the time it took."""
    return [re.sub(r" \(\d+\.\d s\)\.$", ".", line) for line in result.output.splitlines()
            if not line.startswith(("Reading files", "Writing features"))]


def table_rows(store, table: str) -> int:
    with store.reader() as r:
        return r.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def stored(store, collection: str, fid: str) -> dict:
    """The stored record of one feature."""
    with store.reader() as r:
        row = r.feature_row(collection, fid)
    assert row is not None, f"{collection}/{fid} is not stored"
    return json.loads(row["record"])


def faults(store, *paths: Path, **options) -> list[str]:
    """The messages a refused load gives, one per fault."""
    with pytest.raises(InvalidGeodata) as info:
        loader.load(store, list(paths), loader.Options(**options))
    return [e["message"] for e in info.value.errors]


def copy_geodata(tmp_path: Path) -> Path:
    folder = tmp_path / "geodata"
    shutil.copytree(GEODATA, folder)
    return folder


# -- the real data ---------------------------------------------------------------


def test_real_geodata_loads_33_places_and_2_trails(store):
    report = loader.load(store, [GEODATA])
    assert (len(report.created), report.updated, report.unchanged) == (35, [], [])
    assert (count(store, "features", collection="places"),
            count(store, "features", collection="trails")) == (33, 2)


def test_real_geodata_texts_and_sources_are_stored_exactly_as_written(store):
    """The plain-text and source rules (issue 10, finding 10) change nothing in the real
    files: every name, text, source and attribute is stored as the file has it."""
    loader.load(store, [GEODATA])
    for path in sorted(GEODATA.glob("*.geojson")):
        for feature in json.loads(path.read_text("utf-8"))["features"]:
            props = feature["properties"]
            record = stored(store, props["collection"], feature["id"])
            texts = {f"{field}_{lang}": value for field, values in record["texts"].items()
                     for lang, value in values.items()}
            assert texts == {k: v for k, v in props.items() if k in records.TEXT_KEYS}
            attrs = {k: v for k, v in record["attrs"].items() if k in records.ATTR_CHECKS}
            for stage in attrs.get("stages", []):
                del stage["walking_time_min"]  # added when published
            assert attrs == {k: v for k, v in props.items() if k in records.ATTR_CHECKS}


def test_real_geodata_keeps_null_geometries_null_with_accuracy_unknown(store):
    loader.load(store, [GEODATA])
    with store.reader() as r:
        rows = r.conn.execute(
            "SELECT collection, accuracy FROM features WHERE geometry IS NULL").fetchall()
    assert len(rows) == 21  # 19 places and 2 trails, as geodata/README.md counts them
    assert {row["accuracy"] for row in rows} == {"unknown"}
    assert stored(store, "places", "lob-keitseng-house")["geometry"] is None


def test_real_geodata_loads_through_the_cli(runner, store):
    result = cli(runner, str(GEODATA))
    assert result.exit_code == 0, result.output
    assert said(result) == ["Loaded 2 file(s): 35 created, 0 updated, 0 unchanged."]
    assert count(store, "features", collection="places") == 33


def test_reloading_changes_nothing(store):
    loader.load(store, [GEODATA])
    changes = table_rows(store, "changes")
    report = loader.load(store, [GEODATA])
    assert (report.created, report.updated, len(report.unchanged)) == ([], [], 35)
    assert table_rows(store, "changes") == changes


def test_reloading_through_the_cli_reports_all_unchanged(runner, store):
    cli(runner, str(GEODATA))
    changes = table_rows(store, "changes")
    result = cli(runner, str(GEODATA))
    assert said(result) == ["Loaded 2 file(s): 0 created, 0 updated, 35 unchanged."]
    assert table_rows(store, "changes") == changes


def test_editing_one_feature_updates_exactly_that_one(store, tmp_path):
    folder = copy_geodata(tmp_path)
    loader.load(store, [folder])
    changes = table_rows(store, "changes")
    path = folder / "bollnas.geojson"
    doc = json.loads(path.read_text(encoding="utf-8"))
    church = next(f for f in doc["features"] if f["id"] == "bol-bollnas-kyrka")
    church["properties"]["name_en"] = "Bollnäs Church (St Nicholas)"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")

    report = loader.load(store, [folder])
    assert (report.created, report.updated, len(report.unchanged)) == (
        [], ["bol-bollnas-kyrka"], 34)
    assert table_rows(store, "changes") == changes + 1
    assert stored(store, "places", "bol-bollnas-kyrka")["texts"]["name"]["en"] == (
        "Bollnäs Church (St Nicholas)")


# -- all or nothing ---------------------------------------------------------------


def test_one_bad_file_means_nothing_is_written(store, tmp_path):
    good = write_geojson(tmp_path / "a-good.geojson", [place("test-good", 16.40, 61.35)])
    bad = write_geojson(tmp_path / "b-bad.geojson", [place("test-bad", 61.35, 16.40)])
    assert faults(store, good, bad) == [
        f"{bad}: feature 'test-bad': coordinate [61.35, 16.4] lies outside Bollnäs "
        "(expected longitude 15.5..17.5, latitude 60.9..62.0). "
        "The coordinates look swapped: GeoJSON wants [longitude, latitude]."]
    tables = ("features", "changes") + (() if ON_POSTGRES else ("features_rtree",))
    assert [table_rows(store, t) for t in tables] == [0] * len(tables)


def test_cli_refuses_with_exit_code_1_and_nothing_loaded(runner, store, tmp_path):
    good = write_geojson(tmp_path / "a-good.geojson", [place("test-good", 16.40, 61.35)])
    bad = write_geojson(tmp_path / "b-bad.geojson",
                        [place("test-bad", 16.40, 61.35, municipality="gavle")])
    result = cli(runner, str(good), str(bad))
    assert result.exit_code == 1
    assert said(result) == [
        "Nothing was loaded. Fix these and run again:",
        f"  - {bad}: feature 'test-bad': unknown municipality 'gavle' "
        "(known: bollnas, lobatse)"]
    assert table_rows(store, "features") == 0


# -- every fault names file, feature and cause ---------------------------------------

ZIGZAG = [[16.40, 61.35], [16.50, 61.40], [16.50, 61.35], [16.40, 61.40]]
OPEN_RING = [[16.40, 61.35], [16.45, 61.35], [16.45, 61.38], [16.40, 61.38]]


def with_geometry(geometry: dict) -> dict:
    feature = place("test-bad", 16.4, 61.35)
    feature["geometry"] = geometry
    return feature


@pytest.mark.parametrize("feature, fault", [
    (with_geometry({"type": "Point", "coordinates": [16.4]}),
     "Point: a position must be [longitude, latitude] or with elevation"),
    (trail("test-bad", ZIGZAG), "self-intersecting LineString near [16.450000, 61.375000]"),
    (with_geometry({"type": "Polygon", "coordinates": [OPEN_RING]}),
     "Polygon, ring 0: unclosed ring (the first and last positions differ)"),
    (place("test-bad", 16.4, 91.0), "Point: coordinate [16.4, 91.0] is out of range"),
    (place("test-bad", 61.35, 16.4), "The coordinates look swapped"),
    (place("test-bad", 16.4, 61.35, municipality="gavle"), "unknown municipality 'gavle'"),
    (place("test-bad", 16.4, 61.35, colour="red"), "unknown properties colour"),
    (place("test-bad", 16.4, 61.35, accuracy="unknown"),
     "accuracy 'unknown' needs a null geometry"),
    (place("test-bad", None, None, accuracy="exact"),
     "a feature without geometry must have accuracy 'unknown'"),
], ids=["invalid-geometry", "self-intersection", "unclosed-ring", "out-of-range",
        "swapped-lat-lon", "unknown-municipality", "unknown-property",
        "unknown-accuracy-with-geometry", "exact-without-geometry"])
def test_fault_is_named_with_file_and_feature(store, tmp_path, feature, fault):
    path = write_geojson(tmp_path / "test.geojson", [place("test-fine", 16.4, 61.35), feature])
    [message] = faults(store, path)
    assert message.startswith(f"{path}: feature 'test-bad': ")
    assert fault in message
    assert table_rows(store, "features") == 0


# Place data is read by web maps through the public GeoJSON (open CORS): a source may
# become a link and a name may be shown as HTML (issue 10, finding 10).
HOSTILE_PLACE_DATA = {
    "javascript-source": ({"source": "javascript:alert(document.cookie)"},
                          "property source: source must be an http(s) web address"),
    "mixed-case-scheme": ({"source": "JaVaScRiPt:alert(1)"}, "not a javascript: address"),
    "scheme-after-zwsp": ({"source": "\u200b javascript:alert(1)"},
                          "not a javascript: address"),
    "data-url-in-additional": (
        {"additional_sources": ["https://bollnas.se/", "data:text/html,<script>x</script>"]},
        "property additional_sources: additional_sources must be an http(s) web address"),
    "vbscript-length-source": ({"official_length_source": "vbscript:msgbox(1)"},
                               "not a vbscript: address"),
    "file-stage-source": ({"stage_source": "file:///etc/passwd"}, "not a file: address"),
    "credentials-in-url": ({"source": "https://bollnas.se@evil.example/"},
                           "without a user name or password"),
    "url-with-quote": ({"source": 'https://bollnas.se/"onmouseover="alert(1)'},
                       "source is not a valid web address"),
    "bidi-only-name": ({"name_en": "\u202e\u2066\u2069"}, "name_en is empty"),
    "hangul-filler-name": ({"name_sv": "\u3164"}, "name_sv is empty"),
    "tag-only-address": ({"address": "<img src=x onerror=alert(1)>"}, "address is empty"),
}


@pytest.mark.parametrize("props, fault", HOSTILE_PLACE_DATA.values(),
                         ids=HOSTILE_PLACE_DATA.keys())
def test_hostile_place_data_in_a_file_is_refused_by_name(store, tmp_path, props, fault):
    path = write_geojson(tmp_path / "test.geojson",
                         [place("test-fine", 16.4, 61.35), place("test-bad", 16.4, 61.35,
                                                                 **props)])
    [message] = faults(store, path)
    assert message.startswith(f"{path}: feature 'test-bad': ")
    assert fault in message
    assert table_rows(store, "features") == 0


def test_names_texts_and_attributes_in_a_file_are_stored_as_plain_text(store, tmp_path):
    feature = place(
        "test-html", 16.4, 61.35, name_en="<img src=x onerror=alert(1)>Old mill\u202e",
        description_sv="<script>alert(1)</script>Kvarnen <b>maler</b>\u200b.",
        address="<a href=\"javascript:x\">Kvarnvägen 1</a>", name_local="Kvarn\u2800en",
        source="https://bollnas.se/kvarn (tryckt <i>1950</i>)",
        additional_sources=["Mmegi, 9 October 2017", "http://bebyggelseregistret.raa.se/x"],
        stages=[{"seq": 1, "from": "<b>A</b>", "to": "B\u2066", "role": "main"}])
    loader.load(store, [write_geojson(tmp_path / "test.geojson", [feature])])
    record = stored(store, "places", "test-html")
    assert record["texts"]["name"]["en"] == "Old mill"
    assert record["texts"]["description"]["sv"] == "Kvarnen maler."
    assert record["attrs"]["address"] == "Kvarnvägen 1"
    assert record["attrs"]["name_local"] == "Kvarn en"
    assert record["attrs"]["source"] == "https://bollnas.se/kvarn (tryckt 1950)"
    assert record["attrs"]["additional_sources"] == ["Mmegi, 9 October 2017",
                                                     "http://bebyggelseregistret.raa.se/x"]
    assert record["attrs"]["stages"] == [{"seq": 1, "from": "A", "to": "B", "role": "main"}]


def test_duplicate_id_within_a_file_is_named(store, tmp_path):
    path = write_geojson(tmp_path / "test.geojson",
                         [place("test-dup", 16.40, 61.35), place("test-dup", 16.41, 61.36)])
    assert faults(store, path) == [f"{path}: feature 'test-dup': duplicate id (also in {path})"]


def test_duplicate_id_across_two_files_names_both(store, tmp_path):
    first = write_geojson(tmp_path / "a.geojson", [place("test-dup", 16.40, 61.35)])
    second = write_geojson(tmp_path / "b.geojson", [place("test-dup", 16.41, 61.36)])
    assert faults(store, first, second) == [
        f"{second}: feature 'test-dup': duplicate id (also in {first})"]


@pytest.mark.parametrize("content", [
    "{\"type\": \"FeatureCollection\", \"name\": \"Bolln\xe4s\"}".encode("latin-1"),
    b"type,id\nFeature,test-a\n",
], ids=["latin-1", "csv"])
def test_file_that_is_not_utf8_json_is_named(store, tmp_path, content):
    path = tmp_path / "test.geojson"
    path.write_bytes(content)
    [message] = faults(store, path)
    assert message.startswith(f"{path}: not valid UTF-8 JSON (")


# -- GPX ----------------------------------------------------------------------------


def test_gpx_track_loads_as_a_trail_with_its_geodesic_length(store, tmp_path):
    report = loader.load(store, [write_gpx(tmp_path / "test.gpx")])
    assert report.created == ["bol-test-leden"]
    record = stored(store, "trails", "bol-test-leden")
    assert record["municipality"] == "bollnas"  # found from the coordinates
    assert record["texts"]["name"] == {"sv": "Test leden", "en": None, "tn": None}
    assert record["geometry"]["coordinates"] == [[lon, lat] for lat, lon, _ in WALK]
    assert record["attrs"]["length_m"] == pytest.approx(walk_length_m(), abs=0.05)


def test_gpx_with_trail_id_replaces_the_line_and_keeps_names_and_stages(geo_app, runner,
                                                                       tmp_path):
    store = geo_app.extensions["trailapp"].store
    before = stored(store, "trails", "bol-halsingeleden")
    assert before["geometry"] is None and before["attrs"]["length_m"] is None
    assert before["attrs"]["walking_time_length_source"] == "official length"

    result = cli(runner, str(write_gpx(tmp_path / "test.gpx")),
                 "--trail-id", "bol-halsingeleden")
    assert said(result) == ["Loaded 1 file(s): 0 created, 1 updated, 0 unchanged."]
    after = stored(store, "trails", "bol-halsingeleden")
    assert after["texts"]["name"] == before["texts"]["name"]  # "Hälsingeleden" kept
    assert after["texts"]["name"]["sv"] == "Hälsingeleden"
    assert after["attrs"]["stages"] == before["attrs"]["stages"]
    assert len(after["attrs"]["stages"]) == 21
    assert after["geometry"]["coordinates"] == [[lon, lat] for lat, lon, _ in WALK]
    assert after["attrs"]["length_m"] == pytest.approx(walk_length_m(), abs=0.05)
    assert after["attrs"]["walking_time_min"] == round(after["attrs"]["length_m"] / 1000 / 4 * 60)
    assert after["attrs"]["walking_time_length_source"] == "surveyed line"


# --trail-id names the trail a track belongs to: a mistyped id is refused rather
# than publishing a second, stage-less trail under the new id.
def test_gpx_with_an_unknown_trail_id_is_refused(store, tmp_path):
    with pytest.raises(InvalidGeodata):
        loader.load(store, [write_gpx(tmp_path / "test.gpx")],
                    loader.Options(trail_id="test-no-such-trail"))


def test_gpx_with_an_entity_declaration_is_refused(store, tmp_path):
    path = tmp_path / "test.gpx"
    path.write_text(ENTITY_BOMB_GPX, encoding="utf-8")
    assert faults(store, path) == [
        f"{path}: XML with a DTD or entities is refused (entity expansion)"]
    assert table_rows(store, "features") == 0


def test_gpx_waypoints_become_places(store, tmp_path):
    path = write_gpx(tmp_path / "test.gpx", track=None,
                     waypoints=(("Test källan", 61.33, 16.41, "Spring"),
                                ("Test stenen", 61.34, 16.42, None)))
    assert loader.load(store, [path]).created == ["bol-test-kallan", "bol-test-stenen"]
    spring = stored(store, "places", "bol-test-kallan")
    assert spring["geometry"] == {"type": "Point", "coordinates": [16.41, 61.33]}
    assert (spring["kind"], spring["accuracy"]) == ("spring", "exact")
    assert spring["texts"]["name"]["sv"] == "Test källan"
    assert stored(store, "places", "bol-test-stenen")["kind"] == "point-of-interest"


def test_gpx_names_and_descriptions_are_stored_as_plain_text(store, tmp_path):
    path = write_gpx(tmp_path / "test.gpx", track="Test <b>leden</b>\u202e",
                     waypoints=(("<img src=x onerror=alert(1)>Test k\u200bällan", 61.33,
                                 16.41, None),))
    loader.load(store, [path])
    with store.reader() as r:
        names = {row["collection"]: json.loads(row["record"])["texts"]["name"]["sv"]
                 for row in r.conn.execute("SELECT collection, record FROM features")}
    assert names == {"trails": "Test leden", "places": "Test källan"}


def test_a_gpx_waypoint_named_with_a_hangul_filler_only_is_refused(store, tmp_path):
    path = write_gpx(tmp_path / "test.gpx", track=None,
                     waypoints=(("\u3164\u3164", 61.33, 16.41, None),))
    with pytest.raises(InvalidGeodata, match="name_sv is empty"):
        loader.load(store, [path])
    assert table_rows(store, "features") == 0


# -- KML and KMZ ----------------------------------------------------------------------


def test_kml_point_and_line_load_as_a_place_and_a_trail(store, tmp_path):
    path = tmp_path / "test.kml"
    path.write_text(KML_DOC, encoding="utf-8")
    assert loader.load(store, [path]).created == ["bol-test-kallan", "bol-test-stigen"]
    assert stored(store, "places", "bol-test-kallan")["geometry"]["coordinates"] == [16.41, 61.33]
    line = stored(store, "trails", "bol-test-stigen")
    assert line["geometry"]["coordinates"] == [[16.40, 61.30], [16.41, 61.31], [16.43, 61.32]]
    assert line["attrs"]["length_m"] > 0


def test_kmz_archive_loads_its_document(store, tmp_path):
    path = tmp_path / "test.kmz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("doc.kml", KML_DOC)
    assert loader.load(store, [path]).created == ["bol-test-kallan", "bol-test-stigen"]


def test_kmz_larger_than_the_cap_when_unzipped_is_refused(store, tmp_path, monkeypatch):
    monkeypatch.setattr(formats, "MAX_KMZ_UNZIPPED", len(KML_DOC.encode()) - 1)
    path = tmp_path / "test.kmz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("doc.kml", KML_DOC)
    assert faults(store, path) == [f"{path}: KMZ document is too large when unzipped"]
    assert table_rows(store, "features") == 0


# -- any input at all gets a clean answer ---------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from trailapp.errors import InvalidGeodata as _Invalid  # noqa: E402

_json_values = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=True, allow_infinity=True)
    | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=12), inner,
                                                                 max_size=6),
    max_leaves=30)
_features = st.fixed_dictionaries({
    "type": st.sampled_from(["Feature", "Feature", "feature", None]),
    "id": st.one_of(st.just("test-fuzz"), st.text(max_size=15), st.integers()),
    "geometry": st.one_of(st.none(), _json_values, st.fixed_dictionaries({
        "type": st.sampled_from(["Point", "LineString", "Polygon", "MultiPolygon", "Circle"]),
        "coordinates": _json_values})),
    "properties": st.one_of(_json_values, st.fixed_dictionaries({
        "collection": st.sampled_from(["places", "trails", "x"]),
        "municipality": st.sampled_from(["bollnas", "lobatse", "oslo"]),
        "kind": st.text(max_size=10), "accuracy": st.sampled_from(["exact", "unknown", 3]),
        "name_en": st.one_of(st.text(max_size=10), st.none())})),
})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(feature=_features)
def test_any_feature_is_loaded_or_refused_by_name_never_crashes(store, tmp_path, feature):
    """Whatever a file holds, the load either succeeds or raises InvalidGeodata naming
    the file: no other exception, and nothing half written."""
    path = tmp_path / "fuzz.geojson"
    import json as _json

    try:
        path.write_text(_json.dumps({"type": "FeatureCollection", "features": [feature]}))
    except ValueError:
        return  # not representable as JSON (NaN is, though; json.dumps writes it)
    with store.reader() as r:
        before = r.version()[0]
    try:
        loader.load(store, [path])
    except _Invalid as exc:
        assert str(path) in exc.description
        with store.reader() as r:
            assert r.version()[0] == before


def test_reloading_the_files_keeps_an_organisers_surveyed_location(geo_app, store, runner):
    """A reviewer's finding: `make run` re-loads geodata/, which set a surveyed place
    back to null. Now the organiser's edit is kept (and listed) unless --force."""
    from helpers.organisers import add_organiser

    from trailapp import editing
    from trailapp.auth import Organiser

    anna = Organiser(add_organiser(store, "anna", "moderator", ("bollnas",)), "anna",
                     "moderator", ("bollnas",))
    feature = json.loads((GEODATA / "bollnas.geojson").read_text(encoding="utf-8"))
    kolberget = next(f for f in feature["features"] if f["id"] == "bol-kolberget")
    kolberget["geometry"] = {"type": "Point", "coordinates": [16.62, 61.17]}
    kolberget["properties"]["accuracy"] = "exact"
    editing.save(store, anna, "places", kolberget, create=False)

    result = runner.invoke(args=["load-geodata", str(GEODATA)])
    assert result.exit_code == 0 and "bol-kolberget" in result.output and "Kept 1" in result.output
    with store.reader() as r:
        assert json.loads(r.feature_row("places", "bol-kolberget")["geometry"])[
            "coordinates"] == [16.62, 61.17]
    forced = runner.invoke(args=["load-geodata", str(GEODATA), "--force"])
    assert forced.exit_code == 0
    with store.reader() as r:
        assert r.feature_row("places", "bol-kolberget")["geometry"] is None
        entries = r.audit_entries(None, "bol-kolberget", 10)
    assert entries[0]["organiser"] == "load-geodata" and entries[0]["action"] == "update"
