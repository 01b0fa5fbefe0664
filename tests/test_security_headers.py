"""Response headers under the production server: nothing framed, sniffed or run, and
no server version leaked."""

from __future__ import annotations

import os
import urllib.request

import pytest
from helpers.app import GEODATA, settings_in
from helpers.servers import free_port, start_gunicorn, stop

from trailapp import create_app, loader


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    folder = tmp_path_factory.mktemp("prod")
    config = settings_in(folder)
    app = create_app(config)
    loader.load(app.extensions["trailapp"].store, [GEODATA])
    app.extensions["trailapp"].store.close()
    env = {**os.environ, **{f"TRAILAPP_{k}": str(v) for k, v in config.items()
                            if k != "TESTING"}}
    port = free_port()
    proc = start_gunicorn(env, port)
    yield f"http://127.0.0.1:{port}"
    stop(proc)


@pytest.mark.parametrize("path", ["/", "/collections/places/items?limit=2", "/api",
                                  "/privacy-notice", "/healthz", "/nowhere"])
def test_api_responses_carry_the_security_headers(production, path):
    try:
        with urllib.request.urlopen(production + path) as response:
            headers = response.headers
    except urllib.error.HTTPError as error:
        with error:
            headers = error.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["Server"] == "trailapp"  # no gunicorn or Python version


def test_the_dashboard_login_page_has_its_own_strict_policy(production):
    with urllib.request.urlopen(production + "/dashboard/login") as response:
        headers = response.headers
    policy = headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
