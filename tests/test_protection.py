"""Location protection of sensitive places (issue 14): an `area` place is only ever
answered at the centre of its grid cell, a `hidden` one never by position, an
`organisers` one not at all; whatever series of queries is asked, and in sync, packs,
GPX, exports, stories at those places, snapping and survey tasks."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest
from helpers.app import place, trail
from helpers.contributions import post_json, story
from helpers.organisers import add_organiser, submit, token_headers
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import Geod

from trailapp import loader, protection
from trailapp.formats import Options

WGS84 = Geod(ellps="WGS84")
HOME = (16.41234, 61.33877)   # area: a family home (synthetic)
GRAVE = (16.42345, 61.34211)  # hidden: a grave (synthetic)
WALK = [[16.405, 61.336], [16.418, 61.340], [16.430, 61.344]]
GEOJSON = "application/geo+json"


def _put(client, headers, feature, **props):
    feature = json.loads(json.dumps(feature))
    feature["properties"].update(props)
    return client.put(f"/manage/places/{feature['id']}", json=feature, headers=headers)


@pytest.fixture
def protected(geo_app, store):
    """Two test places with an approved story each, then protected: test-home as an
    area, test-grave hidden; and a trail passing both."""
    client = geo_app.test_client()
    headers = token_headers(store, add_organiser(store, "anna"))
    home, grave = place("test-home", *HOME), place("test-grave", *GRAVE)
    for feature in (home, grave):
        assert client.post("/manage/places", json=feature, headers=headers).status_code == 201
    assert client.post("/manage/trails", json=trail("test-walk", WALK),
                       headers=headers).status_code == 201
    stories = {}
    for pid in ("test-home", "test-grave"):
        receipt = submit(client, place=pid)
        r = client.post(f"/moderation/contributions/{receipt['id']}/approve", headers=headers)
        assert r.status_code == 200, r.get_json()
        stories[pid] = receipt["id"]
    assert _put(client, headers, home, protection="area").status_code == 200
    assert _put(client, headers, grave, protection="hidden").status_code == 200
    centre = protection.cell_centre(*HOME, "bollnas", 500)
    # The test means something only if the centre is well away from the home.
    assert WGS84.inv(*HOME, *centre)[2] > 100
    return {"client": client, "headers": headers, "centre": centre, "stories": stories,
            "home": home, "grave": grave}


def _positions(obj, out=None):
    """Every [lon, lat] pair anywhere in a JSON value."""
    out = [] if out is None else out
    if isinstance(obj, list):
        if len(obj) >= 2 and all(isinstance(v, int | float) for v in obj[:2]):
            out.append((float(obj[0]), float(obj[1])))
        else:
            for v in obj:
                _positions(v, out)
    elif isinstance(obj, dict):
        for v in obj.values():
            _positions(v, out)
    return out


def _near(a, b, metres):
    return WGS84.inv(a[0], a[1], b[0], b[1])[2] < metres


def _no_exact_position(text: str) -> None:
    """Neither protected point appears, as numbers or as text (5 decimals: about 1 m)."""
    for lon, lat in (HOME, GRAVE):
        assert f"{lon:.5f}"[:-1] not in text and f"{lat:.5f}"[:-1] not in text
    try:
        found = _positions(json.loads(text))
    except ValueError:
        return
    for pos in found:
        assert not _near(pos, HOME, 100) and not _near(pos, GRAVE, 100), pos


def test_an_area_place_is_served_at_its_cell_centre_and_a_hidden_one_without_position(
        protected):
    client, centre = protected["client"], protected["centre"]
    home = client.get("/collections/places/items/test-home?lang=en").get_json()
    assert home["geometry"] == {"type": "Point", "coordinates": list(centre)}
    assert home["properties"]["protection"] == "area"
    assert home["properties"]["location_label"] == "Approximate area"
    assert home["properties"]["uncertainty_m"] == 354
    grave = client.get("/collections/places/items/test-grave?lang=sv").get_json()
    assert grave["geometry"] is None
    assert grave["properties"]["location_status"] == "not-shown"
    assert grave["properties"]["location_label"] == "Platsen visas inte på ägarens begäran"
    # The stories at them follow the public position.
    home_story = client.get(f"/collections/stories/items/{protected['stories']['test-home']}")
    assert home_story.get_json()["geometry"]["coordinates"] == list(centre)
    grave_story = client.get(f"/collections/stories/items/{protected['stories']['test-grave']}")
    assert grave_story.get_json()["geometry"] is None
    # Organisers still read the exact point.
    record = client.get("/manage/places/test-home", headers=protected["headers"]).get_json()
    assert record["geometry"]["coordinates"] == list(HOME)


def test_the_cell_centre_is_the_same_for_every_point_in_the_cell_and_stable():
    centre = protection.cell_centre(*HOME, "bollnas", 500)
    assert protection.cell_centre(*centre, "bollnas", 500) == centre
    # Moving the exact point a few metres inside the cell leaves the answer unchanged.
    lon, lat, _ = WGS84.fwd(*HOME, 45, 3)
    assert protection.cell_centre(lon, lat, "bollnas", 500) == centre


QUERY = st.one_of(
    st.tuples(st.just("bbox"), st.floats(-0.03, 0.03), st.floats(-0.015, 0.015),
              st.floats(0.0005, 0.03), st.floats(0.0003, 0.015)),
    st.tuples(st.just("near"), st.floats(-0.03, 0.03), st.floats(-0.015, 0.015),
              st.integers(1, 3000)),
    st.tuples(st.just("trail"), st.integers(1, 1500)),
)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(queries=st.lists(QUERY, min_size=1, max_size=200))
def test_no_series_of_queries_reveals_more_than_the_public_position(protected, queries):
    """For any series of bbox, near and trail queries (places, stories), the union of the
    answers holds the area place only at its cell centre, found exactly when the centre
    matches the query, and the hidden place never."""
    client, centre = protected["client"], protected["centre"]
    story_ids = set(protected["stories"].values())
    for q in queries:
        if q[0] == "bbox":
            _, dx, dy, w, h = q
            box = (HOME[0] + dx, HOME[1] + dy, HOME[0] + dx + w, HOME[1] + dy + h)
            params = "bbox=" + ",".join(f"{v:.6f}" for v in box)
            box = tuple(float(f"{v:.6f}") for v in box)
            expected = box[0] <= centre[0] <= box[2] and box[1] <= centre[1] <= box[3]
        elif q[0] == "near":
            _, dx, dy, radius = q
            point = (round(HOME[0] + dx, 6), round(HOME[1] + dy, 6))
            params = f"near={point[0]},{point[1]}&radius={radius}"
            expected = WGS84.inv(*point, *centre)[2] <= radius
        else:
            params, expected = f"trail=test-walk&within={q[1]}", None
        for collection in ("places", "stories"):
            body = client.get(f"/collections/{collection}/items?{params}&limit=1000")
            assert body.status_code == 200, body.get_json()
            found = {f["id"]: f for f in body.get_json()["features"]}
            assert "test-grave" not in found
            assert protected["stories"]["test-grave"] not in found
            ours = [f for fid, f in found.items() if fid == "test-home" or fid in story_ids]
            for feature in ours:
                assert feature["geometry"]["coordinates"] == list(centre)
                if "distance_m" in feature["properties"]:
                    assert feature["properties"]["distance_m"] == pytest.approx(
                        WGS84.inv(*point, *centre)[2], abs=0.2)
            if expected is not None:
                assert bool(ours) == expected, (collection, params)


def test_sync_packs_gpx_exports_and_survey_tasks_carry_only_public_positions(
        protected, tmp_path):
    client, headers = protected["client"], protected["headers"]
    answers = [client.get("/sync?since=s0&limit=1000"),
               client.get("/collections/places/items?limit=1000"),
               client.get("/collections/stories/items?limit=1000"),
               client.get("/collections/trails/items/test-walk?f=gpx"),
               client.get("/moderation/export.geojson", headers=headers),
               client.get("/moderation/export.csv", headers=headers),
               client.get("/survey/tasks")]
    assert [r.status_code for r in answers] == [200] * len(answers)
    assert json.loads(answers[0].data)["more"] is False
    texts = [r.get_data(as_text=True) for r in answers]
    for i in (0, 1):  # sync and items name both places, text only for the hidden one
        assert "test-home" in texts[i] and "test-grave" in texts[i]
    for i in (0, 2, 4):  # the stories at them are there, at the public position
        assert all(s in texts[i] for s in protected["stories"].values())
    pack = client.get("/packs/bollnas?media=none")
    assert pack.status_code == 200
    with zipfile.ZipFile(io.BytesIO(pack.data)) as archive:
        texts += [archive.read(n).decode() for n in archive.namelist()
                  if not n.startswith("media/")]
    assert any("test-home" in t for t in texts[7:])  # in the pack
    for text in texts:
        _no_exact_position(text)
    tasks = client.get("/survey/tasks").get_json()
    assert not [f for f in tasks["features"] if "test-" in f["id"]]


def test_snapping_a_point_never_reveals_a_protected_place(protected):
    client = protected["client"]
    r = post_json(client, story(place=None, point=f"{GRAVE[0]},{GRAVE[1]}"), addr="10.9.9.9")
    assert r.status_code == 422
    assert "test-grave" not in r.get_data(as_text=True)
    assert "Test place" not in r.get_data(as_text=True)


def test_lowering_protection_needs_a_reason_and_is_audited(protected, store):
    client, headers = protected["client"], protected["headers"]
    r = _put(client, headers, protected["home"], protection="exact")
    assert r.status_code == 422
    assert "reason" in json.dumps(r.get_json())
    assert client.get("/collections/places/items/test-home").get_json()["geometry"][
        "coordinates"] == list(protected["centre"])
    r = _put(client, headers, protected["home"], protection="exact",
             protection_reason="The family asked for it to be shown.")
    assert r.status_code == 200, r.get_json()
    assert client.get("/collections/places/items/test-home").get_json()["geometry"][
        "coordinates"] == list(HOME)
    with store.reader() as reader:
        entries = reader.audit_entries(None, "test-home", 50)
        assert reader.protected_row("test-home") is None
    changes = [json.loads(e["after"]) for e in entries if e["action"] == "protection"]
    assert changes[0] == {"protection": "exact",
                          "reason": "The family asked for it to be shown."}
    assert changes[1] == {"protection": "area", "reason": None}


def test_an_organisers_only_place_is_nowhere_public(protected, geo_app):
    client, headers = protected["client"], protected["headers"]
    extra = place("test-refuge", 16.4301, 61.3399)
    assert client.post("/manage/places", json={**extra, "properties": {
        **extra["properties"], "protection": "organisers"}}, headers=headers).status_code == 201
    assert client.get("/collections/places/items/test-refuge").status_code == 404
    sync = client.get("/sync?since=s0&limit=1000")
    assert sync.status_code == 200 and "test-refuge" not in sync.get_data(as_text=True)
    assert client.get("/manage/places/test-refuge", headers=headers).status_code == 200
    # A place with a published story cannot be made organisers-only (the story would
    # point at a place nobody may see).
    r = _put(client, headers, protected["grave"], protection="organisers")
    assert r.status_code == 409


def test_reloading_the_geodata_file_does_not_lower_protection(protected, store, tmp_path):
    path = tmp_path / "places.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection",
                                "features": [protected["home"]]}))
    loader.load(store, [path], Options(force=True))
    home = protected["client"].get("/collections/places/items/test-home").get_json()
    assert home["geometry"]["coordinates"] == list(protected["centre"])


def test_a_private_home_defaults_to_an_area_seen_from_the_street(protected):
    client, headers = protected["client"], protected["headers"]
    home = place("test-private", 16.4401, 61.3301, private_home=True)
    r = client.post("/manage/places", json=home, headers=headers)
    assert r.status_code == 201, r.get_json()
    served = client.get("/collections/places/items/test-private").get_json()
    assert served["properties"]["protection"] == "area"
    assert served["properties"]["visiting"]["access"] == "private-view-from-street"
    assert served["geometry"]["coordinates"] != [16.4401, 61.3301]


@pytest.mark.parametrize("value", ["secret", 3, None])
def test_a_bad_protection_is_refused_naming_it(protected, value):
    client, headers = protected["client"], protected["headers"]
    feature = place("test-bad", 16.4401, 61.3301, protection=value)
    r = client.post("/manage/places", json=feature, headers=headers)
    if value is None:
        assert r.status_code == 201
    else:
        assert r.status_code == 422
        assert "protection" in json.dumps(r.get_json())


def test_gpx_of_a_trail_holds_no_protected_point(protected):
    text = protected["client"].get("/collections/trails/items/test-walk?f=gpx").get_data(
        as_text=True)
    assert re.search(r"<trkpt", text)
    _no_exact_position(text)
