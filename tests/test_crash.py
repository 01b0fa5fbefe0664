"""The short crash run of bench/crash.py: kill -9 mid-write, nothing acknowledged lost."""

from __future__ import annotations

from bench.crash import run


def test_no_acknowledged_submission_is_lost_when_the_server_is_killed(tmp_path):
    results = run(rounds=3, clients=4, folder=tmp_path)
    assert results[-1]["acknowledged"] > 0  # clients really got answers between kills
    assert all(r["lost"] == 0 for r in results)
    assert all(r["integrity"] == "ok" for r in results)
