"""Faults of the machine: a full disk, a database locked by another program, torn
uploads. Each gets a clear answer, loses nothing acknowledged and leaves nothing half
written."""

from __future__ import annotations

import errno
import fcntl
import socket
import sqlite3
import threading

import pytest
from helpers.app import ServedApp, settings_in
from helpers.contributions import post_files, post_json, story
from helpers.media_files import jpeg_with_gps
from helpers.store import count

from trailapp import create_app, loader
from trailapp.media import MediaStore


def test_a_full_disk_while_writing_media_is_507_and_leaves_nothing(app, geo_client, store,
                                                                  monkeypatch):
    def full(self, name, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(MediaStore, "_write_temp", full)
    r = post_files(geo_client, story(people_in_media=False), [("a.jpg", jpeg_with_gps())])
    assert r.status_code == 507
    assert r.get_json()["code"] == "InsufficientStorage" and "Retry-After" in r.headers
    assert count(store, "contributions") == 0
    monkeypatch.undo()
    assert post_json(geo_client, story()).status_code == 201  # recovers, no restart


@pytest.mark.sqlite_only  # faults of the SQLite file
def test_a_full_database_is_507_and_recovers(app, geo_client, store):
    """SQLite's own "database or disk is full", forced with max_page_count."""
    with store.writer() as w:
        pages = w.conn.execute("PRAGMA page_count").fetchone()[0]
        w.conn.execute(f"PRAGMA max_page_count = {pages}")
    big = story(body="x" * 4000)
    statuses = {post_json(geo_client, {**big, "title": f"Fyllning {i}"},
                          addr=f"10.9.0.{i}").status_code for i in range(40)}
    assert 507 in statuses and 500 not in statuses
    before = count(store, "contributions")
    with store.writer() as w:
        w.conn.execute("PRAGMA max_page_count = 1073741823")
    assert post_json(geo_client, story(title="Efteråt"), addr="10.9.1.1").status_code == 201
    assert count(store, "contributions") == before + 1
    assert store.integrity_check() == "ok"


@pytest.mark.sqlite_only  # faults of the SQLite file
def test_a_database_locked_by_another_program_gives_503_and_reads_go_on(tmp_path):
    app = create_app(settings_in(tmp_path, BUSY_TIMEOUT_MS=200))
    from helpers.app import GEODATA

    loader.load(app.extensions["trailapp"].store, [GEODATA])
    client = app.test_client()
    other = sqlite3.connect(tmp_path / "test.sqlite3", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another program holds the write lock
    try:
        r = post_json(client, story())
        assert r.status_code == 503
        assert r.headers["Retry-After"] and r.get_json()["code"] == "ServiceUnavailable"
        assert client.get("/collections/places/items?limit=1").status_code == 200
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert post_json(client, story()).status_code == 201
    app.extensions["trailapp"].store.close()


@pytest.mark.sqlite_only  # faults of the SQLite file
def test_another_process_holding_the_write_lock_file_gives_503(tmp_path):
    app = create_app(settings_in(tmp_path, BUSY_TIMEOUT_MS=200))
    from helpers.app import GEODATA

    loader.load(app.extensions["trailapp"].store, [GEODATA])
    with open(tmp_path / "test.sqlite3.write-lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        r = post_json(app.test_client(), story())
        fcntl.flock(lock, fcntl.LOCK_UN)
    assert r.status_code == 503
    app.extensions["trailapp"].store.close()


@pytest.mark.parametrize("cut", [0.1, 0.5, 0.9])
def test_a_torn_upload_leaves_no_file_and_no_row(geo_app, store, cut):
    """A client sends part of a multipart body and hangs up."""
    photo = jpeg_with_gps(1200, 900)
    boundary = "torn-boundary"
    parts = []
    for name, value in story(people_in_media="false").items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                     f"{value}\r\n".encode())
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="media"; '
                 'filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'.encode() + photo
                 + f"\r\n--{boundary}--\r\n".encode())
    body = b"".join(parts)
    with ServedApp(geo_app) as served:
        host, port = served.url.removeprefix("http://").split(":")
        sock = socket.create_connection((host, int(port)), timeout=5)
        head = (f"POST /contributions HTTP/1.1\r\nHost: {host}\r\nContent-Type: "
                f"multipart/form-data; boundary={boundary}\r\nContent-Length: {len(body)}"
                "\r\n\r\n").encode()
        sock.sendall(head + body[: int(len(body) * cut)])
        sock.close()  # hang up half way
        # The server notices the short body; then it must still serve normally.
        done = threading.Event()
        statuses = []

        def after():
            import urllib.request

            with urllib.request.urlopen(served.url + "/healthz", timeout=10) as r:
                statuses.append(r.status)
            done.set()

        threading.Thread(target=after).start()
        assert done.wait(15)
    assert statuses == [200]
    assert count(store, "contributions") == 0 and count(store, "media") == 0
    media = geo_app.extensions["trailapp"].contributions.media.root
    assert not media.exists() or [p for p in media.rglob("*") if p.is_file()] == []
