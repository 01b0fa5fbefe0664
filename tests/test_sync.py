"""Delta sync and offline packs: nothing missed, nothing twice, resumable downloads."""

from __future__ import annotations

import hashlib
import io
import json
import threading
import zipfile
from pathlib import Path

import pytest
from helpers.app import place, settings_in, trail, write_geojson
from helpers.contributions import bearer, post_files, post_json, story
from helpers.media_files import jpeg_with_gps, photo
from helpers.packs import pack_info

from trailapp import create_app, loader, moderation, publishing, sync
from trailapp.packs import PackSpec


def sync_all(client, since: str = "s0", **params) -> tuple[list[dict], str]:
    """Follow next links until caught up; return every entry and the final cursor."""
    entries = []
    while True:
        query = "&".join([f"since={since}", *(f"{k}={v}" for k, v in params.items())])
        page = client.get(f"/sync?{query}").get_json()
        entries += page["changes"]
        since = page["next"]
        if not page["more"]:
            return entries, since


def current_seq(store) -> int:
    with store.reader() as r:
        return r.version()[0]


def test_a_full_sync_delivers_every_feature_and_ends_at_the_current_cursor(geo_client, store):
    entries, cursor = sync_all(geo_client, limit=7)
    assert cursor == f"s{current_seq(store)}"
    upserts = {(e["collection"], e["id"]) for e in entries if e["op"] == "upsert"}
    with store.reader() as r:
        stored = {(row["collection"], row["id"]) for row in r.records()}
    assert upserts == stored
    assert all(e["feature"]["id"] == e["id"] for e in entries if e["op"] == "upsert")


def test_unpublishing_a_story_and_moving_a_place_is_one_tombstone_and_one_upsert(
        geo_client, store, tmp_path):
    loader.load(store, [write_geojson(tmp_path / "p.geojson",
                                      [place("test-square", 16.40, 61.30)])])
    body = post_json(geo_client, story(place="test-square")).get_json()
    moderation.approve(store, body["id"])
    _, cursor = sync_all(geo_client)

    moderation.withdraw(store, body["id"])
    loader.load(store, [write_geojson(tmp_path / "p.geojson",
                                      [place("test-square", 16.41, 61.31)])])
    entries, _ = sync_all(geo_client, since=cursor)

    assert [(e["op"], e["collection"], e["id"]) for e in entries] == [
        ("delete", "stories", body["id"]), ("upsert", "places", "test-square")]
    moved = entries[1]["feature"]
    assert moved["geometry"]["coordinates"] == [16.41, 61.31]
    assert moved["properties"]["stories"]["count"] == 0


def test_a_deleted_feature_comes_as_a_tombstone_even_when_filtered_by_municipality(
        geo_client, store, tmp_path):
    body = post_json(geo_client, story()).get_json()
    moderation.approve(store, body["id"])
    _, cursor = sync_all(geo_client, municipality="bollnas")
    moderation.withdraw(store, body["id"])
    bollnas, _ = sync_all(geo_client, since=cursor, municipality="bollnas",
                          collections="stories")
    lobatse, _ = sync_all(geo_client, since=cursor, municipality="lobatse")
    assert [(e["op"], e["id"]) for e in bollnas] == [("delete", body["id"])]
    assert lobatse == []


def test_an_up_to_date_client_gets_an_empty_page_and_the_same_cursor(geo_client, store):
    _, cursor = sync_all(geo_client)
    page = geo_client.get(f"/sync?since={cursor}").get_json()
    assert page == {"since": cursor, "next": cursor, "more": False, "count": 0,
                    "changes": []}


def test_a_cursor_from_the_future_or_before_compaction_asks_for_a_resync(geo_client, store):
    future = geo_client.get(f"/sync?since=s{current_seq(store) + 1}")
    assert future.status_code == 410 and future.get_json()["code"] == "ResyncRequired"
    body = post_json(geo_client, story()).get_json()
    moderation.approve(store, body["id"])
    moderation.withdraw(store, body["id"])
    with store.writer() as w:
        w.drop_superseded_changes()
        assert w.drop_tombstones_before("9999-01-01T00:00:00Z") >= 1
    old = geo_client.get("/sync?since=s0")
    assert old.status_code == 410
    assert "pack" in old.get_json()["description"]


@pytest.mark.parametrize("since", ["0", "x12", "s-1", "s1.5", ""])
def test_a_malformed_cursor_is_400(geo_client, since):
    r = geo_client.get(f"/sync?since={since}")
    assert r.status_code == 400 and r.get_json()["errors"][0]["field"] == "since"


def test_dropping_superseded_changes_loses_nothing_for_any_cursor(geo_client, store, tmp_path):
    path = tmp_path / "p.geojson"
    cursors = []
    for i in range(4):
        loader.load(store, [write_geojson(path, [place("test-moving", 16.4 + i / 100, 61.3)])])
        cursors.append(f"s{current_seq(store)}")
    before = {c: sync_all(geo_client, since=c)[0] for c in ["s0", *cursors]}
    with store.writer() as w:
        assert w.drop_superseded_changes() >= 3
    for c, entries in before.items():
        after, _ = sync_all(geo_client, since=c)
        assert {(e["id"], e["op"]) for e in after} == {(e["id"], e["op"]) for e in entries}


def test_changes_written_while_clients_sync_are_each_seen_exactly_once(geo_app, store):
    """Pages cover (since, next] ranges that tile the log without gap or overlap, and
    every change in a page's range is answered by that page."""
    done = threading.Event()
    writes = 120

    def writer():
        for i in range(writes):
            with store.writer() as w:
                publishing.publish(w, {
                    "collection": "places", "id": f"test-w{i % 7}", "municipality": "bollnas",
                    "kind": "test-site", "accuracy": "exact",
                    "geometry": {"type": "Point", "coordinates": [16.4, 61.3 + i / 1000]},
                    "texts": {"name": {"en": f"Write {i}"}}, "attrs": {}})
        done.set()

    pages: dict[int, list[tuple[int, int, set]]] = {}

    def client(n: int):
        since, seen = 0, []
        while True:
            with store.reader() as r:
                page = sync.changes(r, since, limit=5)
            until = int(page["next"].removeprefix("s"))
            ids = {(e["collection"], e["id"]) for e in map(json.loads, page["changes"])}
            seen.append((since, until, ids))
            since = until
            if done.is_set() and not page["more"] and until == current_seq(store):
                break
        pages[n] = seen

    threads = [threading.Thread(target=writer)] + [
        threading.Thread(target=client, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    with store.reader() as r:
        log = r.changes_after(0, current_seq(store), sync.COLLECTIONS, None, 10**6)
    for seen in pages.values():
        assert seen[0][0] == 0 and seen[-1][1] == log[-1]["seq"]
        for (_, b, _), (c, _, _) in zip(seen, seen[1:], strict=False):
            assert b == c  # no gap, no overlap
        for change in log:
            holders = [ids for lo, hi, ids in seen if lo < change["seq"] <= hi]
            assert len(holders) == 1
            assert (change["collection"], change["feature_id"]) in holders[0]


# -- packs ---------------------------------------------------------------------------


def test_a_pack_downloaded_in_two_range_halves_has_the_advertised_hash(geo_client):
    info = pack_info(geo_client, "bollnas")
    half = info["bytes"] // 2
    first = geo_client.get(info["href"], headers={"Range": f"bytes=0-{half - 1}"})
    second = geo_client.get(info["href"], headers={"Range": f"bytes={half}-",
                                                   "If-Range": first.headers["ETag"]})
    assert first.status_code == second.status_code == 206
    data = first.data + second.data
    assert len(data) == info["bytes"]
    assert hashlib.sha256(data).hexdigest() == info["sha256"]
    archive = zipfile.ZipFile(io.BytesIO(data))
    manifest = json.loads(archive.read("manifest.json"))
    for entry in manifest["files"]:
        content = archive.read(entry["path"])
        assert len(content) == entry["bytes"]
        assert hashlib.sha256(content).hexdigest() == entry["sha256"]
    assert manifest["cursor"] == info["cursor"]
    assert "OpenStreetMap" in archive.read("ATTRIBUTION.txt").decode()


def test_an_unchanged_pack_answers_304_and_head_gives_its_size(geo_client):
    info = pack_info(geo_client, "lobatse")
    full = geo_client.get(info["href"])
    assert geo_client.get(info["href"], headers={"If-None-Match": full.headers["ETag"]}
                          ).status_code == 304
    with geo_client.head(info["href"]) as head:
        assert int(head.headers["Content-Length"]) == info["bytes"] and head.data == b""
        assert head.headers["Accept-Ranges"] == "bytes"


def test_a_pack_is_rebuilt_only_when_its_own_municipality_changes(geo_client, store,
                                                                  tmp_path):
    bollnas, lobatse = pack_info(geo_client, "bollnas"), pack_info(geo_client, "lobatse")
    loader.load(store, [write_geojson(tmp_path / "p.geojson",
                                      [place("test-new", 16.4, 61.3)])])
    assert pack_info(geo_client, "lobatse")["sha256"] == lobatse["sha256"]
    rebuilt = pack_info(geo_client, "bollnas")
    assert rebuilt["sha256"] != bollnas["sha256"] and rebuilt["version"] > bollnas["version"]


def test_a_pack_holds_the_languages_asked_for_and_published_thumbnails(geo_client, store):
    body = post_files(geo_client, story(people_in_media=False),
                      [("a.jpg", jpeg_with_gps())]).get_json()
    moderation.approve(store, body["id"])
    pending = post_json(geo_client, story(title="Väntar")).get_json()
    info = pack_info(geo_client, "bollnas", lang="sv", media="thumbnails")
    archive = zipfile.ZipFile(io.BytesIO(geo_client.get(info["href"]).data))
    names = set(archive.namelist())
    assert "places.sv.geojson" in names and "places.en.geojson" not in names
    stories = json.loads(archive.read("stories.sv.geojson"))["features"]
    assert [f["id"] for f in stories] == [body["id"]]
    assert pending["id"] not in archive.read("stories.sv.geojson").decode()
    media = stories[0]["properties"]["media"][0]
    assert "media/" + media["thumbnail"].removeprefix("/media/") in names
    assert "media/" + media["href"].removeprefix("/media/") not in names


def test_after_installing_a_pack_sync_continues_from_its_cursor(geo_client, store, tmp_path):
    info = pack_info(geo_client, "bollnas")
    loader.load(store, [write_geojson(tmp_path / "p.geojson",
                                      [place("test-later", 16.4, 61.3)])])
    entries, _ = sync_all(geo_client, since=info["cursor"], municipality="bollnas")
    assert [e["id"] for e in entries] == ["test-later"]


def test_trail_packs_need_a_surveyed_line(geo_client, store, tmp_path):
    assert geo_client.get("/packs/trail-bol-halsingeleden").status_code == 409
    loader.load(store, [write_geojson(tmp_path / "t.geojson", [
        trail("test-loop", [[16.30, 61.30], [16.32, 61.31], [16.34, 61.30]]),
        place("test-near", 16.32, 61.305), place("test-far", 16.60, 61.50)])])
    info = pack_info(geo_client, "trail-test-loop")
    archive = zipfile.ZipFile(io.BytesIO(geo_client.get(info["href"]).data))
    places = {f["id"] for f in json.loads(archive.read("places.en.geojson"))["features"]}
    assert "test-near" in places and "test-far" not in places
    trails = json.loads(archive.read("trails.en.geojson"))["features"]
    assert [t["id"] for t in trails] == ["test-loop"]


def test_unknown_pack_and_bad_parameters(geo_client):
    assert geo_client.get("/packs/nowhere").status_code == 404
    r = geo_client.get("/packs/bollnas?lang=de")
    assert r.status_code == 400 and r.get_json()["errors"][0]["field"] == "lang"
    assert geo_client.get("/packs/bollnas?media=all").status_code == 400


def test_compaction_cli_keeps_recent_tombstones_and_reports(runner, geo_client, store):
    body = post_json(geo_client, story()).get_json()
    moderation.approve(store, body["id"])
    moderation.withdraw(store, body["id"])
    result = runner.invoke(args=["compact-changes"])
    assert result.exit_code == 0 and "0 delete marker(s)" in result.output
    assert "cursors from s0 on" in result.output
    entries, _ = sync_all(geo_client, collections="stories")
    assert [(e["op"], e["id"]) for e in entries] == [("delete", body["id"])]


def test_erasing_a_published_story_removes_every_built_pack_that_held_it(geo_app, geo_client,
                                                                           store):
    body = post_json(geo_client, story(title="Raderas sedan")).get_json()
    moderation.approve(store, body["id"])
    for lang in ("sv", "sv,en"):
        info = pack_info(geo_client, "bollnas", lang=lang)
        assert "Raderas sedan" in zipfile.ZipFile(io.BytesIO(
            geo_client.get(info["href"]).data)).read("stories.sv.geojson").decode()
    folder = geo_app.extensions["trailapp"].packs.folder
    assert len(list(folder.glob("*.layout"))) >= 2
    r = geo_client.delete(f"/contributions/{body['id']}",
                          headers={"Authorization": f"Bearer {body['token']}"})
    assert r.status_code == 204
    assert list(folder.glob("*.layout")) == []
    info = pack_info(geo_client, "bollnas", lang="sv")
    assert "Raderas sedan" not in zipfile.ZipFile(io.BytesIO(
        geo_client.get(info["href"]).data)).read("stories.sv.geojson").decode()


def test_a_rebuilt_pack_removes_the_older_variants_of_its_municipality(geo_client, store,
                                                                       tmp_path, geo_app):
    pack_info(geo_client, "bollnas", lang="sv")
    pack_info(geo_client, "bollnas", lang="en")
    folder = geo_app.extensions["trailapp"].packs.folder
    before = {p.name for p in folder.glob("bollnas~*.layout")}
    loader.load(store, [write_geojson(tmp_path / "p.geojson", [place("test-x", 16.4, 61.3)])])
    pack_info(geo_client, "bollnas", lang="sv")
    after = {p.name for p in folder.glob("bollnas~*.layout")}
    assert not (before & after)  # the stale en variant went with the old sv one
    assert any(".sv." in name for name in after)


def test_the_order_of_languages_does_not_make_another_pack(geo_app, geo_client):
    a = pack_info(geo_client, "lobatse", lang="en,sv")
    b = pack_info(geo_client, "lobatse", lang="sv,en")
    assert a["sha256"] == b["sha256"]
    folder = geo_app.extensions["trailapp"].packs.folder
    assert len(list(folder.glob("lobatse~lobatse.*.layout"))) == 1


# -- packs on disk: variants share the media, the folder is bounded -----------------

VARIANTS = [("sv", "full"), ("en", "full"), ("tn", "full"), ("sv,en", "full"),
            ("sv,tn", "thumbnails"), ("en,tn", "full"), ("sv,en,tn", "full")]


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def download_whole_and_in_halves(client, info: dict) -> zipfile.ZipFile:
    """Download the pack whole and in two Range halves: both are the listed bytes."""
    whole = client.get(info["href"])
    assert whole.status_code == 200 and len(whole.data) == info["bytes"]
    assert hashlib.sha256(whole.data).hexdigest() == info["sha256"]
    half = info["bytes"] // 2
    first = client.get(info["href"], headers={"Range": f"bytes=0-{half - 1}"})
    second = client.get(info["href"], headers={"Range": f"bytes={half}-",
                                               "If-Range": first.headers["ETag"]})
    assert first.status_code == second.status_code == 206
    assert first.data + second.data == whole.data
    archive = zipfile.ZipFile(io.BytesIO(whole.data))
    for entry in json.loads(archive.read("manifest.json"))["files"]:
        assert hashlib.sha256(archive.read(entry["path"])).hexdigest() == entry["sha256"]
    return archive


def published_photos(geo_app, geo_client, store, count: int = 2) -> dict[Path, bytes]:
    """Publish stories with camera-like photos; return every stored media file's bytes."""
    for seed in range(1, count + 1):
        body = post_files(geo_client, story(people_in_media=False, title=f"Foto {seed}"),
                          [("a.jpg", photo(seed=seed))], addr=f"10.0.1.{seed}").get_json()
        moderation.approve(store, body["id"])
    media_dir = Path(geo_app.config["MEDIA_DIR"])
    return {p: p.read_bytes() for p in media_dir.rglob("*.jpg")}


def test_pack_variants_share_the_media_instead_of_each_holding_a_copy(geo_app, geo_client,
                                                                       store):
    """Issue 10, finding 11: 7 anonymous requests for language/media variants stored 7
    copies of the photos (the pack folder grew from 288 KB to 8.5 MB)."""
    media = published_photos(geo_app, geo_client, store)
    media_dir = Path(geo_app.config["MEDIA_DIR"])
    assert len(media) == 4  # two photos and their thumbnails
    media_bytes = sum(map(len, media.values()))
    folder = geo_app.extensions["trailapp"].packs.folder
    before = folder_bytes(folder) if folder.exists() else 0
    for lang, kind in VARIANTS:
        info = pack_info(geo_client, "bollnas", lang=lang, media=kind)
        names = set(download_whole_and_in_halves(geo_client, info).namelist())
        expected = {f"media/{p.relative_to(media_dir)}" for p in media
                    if kind == "full" or p.name.endswith("-thumb.jpg")}
        assert expected <= names
    assert folder_bytes(folder) - before < media_bytes  # not even one copy, where 7 were
    held = [p.read_bytes() for p in folder.rglob("*") if p.is_file()]
    for data in media.values():
        assert sum(blob.count(data) for blob in held) <= 1


def test_the_pack_folder_bound_evicts_the_least_recently_used_variant(geo_app, geo_client,
                                                                       store):
    packs = geo_app.extensions["trailapp"].packs

    def spec(lang: str) -> PackSpec:
        return PackSpec.parse("lobatse", lang, "thumbnails")

    def on_disk(built) -> int:
        return sum(p.stat().st_size for p in packs.folder.glob(built.base.name + ".*"))

    sv, en = packs.get(store, spec("sv")), packs.get(store, spec("en"))
    # Room for two variants (of sizes alike: one language each), not for three.
    packs.cache_bytes = on_disk(sv) + on_disk(en) + on_disk(en) // 2
    packs.get(store, spec("sv"))  # used again: en is now the least recently used
    tn = packs.get(store, spec("tn"))
    assert {p.name for p in packs.folder.glob("*.layout")} == {
        sv.base.name + ".layout", tn.base.name + ".layout"}
    assert not list(packs.folder.glob(en.base.name + ".*"))
    assert folder_bytes(packs.folder) <= packs.cache_bytes
    again = geo_client.get("/packs/lobatse?lang=en&media=thumbnails")  # built again
    assert hashlib.sha256(again.data).hexdigest() == en.sha256


def test_the_pack_folder_bound_is_a_setting(tmp_path, monkeypatch):
    monkeypatch.setenv("TRAILAPP_PACK_CACHE_MB", "3")
    app = create_app(settings_in(tmp_path))
    try:
        assert app.extensions["trailapp"].packs.cache_bytes == 3 * 2**20
    finally:
        app.extensions["trailapp"].store.close()


def test_a_pack_whose_media_file_went_is_built_again_whole(geo_app, geo_client, store):
    media = published_photos(geo_app, geo_client, store, count=1)
    info = pack_info(geo_client, "bollnas", media="full")
    gone = next(p for p in media if not p.name.endswith("-thumb.jpg"))
    gone.unlink()  # not through an erasure: nothing purged the pack folder
    r = geo_client.get(info["href"])
    assert r.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(r.data))
    manifest = json.loads(archive.read("manifest.json"))
    assert archive.testzip() is None
    assert f"media/{gone.parent.name}/{gone.name}" not in archive.namelist()
    assert [e["path"] for e in manifest["files"]] == sorted(
        n for n in archive.namelist() if n != "manifest.json")
    assert hashlib.sha256(r.data).hexdigest() == pack_info(
        geo_client, "bollnas", media="full")["sha256"]


def test_erasing_a_photo_story_leaves_no_pack_file_and_no_copy_of_its_photo(
        geo_app, geo_client, store):
    original = photo(seed=7)
    body = post_files(geo_client, story(people_in_media=False, title="Mitt hemliga foto"),
                      [("a.jpg", original)]).get_json()
    moderation.approve(store, body["id"])
    media_dir = Path(geo_app.config["MEDIA_DIR"])
    stored = [p.read_bytes() for p in media_dir.rglob("*.jpg")]
    for lang, kind in VARIANTS[:3]:
        download_whole_and_in_halves(geo_client, pack_info(geo_client, "bollnas", lang=lang,
                                                           media=kind))
    r = geo_client.delete(f"/contributions/{body['id']}", headers=bearer(body["token"]))
    assert r.status_code == 204
    folder = geo_app.extensions["trailapp"].packs.folder
    assert [p.name for p in folder.iterdir()] == [".lock"]  # every variant's files went
    for path in media_dir.rglob("*"):
        assert not path.is_file() or not any(blob in path.read_bytes() for blob in stored)
