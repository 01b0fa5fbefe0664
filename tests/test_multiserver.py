"""Two gunicorn servers share one PostgreSQL (issue 16), for a short while: the same
run as bench/multiserver.py (10 writers and 3 sync clients spread over both servers,
one server killed with SIGKILL midway), checked the same way. The benchmark runs it
for a minute; see its docstring for what is checked."""

from __future__ import annotations

import sys

import pytest
from helpers.app import ROOT

sys.path.insert(0, str(ROOT / "bench"))

import multiserver  # noqa: E402

pytestmark = pytest.mark.own_postgres


@pytest.mark.slow
def test_two_servers_one_killed_lose_no_acknowledged_write_and_sync_exactly():
    result = multiserver.run(seconds=12, writers=10, syncers=3)
    assert result["writes_acknowledged"] > 50, result
    assert result["acknowledged_places_missing"] == [], result
    assert result["acknowledged_places_wrong"] == [], result
    assert result["acknowledged_contributions_missing"] == [], result
    assert result["new_client_differs_from_database"] == 0, result
    assert result["sync_clients_missing"] == [0, 0, 0], result
    assert result["sync_clients_extra"] == [0, 0, 0], result
    assert result["sync_clients_stale"] == [0, 0, 0], result
    assert result["survivor_requests_after_kill"] > 0, result
    assert result["survivor_errors_after_kill"] == 0, result
    assert multiserver.holds(result)
