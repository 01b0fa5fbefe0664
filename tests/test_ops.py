"""Health and metrics endpoints."""

from __future__ import annotations

import re

import pytest

from tests.helpers.app import settings_in
from trailapp import create_app


def test_healthz_says_ok_with_the_content_version(geo_client, store):
    r = geo_client.get("/healthz")
    assert r.status_code == 200
    with store.reader() as reader:
        assert r.get_json() == {"status": "ok", "database": "ok",
                                "content_version": reader.version()[0]}
    assert r.headers["Cache-Control"] == "no-store"


def _count(text: str, endpoint: str, status: str) -> float:
    pattern = (r'^trailapp_requests_total\{endpoint="' + re.escape(endpoint)
               + r'",method="GET",status="' + status + r'"\} ([0-9.e+]+)$')
    match = re.search(pattern, text, re.M)
    return float(match.group(1)) if match else 0.0


def test_metrics_count_requests_by_endpoint_and_status(client):
    before = client.get("/metrics").get_data(as_text=True)
    client.get("/conformance")
    client.get("/collections/nowhere")
    after = client.get("/metrics").get_data(as_text=True)
    assert _count(after, "ogc.conformance", "200") == _count(before, "ogc.conformance",
                                                             "200") + 1
    assert _count(after, "ogc.collection", "404") == _count(before, "ogc.collection",
                                                            "404") + 1
    assert "trailapp_request_seconds_bucket" in after


def test_metrics_answer_only_the_machine_itself(client):
    r = client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert r.status_code == 404
    assert r.get_json()["code"] == "NotFound"


def test_a_database_url_of_another_kind_stops_the_start_and_creates_nothing(
        tmp_path, monkeypatch):
    # A URL of a database this service has no store for must not be taken as a file
    # name (a new, empty database in a folder called "mysql:"); its password is not
    # repeated. postgresql:// opens the PostgreSQL store (tests/test_postgres.py).
    monkeypatch.chdir(tmp_path)
    url = "mysql://trail:secret@127.0.0.1/trailapp"
    settings = settings_in(tmp_path, DATABASE=url)
    with pytest.raises(ValueError, match=r"TRAILAPP_DATABASE=mysql://…: the store is") as e:
        create_app(settings)
    assert "secret" not in str(e.value)
    assert not (tmp_path / "mysql:").exists()
    assert not (tmp_path / "test.sqlite3").exists()


def test_a_database_path_with_a_colon_is_still_a_file(tmp_path):
    path = tmp_path / "a:b.sqlite3"
    app = create_app(settings_in(tmp_path, DATABASE=str(path)))
    app.extensions["trailapp"].store.close()
    assert path.is_file()
