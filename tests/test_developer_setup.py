"""The app team's development set-up (issue 11): demo content through the real
pipeline, long commands that show progress and a summary, and `make run` on any
address."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from helpers.app import GEODATA
from helpers.contributions import post_json, story
from helpers.store import count

ROOT = Path(__file__).resolve().parent.parent


def test_seed_demo_adds_marked_public_content_with_cleaned_media(geo_app, geo_client, store):
    result = geo_app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "Added 6 demo contribution(s)" in result.output
    stories = geo_client.get("/collections/stories/items").get_json()["features"]
    assert len(stories) == 4
    assert all(f["properties"]["name"].startswith("[DEMO]") for f in stories)
    assert all(f["properties"]["pseudonym"].startswith("Demo") for f in stories)
    kinds = {m["type"] for f in stories for m in f["properties"]["media"]}
    assert kinds == {"image/jpeg", "audio/mp4"}  # through the media pipeline
    activities = geo_client.get("/collections/activities/items").get_json()["features"]
    assert len(activities) == 2
    again = geo_app.test_cli_runner().invoke(args=["seed-demo"])
    assert again.exit_code == 0 and "nothing added" in again.output
    assert count(store, "contributions") == 6


def test_seed_demo_refuses_a_database_with_real_contributions(geo_app, geo_client, store):
    assert post_json(geo_client, story()).status_code == 201
    result = geo_app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 1
    assert "not demo content" in result.output
    assert count(store, "contributions") == 1


def test_loading_and_rendering_show_progress_and_a_summary(app):
    runner = app.test_cli_runner()
    loaded = runner.invoke(args=["load-geodata", str(GEODATA)])
    assert loaded.exit_code == 0, loaded.output
    assert "Reading files" in loaded.output and "Writing features" in loaded.output
    assert "Loaded 2 file(s): 35 created" in loaded.output and " s)." in loaded.output
    rendered = runner.invoke(args=["rerender"])
    assert "Rendering features" in rendered.output
    assert "Re-rendered 0 feature(s)" in rendered.output


@pytest.mark.sqlite_only  # flask backup writes SQLite files
def test_backup_says_what_it_wrote(geo_app, tmp_path):
    result = geo_app.test_cli_runner().invoke(args=["backup", str(tmp_path / "b.sqlite3")])
    assert result.exit_code == 0, result.output
    assert "integrity ok" in result.output


def test_make_run_takes_host_and_port():
    dry = subprocess.run(["make", "-n", "run", "HOST=0.0.0.0", "PORT=8080"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    assert "run --host 0.0.0.0 --port 8080" in dry
    default = subprocess.run(["make", "-n", "run"], cwd=ROOT, capture_output=True,
                             text=True, check=True).stdout
    assert "run --host 127.0.0.1 --port 5000" in default
