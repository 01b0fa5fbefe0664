"""The first thing a newcomer does: load the real data and read it back."""


def test_real_geodata_is_served_with_null_geometries_kept(geo_client):
    r = geo_client.get("/collections/places/items?limit=1000")
    assert r.status_code == 200
    body = r.get_json(force=True)
    assert body["numberMatched"] == 33
    unknown = [f for f in body["features"] if f["geometry"] is None]
    assert {f["properties"]["location_status"] for f in unknown} == {"to-be-surveyed"}
    assert "lob-keitseng-house" in {f["id"] for f in unknown}
