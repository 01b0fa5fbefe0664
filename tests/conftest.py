"""Fixtures: an app on a temporary SQLite file, its client and CLI runner, the real
geodata loaded, and a real HTTP server on loopback for clients such as OWSLib."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.app import GEODATA, ServedApp, settings_in

from trailapp import create_app, loader


@pytest.fixture
def app(tmp_path: Path):
    """An app with an empty, migrated database under tmp_path."""
    app = create_app(settings_in(tmp_path))
    yield app
    app.extensions["trailapp"].store.close()


@pytest.fixture
def store(app):
    return app.extensions["trailapp"].store


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def geo_app(app):
    """The app with the real geodata/ loaded."""
    loader.load(app.extensions["trailapp"].store, [GEODATA])
    return app


@pytest.fixture
def geo_client(geo_app):
    return geo_app.test_client()


@pytest.fixture
def served(geo_app) -> Iterator[ServedApp]:
    """The app with real geodata, served over real HTTP on loopback."""
    with ServedApp(geo_app) as s:
        yield s
