"""Fixtures: an app on a temporary SQLite file, its client and CLI runner, the real
geodata loaded, and a real HTTP server on loopback for clients such as OWSLib."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.app import DATABASES, GEODATA, ON_POSTGRES, ServedApp, copy_instance, settings_in

from trailapp import create_app, loader


@pytest.fixture(autouse=True)
def _postgres_databases_back(request):
    """A test's PostgreSQL databases (all of them when TRAILAPP_TEST_STORE=postgresql,
    those of tests/test_postgres.py otherwise) are emptied after it and kept for later
    tests (helpers/app.py)."""
    folder = (request.getfixturevalue("tmp_path")
              if "tmp_path" in request.fixturenames else None)
    yield
    if folder is not None and DATABASES.cluster is not None:
        DATABASES.release_under(folder)


def pytest_collection_modifyitems(config, items):
    """Tests marked sqlite_only look into the SQLite file itself (its pragmas, its
    WAL, a copy of the file): skipped on PostgreSQL, where tests/test_postgres.py
    shows the same promise its own way. Tests marked own_postgres (test_postgres.py,
    test_multiserver.py) make their own PostgreSQL databases whatever the store: they
    run in the SQLite pass only, not twice."""
    if ON_POSTGRES:
        skip = pytest.mark.skip(reason="looks into the SQLite file itself")
        again = pytest.mark.skip(reason="makes its own PostgreSQL databases: run once, in "
                                 "the SQLite pass")
        for item in items:
            if "sqlite_only" in item.keywords:
                item.add_marker(skip)
            elif "own_postgres" in item.keywords:
                item.add_marker(again)


@pytest.fixture(scope="session")
def geodata_instance(tmp_path_factory) -> Path:
    """A closed instance with the real geodata/ loaded, made once per test process;
    geo_app starts from a copy of its files (a copy is far cheaper than a load)."""
    folder = tmp_path_factory.mktemp("geodata-instance")
    app = create_app(settings_in(folder))
    store = app.extensions["trailapp"].store
    try:
        loader.load(store, [GEODATA])
    finally:
        store.close()
    return folder


@pytest.fixture
def app(request, tmp_path: Path):
    """An app with an empty, migrated database under tmp_path (with the real geodata
    already in it when the test also asks for geo_app)."""
    if "geo_app" in request.fixturenames:
        copy_instance(request.getfixturevalue("geodata_instance"), tmp_path)
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
    """The app with the real geodata/ loaded (copied in by the app fixture)."""
    return app


@pytest.fixture
def geo_client(geo_app):
    return geo_app.test_client()


@pytest.fixture
def served(geo_app) -> Iterator[ServedApp]:
    """The app with real geodata, served over real HTTP on loopback."""
    with ServedApp(geo_app) as s:
        yield s
