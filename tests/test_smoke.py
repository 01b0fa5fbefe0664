"""The first thing a newcomer does: load the real data and read it back."""

import json
from pathlib import Path

GEODATA = Path(__file__).resolve().parent.parent / "geodata"


def _places_in_geodata() -> set[str]:
    """The ids of every place in the files under geodata/ (however many there are)."""
    ids = set()
    for path in GEODATA.glob("*.geojson"):
        for feature in json.loads(path.read_text(encoding="utf-8"))["features"]:
            if feature["properties"].get("collection") == "places":
                ids.add(feature["id"])
    return ids


def test_real_geodata_is_served_with_null_geometries_kept(geo_client):
    r = geo_client.get("/collections/places/items?limit=1000")
    assert r.status_code == 200
    body = r.get_json(force=True)
    expected = _places_in_geodata()
    assert expected and body["numberMatched"] == len(expected)
    assert {f["id"] for f in body["features"]} == expected
    unknown = [f for f in body["features"] if f["geometry"] is None]
    assert {f["properties"]["location_status"] for f in unknown} == {"to-be-surveyed"}
    assert "lob-keitseng-house" in {f["id"] for f in unknown}
