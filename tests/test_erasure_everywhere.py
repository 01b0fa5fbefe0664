"""Issue 10's proof: after every path through the states that ends in erasure, no byte
of the erased story is left anywhere the service writes: the database file, its WAL,
a backup taken afterwards, the media folder and the pack folder (inside the zips too).

Each story carries a unique marker word and a photo; a pack is built while it is
public, so that the pack and the full-text index have really held it."""

from __future__ import annotations

import io
import uuid
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from helpers.contributions import bearer, media_dir, post_files, story
from helpers.media_files import jpeg_with_gps

from trailapp import erasure, moderation

pytestmark = pytest.mark.sqlite_only  # reads every byte of the SQLite file and its WAL


def _settings(app):
    return app.extensions["trailapp"].contributions


def _approve(app, store, sid, token, client):
    moderation.approve(store, sid)


def _withdraw(app, store, sid, token, client):
    moderation.withdraw(store, sid, reason="a complaint about personal data")


def _reject(app, store, sid, token, client):
    moderation.reject(store, sid, template="personal-data")


def _reported(app, store, sid, token, client):
    """Three reports from three clients hide it."""
    for n in range(3):
        r = client.post(f"/contributions/{sid}/reports", json={"reason": "personal-data"},
                        environ_base={"REMOTE_ADDR": f"10.9.9.{n + 1}"})
        assert r.status_code == 201
    with store.reader() as reader:
        assert reader.contribution(sid)["status"] == "hidden"


def _erase_by_token(app, store, sid, token, client):
    assert client.delete(f"/contributions/{sid}", headers=bearer(token)).status_code == 204


def _retention(app, store, sid, token, client):
    done = erasure.purge_expired(store, _settings(app),
                                       now=datetime.now(UTC) + timedelta(days=31))
    assert done["contributions"] == 1


PATHS = {
    "pending-erase": [_erase_by_token],
    "pending-retention": [_retention],
    "approved-erase": [_approve, _erase_by_token],
    "approved-withdrawn-erase": [_approve, _withdraw, _erase_by_token],
    "approved-withdrawn-rejected-erase": [_approve, _withdraw, _reject, _erase_by_token],
    "approved-withdrawn-rejected-retention": [_approve, _withdraw, _reject, _retention],
    "approved-reported-hidden-erase": [_approve, _reported, _erase_by_token],
    "rejected-erase": [_reject, _erase_by_token],
    "rejected-retention": [_reject, _retention],
    "approved-withdrawn-retention": [_approve, _withdraw, _retention],
    "approved-reported-hidden-retention": [_approve, _reported, _retention],
}


def _places_written(app, tmp_path: Path, backup: Path) -> list[Path]:
    db = Path(app.config["DATABASE"])
    files = [db, Path(str(db) + "-wal"), backup]
    for folder in (media_dir(app), Path(app.config["PACK_DIR"])):
        if folder.exists():
            files += [p for p in folder.rglob("*") if p.is_file()]
    return [f for f in files if f.exists()]


def _contents(path: Path) -> list[bytes]:
    """A file's raw bytes, and for a zip archive each member's bytes too."""
    data = path.read_bytes()
    out = [data]
    if zipfile.is_zipfile(io.BytesIO(data)):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            out += [archive.read(name) for name in archive.namelist()]
    return out


def _holders(files: list[Path], needles: list[bytes]) -> list[str]:
    return sorted({f"{path.name}: {needle[:12]!r}" for path in files
                   for blob in _contents(path) for needle in needles if needle in blob})


@pytest.mark.parametrize("steps", PATHS.values(), ids=PATHS.keys())
def test_no_byte_of_an_erased_story_is_left_anywhere(geo_app, geo_client, store, tmp_path,
                                                      steps):
    # The marker's random tail is what is searched for: the full-text index stores a
    # word after the prefix it shares with the word before it, never its tail.
    tail = uuid.uuid4().hex
    marker = f"markor{tail}"
    r = post_files(geo_client, story(title=f"Gården {marker}",
                                     body=f"Här bodde {marker} och hans katt.",
                                     people_in_media=False),
                   [("a.jpg", jpeg_with_gps())], key=str(uuid.uuid4()))
    assert r.status_code == 201
    sid, token = r.get_json()["id"], r.get_json()["token"]
    stored = [p for p in media_dir(geo_app).rglob("*.jpg")]
    assert len(stored) == 2  # the photo and its thumbnail
    # Pieces from the middle of each stored JPEG's compressed data.
    photo_bytes = [(b := p.read_bytes())[len(b) // 2:len(b) // 2 + 48] for p in stored]
    needles = [tail.encode(), *photo_bytes]

    for step in steps:
        step(geo_app, store, sid, token, geo_client)
        with store.reader() as reader:
            row = reader.contribution(sid)
        if row is not None and row["status"] == "approved":
            pack = geo_client.get("/packs/bollnas")  # built while it is public
            assert pack.status_code == 200
            assert any(tail.encode() in blob for blob in _contents_of_bytes(pack.data))

    with store.reader() as reader:
        assert reader.contribution(sid) is None
    backup = tmp_path / "after-erasure.sqlite3"
    store.backup(backup)
    files = _places_written(geo_app, tmp_path, backup)
    assert backup in files and Path(geo_app.config["DATABASE"]) in files
    assert _holders(files, needles) == []


def _contents_of_bytes(data: bytes) -> list[bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [archive.read(name) for name in archive.namelist()]
